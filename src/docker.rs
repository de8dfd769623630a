//! The Docker Engine API adapter (bollard). The API version is negotiated, never pinned: users'
//! daemons vary (Debian's engine 20.10 speaks API 1.41 and refuses newer clients).

use std::collections::HashMap;
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
}

impl DockerError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            DockerError::Unreachable { .. } | DockerError::Timeout { .. } => {
                "start Docker (Docker Desktop, or `sudo systemctl start docker`), or point DOCKER_HOST at a running daemon"
            }
            DockerError::Api(_) => "check `docker info`; ssp talks to the same daemon",
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
        let client = Docker::connect_with_defaults().map_err(|e| unreachable(&e))?;
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
