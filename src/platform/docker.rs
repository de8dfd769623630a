//! The Docker Engine API adapter (bollard). The API version is negotiated, never pinned: users'
//! daemons vary (Debian's engine 20.10 speaks API 1.41 and refuses newer clients).
//!
//! `DOCKER_HOST=tcp://…` with `DOCKER_TLS_VERIFY` set (non-empty) speaks TLS as the Docker CLI does:
//! `ca.pem`, `cert.pem` and `key.pem` from `DOCKER_CERT_PATH` (default `~/.docker`), the server
//! verified against that CA (bollard over rustls). Missing files are an error, never a fall-back to
//! plain HTTP.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::ListContainersOptions;

/// How long ssp waits for a Docker daemon to answer before calling it unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Why Docker could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error("cannot reach the Docker daemon at {host}: {reason}")]
    Unreachable { host: String, reason: String },
    #[error("the Docker daemon at {host} did not answer within {} s", CONNECT_TIMEOUT.as_secs())]
    Timeout { host: String },
    #[error("Docker API call failed: {0}")]
    Api(#[from] bollard::errors::Error),
    #[error("DOCKER_TLS_VERIFY is set but {} is missing, so ssp cannot talk TLS to {host}", .path.display())]
    TlsFileMissing { host: String, path: PathBuf },
}

impl DockerError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            DockerError::Unreachable { .. } | DockerError::Timeout { .. } => {
                "start Docker (Docker Desktop, or `sudo systemctl start docker`), or point DOCKER_HOST at a running daemon"
            }
            DockerError::Api(_) => "check `docker info`; ssp talks to the same daemon",
            DockerError::TlsFileMissing { .. } => {
                "point DOCKER_CERT_PATH at the folder holding ca.pem, cert.pem and key.pem (as for `docker --tlsverify`), or unset DOCKER_TLS_VERIFY for a daemon without TLS"
            }
        }
    }
}

/// The daemon's identity, from `/version`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EngineInfo {
    pub host: String,
    pub version: String,
    pub api_version: String,
}

/// The daemon address ssp uses: `DOCKER_HOST`, else the default socket.
pub fn host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_string())
}

/// A connected client with a negotiated API version.
#[derive(Clone)]
pub struct Engine {
    pub client: Docker,
    pub info: EngineInfo,
}

impl Engine {
    /// Connects and negotiates within [`CONNECT_TIMEOUT`].
    pub async fn connect() -> Result<Engine, DockerError> {
        let host = host();
        let unreachable =
            |e: &dyn std::fmt::Display| DockerError::Unreachable { host: host.clone(), reason: e.to_string() };
        let client = match tls_files(&host, &|k| std::env::var_os(k))? {
            Some(tls) => Docker::connect_with_ssl(
                &host,
                &tls.key,
                &tls.cert,
                &tls.ca,
                CONNECT_TIMEOUT.as_secs(),
                bollard::API_DEFAULT_VERSION,
            ),
            // Plain HTTP only when TLS was not asked for (bollard would take an empty
            // DOCKER_TLS_VERIFY as a request for TLS; the Docker CLI does not).
            None if host.starts_with("tcp://") => {
                Docker::connect_with_http(&host, CONNECT_TIMEOUT.as_secs(), bollard::API_DEFAULT_VERSION)
            }
            None => Docker::connect_with_defaults(),
        }
        .map_err(|e| unreachable(&root_cause(&e)))?;
        let negotiate = async {
            let client = client.with_timeout(CONNECT_TIMEOUT).negotiate_version().await?;
            let version = client.version().await?;
            Ok::<_, bollard::errors::Error>((client, version))
        };
        let (client, version) = match tokio::time::timeout(CONNECT_TIMEOUT, negotiate).await {
            Err(_) | Ok(Err(bollard::errors::Error::RequestTimeoutError)) => return Err(DockerError::Timeout { host }),
            Ok(Err(err)) => return Err(unreachable(&root_cause(&err))),
            Ok(Ok(pair)) => pair,
        };
        let info = EngineInfo {
            host,
            version: version.version.unwrap_or_else(|| "unknown".into()),
            api_version: version.api_version.unwrap_or_else(|| "unknown".into()),
        };
        // Long operations (image builds, imports) must not inherit the connect timeout.
        let client = client.with_timeout(Duration::from_secs(3600));
        Ok(Engine { client, info })
    }

    /// Running containers that publish `port` on the host: their names.
    pub async fn containers_publishing(&self, port: u16) -> Result<Vec<String>, DockerError> {
        let filters = HashMap::from([("publish".to_string(), vec![port.to_string()])]);
        let options = ListContainersOptions { filters: Some(filters), ..Default::default() };
        let containers = self.client.list_containers(Some(options)).await?;
        Ok(containers
            .into_iter()
            .filter_map(|c| c.names.and_then(|n| n.into_iter().next()))
            .map(|n| n.trim_start_matches('/').to_string())
            .collect())
    }
}

/// The client certificate, its key and the CA of a TLS-protected daemon.
#[derive(Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The TLS files the Docker CLI would use for `host`: `Some` for `tcp://` (and `https://`) with
/// `DOCKER_TLS_VERIFY` non-empty, from `DOCKER_CERT_PATH` or `~/.docker`.
pub fn tls_files(host: &str, env: &dyn Fn(&str) -> Option<OsString>) -> Result<Option<TlsFiles>, DockerError> {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    let wants_tls = host.starts_with("https://") || (host.starts_with("tcp://") && set("DOCKER_TLS_VERIFY").is_some());
    if !wants_tls {
        return Ok(None);
    }
    let dir = set("DOCKER_CERT_PATH")
        .map(PathBuf::from)
        .or_else(|| set("HOME").map(|h| PathBuf::from(h).join(".docker")))
        .unwrap_or_else(|| PathBuf::from(".docker"));
    let files = TlsFiles { ca: dir.join("ca.pem"), cert: dir.join("cert.pem"), key: dir.join("key.pem") };
    for path in [&files.ca, &files.cert, &files.key] {
        if !path.is_file() {
            return Err(DockerError::TlsFileMissing { host: host.to_string(), path: path.clone() });
        }
    }
    Ok(Some(files))
}

/// The innermost message of an error chain ("No such file or directory" rather than a wrapper).
fn root_cause(err: &dyn std::error::Error) -> String {
    let mut current: &dyn std::error::Error = err;
    let mut message = current.to_string();
    while let Some(next) = current.source() {
        message = next.to_string();
        current = next;
    }
    if message.is_empty() { err.to_string() } else { message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_is_used_as_the_docker_cli_uses_it() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let certs = dir.path().to_path_buf();
        let env = |verify: &'static str| {
            let certs = certs.clone();
            move |k: &str| match k {
                "DOCKER_TLS_VERIFY" => Some(OsString::from(verify)),
                "DOCKER_CERT_PATH" => Some(certs.clone().into_os_string()),
                _ => None,
            }
        };
        let files = tls_files("tcp://10.0.0.5:2376", &env("1")).unwrap().unwrap();
        assert_eq!(files.key, dir.path().join("key.pem"));
        // Empty means unset, as for the Docker CLI; the unix socket never uses TLS.
        assert_eq!(tls_files("tcp://10.0.0.5:2375", &env("")).unwrap(), None);
        assert_eq!(tls_files("unix:///var/run/docker.sock", &env("1")).unwrap(), None);
        std::fs::remove_file(dir.path().join("cert.pem")).unwrap();
        let err = tls_files("tcp://10.0.0.5:2376", &env("1")).unwrap_err();
        assert!(err.to_string().starts_with("DOCKER_TLS_VERIFY is set but "), "{err}");
        assert!(err.to_string().contains("cert.pem is missing"), "{err}");
    }
}
