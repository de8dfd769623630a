//! `ssp teardown` (alias `down`), `ssp stop`, `ssp start`.

use std::io::IsTerminal;

use anyhow::bail;

use crate::cli::{GlobalArgs, TeardownArgs};
use crate::cluster::k3d::{ClusterState, K3dCluster};
use crate::config::Provider;
use crate::context::Context;
use crate::exit::UsageError;
use crate::platform::output::Output;
use crate::release::helm::Release;

fn release(ctx: &Context) -> anyhow::Result<Release> {
    let config = &ctx.project.config;
    Ok(Release {
        name: config.chart.release.clone(),
        chart: ctx.project.path(&config.chart.path),
        namespace: config.chart.namespace.clone(),
        context: config.cluster.kube_context(),
        kubeconfig: ctx.helm_kubeconfig()?,
    })
}

pub fn teardown(global: &GlobalArgs, args: &TeardownArgs, output: Output) -> anyhow::Result<()> {
    let ctx = Context::load(global, Vec::new(), output)?;
    let config = &ctx.project.config;
    let out = &ctx.output;
    if config.cluster.provider == Provider::Existing || args.keep_cluster {
        let release = release(&ctx)?;
        out.step(format!("uninstalling release {} from {}", release.name, release.context));
        let done = ctx.runner.run_unchecked(&release.uninstall())?;
        if !done.success() {
            let stderr = String::from_utf8_lossy(&done.stderr);
            if stderr.contains("not found") {
                out.done(format!("release {} is not installed", release.name));
                return Ok(());
            }
            bail!(
                "`helm uninstall {}` failed:\n{}",
                release.name,
                crate::platform::runner::tail_lines(&done.stderr, 20)
            );
        }
        if !ctx.dry_run {
            out.done(format!("release {} uninstalled", release.name));
        }
        return Ok(());
    }
    let k3d = K3dCluster::new(&ctx.runner, config.cluster.name.clone());
    if k3d.state()? == ClusterState::Absent && !ctx.dry_run {
        out.done(format!("cluster {} does not exist; nothing to delete", k3d.name));
        return Ok(());
    }
    if !args.yes && !ctx.dry_run {
        // No terminal (CI, ssh without -t, an IDE task, `echo n |`): nobody can be asked, and the
        // cluster holds the database, so deleting takes an explicit --yes.
        if !std::io::stdin().is_terminal() {
            return Err(UsageError(format!(
                "not deleting cluster {} without confirmation: stdin is not a terminal, so ssp cannot ask\nhint: pass --yes to delete the cluster and all its data (the database included), or --keep-cluster to uninstall only the release",
                k3d.name
            ))
            .into());
        }
        let question = format!("Delete cluster {} and all its data (the database included)?", k3d.name);
        if !crate::platform::prompt::confirm(&question)? {
            return Err(UsageError("teardown cancelled; nothing was deleted".into()).into());
        }
    }
    out.step(format!("deleting cluster {}", k3d.name));
    k3d.delete()?;
    if !ctx.dry_run {
        out.done(format!("cluster {} deleted", k3d.name));
    }
    Ok(())
}

fn k3d_only(ctx: &Context, verb: &str) -> anyhow::Result<()> {
    if ctx.project.config.cluster.provider == Provider::Existing {
        return Err(UsageError(format!(
            "`ssp {verb}` manages the local k3d cluster; cluster.provider is \"existing\" (context {})",
            ctx.project.config.cluster.context
        ))
        .into());
    }
    Ok(())
}

pub fn stop(global: &GlobalArgs, output: Output) -> anyhow::Result<()> {
    let ctx = Context::load(global, Vec::new(), output)?;
    k3d_only(&ctx, "stop")?;
    let k3d = K3dCluster::new(&ctx.runner, ctx.project.config.cluster.name.clone());
    match k3d.state()? {
        ClusterState::Absent if !ctx.dry_run => {
            bail!("cluster {} does not exist\nhint: `ssp setup-infra` creates it", k3d.name)
        }
        ClusterState::Stopped { servers_running: 0, .. } => {
            ctx.output.done(format!("cluster {} is already stopped", k3d.name))
        }
        _ => {
            ctx.output.step(format!("stopping cluster {}", k3d.name));
            k3d.stop()?;
            if !ctx.dry_run {
                ctx.output.done(format!("cluster {} stopped; its data is kept (`ssp start` resumes it)", k3d.name));
            }
        }
    }
    Ok(())
}

pub fn start(global: &GlobalArgs, output: Output) -> anyhow::Result<()> {
    let ctx = Context::load(global, Vec::new(), output)?;
    k3d_only(&ctx, "start")?;
    let k3d = K3dCluster::new(&ctx.runner, ctx.project.config.cluster.name.clone());
    match k3d.state()? {
        ClusterState::Absent if !ctx.dry_run => {
            bail!("cluster {} does not exist\nhint: `ssp setup-infra` creates it", k3d.name)
        }
        ClusterState::Running { .. } => ctx.output.done(format!("cluster {} is already running", k3d.name)),
        _ => {
            ctx.output.step(format!("starting cluster {}", k3d.name));
            k3d.start(std::time::Duration::from_secs(300))?;
            if !ctx.dry_run {
                ctx.output.done(format!("cluster {} started", k3d.name));
            }
        }
    }
    Ok(())
}
