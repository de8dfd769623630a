//! The one output handle every command and service reports through.
//!
//! Status lines, warnings and progress go to stderr (stdout is for data: `config -o json`,
//! completions, …). On a terminal, progress is an indicatif `MultiProgress` region and status lines
//! are printed above it; otherwise (CI, pipes, `--no-progress`) every line is plain text prefixed with
//! the time elapsed since start, and progress becomes periodic plain lines.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use console::Style;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How chatty the output is: `-q` is [`Verbosity::Quiet`], each `-v` goes one step up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
    Debug,
}

impl Verbosity {
    pub fn from_flags(quiet: bool, verbose: u8) -> Self {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, _) => Verbosity::Debug,
        }
    }
}

/// `--color auto|always|never`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// The kinds of status line, each with its own mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// `→` work starting.
    Step,
    /// `✓` work done.
    Done,
    /// `!` something the user should know.
    Warn,
    /// `✗` something failed.
    Fail,
    /// `·` a detail, no judgement.
    Note,
}

impl Mark {
    fn glyph(self) -> &'static str {
        match self {
            Mark::Step => "→",
            Mark::Done => "✓",
            Mark::Warn => "!",
            Mark::Fail => "✗",
            Mark::Note => "·",
        }
    }

    fn style(self) -> Style {
        match self {
            Mark::Step => Style::new().cyan().bold(),
            Mark::Done => Style::new().green().bold(),
            Mark::Warn => Style::new().yellow().bold(),
            Mark::Fail => Style::new().red().bold(),
            Mark::Note => Style::new().dim(),
        }
    }
}

/// Settings the output handle is built from (from the global flags and the environment).
#[derive(Clone, Debug)]
pub struct OutputSettings {
    pub verbosity: Verbosity,
    pub color: ColorChoice,
    pub no_progress: bool,
}

struct Inner {
    verbosity: Verbosity,
    color: bool,
    /// Present only when stderr is a terminal and progress is enabled.
    multi: Option<MultiProgress>,
    start: Instant,
    /// Captured lines instead of stderr (tests of services).
    sink: Option<Mutex<Vec<String>>>,
}

/// The output handle. Cheap to clone; pass it down.
#[derive(Clone)]
pub struct Output(Arc<Inner>);

impl Output {
    /// Builds the handle for this process: progress only when stderr is a terminal, colour per
    /// `--color`, `NO_COLOR` and the terminal.
    pub fn new(settings: &OutputSettings) -> Self {
        // TERM=dumb: a terminal that understands no escape sequences (Emacs shells, some IDE
        // consoles): no colour, no live progress region.
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let tty = std::io::stderr().is_terminal() && !dumb;
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match settings.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color_env,
        };
        console::set_colors_enabled_stderr(color);
        console::set_colors_enabled(color);
        let progress = tty && !settings.no_progress && settings.verbosity != Verbosity::Quiet;
        let multi = progress.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Output(Arc::new(Inner { verbosity: settings.verbosity, color, multi, start: Instant::now(), sink: None }))
    }

    /// A handle that records lines in memory (no colour, no progress), for tests of services.
    pub fn capture(verbosity: Verbosity) -> Self {
        Output(Arc::new(Inner {
            verbosity,
            color: false,
            multi: None,
            start: Instant::now(),
            sink: Some(Mutex::new(Vec::new())),
        }))
    }

    /// The lines recorded by a [`Output::capture`] handle.
    pub fn captured(&self) -> Vec<String> {
        self.0.sink.as_ref().map(|s| s.lock().unwrap().clone()).unwrap_or_default()
    }

    pub fn verbosity(&self) -> Verbosity {
        self.0.verbosity
    }

    /// True when progress is drawn as a live region (terminal), false for plain lines.
    pub fn is_live(&self) -> bool {
        self.0.multi.is_some()
    }

    pub fn color(&self) -> bool {
        self.0.color
    }

    /// A status line: `→ Creating cluster pdc-cluster`.
    pub fn status(&self, mark: Mark, message: impl AsRef<str>) {
        let min = match mark {
            Mark::Warn | Mark::Fail => Verbosity::Quiet,
            _ => Verbosity::Normal,
        };
        if self.0.verbosity < min {
            return;
        }
        let glyph = self.paint(&mark.style(), mark.glyph());
        self.line(&format!("{glyph} {}", message.as_ref()));
    }

    pub fn step(&self, message: impl AsRef<str>) {
        self.status(Mark::Step, message)
    }

    pub fn done(&self, message: impl AsRef<str>) {
        self.status(Mark::Done, message)
    }

    pub fn warn(&self, message: impl AsRef<str>) {
        self.status(Mark::Warn, message)
    }

    pub fn fail(&self, message: impl AsRef<str>) {
        self.status(Mark::Fail, message)
    }

    pub fn note(&self, message: impl AsRef<str>) {
        self.status(Mark::Note, message)
    }

    /// A `hint:` line, shown at normal verbosity.
    pub fn hint(&self, message: impl AsRef<str>) {
        if self.0.verbosity >= Verbosity::Normal {
            let label = self.paint(&Style::new().cyan(), "hint:");
            self.line(&format!("{label} {}", message.as_ref()));
        }
    }

    /// A line shown only with `-v` (the exact commands ssp runs, API calls).
    pub fn verbose(&self, message: impl AsRef<str>) {
        if self.0.verbosity >= Verbosity::Verbose {
            let text = self.paint(&Style::new().dim(), message.as_ref());
            self.line(&text);
        }
    }

    /// A line shown only with `-vv`.
    pub fn debug(&self, message: impl AsRef<str>) {
        if self.0.verbosity >= Verbosity::Debug {
            let text = self.paint(&Style::new().dim(), message.as_ref());
            self.line(&text);
        }
    }

    /// Text styled for stderr when colour is on.
    pub fn paint(&self, style: &Style, text: &str) -> String {
        if self.0.color { style.clone().force_styling(true).apply_to(text).to_string() } else { text.to_string() }
    }

    /// A bar for work of known size (bytes or items). `unit_bytes` formats position as bytes with
    /// rate and ETA.
    pub fn progress(&self, label: impl Into<String>, total: Option<u64>, unit_bytes: bool) -> Progress {
        let label = label.into();
        match &self.0.multi {
            Some(multi) => {
                let bar = match total {
                    Some(len) => ProgressBar::new(len),
                    None => ProgressBar::new_spinner(),
                };
                let template = match (total.is_some(), unit_bytes) {
                    (true, true) => {
                        "{spinner:.cyan} {prefix:<24} [{bar:30.cyan/blue}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}"
                    }
                    (true, false) => "{spinner:.cyan} {prefix:<24} [{bar:30.cyan/blue}] {pos}/{len} {msg}",
                    (false, true) => "{spinner:.cyan} {prefix:<24} {bytes} {bytes_per_sec} {msg}",
                    (false, false) => "{spinner:.cyan} {prefix:<24} {msg}",
                };
                bar.set_style(
                    ProgressStyle::with_template(template).expect("progress templates are valid").progress_chars("=> "),
                );
                bar.set_prefix(label.clone());
                bar.enable_steady_tick(Duration::from_millis(120));
                let bar = multi.add(bar);
                Progress {
                    output: self.clone(),
                    label,
                    live: Some(bar),
                    plain: Mutex::new(PlainState::new(total)),
                    unit_bytes,
                }
            }
            None => Progress {
                output: self.clone(),
                label,
                live: None,
                plain: Mutex::new(PlainState::new(total)),
                unit_bytes,
            },
        }
    }

    fn line(&self, text: &str) {
        if let Some(sink) = &self.0.sink {
            sink.lock().unwrap().push(console::strip_ansi_codes(text).into_owned());
            return;
        }
        match &self.0.multi {
            Some(multi) => {
                // MultiProgress::println draws above the bars; fall back to stderr when hidden.
                if multi.println(text).is_err() {
                    let _ = writeln!(std::io::stderr(), "{text}");
                }
            }
            None => {
                let elapsed = self.0.start.elapsed().as_secs_f64();
                let stamp = self.paint(&Style::new().dim(), &format!("[{elapsed:>7.2}s]"));
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "{stamp} {text}");
            }
        }
    }
}

/// Writes command data (not status lines) to stdout. A reader that went away shows up as a
/// `BrokenPipe` error, which `main` turns into a quiet exit, where `print!` would panic.
pub fn print_data(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// True when stdout is a pipe or socket whose reader has gone (writes fail with EPIPE).
pub fn stdout_closed() -> bool {
    let mut fd = libc::pollfd { fd: libc::STDOUT_FILENO, events: libc::POLLOUT, revents: 0 };
    // SAFETY: one valid pollfd, no waiting.
    let ready = unsafe { libc::poll(&mut fd, 1, 0) };
    ready > 0 && fd.revents & libc::POLLERR != 0
}

struct PlainState {
    total: Option<u64>,
    position: u64,
    last_line: Instant,
    last_decile: u64,
}

impl PlainState {
    fn new(total: Option<u64>) -> Self {
        PlainState { total, position: 0, last_line: Instant::now(), last_decile: 0 }
    }
}

/// How often a plain-mode progress reporter prints a line when the percentage moves slowly.
const PLAIN_INTERVAL: Duration = Duration::from_secs(5);

/// One unit of long work: a live bar on a terminal, periodic lines otherwise.
pub struct Progress {
    output: Output,
    label: String,
    live: Option<ProgressBar>,
    plain: Mutex<PlainState>,
    unit_bytes: bool,
}

impl Progress {
    pub fn set_length(&self, total: u64) {
        if let Some(bar) = &self.live {
            bar.set_length(total);
        }
        self.plain.lock().unwrap().total = Some(total);
    }

    pub fn inc(&self, delta: u64) {
        let position = {
            let mut state = self.plain.lock().unwrap();
            state.position += delta;
            state.position
        };
        self.set_position(position);
    }

    pub fn set_position(&self, position: u64) {
        if let Some(bar) = &self.live {
            bar.set_position(position);
            return;
        }
        let mut state = self.plain.lock().unwrap();
        state.position = position;
        let decile = state.total.filter(|t| *t > 0).map(|t| position.saturating_mul(10) / t).unwrap_or(0);
        let due = state.last_line.elapsed() >= PLAIN_INTERVAL;
        if decile > state.last_decile || due {
            state.last_decile = decile.max(state.last_decile);
            state.last_line = Instant::now();
            let text = self.describe(position, state.total);
            drop(state);
            self.output.note(format!("{}: {text}", self.label));
        }
    }

    /// A message beside the bar (terminal) or a plain line (CI).
    pub fn set_message(&self, message: impl Into<String>) {
        let message = message.into();
        match &self.live {
            Some(bar) => bar.set_message(message),
            None => self.output.note(format!("{}: {message}", self.label)),
        }
    }

    /// Ends the bar and leaves one status line.
    pub fn finish(self, mark: Mark, message: impl AsRef<str>) {
        if let Some(bar) = &self.live {
            bar.finish_and_clear();
        }
        self.output.status(mark, message);
    }

    fn describe(&self, position: u64, total: Option<u64>) -> String {
        let fmt = |n: u64| {
            if self.unit_bytes { indicatif::HumanBytes(n).to_string() } else { n.to_string() }
        };
        match total {
            Some(total) if total > 0 => {
                format!("{} of {} ({}%)", fmt(position), fmt(total), position.saturating_mul(100) / total)
            }
            _ => fmt(position),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.live
            && !bar.is_finished()
        {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_keeps_warnings_and_drops_steps() {
        let out = Output::capture(Verbosity::Quiet);
        out.step("starting");
        out.warn("careful");
        out.verbose("argv");
        assert_eq!(out.captured(), vec!["! careful".to_string()]);
    }

    #[test]
    fn verbose_lines_need_v() {
        let out = Output::capture(Verbosity::Normal);
        out.verbose("hidden");
        out.done("shown");
        assert_eq!(out.captured(), vec!["✓ shown".to_string()]);
        let out = Output::capture(Verbosity::Verbose);
        out.verbose("argv");
        assert_eq!(out.captured(), vec!["argv".to_string()]);
    }

    #[test]
    fn plain_progress_reports_each_tenth() {
        let out = Output::capture(Verbosity::Normal);
        let p = out.progress("k3d", Some(100), false);
        for _ in 0..100 {
            p.inc(1);
        }
        p.finish(Mark::Done, "k3d installed");
        let lines = out.captured();
        assert_eq!(lines.len(), 11, "{lines:?}");
        assert_eq!(lines[0], "· k3d: 10 of 100 (10%)");
        assert_eq!(lines[9], "· k3d: 100 of 100 (100%)");
        assert_eq!(lines[10], "✓ k3d installed");
    }
}
