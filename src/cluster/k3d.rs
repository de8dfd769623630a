//! The local k3d cluster, through the k3d binary: list, create from a rendered config file, start,
//! stop, delete, and the kubeconfig of its explicit context.
//!
//! `k3d cluster list -o json` is the source of truth for whether the cluster exists and runs (the
//! JSON is k3d's `types.Cluster` plus `serversRunning`/`serversCount`, see k3d
//! `cmd/cluster/clusterList.go`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::platform::duration::go_duration;
use crate::platform::runner::{ProgramCall, RunError, Runner};

/// One entry of `k3d cluster list -o json`.
#[derive(Clone, Debug, Deserialize)]
pub struct ListedCluster {
    pub name: String,
    #[serde(default)]
    pub nodes: Vec<ListedNode>,
    #[serde(default, rename = "serversRunning")]
    pub servers_running: u32,
    #[serde(default, rename = "serversCount")]
    pub servers_count: u32,
    #[serde(default, rename = "agentsRunning")]
    pub agents_running: u32,
    #[serde(default, rename = "agentsCount")]
    pub agents_count: u32,
}

/// A node of a listed cluster (k3d's `types.Node`; `State` has no JSON tag upstream).
#[derive(Clone, Debug, Deserialize)]
pub struct ListedNode {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default, rename = "State")]
    pub state: NodeState,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NodeState {
    #[serde(default, rename = "Running")]
    pub running: bool,
    #[serde(default, rename = "Status")]
    pub status: String,
}

/// What ssp does with the cluster depends on this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterState {
    Absent,
    /// Exists, some or all servers stopped.
    Stopped {
        servers_running: u32,
        servers_count: u32,
    },
    Running {
        servers_count: u32,
        agents_running: u32,
        agents_count: u32,
    },
}

impl ClusterState {
    pub fn describe(&self) -> String {
        match self {
            ClusterState::Absent => "absent".to_string(),
            ClusterState::Stopped { servers_running, servers_count } => {
                format!("stopped ({servers_running}/{servers_count} servers running)")
            }
            ClusterState::Running { servers_count, agents_running, agents_count } => {
                format!("running ({servers_count} server(s), {agents_running}/{agents_count} agents)")
            }
        }
    }
}

/// Why a k3d operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("`k3d cluster list -o json` printed something ssp cannot read: {0}")]
    BadList(String),
}

/// How long k3d may take to create or start a cluster.
pub const CREATE_TIMEOUT: Duration = Duration::from_secs(300);

/// The project's k3d cluster.
pub struct K3dCluster<'a> {
    runner: &'a Runner,
    pub name: String,
}

impl<'a> K3dCluster<'a> {
    pub fn new(runner: &'a Runner, name: impl Into<String>) -> Self {
        K3dCluster { runner, name: name.into() }
    }

    /// The kube context k3d gives the cluster.
    pub fn context(&self) -> String {
        crate::config::k3d_context(&self.name)
    }

    /// Every cluster k3d knows about.
    pub fn list(&self) -> Result<Vec<ListedCluster>, ClusterError> {
        let call = ProgramCall::new("k3d").args(["cluster", "list", "-o", "json"]).read_only();
        let done = self.runner.run(&call)?;
        if done.dry_run {
            return Ok(Vec::new());
        }
        parse_list(&done.stdout)
    }

    pub fn state(&self) -> Result<ClusterState, ClusterError> {
        let listed = self.list()?;
        Ok(state_of(&listed, &self.name))
    }

    /// `k3d cluster create --config FILE --wait --timeout T`.
    pub fn create(&self, config_file: &Path, timeout: Duration) -> Result<(), ClusterError> {
        let call = ProgramCall::new("k3d")
            .args(["cluster", "create", "--config"])
            .arg(config_file)
            .args(["--wait", "--timeout"])
            .arg(go_duration(timeout))
            .timeout(timeout.saturating_add(Duration::from_secs(30)));
        self.runner.run(&call)?;
        Ok(())
    }

    pub fn start(&self, timeout: Duration) -> Result<(), ClusterError> {
        let call = ProgramCall::new("k3d")
            .args(["cluster", "start"])
            .arg(&self.name)
            .args(["--wait", "--timeout"])
            .arg(go_duration(timeout))
            .timeout(timeout.saturating_add(Duration::from_secs(30)));
        self.runner.run(&call)?;
        Ok(())
    }

    pub fn stop(&self) -> Result<(), ClusterError> {
        self.runner.run(&ProgramCall::new("k3d").args(["cluster", "stop"]).arg(&self.name))?;
        Ok(())
    }

    pub fn delete(&self) -> Result<(), ClusterError> {
        self.runner.run(&ProgramCall::new("k3d").args(["cluster", "delete"]).arg(&self.name))?;
        Ok(())
    }

    /// The cluster's kubeconfig (its own context only, with its client key), from
    /// `k3d kubeconfig get NAME`; kept in memory, zeroized on drop, never copied.
    pub fn kubeconfig(&self) -> Result<zeroize::Zeroizing<String>, ClusterError> {
        let call = ProgramCall::new("k3d").args(["kubeconfig", "get"]).arg(&self.name).read_only();
        let stdout = std::mem::take(&mut self.runner.run(&call)?.stdout);
        Ok(zeroize::Zeroizing::new(String::from_utf8(stdout).unwrap_or_else(|err| {
            let mut bytes = err.into_bytes();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            zeroize::Zeroize::zeroize(&mut bytes);
            text
        })))
    }

    /// `k3d kubeconfig write NAME`: the cluster's own kubeconfig file, for helm when the context is
    /// not merged into the user's (`cluster.update_kubeconfig = false`). Returns its path.
    pub fn write_kubeconfig(&self) -> Result<PathBuf, ClusterError> {
        let call = ProgramCall::new("k3d").args(["kubeconfig", "write"]).arg(&self.name);
        Ok(PathBuf::from(self.runner.run(&call)?.stdout_text().trim()))
    }

    /// `k3d image import IMAGE… -c NAME`.
    pub fn import_images(&self, images: &[&str]) -> Result<(), ClusterError> {
        let call =
            ProgramCall::new("k3d").args(["image", "import"]).args(images.iter().copied()).arg("-c").arg(&self.name);
        self.runner.run(&call)?;
        Ok(())
    }
}

/// Parses `k3d cluster list -o json` (an empty output means no clusters).
pub fn parse_list(stdout: &[u8]) -> Result<Vec<ListedCluster>, ClusterError> {
    let text = String::from_utf8_lossy(stdout);
    if text.trim().is_empty() || text.trim() == "null" {
        return Ok(Vec::new());
    }
    serde_json::from_str(&text).map_err(|e| ClusterError::BadList(e.to_string()))
}

/// The state of the cluster called `name` in a listing.
pub fn state_of(listed: &[ListedCluster], name: &str) -> ClusterState {
    let Some(cluster) = listed.iter().find(|c| c.name == name) else {
        return ClusterState::Absent;
    };
    // Prefer the counts k3d computed; fall back to the nodes for older k3d versions.
    let (running, count) = if cluster.servers_count > 0 {
        (cluster.servers_running, cluster.servers_count)
    } else {
        let servers: Vec<&ListedNode> = cluster.nodes.iter().filter(|n| n.role == "server").collect();
        (servers.iter().filter(|n| n.state.running).count() as u32, servers.len() as u32)
    };
    if count > 0 && running == count {
        ClusterState::Running {
            servers_count: count,
            agents_running: cluster.agents_running,
            agents_count: cluster.agents_count,
        }
    } else {
        ClusterState::Stopped { servers_running: running, servers_count: count }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTED: &str = r#"[{"name":"pdc-cluster","network":{"name":"k3d-pdc-cluster"},"nodes":[
        {"name":"k3d-pdc-cluster-server-0","role":"server","State":{"Running":true,"Status":"running","Started":""}},
        {"name":"k3d-pdc-cluster-serverlb","role":"loadbalancer","State":{"Running":true,"Status":"running","Started":""}}],
        "InitNode":null,"serversRunning":1,"serversCount":1,"agentsRunning":0,"agentsCount":0,"hasLoadbalancer":true},
        {"name":"other","nodes":[{"name":"k3d-other-server-0","role":"server","State":{"Running":false,"Status":"exited","Started":""}}],
        "serversRunning":0,"serversCount":1,"agentsRunning":0,"agentsCount":0}]"#;

    #[test]
    fn states_from_the_listing() {
        let listed = parse_list(LISTED.as_bytes()).unwrap();
        assert_eq!(
            state_of(&listed, "pdc-cluster"),
            ClusterState::Running { servers_count: 1, agents_running: 0, agents_count: 0 }
        );
        assert_eq!(state_of(&listed, "other"), ClusterState::Stopped { servers_running: 0, servers_count: 1 });
        assert_eq!(state_of(&listed, "absent"), ClusterState::Absent);
        assert!(parse_list(b"[]").unwrap().is_empty());
        assert!(parse_list(b"").unwrap().is_empty());
        assert!(matches!(parse_list(b"NAME SERVERS"), Err(ClusterError::BadList(_))));
    }

    #[test]
    fn node_states_are_used_when_counts_are_missing() {
        let listed = parse_list(
            br#"[{"name":"x","nodes":[{"name":"s0","role":"server","State":{"Running":false}},{"name":"s1","role":"server","State":{"Running":true}}]}]"#,
        )
        .unwrap();
        assert_eq!(state_of(&listed, "x"), ClusterState::Stopped { servers_running: 1, servers_count: 2 });
    }
}
