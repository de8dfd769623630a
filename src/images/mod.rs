//! The release's container images: which ones the chart and values use ([`render`], by
//! `helm template`), their references ([`reference`]), where they are — host Docker, the
//! cluster's nodes, their registry ([`inventory`]) — kept in Docker and loaded into new clusters
//! ([`pull`]), and the registry-to-registry mirror ([`mirror`]) over the OCI distribution API ([`distribution`]).

pub mod distribution;
pub mod inventory;
pub mod mirror;
pub mod pull;
pub mod reference;
pub mod render;
