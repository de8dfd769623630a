//! Seeding the database: the seed image built through the Docker API, and the Kubernetes Job that
//! runs it.

pub mod image;
pub mod job;
