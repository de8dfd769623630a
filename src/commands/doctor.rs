//! `ssp doctor`: a table of checks, each ok / warn / fail with a hint.

use console::Style;

use crate::cli::{DoctorArgs, Format, GlobalArgs};
use crate::context::Context;
use crate::platform::interrupt::{self, Interrupted};
use crate::platform::output::{Output, print_data};
use crate::preflight::{self, Check, Status};
use crate::tools::{ToolManifest, ToolName};

pub async fn run(global: &GlobalArgs, args: &DoctorArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    // Ctrl-C stops the checks at once and prints no table: a check cut short has no verdict, and
    // those not reached none either.
    let checks = collect(&ctx).await?;
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    match args.output {
        Format::Json => {
            let report = serde_json::json!({ "ok": failed == 0, "checks": checks });
            print_data(&(serde_json::to_string_pretty(&report)? + "\n"))?;
        }
        Format::Text => print_data(&table(&ctx.output, &checks))?,
    }
    if failed > 0 {
        anyhow::bail!("{failed} required check{} failed", if failed == 1 { "" } else { "s" });
    }
    Ok(())
}

async fn collect(ctx: &Context) -> Result<Vec<Check>, Interrupted> {
    let cancel = interrupt::token();
    let (docker, engine) = tokio::select! {
        checked = preflight::docker() => checked,
        _ = cancel.cancelled() => return Err(Interrupted),
    };
    interrupt::check()?;
    let mut checks = vec![docker];
    let runner = ctx.runner.clone();
    let programs = crate::platform::blocking::run(move || {
        let mut checks = Vec::new();
        for program in preflight::PROGRAMS {
            interrupt::check()?;
            checks.push(preflight::program(&runner, program));
        }
        Ok::<_, Interrupted>(checks)
    })
    .await?;
    interrupt::check()?;
    match ToolManifest::new(&ctx.project.config.tools, &ctx.project.root) {
        Ok(manifest) => {
            let enabled = manifest.enabled();
            // An optional tool is checked once it is installed.
            let tools =
                ToolName::ALL.into_iter().filter(|t| enabled.contains(t) || manifest.install_path(*t).is_file());
            for tool in tools {
                checks.push(preflight::pinned_tool(&ctx.runner, &manifest, tool).await);
                interrupt::check()?;
            }
        }
        Err(err) => {
            let mut lines = err.to_string().lines().map(str::to_string).collect::<Vec<_>>();
            let hint = lines.iter().position(|l| l.starts_with("hint: ")).map(|i| lines.remove(i));
            let hint = hint.map(|h| h.trim_start_matches("hint: ").to_string()).unwrap_or_default();
            checks.push(Check::warn("tools", lines.join(" "), hint));
        }
    }
    checks.extend(programs);
    let cluster = &ctx.project.config.cluster;
    if cluster.provider == crate::config::Provider::K3d {
        for mapping in &cluster.ports {
            checks.push(preflight::port(mapping, &cluster.name, engine.as_ref()).await);
            interrupt::check()?;
        }
    }
    checks.push(preflight::chart(&ctx.runner, &ctx.project));
    checks.push(preflight::disk(&ctx.project.root));
    interrupt::check()?;
    Ok(checks)
}

fn table(output: &Output, checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for check in checks {
        let (glyph, style) = match check.status {
            Status::Ok => ("✓", Style::new().green().bold()),
            Status::Warn => ("!", Style::new().yellow().bold()),
            Status::Fail => ("✗", Style::new().red().bold()),
        };
        out.push_str(&format!("{} {:<width$}  {}\n", output.paint(&style, glyph), check.name, check.detail));
        if let Some(hint) = &check.hint {
            let label = output.paint(&Style::new().cyan(), "hint:");
            out.push_str(&format!("  {:<width$}  {label} {hint}\n", ""));
        }
    }
    out
}
