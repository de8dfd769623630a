//! Deploying the release and checking that it serves: `helm upgrade --install` (values on stdin,
//! its output streamed to the verbose log), the wait for every workload through the API, and the
//! probe of Supabase through Kong.

use std::time::Duration;

use anyhow::bail;

use crate::config::ClusterConfig;
use crate::k8s::waiter::{ReleaseReady, ReleaseWaiter, WaitOptions};
use crate::platform::output::Output;
use crate::platform::{blocking, runner::Runner};
use crate::release::helm::{self, Release, ValuesSource};
use crate::release::names::component_fullname;
use crate::release::stack::{StackInfo, probe_api};

/// Runs `helm upgrade --install` for `release` with `values`, off the async workers.
pub async fn upgrade_install(
    release: &Release,
    values: Vec<ValuesSource>,
    timeout: Duration,
    runner: &Runner,
    output: &Output,
) -> anyhow::Result<()> {
    let call = release.upgrade_install(values, timeout);
    let (runner, progress) = (runner.clone(), output.clone());
    blocking::run(move || helm::install(&runner, call, move |_, line| progress.verbose(format!("helm: {line}"))))
        .await?;
    Ok(())
}

/// Waits until every workload of the release is ready, watching through the API.
pub async fn wait_ready(
    client: &::kube::Client,
    release: &Release,
    timeout: Duration,
    grace: Duration,
    output: &Output,
) -> anyhow::Result<ReleaseReady> {
    output.step(format!("waiting for {} to be ready (timeout {})", release.name, humantime::format_duration(timeout)));
    let options = WaitOptions { namespace: release.namespace.clone(), selector: release.selector(), timeout, grace };
    let ready = ReleaseWaiter::new(client.clone(), options, output.clone()).wait().await?;
    output.done(format!("{} workloads ready", ready.workloads.len()));
    Ok(ready)
}

/// Asks Supabase, through Kong on the host port k3d publishes, whether it answers with the anon
/// key; fails with what did not answer and where to look.
pub async fn probe(
    info: &StackInfo,
    release: &Release,
    cluster: &ClusterConfig,
    output: &Output,
) -> anyhow::Result<()> {
    let Some(anon) = &info.anon_key else {
        return Ok(());
    };
    let probes = probe_api(&info.api_url, anon).await;
    let failed: Vec<String> = probes.iter().filter(|p| !p.ok).map(|p| format!("{}: {}", p.path, p.detail)).collect();
    for probe in probes.iter().filter(|p| p.ok) {
        output.done(format!("{}{} answers ({})", info.api_url, probe.path, probe.detail));
    }
    if !failed.is_empty() {
        let host_port = cluster.ports.iter().find(|p| p.container_port == 80).map_or(80, |p| p.host_port);
        bail!(
            "the workloads are ready but Supabase does not answer through Kong:\n  {}\nhint: check `kubectl --context {} logs deploy/{}` and that host port {host_port} reaches the k3d load balancer (`ssp doctor`)",
            failed.join("\n  "),
            release.context,
            component_fullname(&release.name, "kong")
        );
    }
    Ok(())
}
