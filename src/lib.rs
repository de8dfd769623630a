//! ssp — the Support Sphere platform CLI, as a library.
//!
//! Layers, top to bottom: `cli` (clap types) → `commands` (one file per subcommand) → services
//! (`tools`, `chart`, `cluster`, `helm`, `kube`, `docker`, `sops`, `seed`) → adapters (`runner`, HTTP,
//! Docker API, Kubernetes API). Services never print: they report through the [`output::Output`] handle.

pub mod sops;
