//! The one way a command reaches its cluster: which kube context, a client for it (from the
//! user's kubeconfig where k3d merged the context or for an existing cluster, else built from the
//! kubeconfig k3d prints, kept in memory), and the kubeconfig file helm must be given.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::cluster::k3d::K3dCluster;
use crate::config::{ClusterConfig, Provider, k3d_context};
use crate::k8s;
use crate::platform::{blocking, runner::Runner};

/// The project's cluster as ssp reaches it.
#[derive(Clone)]
pub struct ClusterAccess {
    /// The k3d cluster's name (`[cluster] name`), also for an existing cluster's messages.
    pub name: String,
    pub provider: Provider,
    /// The kube context every client and helm call names explicitly (never the current one).
    pub context: String,
    update_kubeconfig: bool,
    runner: Runner,
    dry_run: bool,
}

impl ClusterAccess {
    /// The cluster `[cluster]` names: `k3d-<name>`, or `context` for an existing cluster.
    pub fn new(cluster: &ClusterConfig, runner: &Runner, dry_run: bool) -> Self {
        ClusterAccess {
            name: cluster.name.clone(),
            provider: cluster.provider,
            context: cluster.kube_context(),
            update_kubeconfig: cluster.update_kubeconfig,
            runner: runner.clone(),
            dry_run,
        }
    }

    /// Like [`ClusterAccess::new`], aimed at an explicit context (`setup-infra --context`): the
    /// project's k3d cluster when it names it, else an existing cluster.
    pub fn with_context(cluster: &ClusterConfig, runner: &Runner, dry_run: bool, context: Option<&str>) -> Self {
        let mut access = ClusterAccess::new(cluster, runner, dry_run);
        if let Some(explicit) = context {
            access.provider = if explicit == k3d_context(&cluster.name) { Provider::K3d } else { Provider::Existing };
            access.context = explicit.to_string();
        }
        access
    }

    /// The k3d cluster behind this access (only meaningful for `Provider::K3d`).
    pub fn k3d(&self) -> K3dCluster<'_> {
        K3dCluster::new(&self.runner, self.name.clone())
    }

    /// Runs a k3d call (create and start take minutes) on a blocking thread, off the async workers.
    pub async fn k3d_call<T: Send + 'static>(&self, call: impl FnOnce(&K3dCluster<'_>) -> T + Send + 'static) -> T {
        let access = self.clone();
        blocking::run(move || call(&access.k3d())).await
    }

    /// A Kubernetes client for the cluster: for k3d the `k3d-<name>` context k3d merged into the
    /// user's kubeconfig (`update_kubeconfig = true`, where helm finds it too), else the one
    /// `k3d kubeconfig get` prints (kept in memory); for an existing cluster its context in the
    /// user's kubeconfig.
    ///
    /// Reading the merged context first spares every command a k3d process, which asks Docker
    /// for the server's kubeconfig (tens of milliseconds before `ssp db`, `logs` or `status` can
    /// start). When it is missing (removed by hand, or k3d did not merge it), k3d is asked.
    pub async fn client(&self) -> anyhow::Result<::kube::Client> {
        match self.provider {
            Provider::K3d => {
                if self.update_kubeconfig
                    && let Some(client) = k8s::client_for_context_if_present(&self.context).await
                {
                    return Ok(client);
                }
                let yaml = self
                    .k3d_call(|k3d| k3d.kubeconfig())
                    .await
                    .with_context(|| {
                        format!(
                            "cannot get the kubeconfig of cluster {}\nhint: `ssp setup-infra` creates it; `ssp start` starts a stopped one",
                            self.name
                        )
                    })?;
                Ok(k8s::client_from_yaml(&yaml, &self.context).await?)
            }
            Provider::Existing => Ok(k8s::client_for_context(&self.context).await?),
        }
    }

    /// The kubeconfig file helm must be given: `None` when the cluster's context is in the user's
    /// kubeconfig (k3d merged it, or an existing cluster's context), else the one
    /// `k3d kubeconfig write` leaves for the cluster (`cluster.update_kubeconfig = false`, or the
    /// merged context is gone from the user's kubeconfig).
    pub fn helm_kubeconfig(&self) -> anyhow::Result<Option<PathBuf>> {
        if self.provider != Provider::K3d || self.dry_run {
            return Ok(None);
        }
        if self.update_kubeconfig && k8s::user_kubeconfig_has(&self.context) {
            return Ok(None);
        }
        let path = self
            .k3d()
            .write_kubeconfig()
            .with_context(|| format!("cannot write the kubeconfig of cluster {}", self.name))?;
        Ok(Some(path))
    }
}
