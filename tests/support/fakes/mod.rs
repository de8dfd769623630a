//! Fake `k3d` and `helm` executables (placeholder; filled in below).
