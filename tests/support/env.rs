//! What the test machine has: a Docker daemon, and Debian's static busybox for images built
//! `FROM scratch` (nothing can be pulled here). A missing daemon goes through the one skip rule
//! ([`super::prerequisite`] with [`Need::Docker`]): a skip with a printed reason, or a failure
//! under `CI=true` or with `SSP_TEST_REQUIRE_DOCKER=1` (CI sets both).

use std::path::{Path, PathBuf};

use super::Need;

/// True when a Docker daemon accepts connections on DOCKER_HOST or the default socket.
pub fn docker_available(test: &str) -> bool {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let socket = host.strip_prefix("unix://").map(PathBuf::from);
    let reachable = socket.is_some_and(|s| std::os::unix::net::UnixStream::connect(s).is_ok());
    super::prerequisite(Need::Docker, &format!("{test}: Docker"), reachable, &format!("no Docker daemon at {host}"))
}

/// For an image built `FROM scratch`: after the skip rule for the Docker daemon and for a static
/// busybox, creates the build context `dir` holding `busybox`. `None` when either is missing.
pub fn busybox_context(test: &str, dir: &Path) -> Option<()> {
    if !docker_available(test) {
        return None;
    }
    let busybox = ["/bin/busybox", "/usr/bin/busybox"].into_iter().map(Path::new).find(|p| p.exists());
    if !super::prerequisite(Need::Other, test, busybox.is_some(), "busybox-static is not installed") {
        return None;
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(busybox?, dir.join("busybox")).unwrap();
    Some(())
}
