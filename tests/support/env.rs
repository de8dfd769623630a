//! What the test machine has: a Docker daemon. A missing daemon goes through the one skip rule
//! ([`super::prerequisite`] with [`Need::Docker`]): a skip with a printed reason, or a failure
//! under `CI=true` or with `SSP_TEST_REQUIRE_DOCKER=1` (CI sets both).

use std::path::PathBuf;

use super::Need;

/// True when a Docker daemon accepts connections on DOCKER_HOST or the default socket.
pub fn docker_available(test: &str) -> bool {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let socket = host.strip_prefix("unix://").map(PathBuf::from);
    let reachable = socket.is_some_and(|s| std::os::unix::net::UnixStream::connect(s).is_ok());
    super::prerequisite(Need::Docker, &format!("{test}: Docker"), reachable, &format!("no daemon at {host}"))
}
