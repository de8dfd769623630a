//! `ssp install-tools [TOOL…] [--force] [--mirror URL] [--no-chart]`.

use anyhow::Context as _;

use crate::cli::{GlobalArgs, InstallToolsArgs};
use crate::config::FlagOverride;
use crate::context::Context;
use crate::exit::UsageError;
use crate::platform::output::Output;
use crate::tools::{Downloader, Installed, Installer, RetryPolicy, ToolManifest, ToolName};

pub async fn run(global: &GlobalArgs, args: &InstallToolsArgs, output: Output) -> anyhow::Result<()> {
    let overrides = args
        .mirror
        .iter()
        .map(|mirror| FlagOverride {
            key: "tools.mirror".to_string(),
            value: toml::Value::String(mirror.clone()),
            flag: "--mirror".to_string(),
        })
        .collect();
    let ctx = Context::load(global, overrides, output)?;
    let project = &ctx.project;

    let manifest = ToolManifest::new(&project.config.tools, &project.root).map_err(|e| UsageError(e.to_string()))?;
    let mut tools = if args.tools.is_empty() { manifest.enabled() } else { args.tools.clone() };
    tools.sort();
    tools.dedup();
    let specs = tools
        .iter()
        .map(|tool| manifest.spec(*tool))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| UsageError(e.to_string()))?;

    install(&ctx, manifest, &specs, args.force).await?;

    if !args.no_chart {
        super::fetch_chart::fetch(&ctx, None).await?;
    }
    Ok(())
}

async fn install(
    ctx: &Context,
    manifest: ToolManifest,
    specs: &[crate::tools::ToolSpec],
    force: bool,
) -> anyhow::Result<()> {
    let downloader = Downloader::new(ctx.output.clone(), RetryPolicy::default())?;
    let installer = Installer::new(manifest, ctx.runner.clone(), downloader, force);
    let results = installer.install(specs).await.context("installing the tools failed")?;
    let fresh = results.iter().filter(|(_, r)| *r == Installed::Fresh).count();
    if fresh > 0 {
        ctx.output.done(format!("{fresh} tool{} installed", if fresh == 1 { "" } else { "s" }));
    }
    Ok(())
}

/// Makes sure `tools` are installed at their pins (what `setup-infra` needs before it starts):
/// those already there are only version-checked, no network.
pub async fn ensure(ctx: &Context, tools: &[ToolName]) -> anyhow::Result<()> {
    let project = &ctx.project;
    let manifest = ToolManifest::new(&project.config.tools, &project.root).map_err(|e| UsageError(e.to_string()))?;
    let specs = tools
        .iter()
        .map(|tool| manifest.spec(*tool))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| UsageError(e.to_string()))?;
    install(ctx, manifest, &specs, false).await
}
