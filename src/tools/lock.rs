//! The install lock: an exclusive `flock` on a file in the tools dir, so two `ssp install-tools`
//! runs (two terminals, parallel CI jobs) never write the same tool at once. The second run waits
//! for the first, then finds the tools installed. The kernel drops the lock when the process ends,
//! however it ends.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use crate::platform::interrupt;
use crate::platform::output::Output;

/// The lock file's name inside the tools dir.
pub const LOCK_FILE: &str = ".install.lock";

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot lock {}: {error}\nhint: check that the tools dir is writable (tools.dir in ssp.toml)", .path.display())]
    Io { path: PathBuf, error: std::io::Error },
    #[error("interrupted")]
    Interrupted,
}

/// Held while tools are being installed; released on drop.
pub struct InstallLock {
    _lock: Flock<File>,
}

impl InstallLock {
    /// Takes the lock in `dir`, waiting (and saying so) while another run holds it.
    pub async fn acquire(dir: &Path, output: &Output) -> Result<InstallLock, LockError> {
        let path = dir.join(LOCK_FILE);
        let io_error = |error| LockError::Io { path: path.clone(), error };
        let file =
            OpenOptions::new().create(true).truncate(false).read(true).write(true).open(&path).map_err(io_error)?;
        let file = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => return Ok(InstallLock { _lock: lock }),
            Err((file, Errno::EWOULDBLOCK)) => file,
            Err((_, errno)) => return Err(io_error(errno.into())),
        };
        output.note(format!("waiting for another ssp run that is installing tools (lock {})", path.display()));
        let waiter = crate::platform::blocking::run(move || Flock::lock(file, FlockArg::LockExclusive));
        let token = interrupt::token();
        let locked = tokio::select! {
            locked = waiter => locked,
            _ = token.cancelled() => return Err(LockError::Interrupted),
        };
        match locked {
            Ok(lock) => Ok(InstallLock { _lock: lock }),
            Err((_, errno)) => Err(io_error(errno.into())),
        }
    }
}
