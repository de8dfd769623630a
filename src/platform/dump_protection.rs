//! Keeping decrypted secrets out of core files and away from other processes of the same user.
//!
//! Every command that decrypts or reads secrets calls [`forbid_dumps`] first: `RLIMIT_CORE` 0 (soft
//! and hard, so no child — an editor holding the plaintext — can raise it again) means a crash or
//! SIGQUIT writes no core file, and on Linux `PR_SET_DUMPABLE` 0 also stops same-user `ptrace` and
//! reads of `/proc/<pid>/mem` (the `/proc/<pid>` files become root's). Children start dumpable again
//! (`execve` resets the flag) but inherit the core limit. On other systems only the limit applies.

/// What could not be set (reported at `-v`; a failure leaves ssp working, less protected).
pub fn forbid_dumps() -> Vec<String> {
    let mut failed = Vec::new();
    if let Err(err) = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0) {
        failed.push(format!("cannot set RLIMIT_CORE to 0: {err}"));
    }
    #[cfg(target_os = "linux")]
    if let Err(err) = nix::sys::prctl::set_dumpable(false) {
        failed.push(format!("cannot clear PR_SET_DUMPABLE: {err}"));
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_core_file_and_not_dumpable() {
        assert_eq!(forbid_dumps(), Vec::<String>::new());
        assert_eq!(nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_CORE).unwrap(), (0, 0));
        #[cfg(target_os = "linux")]
        assert!(!nix::sys::prctl::get_dumpable().unwrap());
    }
}
