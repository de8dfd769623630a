//! What the test machine has: Docker, shared fixtures. Outside CI a missing prerequisite skips the
//! test with a printed reason; under `CI=true` (or `SSP_TEST_REQUIRE_DOCKER=1` for Docker) it fails.

use std::path::PathBuf;

fn truthy(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

pub fn in_ci() -> bool {
    truthy("CI")
}

/// Prints the skip line, or panics when the prerequisite is required here.
pub fn skip_or_fail(required: bool, test: &str, reason: &str) {
    if required {
        panic!("{test}: required prerequisite missing: {reason}");
    }
    eprintln!("skipped: {test}: {reason}");
}

/// True when a Docker daemon answers `docker info`-style on the default socket or DOCKER_HOST.
/// When it does not: skip (printed) or fail under SSP_TEST_REQUIRE_DOCKER=1.
pub fn docker_available(test: &str) -> bool {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let socket = host.strip_prefix("unix://").map(PathBuf::from);
    let reachable = socket.is_some_and(|s| std::os::unix::net::UnixStream::connect(s).is_ok());
    if !reachable {
        skip_or_fail(truthy("SSP_TEST_REQUIRE_DOCKER"), test, &format!("no Docker daemon at {host}"));
    }
    reachable
}

/// `../shared/fixtures` beside the repository, or `SSP_SHARED_FIXTURES`.
pub fn shared_fixtures(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("SSP_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"));
    if dir.is_dir() {
        Some(dir)
    } else {
        skip_or_fail(in_ci(), test, &format!("shared fixtures not found at {}", dir.display()));
        None
    }
}
