//! A sops-compatible engine (SOPS file format, in-process).
