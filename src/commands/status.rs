//! `ssp status [-o text|json|env] [--write FILE]`: cluster, release, workloads, endpoints.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use ::kube::api::{Api, ListParams};
use ::kube::{Client, ResourceExt};
use anyhow::{Context as _, bail};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use serde_json::json;

use crate::cli::{GlobalArgs, StatusArgs, StatusFormat};
use crate::cluster::k3d::{ClusterState, K3dCluster};
use crate::config::Provider;
use crate::context::Context;
use crate::exit::UsageError;
use crate::k8s::readiness::{self, Kind, Readiness};
use crate::platform::output::{Output, print_data};
use crate::release::helm::{Release, parse_status};
use crate::release::stack::StackInfo;

/// Every workload of the release and its readiness, listed (not watched).
async fn workloads(
    client: &Client,
    namespace: &str,
    selector: &str,
) -> Result<Vec<(Kind, String, Readiness)>, ::kube::Error> {
    let params = ListParams::default().labels(selector);
    let mut out = Vec::new();
    for d in Api::<Deployment>::namespaced(client.clone(), namespace).list(&params).await? {
        out.push((Kind::Deployment, d.name_any(), readiness::deployment(&d)));
    }
    for s in Api::<StatefulSet>::namespaced(client.clone(), namespace).list(&params).await? {
        out.push((Kind::StatefulSet, s.name_any(), readiness::statefulset(&s)));
    }
    for d in Api::<DaemonSet>::namespaced(client.clone(), namespace).list(&params).await? {
        out.push((Kind::DaemonSet, d.name_any(), readiness::daemonset(&d)));
    }
    for j in Api::<Job>::namespaced(client.clone(), namespace).list(&params).await? {
        out.push((Kind::Job, j.name_any(), readiness::job(&j)));
    }
    Ok(out)
}

pub async fn run(global: &GlobalArgs, args: &StatusArgs, output: Output) -> anyhow::Result<()> {
    if args.write.is_some() && args.output != StatusFormat::Env {
        return Err(UsageError("--write goes with `-o env`".into()).into());
    }
    let ctx = Context::load(global, Vec::new(), output)?;
    let config = &ctx.project.config;

    let cluster_state = match config.cluster.provider {
        Provider::K3d => K3dCluster::new(&ctx.runner, config.cluster.name.clone()).state()?,
        Provider::Existing => ClusterState::Running { servers_count: 0, agents_running: 0, agents_count: 0 },
    };
    let cluster_json = json!({
        "name": config.cluster.name,
        "provider": config.cluster.provider,
        "context": config.cluster.kube_context(),
        "state": cluster_state.describe(),
    });
    let running = matches!(cluster_state, ClusterState::Running { .. });

    let release = Release {
        name: config.chart.release.clone(),
        chart: ctx.project.path(&config.chart.path),
        namespace: config.chart.namespace.clone(),
        context: config.cluster.kube_context(),
        kubeconfig: if running { ctx.helm_kubeconfig()? } else { None },
    };
    let (release_status, workloads, info) = if running {
        let helm_status = ctx.runner.run_unchecked(&release.status()).ok().and_then(|done| parse_status(&done.stdout));
        let client = ctx.kube_client().await?;
        let selector = format!("app.kubernetes.io/instance={}", release.name);
        let listed =
            workloads(&client, &release.namespace, &selector).await.context("cannot list the release's workloads")?;
        let info = StackInfo::read(&client, &release.namespace, &release.name, &config.cluster).await.ok();
        (helm_status, listed, info)
    } else {
        (None, Vec::new(), None)
    };
    let deployed = release_status.as_ref().is_some_and(|s| s.status == "deployed");
    let ready = running && deployed && !workloads.is_empty() && workloads.iter().all(|(_, _, r)| r.done);

    match args.output {
        StatusFormat::Json => {
            let report = json!({
                "ready": ready,
                "cluster": cluster_json,
                "release": release_status,
                "workloads": workloads.iter().map(|(k, n, r)| json!({
                    "kind": k.as_str(), "name": n, "ready": r.ready, "desired": r.desired, "done": r.done, "detail": r.detail,
                })).collect::<Vec<_>>(),
                "stack": info.as_ref().map(|i| i.to_json(args.show_secrets)),
            });
            print_data(&(serde_json::to_string_pretty(&report)? + "\n"))?;
        }
        StatusFormat::Env => {
            let Some(info) = &info else {
                bail!("the stack is not running, so there is nothing to write\nhint: `ssp setup-infra` first");
            };
            let text = info.env_lines(args.show_secrets).join("\n") + "\n";
            match &args.write {
                Some(path) => {
                    write_private(path, text.as_bytes())?;
                    ctx.output.done(format!("wrote {}", path.display()));
                }
                None => print_data(&text)?,
            }
        }
        StatusFormat::Text => {
            let out = &ctx.output;
            let mut text = String::new();
            text.push_str(&format!(
                "cluster   {} ({}) {}\n",
                config.cluster.name,
                config.cluster.kube_context(),
                cluster_state.describe()
            ));
            match &release_status {
                Some(s) => text.push_str(&format!("release   {} revision {} {}\n", s.name, s.version, s.status)),
                None => text.push_str(&format!("release   {} not installed\n", release.name)),
            }
            if !workloads.is_empty() {
                let width = workloads.iter().map(|(k, n, _)| k.as_str().len() + n.len() + 1).max().unwrap_or(0);
                for (kind, name, r) in &workloads {
                    let mark = if r.done {
                        out.paint(&console::Style::new().green(), "✓")
                    } else {
                        out.paint(&console::Style::new().red(), "✗")
                    };
                    let label = format!("{}/{name}", kind.as_str());
                    text.push_str(&format!("  {mark} {label:<width$}  {}/{} {}\n", r.ready, r.desired, r.detail));
                }
            }
            if let Some(info) = &info {
                let rows = info.summary_lines(args.show_secrets);
                let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                for (label, value) in rows {
                    text.push_str(&format!("  {label:<width$}  {value}\n"));
                }
            }
            print_data(&text)?;
        }
    }
    if !ready {
        bail!("the stack is not ready{}", if running { "" } else { " (the cluster is not running)" });
    }
    Ok(())
}

/// Writes a file readable only by its owner, replacing any old one atomically.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o600))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}
