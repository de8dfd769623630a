//! `ssp logs [COMPONENT…] [-f] [--since D] [--tail N] [--previous] [-c C] [-o json]`: the
//! release's logs through the Kubernetes API, one stream multiplexed per component by
//! [`crate::k8s::logs`]; this file only picks the components and writes what comes out.

use std::io::{IsTerminal, Write};

use crate::cli::{Format, GlobalArgs, LogsArgs};
use crate::exit::UsageError;
use crate::k8s::logs::{self, LineFormat, LogEvent, LogOptions, LogsError};
use crate::platform::interrupt::{self, Interrupted};
use crate::platform::output::{ColorChoice, Output};
use crate::release::helm::Release;
use crate::release::names::ChartNames;

/// Which lines `--dry-run` says it would read: `the last 50 lines`, `all lines of the previous
/// run newer than 10m`, ….
fn dry_run_lines(args: &LogsArgs) -> String {
    let mut what = if args.tail < 0 { "all lines".to_string() } else { format!("the last {} lines", args.tail) };
    if let Some(container) = &args.container {
        what.push_str(&format!(" of container {container}"));
    }
    if args.previous {
        what.push_str(" of the previous run");
    }
    if let Some(since) = args.since {
        what.push_str(&format!(" newer than {}", humantime::format_duration(since)));
    }
    what
}

pub async fn run(global: &GlobalArgs, args: &LogsArgs, output: Output) -> anyhow::Result<()> {
    let ctx = super::load(global, Vec::new(), output)?;
    let access = ctx.cluster();
    let release = Release::for_project(&ctx.project, &access.context, None);
    if ctx.dry_run {
        ctx.output.note(format!(
            "would read {} of {} of release {} in {} through the Kubernetes API{}",
            dry_run_lines(args),
            if args.components.is_empty() { "every component".to_string() } else { args.components.join(", ") },
            release.name,
            release.namespace,
            if args.follow { ", then follow them" } else { "" }
        ));
        return Ok(());
    }
    let client = access.client().await?;
    let naming = ChartNames { release: &release.name };
    let all = logs::components(&client, &release.namespace, &release.selector(), &naming).await?;
    let chosen = logs::select(&all, &args.components, args.container.as_deref(), &naming).map_err(usage)?;
    let options = LogOptions {
        follow: args.follow,
        since: args.since,
        tail: (args.tail >= 0).then_some(args.tail),
        previous: args.previous,
        container: args.container.clone(),
    };
    // Colour as the output handle decides it for stderr, and only on a terminal for stdout
    // unless asked for (`| less -R`).
    let color = match global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => ctx.output.color() && std::io::stdout().is_terminal(),
    };
    let format = LineFormat::new(&chosen, args.container.as_deref(), args.output == Format::Json, color);

    let (events, mut received) = tokio::sync::mpsc::channel(1024);
    let engine = logs::stream(&client, &release.namespace, &chosen, &options, events);
    let printer = async {
        let mut stdout = std::io::BufWriter::new(std::io::stdout());
        while let Some(event) = received.recv().await {
            match event {
                LogEvent::Line(line) => stdout.write_all(format.render(&line).as_bytes())?,
                LogEvent::Notice(text) => ctx.output.note(text),
                LogEvent::Warning(text) => ctx.output.warn(text),
            }
            // Written as soon as nothing else is waiting: a followed line shows at once.
            if received.is_empty() {
                stdout.flush()?;
            }
        }
        stdout.flush()
    };
    let cancel = interrupt::token();
    tokio::pin!(engine, printer);
    let mut finished = None;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return Err(Interrupted.into()),
            result = &mut engine, if finished.is_none() => finished = Some(result),
            printed = &mut printer => {
                printed?;
                // The printer ends once the engine has (its sender dropped), or on a write error.
                return finished.unwrap_or(Ok(())).map_err(usage);
            }
        }
    }
}

/// A name the user typed that the release does not have is a usage error (exit 2).
fn usage(err: LogsError) -> anyhow::Error {
    match err {
        LogsError::UnknownComponent { .. } | LogsError::UnknownContainer { .. } => UsageError(err.to_string()).into(),
        other => other.into(),
    }
}
