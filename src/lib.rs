//! ssp — the Support Sphere platform CLI, as a library.
//!
//! Layers, top to bottom: [`cli`] (clap types) → [`commands`] (one file per subcommand) → services
//! ([`preflight`], `sops`, and the tools, chart, cluster, helm and seed services as they land) →
//! adapters ([`runner`] for external programs, [`docker`] for the Docker API). Services never print:
//! they report through the [`output::Output`] handle they are given.

pub mod atomic_write;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod context;
pub mod docker;
pub mod exit;
pub mod helm;
pub mod interrupt;
pub mod k8s;
pub mod output;
pub mod preflight;
pub mod runner;
pub mod secret_edit;
pub mod sops;
pub mod sops_keys;
pub mod triage;
pub mod values;
