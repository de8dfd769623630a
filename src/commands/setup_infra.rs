//! `ssp setup-infra`: values, tools and chart, cluster, images (`[images] preload`), pull secret,
//! helm release, wait, probe, summary. Orchestration only: each step is a service call.

use crate::cli::{Environment, GlobalArgs, SetupInfraArgs};
use crate::cluster::access::ClusterAccess;
use crate::cluster::provision::{self, EnsureOptions};
use crate::config::Provider;
use crate::exit::UsageError;
use crate::images;
use crate::platform::output::Output;
use crate::release::helm::Release;
use crate::release::stack::StackInfo;
use crate::release::{chart, deploy, registry};
use crate::secrets::leftover;
use crate::tools::{self, ToolName};

pub async fn run(global: &GlobalArgs, args: &SetupInfraArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let (out, project, config) = (&ctx.output, &ctx.project, &ctx.project.config);
    leftover::warn_about_leftover_plaintext(&project.root, out, ctx.dry_run)?;

    // Where the release goes, and whether dev values may go there.
    let access = ClusterAccess::with_context(&config.cluster, &ctx.runner, ctx.dry_run, args.context.as_deref());
    let context = access.context.clone();
    if args.env == Environment::Dev && access.provider == Provider::Existing && args.context.is_none() {
        return Err(UsageError(format!(
            "dev values only go to this project's k3d cluster (k3d-{}), not to `{context}` from cluster.context\nhint: pass --context {context} to deploy the dev values there on purpose, or --env cloud",
            config.cluster.name
        ))
        .into());
    }

    // Values, checked before anything changes.
    let values = super::values_for(&ctx, args.env, &args.extra_values, &args.sets)?;

    // Tools and chart, installed and fetched when missing (what install-tools and fetch-chart do).
    let mut needed = vec![ToolName::Helm];
    if access.provider == Provider::K3d {
        needed.insert(0, ToolName::K3d);
    }
    tools::ensure(&config.tools, &project.root, &needed, &ctx.runner, out).await?;
    chart::fetch(&project.root, &config.chart, &ctx.runner, out, None).await?;
    let chart_dir = project.path(&config.chart.path);
    values.check_against_chart(&chart_dir, &config.chart.rev, args.strict, out, ctx.dry_run)?;
    // With `[images] preload`: the images the install will run, rendered while the values are here.
    let preload = if !config.images.preload {
        None
    } else if ctx.dry_run && !chart_dir.join("Chart.yaml").is_file() {
        out.note("would pull the release's images into Docker and import what the cluster lacks ([images] preload)");
        None
    } else {
        let template = Release::for_project(project, &context, None);
        let used = images::render::release_images(&template, values.sources(), &ctx.runner).await?;
        Some(used.into_iter().map(|u| u.image).collect::<Vec<_>>())
    };
    let registries = values.registries();
    // The parsed trees (the decrypted one among them) are gone before the cluster work starts.
    let sources = values.into_sources();

    // Cluster.
    let mut kubeconfig = None;
    match access.provider {
        Provider::K3d => {
            let options = EnsureOptions { recreate: args.recreate, for_cloud: args.env == Environment::Cloud };
            provision::ensure(&access, &config.cluster, &project.root, &options, out, ctx.dry_run).await?;
            kubeconfig = access.helm_kubeconfig()?;
            if let Some(images) = &preload {
                images::pull::preload(&access, images, &config.registry.host, &ctx.runner, out, ctx.dry_run).await?;
            }
        }
        Provider::Existing => out.done(format!("using the existing cluster of context {context}")),
    }
    let client = if ctx.dry_run { None } else { Some(access.client().await?) };

    // Pull secret for private registries, then the release.
    let release = Release::for_project(project, &context, kubeconfig);
    let namespace = &release.namespace;
    registry::apply_pull_secret(client.as_ref(), namespace, &registries, &config.registry.host, &ctx.runner, out)
        .await?;
    if client.is_none() {
        out.note(format!("would create namespace {namespace} when missing (helm --create-namespace)"));
    }
    out.step(format!("deploying release {} to {context} (namespace {namespace})", release.name));
    deploy::upgrade_install(&release, sources, args.timeout, &ctx.runner, out).await?;
    let Some(client) = client else {
        out.note(format!(
            "would watch deployments, statefulsets, daemonsets, jobs and pods labelled {} in {namespace} until ready",
            release.selector()
        ));
        return Ok(());
    };
    out.done(format!("release {} installed", release.name));

    // Ready, answering, and how to use it.
    deploy::wait_ready(&client, &release, args.timeout, args.grace, out).await?;
    let info = StackInfo::read(&client, namespace, &release.name, &config.cluster).await?;
    if access.provider == Provider::K3d {
        deploy::probe(&info, &release, &config.cluster, out).await?;
    }
    print_summary(out, &info, args.show_secrets)?;
    Ok(())
}

/// The stack's addresses and keys on stdout; a write error (stdout's reader gone) is returned,
/// not a panic as from `println!`.
fn print_summary(out: &Output, info: &StackInfo, show_secrets: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    let rows = info.summary_lines(show_secrets);
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    out.done("Supabase is running");
    let mut stdout = std::io::stdout().lock();
    for (label, value) in rows {
        writeln!(stdout, "  {label:<width$}  {value}")?;
    }
    stdout.flush()?;
    drop(stdout);
    if !show_secrets {
        out.hint(
            "`ssp status --show-secrets` prints the masked values; `ssp status -o env` writes them for .env files",
        );
    }
    Ok(())
}
