//! `ssp status [-o text|json|env] [--write FILE]`: cluster, release, workloads, endpoints.

use anyhow::{Context as _, bail};
use serde_json::json;

use crate::cli::{GlobalArgs, StatusArgs, StatusFormat};
use crate::cluster::k3d::ClusterState;
use crate::config::Provider;
use crate::exit::UsageError;
use crate::k8s::workloads;
use crate::platform::output::{Output, print_data};
use crate::platform::{atomic_write, blocking};
use crate::release::helm::{Release, parse_status};
use crate::release::stack::StackInfo;

pub async fn run(global: &GlobalArgs, args: &StatusArgs, output: Output) -> anyhow::Result<()> {
    if args.write.is_some() && args.output != StatusFormat::Env {
        return Err(UsageError("--write goes with `-o env`".into()).into());
    }
    let ctx = super::load(global, Vec::new(), output)?;
    let config = &ctx.project.config;

    let access = ctx.cluster();
    let cluster_state = match config.cluster.provider {
        Provider::K3d => access.k3d_call(|k3d| k3d.state()).await?,
        Provider::Existing => ClusterState::Running { servers_count: 0, agents_running: 0, agents_count: 0 },
    };
    let cluster_json = json!({
        "name": config.cluster.name,
        "provider": config.cluster.provider,
        "context": config.cluster.kube_context(),
        "state": cluster_state.describe(),
    });
    let running = matches!(cluster_state, ClusterState::Running { .. });

    let kubeconfig = if running { access.helm_kubeconfig()? } else { None };
    let release = Release::for_project(&ctx.project, &access.context, kubeconfig);
    let (release_status, workloads, info) = if running {
        let (runner, call) = (ctx.runner.clone(), release.status());
        let helm_status =
            blocking::run(move || runner.run_unchecked(&call)).await.ok().and_then(|done| parse_status(&done.stdout));
        let client = access.client().await?;
        let listed = workloads::list(&client, &release.namespace, &release.selector())
            .await
            .context("cannot list the release's workloads")?;
        let info = StackInfo::read(&client, &release.namespace, &release.name, &config.cluster).await.ok();
        (helm_status, listed, info)
    } else {
        (None, Vec::new(), None)
    };
    let deployed = release_status.as_ref().is_some_and(|s| s.status == "deployed");
    let ready = running && deployed && !workloads.is_empty() && workloads.iter().all(|w| w.readiness.done);

    match args.output {
        StatusFormat::Json => {
            let report = json!({
                "ready": ready,
                "cluster": cluster_json,
                "release": release_status,
                "workloads": workloads.iter().map(|w| json!({
                    "kind": w.kind.as_str(), "name": w.name, "ready": w.readiness.ready, "desired": w.readiness.desired,
                    "done": w.readiness.done, "detail": w.readiness.detail,
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
                    atomic_write::replace_private(path, text.as_bytes())
                        .with_context(|| format!("cannot write {}", path.display()))?;
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
                let width = workloads.iter().map(|w| w.kind.as_str().len() + w.name.len() + 1).max().unwrap_or(0);
                for workloads::Workload { kind, name, readiness: r } in &workloads {
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
