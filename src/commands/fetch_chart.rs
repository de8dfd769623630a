//! `ssp fetch-chart [--rev REV]`: the chart checkout at the pinned (or given) commit.

use crate::cli::{FetchChartArgs, GlobalArgs};
use crate::platform::output::Output;
use crate::release::chart;

pub async fn run(global: &GlobalArgs, args: &FetchChartArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let project = &ctx.project;
    chart::fetch(&project.root, &project.config.chart, &ctx.runner, &ctx.output, args.rev.clone()).await
}
