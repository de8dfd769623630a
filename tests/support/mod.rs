//! Shared test support (include with `mod support;`):
//!
//! - [`cli`]: the `ssp` binary driven as a user would, in a throwaway project.
//! - [`env`]: what the machine has (Docker) and the skip-or-fail rule for it.
//! - [`fixtures`]: the shared fixtures (chart bundle, reference values, the sops test key).
//! - [`download_server`]: the loopback release-asset server for install-tools.
//! - [`kube_api`]: an in-process Kubernetes API server that kube-rs and kubectl reach through a
//!   kubeconfig, with state the test drives.
//! - [`moto`]: AWS KMS and STS on loopback (moto) behind a proxy that records every call.
//! - [`fakes`]: fake `k3d` and `helm` executables that record how they were called and answer
//!   like the real tools.
//! - [`tools`]: the real helm and kubectl binaries fetched by `get-helm-kubectl.sh`.
#![allow(dead_code)]

pub mod cli;
pub mod download_server;
pub mod env;
pub mod fakes;
pub mod fixtures;
pub mod kube_api;
pub mod moto;
pub mod stack;
pub mod tools;

use std::path::{Path, PathBuf};

/// Writes a program to `path` (creating its folder) and makes it executable (mode 0755): the
/// fake tools, editors and key commands the tests hand to ssp. Returns the path.
pub fn write_executable(path: impl AsRef<Path>, text: impl AsRef<[u8]>) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = path.as_ref();
    std::fs::create_dir_all(path.parent().expect("a file in a folder")).expect("create the program's folder");
    std::fs::write(path, text).expect("write the program");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod 0755 the program");
    path.to_path_buf()
}

/// Whether tests run under CI (`CI=true`), where a missing prerequisite is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Returns `true` when `what` is available. When it is not: under `CI=true` the test panics
/// with `why`; elsewhere it prints a skip line with the reason and the test should return.
///
/// ```ignore
/// if !support::prerequisite("kubectl", kubectl.exists(), "/usr/bin/kubectl is missing") { return; }
/// ```
pub fn prerequisite(what: &str, available: bool, why: &str) -> bool {
    if available {
        return true;
    }
    if in_ci() {
        panic!("prerequisite {what} missing under CI=true: {why}");
    }
    eprintln!("skipped: {what} unavailable: {why}");
    false
}
