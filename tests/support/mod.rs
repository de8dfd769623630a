//! Shared test support: the `ssp` binary driven as a user would ([`cli`]), fixtures lookup and
//! skip rules ([`env`]), the loopback release-asset server ([`download_server`]). Test doubles for
//! k3d, helm and the Kubernetes API live beside them.
#![allow(dead_code)]

pub mod cli;
pub mod download_server;
pub mod env;
