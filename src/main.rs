// stdout is written with `write!` and its errors returned (see lib.rs).
#![deny(clippy::print_stdout)]

use std::io::Write;
use std::process::ExitCode;

use clap::FromArgMatches;
use console::Style;

use ssp::cli::Cli;
use ssp::platform::output::{Output, OutputSettings, Verbosity};
use ssp::platform::{interrupt, output};
use ssp::{commands, exit};

fn main() -> ExitCode {
    install_panic_hook();
    // clap prints help/version (exit 0) and usage errors (exit 2) itself; a closed stdout is fine.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut command = ssp::cli::command();
    let parsed = command.try_get_matches_from_mut(&args).and_then(|matches| Cli::from_arg_matches(&matches));
    // The command tree is not read again. Freeing it took ~0.5 M instructions (a third of what
    // building it takes) in every run; its memory is the process's until it exits anyway.
    std::mem::forget(command);
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => {
            let status = err.exit_code();
            if err.print().is_err() && !err.use_stderr() && output::stdout_closed() {
                return ExitCode::SUCCESS;
            }
            return ExitCode::from(status as u8);
        }
    };
    let output = Output::new(&OutputSettings {
        verbosity: Verbosity::from_flags(cli.global.quiet, cli.global.verbose),
        color: cli.global.color,
        no_progress: cli.global.no_progress,
    });
    // First, before any thread exists: every thread started later inherits the signal mask.
    interrupt::install();
    // A panic unwinds through the command first (guards remove temp files), then ends here: the
    // hook has said what happened, and ssp exits 1, never Rust's 101. No async runtime, TLS set-up
    // or client exists yet: each command starts what it uses (commands::run).
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| commands::run(cli, output.clone())));
    interrupt::settle();
    let status = match result {
        Err(_) => exit::FAILURE,
        Ok(Ok(())) if interrupt::is_interrupted() => exit::INTERRUPTED,
        Ok(Ok(())) => exit::SUCCESS,
        // The reader of our stdout went away (`ssp config | head -1`): stop quietly, as Unix tools do.
        Ok(Err(err)) if is_broken_pipe(&err) && output::stdout_closed() => exit::SUCCESS,
        Ok(Err(err)) => {
            report(&output, &err);
            exit::status_for(&err)
        }
    };
    ExitCode::from(status as u8)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|cause| cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
}

/// A panic is a bug: say so in one clear message (not Rust's "thread 'main' panicked"). (ssp writes
/// stdout with `write!` and returns its errors — clippy's `print_stdout` is denied — so a reader
/// that went away is no panic: `main` exits quietly on that broken pipe.)
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        // `writeln!`, not `eprintln!`: a closed stderr must not panic inside the panic hook (abort).
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(
            stderr,
            "error: internal error in ssp: {message}{location}\nhint: this is a bug in ssp; please report it with the command you ran (RUST_BACKTRACE=1 adds a backtrace)"
        );
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
            let _ = writeln!(stderr, "{}", std::backtrace::Backtrace::force_capture());
        }
    }));
}

/// `error: <message>`, its causes, then its `hint:` lines.
fn report(output: &Output, err: &anyhow::Error) {
    if interrupt::is_interrupted() {
        let _ = writeln!(std::io::stderr(), "{} interrupted", output.paint(&Style::new().red().bold(), "error:"));
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
    if hints.is_empty()
        && let Some(hint) = ssp::k8s::unreachable_hint(err)
    {
        hints.push(hint.to_string());
    }
    for hint in hints {
        text.push_str(&format!("\n{} {hint}", output.paint(&Style::new().cyan(), "hint:")));
    }
    // Nobody may be reading stderr any more (`2>&1 | head -1`): the status still tells.
    let _ = writeln!(std::io::stderr(), "{text}");
}
