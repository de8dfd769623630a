use std::process::ExitCode;

use clap::Parser;
use console::Style;

use ssp::cli::Cli;
use ssp::output::{Output, OutputSettings, Verbosity};
use ssp::{commands, exit, interrupt};

fn main() -> ExitCode {
    // clap prints help/version (exit 0) and usage errors (exit 2) itself.
    let cli = Cli::parse();
    let output = Output::new(&OutputSettings {
        verbosity: Verbosity::from_flags(cli.global.quiet, cli.global.verbose),
        color: cli.global.color,
        no_progress: cli.global.no_progress,
    });
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(exit::FAILURE as u8);
        }
    };
    let result = runtime.block_on(async {
        interrupt::install();
        commands::run(cli, output.clone()).await
    });
    // Blocking threads (a child being killed) must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    let status = match result {
        Ok(()) if interrupt::is_interrupted() => exit::INTERRUPTED,
        Ok(()) => exit::SUCCESS,
        Err(err) => {
            report(&output, &err);
            exit::status_for(&err)
        }
    };
    ExitCode::from(status as u8)
}

/// `error: <message>`, its causes, then its `hint:` lines.
fn report(output: &Output, err: &anyhow::Error) {
    if interrupt::is_interrupted() {
        eprintln!("{} interrupted", output.paint(&Style::new().red().bold(), "error:"));
        return;
    }
    let mut lines = Vec::new();
    let mut hints = Vec::new();
    for (i, cause) in err.chain().enumerate() {
        for (j, line) in cause.to_string().lines().enumerate() {
            if let Some(hint) = line.strip_prefix("hint: ") {
                hints.push(hint.to_string());
            } else if i > 0 && j == 0 {
                lines.push(format!("  caused by: {line}"));
            } else {
                lines.push(line.to_string());
            }
        }
    }
    let label = output.paint(&Style::new().red().bold(), "error:");
    let mut text = format!("{label} {}", lines.first().cloned().unwrap_or_default());
    for line in lines.iter().skip(1) {
        text.push('\n');
        text.push_str(line);
    }
    for hint in hints {
        text.push_str(&format!("\n{} {hint}", output.paint(&Style::new().cyan(), "hint:")));
    }
    eprintln!("{text}");
}
