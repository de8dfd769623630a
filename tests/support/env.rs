//! What the test machine has: a Docker daemon. Outside CI a missing daemon skips the test with a
//! printed reason; with `SSP_TEST_REQUIRE_DOCKER=1` (CI sets it) it fails.

use std::path::PathBuf;

/// True when a Docker daemon accepts connections on DOCKER_HOST or the default socket.
pub fn docker_available(test: &str) -> bool {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let socket = host.strip_prefix("unix://").map(PathBuf::from);
    let reachable = socket.is_some_and(|s| std::os::unix::net::UnixStream::connect(s).is_ok());
    if !reachable {
        let required =
            std::env::var("SSP_TEST_REQUIRE_DOCKER").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
        if required {
            panic!("{test}: SSP_TEST_REQUIRE_DOCKER is set but there is no Docker daemon at {host}");
        }
        eprintln!("skipped: {test}: no Docker daemon at {host}");
    }
    reachable
}
