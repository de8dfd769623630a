//! Shared test support (include with `mod support;`):
//!
//! - [`cli`]: the `ssp` binary driven as a user would, in a throwaway project.
//! - [`env`]: what the machine has (a Docker daemon).
//! - [`prerequisite`]: the one skip-or-fail rule for whatever a test needs and may be missing.
//! - [`fixtures`]: the shared fixtures (chart bundle, reference values, the sops test key).
//! - [`download_server`]: the loopback release-asset server for install-tools.
//! - [`kube_api`]: an in-process Kubernetes API server that kube-rs and kubectl reach through a
//!   kubeconfig, with state the test drives.
//! - [`moto`]: AWS KMS and STS on loopback (moto) behind a proxy that records every call.
//! - [`postgres`]: a real PostgreSQL on a loopback port (Debian's package), and the database
//!   pod's exec handler for the API double.
//! - [`registry`]: a real container registry (Debian's `docker-registry`) on loopback, with or
//!   without basic auth, its access log read back, and test images built `FROM scratch` pushed to it.
//! - [`fakes`]: fake `k3d` and `helm` executables that record how they were called and answer
//!   like the real tools.
//! - [`tools`]: the real helm and kubectl binaries fetched by `get-helm-kubectl.sh`.
//! - [`write_executable`]: a program (fake tool, editor, key command) written with mode 0755.
#![allow(dead_code)]

pub mod cli;
pub mod download_server;
pub mod env;
pub mod fakes;
pub mod fixtures;
pub mod kube_api;
pub mod moto;
pub mod postgres;
pub mod registry;
pub mod stack;
pub mod token_auth;
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

/// Percent-decoding of a query or form value (`%3A` → `:`, `+` → space); a `%` not followed by
/// two hex digits stays as it is. For the HTTP doubles (the Kubernetes API, the moto proxy).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).map(|h| u8::from_str_radix(h, 16)) {
                    Ok(Ok(b)) => {
                        out.push(b);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a test needs from the machine. Under `CI=true` every need is required (a missing one
/// fails the test); `SSP_TEST_REQUIRE_DOCKER=1` requires the Docker daemon outside CI too. CI sets
/// both (`.ci/run`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// A Docker daemon.
    Docker,
    /// Anything else: a tool, a shared fixture, root.
    Other,
}

impl Need {
    /// The switch that is on and makes this need required, if any.
    fn required_by(self) -> Option<&'static str> {
        let var = |name: &str| std::env::var(name).unwrap_or_default();
        if var("CI") == "true" {
            return Some("CI=true");
        }
        let docker = var("SSP_TEST_REQUIRE_DOCKER");
        (self == Need::Docker && !docker.is_empty() && docker != "0" && docker != "false")
            .then_some("SSP_TEST_REQUIRE_DOCKER")
    }
}

/// The one skip rule. Returns `true` when `what` is available. When it is not: if the switch of
/// `need` is on, the test panics with `why`; otherwise it prints a `skipped:` line with the reason,
/// returns `false`, and the test should return.
///
/// ```ignore
/// if !support::prerequisite(Need::Other, "kubectl", kubectl.exists(), "/usr/bin/kubectl is missing") { return; }
/// ```
pub fn prerequisite(need: Need, what: &str, available: bool, why: &str) -> bool {
    if available {
        return true;
    }
    if let Some(switch) = need.required_by() {
        panic!("prerequisite {what} missing under {switch}: {why}");
    }
    eprintln!("skipped: {what} unavailable: {why}");
    false
}
