//! The cluster the release runs in: the local k3d cluster (its lifecycle through the k3d binary,
//! its config file, bringing it to running) and [`access::ClusterAccess`], the one way every
//! command reaches a cluster, k3d's or an existing one.

pub mod access;
pub mod config;
pub mod k3d;
pub mod provision;
