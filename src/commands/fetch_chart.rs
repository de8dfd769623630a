//! `ssp fetch-chart [--rev REV]`: the chart checkout at the pinned (or given) commit.

use anyhow::Context as _;

use crate::cli::{FetchChartArgs, GlobalArgs};
use crate::context::Context;
use crate::platform::output::Output;
use crate::release::chart::{ChartCheckout, ChartOutcome};

pub async fn run(global: &GlobalArgs, args: &FetchChartArgs, output: Output) -> anyhow::Result<()> {
    let ctx = Context::load(global, Vec::new(), output)?;
    fetch(&ctx, args.rev.clone()).await
}

/// Shared with `install-tools`, which ends by fetching the chart.
pub async fn fetch(ctx: &Context, rev: Option<String>) -> anyhow::Result<()> {
    let checkout = ChartCheckout::new(&ctx.project.root, &ctx.project.config.chart, ctx.runner.clone());
    let outcome = crate::platform::blocking::run(move || checkout.ensure(rev.as_deref()))
        .await
        .context("the chart is not ready")?;
    let chart = &ctx.project.config.chart;
    match outcome {
        ChartOutcome::Ready(ready) => ctx.output.done(format!(
            "chart {} {} at {} ({})",
            ready.name,
            ready.version,
            chart.path.display(),
            &ready.commit[..ready.commit.len().min(12)]
        )),
        ChartOutcome::DryRun => ctx.output.note(format!("dry run: would confirm {}/Chart.yaml", chart.path.display())),
    }
    Ok(())
}
