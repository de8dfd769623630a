//! `ssp teardown` (alias `down`), `ssp stop`, `ssp start`.

use std::io::IsTerminal;

use anyhow::bail;

use crate::cli::{GlobalArgs, TeardownArgs};
use crate::cluster::access::ClusterAccess;
use crate::cluster::k3d::{CREATE_TIMEOUT, ClusterState};
use crate::config::Provider;
use crate::context::Context;
use crate::exit::UsageError;
use crate::platform::output::Output;
use crate::platform::{blocking, prompt};
use crate::release::helm::Release;

pub async fn teardown(global: &GlobalArgs, args: &TeardownArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let config = &ctx.project.config;
    let out = &ctx.output;
    let access = ctx.cluster();
    if config.cluster.provider == Provider::Existing || args.keep_cluster {
        let kubeconfig = match access.helm_kubeconfig() {
            Ok(kubeconfig) => kubeconfig,
            // No kubeconfig for helm because there is no cluster: nothing to uninstall.
            Err(err) if access.provider == Provider::K3d => {
                if access.k3d_call(|k3d| k3d.state()).await? == ClusterState::Absent {
                    out.done(format!("cluster {} does not exist; no release to uninstall", access.name));
                    return Ok(());
                }
                return Err(err);
            }
            Err(err) => return Err(err),
        };
        let release = Release::for_project(&ctx.project, &access.context, kubeconfig);
        out.step(format!("uninstalling release {} from {}", release.name, release.context));
        let (runner, call) = (ctx.runner.clone(), release.uninstall());
        let done = blocking::run(move || runner.run_unchecked(&call)).await?;
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
        if args.purge_cache {
            purge_image_cache(&ctx).await?;
        }
        return Ok(());
    }
    let name = &access.name;
    if access.k3d_call(|k3d| k3d.state()).await? == ClusterState::Absent && !ctx.dry_run {
        out.done(format!("cluster {name} does not exist; nothing to delete"));
        return Ok(());
    }
    if !args.yes && !ctx.dry_run {
        // No terminal (CI, ssh without -t, an IDE task, `echo n |`): nobody can be asked, and the
        // cluster holds the database, so deleting takes an explicit --yes.
        if !std::io::stdin().is_terminal() {
            return Err(UsageError(format!(
                "not deleting cluster {name} without confirmation: stdin is not a terminal, so ssp cannot ask\nhint: pass --yes to delete the cluster and all its data (the database included), or --keep-cluster to uninstall only the release"
            ))
            .into());
        }
        let question = format!("Delete cluster {name} and all its data (the database included)?");
        if !prompt::confirm(&question)? {
            return Err(UsageError("teardown cancelled; nothing was deleted".into()).into());
        }
    }
    out.step(format!("deleting cluster {name}"));
    access.k3d_call(|k3d| k3d.delete()).await?;
    if !ctx.dry_run {
        out.done(format!("cluster {name} deleted"));
    }
    if args.purge_cache {
        purge_image_cache(&ctx).await?;
    }
    Ok(())
}

/// `--purge-cache`: the dev values' images leave the host's Docker.
async fn purge_image_cache(ctx: &Context) -> anyhow::Result<()> {
    let values =
        crate::cli::ImagesValuesArgs { env: crate::cli::Environment::Dev, extra_values: Vec::new(), sets: Vec::new() };
    let (images, _) = super::images::release_images(ctx, &values, false).await?;
    let images: Vec<_> = images.into_iter().map(|u| u.image).collect();
    let engine =
        crate::platform::docker::Engine::connect().await.map_err(|e| anyhow::anyhow!("{e}\nhint: {}", e.hint()))?;
    crate::images::pull::remove_from_host(&engine, &images, &ctx.output, ctx.dry_run).await
}

/// The project's k3d cluster, or a usage error for an existing one (`stop`/`start` manage k3d's).
fn k3d_only(ctx: &Context, verb: &str) -> anyhow::Result<ClusterAccess> {
    if ctx.project.config.cluster.provider == Provider::Existing {
        return Err(UsageError(format!(
            "`ssp {verb}` manages the local k3d cluster; cluster.provider is \"existing\" (context {})",
            ctx.project.config.cluster.context
        ))
        .into());
    }
    Ok(ctx.cluster())
}

pub async fn stop(global: &GlobalArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let access = k3d_only(&ctx, "stop")?;
    let name = &access.name;
    match access.k3d_call(|k3d| k3d.state()).await? {
        ClusterState::Absent if !ctx.dry_run => {
            bail!("cluster {name} does not exist\nhint: `ssp setup-infra` creates it")
        }
        ClusterState::Stopped { servers_running: 0, .. } => {
            ctx.output.done(format!("cluster {name} is already stopped"))
        }
        _ => {
            ctx.output.step(format!("stopping cluster {name}"));
            access.k3d_call(|k3d| k3d.stop()).await?;
            if !ctx.dry_run {
                ctx.output.done(format!("cluster {name} stopped; its data is kept (`ssp start` resumes it)"));
            }
        }
    }
    Ok(())
}

pub async fn start(global: &GlobalArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let access = k3d_only(&ctx, "start")?;
    let name = &access.name;
    match access.k3d_call(|k3d| k3d.state()).await? {
        ClusterState::Absent if !ctx.dry_run => {
            bail!("cluster {name} does not exist\nhint: `ssp setup-infra` creates it")
        }
        ClusterState::Running { .. } => ctx.output.done(format!("cluster {name} is already running")),
        _ => {
            ctx.output.step(format!("starting cluster {name}"));
            access.k3d_call(|k3d| k3d.start(CREATE_TIMEOUT)).await?;
            if !ctx.dry_run {
                ctx.output.done(format!("cluster {name} started"));
            }
        }
    }
    Ok(())
}
