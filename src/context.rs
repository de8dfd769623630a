//! One context object carried down from the command layer: the project, its configuration, the
//! output handle and the process runner.

use crate::cli::GlobalArgs;
use crate::config::{ConfigError, FlagOverride, LoadOptions, Project};
use crate::platform::output::Output;
use crate::platform::runner::Runner;

pub struct Context {
    pub project: Project,
    pub output: Output,
    pub runner: Runner,
    pub dry_run: bool,
}

impl Context {
    /// Loads the project for a command; `overrides` are the command's own flags that set config keys.
    pub fn load(global: &GlobalArgs, overrides: Vec<FlagOverride>, output: Output) -> Result<Context, ConfigError> {
        let options =
            LoadOptions { project_dir: global.project_dir.clone(), config_file: global.config.clone(), overrides };
        let project = Project::load(&options)?;
        for warning in &project.warnings {
            let (message, hint) = warning.split_once("\nhint: ").unwrap_or((warning, ""));
            output.warn(message);
            if !hint.is_empty() {
                output.hint(hint);
            }
        }
        let tools_dir = project.path(&project.config.tools.dir);
        let runner = Runner::new(Some(tools_dir), global.dry_run, output.clone());
        Ok(Context { project, output, runner, dry_run: global.dry_run })
    }
}

impl Context {
    /// A Kubernetes client for the project's cluster: the `k3d-<name>` context from
    /// `k3d kubeconfig get` (kept in memory), or `cluster.context` for an existing cluster.
    pub async fn kube_client(&self) -> anyhow::Result<::kube::Client> {
        use anyhow::Context as _;
        let cluster = &self.project.config.cluster;
        match cluster.provider {
            crate::config::Provider::K3d => {
                let k3d = crate::cluster::k3d::K3dCluster::new(&self.runner, cluster.name.clone());
                let yaml = k3d.kubeconfig().with_context(|| {
                    format!("cannot get the kubeconfig of cluster {}\nhint: `ssp setup-infra` creates it; `ssp start` starts a stopped one", cluster.name)
                })?;
                Ok(crate::k8s::client_from_yaml(&yaml, &k3d.context()).await?)
            }
            crate::config::Provider::Existing => Ok(crate::k8s::client_for_context(&cluster.context).await?),
        }
    }

    /// The kubeconfig file helm must be given: `None` when the cluster's context is in the user's
    /// kubeconfig (k3d merged it, or an existing cluster's context), else the one
    /// `k3d kubeconfig write` leaves for the cluster (`cluster.update_kubeconfig = false`).
    pub fn helm_kubeconfig(&self) -> anyhow::Result<Option<std::path::PathBuf>> {
        use anyhow::Context as _;
        let cluster = &self.project.config.cluster;
        if cluster.provider != crate::config::Provider::K3d || cluster.update_kubeconfig || self.dry_run {
            return Ok(None);
        }
        let k3d = crate::cluster::k3d::K3dCluster::new(&self.runner, cluster.name.clone());
        let path = k3d
            .write_kubeconfig()
            .with_context(|| format!("cannot write the kubeconfig of cluster {}", cluster.name))?;
        Ok(Some(path))
    }
}
