//! `ssp status [-o text|json|env] [--write FILE] [--watch]`: cluster, release, workloads,
//! endpoints; with `--watch` the workloads' table kept current from watches until Ctrl-C.

use std::io::IsTerminal as _;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, bail};
use futures::StreamExt as _;
use serde_json::json;

use crate::cli::{GlobalArgs, StatusArgs, StatusFormat};
use crate::cluster::k3d::ClusterState;
use crate::config::Provider;
use crate::context::Context;
use crate::exit::UsageError;
use crate::k8s::status_watch::{self, StatusRow, StatusWatch};
use crate::k8s::workloads;
use crate::platform::output::{Output, print_data};
use crate::platform::{atomic_write, blocking, interrupt};
use crate::release::helm::{Release, parse_status};
use crate::release::stack::StackInfo;

pub async fn run(global: &GlobalArgs, args: &StatusArgs, output: Output) -> anyhow::Result<()> {
    if args.write.is_some() && args.output != StatusFormat::Env {
        return Err(UsageError("--write goes with `-o env`".into()).into());
    }
    if args.watch && args.output != StatusFormat::Text {
        return Err(UsageError(
            "--watch goes with `-o text` (a live table, or one line per change when stdout is not a terminal)".into(),
        )
        .into());
    }
    let ctx = super::load(global, Vec::new(), output)?;
    if args.watch {
        return watch(&ctx).await;
    }
    let config = &ctx.project.config;

    let access = ctx.cluster();
    let cluster_state = match config.cluster.provider {
        Provider::K3d => access.k3d_call(|k3d| k3d.state()).await?,
        Provider::Existing => ClusterState::Running { servers_count: 0, agents_running: 0, agents_count: 0 },
    };
    let cluster_json = json!({
        "name": config.cluster.name,
        "provider": config.cluster.provider,
        "context": config.cluster.kube_context(),
        "state": cluster_state.describe(),
    });
    let running = matches!(cluster_state, ClusterState::Running { .. });

    let kubeconfig = if running { access.helm_kubeconfig()? } else { None };
    let release = Release::for_project(&ctx.project, &access.context, kubeconfig);
    let (release_status, workloads, info) = if running {
        let (runner, call) = (ctx.runner.clone(), release.status());
        let helm_status =
            blocking::run(move || runner.run_unchecked(&call)).await.ok().and_then(|done| parse_status(&done.stdout));
        let client = access.client().await?;
        let listed = workloads::list(&client, &release.namespace, &release.selector())
            .await
            .context("cannot list the release's workloads")?;
        let info = StackInfo::read(&client, &release.namespace, &release.name, &config.cluster).await.ok();
        (helm_status, listed, info)
    } else {
        (None, Vec::new(), None)
    };
    let deployed = release_status.as_ref().is_some_and(|s| s.status == "deployed");
    let ready = running && deployed && !workloads.is_empty() && workloads.iter().all(|w| w.readiness.done);

    match args.output {
        StatusFormat::Json => {
            let report = json!({
                "ready": ready,
                "cluster": cluster_json,
                "release": release_status,
                "workloads": workloads.iter().map(|w| json!({
                    "kind": w.kind.as_str(), "name": w.name, "ready": w.readiness.ready, "desired": w.readiness.desired,
                    "done": w.readiness.done, "detail": w.readiness.detail,
                })).collect::<Vec<_>>(),
                "stack": info.as_ref().map(|i| i.to_json(args.show_secrets)),
            });
            print_data(&(serde_json::to_string_pretty(&report)? + "\n"))?;
        }
        StatusFormat::Env => {
            let Some(info) = &info else {
                bail!("the stack is not running, so there is nothing to write\nhint: `ssp setup-infra` first");
            };
            let text = info.env_lines(args.show_secrets).join("\n") + "\n";
            match &args.write {
                Some(path) => {
                    atomic_write::replace_private(path, text.as_bytes())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    ctx.output.done(format!("wrote {}", path.display()));
                }
                None => print_data(&text)?,
            }
        }
        StatusFormat::Text => {
            let out = &ctx.output;
            let mut text = String::new();
            text.push_str(&format!(
                "cluster   {} ({}) {}\n",
                config.cluster.name,
                config.cluster.kube_context(),
                cluster_state.describe()
            ));
            match &release_status {
                Some(s) => text.push_str(&format!("release   {} revision {} {}\n", s.name, s.version, s.status)),
                None => text.push_str(&format!("release   {} not installed\n", release.name)),
            }
            if !workloads.is_empty() {
                let width = workloads.iter().map(|w| w.kind.as_str().len() + w.name.len() + 1).max().unwrap_or(0);
                for workloads::Workload { kind, name, readiness: r } in &workloads {
                    let mark = if r.done {
                        out.paint(&console::Style::new().green(), "✓")
                    } else {
                        out.paint(&console::Style::new().red(), "✗")
                    };
                    let label = format!("{}/{name}", kind.as_str());
                    text.push_str(&format!("  {mark} {label:<width$}  {}/{} {}\n", r.ready, r.desired, r.detail));
                }
            }
            if let Some(info) = &info {
                let rows = info.summary_lines(args.show_secrets);
                let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                for (label, value) in rows {
                    text.push_str(&format!("  {label:<width$}  {value}\n"));
                }
            }
            print_data(&text)?;
        }
    }
    if !ready {
        bail!("the stack is not ready{}", if running { "" } else { " (the cluster is not running)" });
    }
    Ok(())
}

/// `--watch`: the workloads' table from the watches until Ctrl-C, this mode's normal end (exit 0).
async fn watch(ctx: &Context) -> anyhow::Result<()> {
    let access = ctx.cluster();
    if matches!(ctx.project.config.cluster.provider, Provider::K3d) {
        let state = access.k3d_call(|k3d| k3d.state()).await?;
        if !matches!(state, ClusterState::Running { .. }) {
            bail!(
                "the cluster is not running: {}\nhint: `ssp start` starts it, `ssp setup-infra` creates it",
                state.describe()
            );
        }
    }
    let release = Release::for_project(&ctx.project, &access.context, None);
    let client = access.client().await?;
    let title = format!("{} in {} ({})", release.name, release.namespace, access.context);
    // `-v` writes its log lines to stderr; on the same terminal they would tear a table
    // redrawn in place (it moves up over what it drew last), so the watch prints its changes as
    // lines instead.
    let logs_on_terminal =
        ctx.output.verbosity() >= crate::platform::output::Verbosity::Verbose && std::io::stderr().is_terminal();
    let mut screen = Screen::new(title.clone(), ctx.output.color(), logs_on_terminal);
    if logs_on_terminal && std::io::stdout().is_terminal() {
        ctx.output.note("with -v the table is not redrawn in place (the log would tear it): one line per change");
    }
    if !screen.live {
        ctx.output.step(format!("watching {title}; Ctrl-C leaves"));
    }
    let snapshots = StatusWatch::new(client, &release.namespace, &release.selector(), ctx.output.clone()).snapshots();
    let mut snapshots = std::pin::pin!(snapshots);
    let cancel = interrupt::token();
    // Ages move on between changes: the terminal's table is redrawn every second (no API call).
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            rows = snapshots.next() => match rows {
                Some(rows) => screen.show(rows)?,
                None => bail!("the watch of the release ended"),
            },
            _ = tick.tick(), if screen.live => screen.redraw()?,
        }
    }
    interrupt::acknowledge();
    Ok(())
}

/// Where the watch's rows go: on a terminal, the table redrawn in place; otherwise one
/// timestamped line per workload that changed.
struct Screen {
    title: String,
    color: bool,
    live: bool,
    rows: Option<Vec<StatusRow>>,
    /// Lines of the table drawn last, replaced by the next redraw.
    drawn: usize,
}

impl Screen {
    fn new(title: String, color: bool, logs_on_terminal: bool) -> Self {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let live = std::io::stdout().is_terminal() && !dumb && !logs_on_terminal;
        Screen { title, color, live, rows: None, drawn: 0 }
    }

    fn show(&mut self, rows: Vec<StatusRow>) -> std::io::Result<()> {
        if self.live {
            self.rows = Some(rows);
            return self.redraw();
        }
        let before = self.rows.take().unwrap_or_default();
        let stamp = humantime::format_rfc3339_seconds(SystemTime::now());
        let text: String =
            status_watch::change_lines(&before, &rows).iter().map(|line| format!("{stamp} {line}\n")).collect();
        self.rows = Some(rows);
        if text.is_empty() { Ok(()) } else { print_data(&text) }
    }

    fn redraw(&mut self) -> std::io::Result<()> {
        let Some(rows) = &self.rows else { return Ok(()) };
        let width = console::Term::stdout().size_checked().map(|(_, cols)| cols as usize).unwrap_or(80);
        let lines = status_watch::render_table(&self.title, rows, SystemTime::now(), self.color, width.max(21) - 1);
        let mut text = String::new();
        if self.drawn > 0 {
            // Up to the table's first line, then clear to the end of the screen.
            text.push_str(&format!("\x1b[{}A\r\x1b[J", self.drawn));
        }
        for line in &lines {
            text.push_str(line);
            text.push('\n');
        }
        self.drawn = lines.len();
        print_data(&text)
    }
}
