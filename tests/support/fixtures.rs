//! Shared-fixture lookup and a throwaway GnuPG home for the SOPS tests.
//!
//! Fixtures are found through `SSP_SHARED_FIXTURES` or `<repo>/../shared/fixtures`. Under `CI=true`
//! a missing fixture directory fails the test; elsewhere the test prints a skip line.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared fixtures directory, or `None` (after printing why) when it is absent outside CI.
pub fn shared_fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("SSP_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("shared fixtures not found at {} (set SSP_SHARED_FIXTURES)", dir.display());
    }
    eprintln!("skipped: shared fixtures not found at {}", dir.display());
    None
}

/// `<fixtures>/sops/getsops`.
pub fn getsops() -> Option<PathBuf> {
    shared_fixtures().map(|d| d.join("sops/getsops"))
}

/// A temporary GNUPGHOME (mode 0700) with the sops functional-test key imported; its agent is
/// stopped and the directory removed on drop.
pub struct GpgHome {
    pub dir: tempfile::TempDir,
}

impl GpgHome {
    pub fn with_sops_test_key(getsops: &Path) -> Option<GpgHome> {
        let gpg = Path::new("/usr/bin/gpg");
        if !gpg.exists() {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("/usr/bin/gpg is required under CI");
            }
            eprintln!("skipped: /usr/bin/gpg not installed");
            return None;
        }
        let dir = tempfile::Builder::new().prefix("gh").tempdir_in("/tmp").expect("temp dir");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let status = Command::new(gpg)
            .arg("--homedir")
            .arg(dir.path())
            .args(["--batch", "--quiet", "--import"])
            .arg(getsops.join("pgp/sops_functional_tests_key.asc"))
            .status()
            .expect("run gpg --import");
        assert!(status.success(), "gpg --import of the sops test key failed");
        Some(GpgHome { dir })
    }

    pub fn gpg(&self) -> ssp::sops::SystemGpg {
        ssp::sops::SystemGpg { program: "/usr/bin/gpg".into(), homedir: Some(self.dir.path().to_path_buf()) }
    }
}

impl Drop for GpgHome {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf").arg("--homedir").arg(self.dir.path()).args(["--kill", "gpg-agent"]).status();
    }
}
