//! Bringing the project's k3d cluster to running: absent → create (after checking its host ports),
//! stopped → start, running → reuse; `--recreate` deletes it first.

use std::path::Path;

use anyhow::{Context as _, bail};

use crate::cluster::access::ClusterAccess;
use crate::cluster::config as k3d_config;
use crate::cluster::k3d::{CREATE_TIMEOUT, ClusterError, ClusterState};
use crate::config::ClusterConfig;
use crate::platform::docker;
use crate::platform::output::Output;
use crate::platform::runner::RunError;
use crate::preflight::{self, Status};

pub struct EnsureOptions {
    /// Delete an existing cluster first (`setup-infra --recreate`).
    pub recreate: bool,
    /// The release is the cloud values' (a host that may have to answer from outside): say when
    /// Kong is published on loopback only.
    pub for_cloud: bool,
}

/// Makes the k3d cluster of `access` run, as `cluster` configures it.
pub async fn ensure(
    access: &ClusterAccess,
    cluster: &ClusterConfig,
    project_root: &Path,
    options: &EnsureOptions,
    out: &Output,
    dry_run: bool,
) -> anyhow::Result<()> {
    let engine = match docker::Engine::connect().await {
        Ok(engine) => {
            out.done(format!("Docker {} (API {})", engine.info.version, engine.info.api_version));
            Some(engine)
        }
        // A dry run still shows the plan; the real run stops here.
        Err(e) if dry_run => {
            out.warn(format!("{e} (a real run stops here)\nhint: {}", e.hint()));
            None
        }
        Err(e) => bail!("{e}\nhint: {}", e.hint()),
    };
    let name = &access.name;
    let listed = access.k3d_call(|k3d| k3d.state()).await;
    let mut state = match listed {
        // A fresh clone's dry run: k3d is one of the tools it would install first.
        Err(ClusterError::Run(RunError::NotFound { .. })) if dry_run => {
            out.note(format!(
                "would run `k3d cluster list -o json` once k3d is installed; planning as if cluster {name} does not exist"
            ));
            ClusterState::Absent
        }
        other => other?,
    };
    if options.recreate && state != ClusterState::Absent {
        out.step(format!("deleting cluster {name} (--recreate)"));
        access.k3d_call(|k3d| k3d.delete()).await?;
        state = ClusterState::Absent;
    }
    match state {
        ClusterState::Running { .. } => out.done(format!("cluster {name} is running ({})", access.context)),
        ClusterState::Stopped { .. } => {
            out.step(format!("starting cluster {name} ({})", state.describe()));
            access.k3d_call(|k3d| k3d.start(CREATE_TIMEOUT)).await?;
            out.done(format!("cluster {name} started"));
        }
        ClusterState::Absent => {
            check_ports(cluster, engine.as_ref()).await?;
            announce_ports(cluster, options, out);
            let file = k3d_config::path(project_root, name);
            if dry_run {
                let text = k3d_config::render(cluster);
                let indented: Vec<String> = text.lines().map(|l| format!("    {l}")).collect();
                out.note(format!("would write {}:\n{}", file.display(), indented.join("\n")));
            } else {
                k3d_config::write(&file, cluster).with_context(|| format!("cannot write {}", file.display()))?;
            }
            out.step(format!("creating cluster {name} (k3s {})", cluster.k3s_image));
            let config_file = file.clone();
            access.k3d_call(move |k3d| k3d.create(&config_file, CREATE_TIMEOUT)).await?;
            if !dry_run {
                out.done(format!("cluster {name} created"));
            }
        }
    }
    Ok(())
}

/// Fails when a host port the cluster publishes is taken by something else.
async fn check_ports(cluster: &ClusterConfig, engine: Option<&docker::Engine>) -> anyhow::Result<()> {
    let mut busy = Vec::new();
    for mapping in &cluster.ports {
        let check = preflight::port(mapping, &cluster.name, engine).await;
        if check.status == Status::Fail {
            busy.push(format!(
                "host port {}: {}\nhint: {}",
                mapping.host_port,
                check.detail,
                check.hint.unwrap_or_default()
            ));
        }
    }
    if !busy.is_empty() {
        bail!("cannot create cluster {}: {}", cluster.name, busy.join("\n"));
    }
    Ok(())
}

/// Says which host ports reach beyond this machine, and where Kong is published for a cloud host.
fn announce_ports(cluster: &ClusterConfig, options: &EnsureOptions, out: &Output) {
    let kong = cluster.ports.iter().find(|p| p.container_port == 80);
    if options.for_cloud
        && let Some(kong) = kong.filter(|p| !p.beyond_loopback())
    {
        out.note(format!(
            "Kong is published on {} only ([cluster] ports `{kong}`): a host that must answer from outside opens it on purpose, e.g. ports = [\"0.0.0.0:{}:80@loadbalancer\", \"127.0.0.1:5432:5432@loadbalancer\"] in its ssp.toml",
            kong.bind_ip(),
            kong.host_port
        ));
    }
    for open in cluster.ports.iter().filter(|p| p.beyond_loopback()) {
        out.warn(format!(
            "host port {} (container port {}) is published on {}: reachable from other machines ([cluster] ports `{open}`)",
            open.host_port,
            open.container_port,
            open.bind_ip()
        ));
    }
}
