//! `ssp images [list|mirror]`: the release's images (rendered with the chosen values), where each
//! one is, and the registry-to-registry mirror. Orchestration only: the work is in `images/`.

use std::sync::Arc;

use anyhow::bail;
use serde_json::Value;

use crate::cli::{
    GlobalArgs, ImagesArgs, ImagesFormat, ImagesListArgs, ImagesMirrorArgs, ImagesPullArgs, ImagesValuesArgs,
    ImagesVerb,
};
use crate::cluster::k3d::ClusterState;
use crate::config::Provider;
use crate::context::Context;
use crate::exit::UsageError;
use crate::images::distribution::Registries;
use crate::images::inventory::{self, ImageStatus, Presence, Remote};
use crate::images::mirror::{self, MirrorPair};
use crate::images::pull;
use crate::images::reference::ImageRef;
use crate::images::render::{self, UsedImage};
use crate::platform::docker::Engine;
use crate::platform::output::{Mark, Output, print_data};
use crate::release::chart;
use crate::release::helm::Release;
use crate::release::values::{ChartSchema, image_repository_paths};
use crate::tools::{self, ToolName};

pub async fn run(global: &GlobalArgs, args: &ImagesArgs, output: Output) -> anyhow::Result<()> {
    match &args.verb {
        None => list(global, &args.list, output).await,
        Some(ImagesVerb::List(list_args)) => list(global, list_args, output).await,
        Some(ImagesVerb::Pull(pull_args)) => pull(global, pull_args, output).await,
        Some(ImagesVerb::Mirror(mirror_args)) => mirror(global, mirror_args, output).await,
    }
}

/// The release's images with `values` (all of them, or with `upstream` the chart's defaults for
/// the same components), and the values tree whose `image.repository` keys name them.
pub(super) async fn release_images(
    ctx: &Context,
    args: &ImagesValuesArgs,
    upstream: bool,
) -> anyhow::Result<(Vec<UsedImage>, Value)> {
    let (out, project, config) = (&ctx.output, &ctx.project, &ctx.project.config);
    let mut values = super::values_for(ctx, args.env, &args.extra_values, &args.sets)?;
    tools::ensure(&config.tools, &project.root, &[ToolName::Helm], &ctx.runner, out).await?;
    chart::fetch(&project.root, &config.chart, &ctx.runner, out, None).await?;
    let chart_dir = project.path(&config.chart.path);
    // Only the image keys leave this function: never the (possibly decrypted) values themselves.
    let repositories = if upstream {
        values.drop_images();
        let chart = ChartSchema::load(&chart_dir).map_err(|e| anyhow::anyhow!(e))?;
        image_keys(&chart.values)
    } else {
        let mut merged = values.merged();
        let keys = image_keys(&merged);
        crate::release::helm::scrub_values(&mut merged);
        keys
    };
    let release = Release::for_project(project, &ctx.cluster().context, None);
    let images = render::release_images(&release, values.into_sources(), &ctx.runner).await?;
    Ok((images, repositories))
}

/// `{"db.image.repository": "…", …}` of a values tree.
fn image_keys(values: &Value) -> Value {
    Value::Object(image_repository_paths(values).into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

async fn list(global: &GlobalArgs, args: &ImagesListArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let out = &ctx.output;
    let (images, _) = release_images(&ctx, &args.values, false).await?;
    if ctx.dry_run {
        out.note("would list the images `helm template` renders, then ask Docker, the cluster's nodes and (--check-remote) the registries");
        return Ok(());
    }

    let engine = match Engine::connect().await {
        Ok(engine) => Some(engine),
        Err(err) => {
            out.note(format!("host Docker: unknown ({err})"));
            out.hint(err.hint());
            None
        }
    };
    let nodes = node_images(&ctx).await;
    let refs: Vec<&ImageRef> = images.iter().map(|u| &u.image).collect();
    let registries = args.check_remote.then(|| Registries::new(&ctx.project.config.registry.host, &ctx.runner, &refs));
    let statuses =
        inventory::statuses(&images, engine.as_ref(), nodes.as_deref(), registries.as_ref()).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot ask Docker about the images: {e}\nhint: check `docker info`; ssp talks to the same daemon"
            )
        })?;

    match args.output {
        ImagesFormat::Json => print_data(&(serde_json::to_string_pretty(&statuses)? + "\n"))?,
        ImagesFormat::Text => print_data(&table(&statuses, args.check_remote))?,
    }
    let unresolved: Vec<&str> = statuses
        .iter()
        .filter(|s| !matches!(s.remote, None | Some(Remote::Found { .. })))
        .map(|s| s.image.as_str())
        .collect();
    if !unresolved.is_empty() {
        for status in statuses.iter().filter(|s| unresolved.contains(&s.image.as_str())) {
            if let Some(Remote::Error { message }) = &status.remote {
                out.fail(format!("{}: {message}", status.image));
            }
        }
        bail!(
            "{} image(s) not resolvable in their registry: {}\nhint: mirror them (`ssp images mirror`) or fix the values' image.repository/tag",
            unresolved.len(),
            unresolved.join(", ")
        );
    }
    Ok(())
}

/// The cluster nodes' images, or `None` (said once, with what to do) when the cluster cannot be
/// asked.
async fn node_images(ctx: &Context) -> Option<Vec<(String, Option<u64>)>> {
    let out = &ctx.output;
    let access = ctx.cluster();
    if access.provider == Provider::K3d {
        match access.k3d_call(|k3d| k3d.state()).await {
            Ok(ClusterState::Running { .. }) => {}
            Ok(state) => {
                out.note(format!("cluster: unknown (cluster {} is {})", access.name, state.describe()));
                out.hint("`ssp setup-infra` creates it; `ssp start` starts a stopped one");
                return None;
            }
            Err(err) => {
                out.note(format!("cluster: unknown ({err})"));
                out.hint("`ssp install-tools` installs k3d; `ssp doctor` checks the rest");
                return None;
            }
        }
    }
    let listed = match access.client().await {
        Ok(client) => inventory::node_images(&client).await.map_err(anyhow::Error::from),
        Err(err) => Err(err),
    };
    match listed {
        Ok(nodes) => Some(nodes),
        Err(err) => {
            out.note(format!(
                "cluster: unknown (cannot list the nodes of {}: {})",
                access.context,
                format!("{err:#}").lines().next().unwrap_or_default()
            ));
            out.hint("`ssp status` shows whether the cluster answers");
            None
        }
    }
}

fn table(statuses: &[ImageStatus], remote: bool) -> String {
    let place = |p: &Presence| match p {
        Presence::Present { size: Some(size) } => indicatif::HumanBytes(*size).to_string(),
        Presence::Present { size: None } => "yes".to_string(),
        Presence::Absent => "no".to_string(),
        Presence::Unknown => "unknown".to_string(),
    };
    let width = statuses.iter().map(|s| s.image.len()).max().unwrap_or(0).max(5);
    let mut text = format!("{:<width$}  {:<10}  {:<10}", "IMAGE", "HOST", "CLUSTER");
    if remote {
        text.push_str("  REGISTRY");
    }
    text = text.trim_end().to_string() + "\n";
    for s in statuses {
        let mut line = format!("{:<width$}  {:<10}  {:<10}", s.image, place(&s.host), place(&s.cluster));
        if let Some(r) = &s.remote {
            line.push_str(match r {
                Remote::Found { .. } => "  ok",
                Remote::Missing => "  missing",
                Remote::Error { .. } => "  error",
            });
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

async fn pull(global: &GlobalArgs, args: &ImagesPullArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let (images, _) = release_images(&ctx, &args.values, false).await?;
    let images: Vec<ImageRef> = images.into_iter().map(|u| u.image).collect();
    let (out, env_host) = (&ctx.output, &ctx.project.config.registry.host);
    if args.no_import {
        let engine = Engine::connect().await.map_err(|e| anyhow::anyhow!("{e}\nhint: {}", e.hint()))?;
        let failed = pull::pull_missing(&engine, &images, env_host, &ctx.runner, out, ctx.dry_run).await?;
        if !failed.is_empty() {
            let names: Vec<String> = failed.iter().map(|(i, _)| i.to_string()).collect();
            bail!("{} image(s) could not be pulled: {}", failed.len(), names.join(", "));
        }
        return Ok(());
    }
    pull::preload(&ctx.cluster(), &images, env_host, &ctx.runner, out, ctx.dry_run).await
}

async fn mirror(global: &GlobalArgs, args: &ImagesMirrorArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let out = &ctx.output;
    let prefix = args.to.trim().trim_end_matches('/');
    let registry_named = prefix.split_once('/').map_or(prefix, |(first, _)| first);
    if prefix.is_empty()
        || !(registry_named.contains('.') || registry_named.contains(':') || registry_named == "localhost")
    {
        return Err(UsageError(format!(
            "--to `{}` names no registry\nhint: give REGISTRY/PREFIX, e.g. ghcr.io/uw-thinklab/mirror or 127.0.0.1:5000/mirror",
            args.to
        ))
        .into());
    }
    let (images, repositories) = release_images(&ctx, &args.values, args.upstream).await?;
    let sources: Vec<ImageRef> = images.iter().map(|u| u.image.clone()).collect();
    let pairs = mirror::plan(&sources, prefix).map_err(|e| {
        UsageError(format!("--to `{}`: {e}\nhint: registry paths are lower-case, separated by /", args.to))
    })?;
    let refs: Vec<&ImageRef> = pairs.iter().flat_map(|p| [&p.source, &p.target]).collect();
    let registries = Registries::new(&ctx.project.config.registry.host, &ctx.runner, &refs);
    let env_host = ctx.project.config.registry.host.clone();

    let mut failed = Vec::new();
    let mut hints = std::collections::BTreeSet::new();
    let (mut total_blobs, mut total_bytes) = (0, 0);
    for pair in &pairs {
        let label = pair.source.to_string();
        let progress = Arc::new(out.progress(short_label(&label), None, true));
        let tick = progress.clone();
        let result = mirror::copy(&registries, pair, ctx.dry_run, Arc::new(move |n| tick.inc(n))).await;
        let progress = Arc::try_unwrap(progress).ok();
        let finish = |mark: Mark, message: String| match progress {
            Some(p) => p.finish(mark, message),
            None => out.status(mark, message),
        };
        match result {
            Ok(copied) if copied.manifests == 0 => {
                finish(Mark::Done, format!("{label} → {}: already there", pair.target))
            }
            Ok(copied) => {
                total_blobs += copied.blobs;
                total_bytes += copied.bytes;
                let verb = if ctx.dry_run { "would copy" } else { "copied" };
                finish(
                    Mark::Done,
                    format!(
                        "{label} → {}: {verb} {} blob(s), {} ({} already there), {} manifest(s)",
                        pair.target,
                        copied.blobs,
                        indicatif::HumanBytes(copied.bytes),
                        copied.blobs_present,
                        copied.manifests
                    ),
                );
            }
            Err(err) => {
                finish(Mark::Fail, format!("{label} → {}: {err}", pair.target));
                hints.insert(err.hint(&env_host));
                failed.push(label);
            }
        }
    }
    let verb = if ctx.dry_run { "would copy" } else { "copied" };
    out.note(format!("{verb} {total_blobs} blob(s), {} in all", indicatif::HumanBytes(total_bytes)));
    for hint in hints {
        out.hint(hint);
    }
    let copied: Vec<&MirrorPair> = pairs.iter().filter(|p| !failed.contains(&p.source.to_string())).collect();
    print_repository_changes(out, &copied, &images, &repositories, args.upstream);
    if !failed.is_empty() {
        bail!("{} of {} image(s) could not be copied: {}", failed.len(), pairs.len(), failed.join(", "));
    }
    Ok(())
}

/// The `image.repository` values that would change to pull from the mirror.
/// The `image.repository` values that would change to pull from the mirror, and the images no
/// values key sets (fixed in the chart's templates).
fn print_repository_changes(
    out: &Output,
    pairs: &[&MirrorPair],
    images: &[UsedImage],
    repositories: &Value,
    upstream: bool,
) {
    let mut changes = Vec::new();
    let mut keyed = std::collections::BTreeSet::new();
    for (key, value) in repositories.as_object().into_iter().flatten() {
        let Some(repo) = value.as_str() else { continue };
        let Ok(named) = ImageRef::parse(repo) else { continue };
        if let Some(pair) = pairs.iter().find(|p| p.source.registry == named.registry && p.source.path == named.path) {
            changes.push(format!("{key}: {repo} → {}", pair.target.familiar_repository()));
            keyed.insert((named.registry, named.path));
        }
    }
    if !changes.is_empty() {
        let whose = if upstream { "the chart's defaults; set them in your values" } else { "in your values" };
        out.note(format!("to pull from the mirror, change these image.repository values ({whose}):"));
        for change in changes {
            out.note(format!("  {change}"));
        }
    }
    for pair in pairs.iter().filter(|p| !keyed.contains(&(p.source.registry.clone(), p.source.path.clone()))) {
        let users = images.iter().find(|u| u.image == pair.source).map(|u| u.used_by.join(", ")).unwrap_or_default();
        out.note(format!(
            "{} is fixed in the chart's templates ({users}): no values key points it at the mirror; a registry mirror in the cluster (k3s registries.yaml) can",
            pair.source
        ));
    }
}

/// A progress label short enough for the bar's column.
fn short_label(image: &str) -> String {
    match image.rsplit_once('/') {
        Some((_, last)) => last.to_string(),
        None => image.to_string(),
    }
}
