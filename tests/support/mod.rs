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
