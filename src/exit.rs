//! Exit statuses, as documented in `ssp --help`: 0 success, 1 failure, 2 usage or configuration
//! error, 130 interrupted.

use crate::config::ConfigError;
use crate::platform::interrupt;

pub const SUCCESS: i32 = 0;
pub const FAILURE: i32 = 1;
pub const USAGE: i32 = 2;
pub const INTERRUPTED: i32 = interrupt::EXIT_INTERRUPTED;

/// A usage error found after argument parsing (a flag value that makes no sense for this project).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// An error that carries its own exit status (e.g. `ssp sops` keeps sops' status table).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StatusError {
    pub message: String,
    pub status: i32,
}

/// The exit status for an error: interrupted wins, then configuration/usage errors, else 1.
pub fn status_for(err: &anyhow::Error) -> i32 {
    if interrupt::is_interrupted() {
        return INTERRUPTED;
    }
    for cause in err.chain() {
        if let Some(status) = cause.downcast_ref::<StatusError>() {
            return status.status;
        }
        if cause.is::<ConfigError>() || cause.is::<UsageError>() {
            return USAGE;
        }
    }
    FAILURE
}
