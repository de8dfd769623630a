//! `ssp install-tools [TOOL…] [--force] [--mirror URL] [--no-chart]`.

use crate::cli::{GlobalArgs, InstallToolsArgs};
use crate::config::FlagOverride;
use crate::platform::output::Output;
use crate::release::chart;
use crate::tools;

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
    let ctx = super::load(global, overrides, output)?;
    let project = &ctx.project;

    let manifest = tools::manifest(&project.config.tools, &project.root)?;
    let mut wanted = if args.tools.is_empty() { manifest.enabled() } else { args.tools.clone() };
    wanted.sort();
    wanted.dedup();
    let specs = tools::specs_of(&manifest, &wanted)?;
    tools::install_specs(manifest, &specs, &ctx.runner, &ctx.output, args.force).await?;

    if !args.no_chart {
        chart::fetch(&project.root, &project.config.chart, &ctx.runner, &ctx.output, None).await?;
    }
    Ok(())
}
