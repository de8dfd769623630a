//! The cluster the release runs in: the local k3d cluster (its lifecycle and its config file) and
//! the one way every command reaches a cluster, k3d's or an existing one.

pub mod k3d;
