//! ssp — the Support Sphere platform CLI, as a library.
//!
//! Layers, top to bottom: [`cli`] (clap types) → [`commands`] (one file per subcommand) → services
//! ([`preflight`], [`tools`], [`chart`], [`cluster`], [`helm`], [`k8s`], [`image`], [`seed`],
//! [`stack`], [`sops`]) → adapters ([`runner`] for external programs, [`docker`] for the Docker API,
//! the kube client). Services never print: they report through the [`output::Output`] handle.

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod context;
pub mod exit;
pub mod k8s;
pub mod platform;
pub mod preflight;
pub mod release;
pub mod secrets;
pub mod seed;
pub mod sops;
pub mod tools;
