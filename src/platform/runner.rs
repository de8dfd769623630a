//! The process runner: the one way ssp runs external programs (k3d, helm, git, gpg, editors).
//!
//! - Programs resolve through the project's tools dir first, then `PATH` (the `which` crate).
//! - The exact argv is logged at `-v`; arguments marked secret show as `***` in every log and error.
//! - Under `--dry-run` the argv is printed and nothing runs, except commands marked
//!   [`ProgramCall::read_only`] (queries such as `k3d cluster list`), which change nothing and let a dry
//!   run say what it would do.
//! - stdin is fed from memory (zeroized afterwards); stdout/stderr are captured, streamed line by line
//!   to a callback, or inherited (editors).
//! - Each child runs in its own process group so Ctrl-C / SIGTERM / a timeout stop the child and
//!   everything it started (see [`crate::platform::interrupt`]).
//! - A failure is a [`RunError`] naming the program, its exit status and the tail of its stderr,
//!   with every secret argument masked in it (and in streamed lines) as in the argv.
//! - Secrets in ssp's own environment ([`SECRET_ENV`]: the registry token, `SOPS_AGE_KEY`, AWS
//!   keys) are removed from every child's environment; a call that needs some lets them through
//!   ([`ProgramCall::pass_env`]): the credential helpers and `SOPS_AGE_KEY_CMD` get the AWS ones
//!   (`docker-credential-ecr-login`, a key fetched from a secrets manager), nobody gets the rest.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output as ProcessOutput, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zeroize::Zeroizing;

use crate::platform::interrupt::{self, GroupGuard, ProcessGuard};
use crate::platform::output::Output;

/// Lines of stderr kept for error messages.
const STDERR_TAIL_LINES: usize = 20;

/// Environment variables holding secrets, never passed to a child unless it asks for them.
pub const SECRET_ENV: &[&str] = &[
    "SSP_REGISTRY_USER",
    "SSP_REGISTRY_TOKEN",
    "SOPS_AGE_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
];

/// The AWS credentials of [`SECRET_ENV`], for children that call AWS themselves.
pub const AWS_SECRET_ENV: &[&str] =
    &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"];

/// Secret arguments shorter than this are not searched for in output (they would mask every
/// occurrence of a common letter pair).
const MIN_MASKED_LEN: usize = 3;

/// One argument: plain, or secret (masked as `***` in logs and errors).
#[derive(Clone)]
enum Arg {
    Plain(OsString),
    Secret(Zeroizing<Vec<u8>>),
}

impl Arg {
    fn to_os(&self) -> OsString {
        use std::os::unix::ffi::OsStrExt;
        match self {
            Arg::Plain(s) => s.clone(),
            Arg::Secret(bytes) => OsStr::from_bytes(bytes).to_os_string(),
        }
    }
}

/// Where a child's stdout and stderr go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Io {
    /// Kept in memory and returned in [`Finished`].
    Capture,
    /// Each line passed to the callback as it arrives (and the stderr tail kept for errors).
    Stream,
    /// The terminal, stdin included (editors, interactive prompts). Same process group as ssp so
    /// the terminal's Ctrl-C reaches it directly.
    Inherit,
}

/// Which stream a streamed line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

type LineSink = Arc<dyn Fn(Stream, &str) + Send + Sync>;

/// A call of an external program, built up and then handed to [`Runner::run`].
#[derive(Clone)]
pub struct ProgramCall {
    program: OsString,
    args: Vec<Arg>,
    stdin: Option<Zeroizing<Vec<u8>>>,
    /// Shown instead of stdin's content in logs ("the decrypted values", "12 bytes").
    stdin_label: Option<String>,
    env: Vec<(OsString, Option<OsString>)>,
    cwd: Option<PathBuf>,
    timeout: Option<Duration>,
    io: Io,
    on_line: Option<LineSink>,
    read_only: bool,
    /// Variables of [`SECRET_ENV`] this child keeps.
    pass_env: Vec<&'static str>,
}

impl ProgramCall {
    pub fn new(program: impl Into<OsString>) -> Self {
        ProgramCall {
            program: program.into(),
            args: Vec::new(),
            stdin: None,
            stdin_label: None,
            env: Vec::new(),
            cwd: None,
            timeout: None,
            io: Io::Capture,
            on_line: None,
            read_only: false,
            pass_env: Vec::new(),
        }
    }

    /// Lets these variables of [`SECRET_ENV`] through to this child (removed otherwise).
    pub fn pass_env(mut self, names: &[&'static str]) -> Self {
        self.pass_env.extend_from_slice(names);
        self
    }

    /// The variables of [`SECRET_ENV`] removed from this child's environment.
    fn removed_env(&self) -> Vec<&'static str> {
        SECRET_ENV.iter().copied().filter(|name| !self.pass_env.contains(name)).collect()
    }

    /// The texts masked in this call's output: each secret argument and, for `KEY=VALUE`, its value.
    fn masked_texts(&self) -> Vec<String> {
        let mut texts = Vec::new();
        for arg in &self.args {
            if let Arg::Secret(bytes) = arg {
                let text = String::from_utf8_lossy(bytes).into_owned();
                if let Some((_, value)) = text.split_once('=') {
                    texts.push(value.to_string());
                }
                texts.push(text);
            }
        }
        texts.retain(|t| t.len() >= MIN_MASKED_LEN);
        // Longest first, so a value inside a whole argument does not leave its key half-masked.
        texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
        texts
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(Arg::Plain(arg.into()));
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(|a| Arg::Plain(a.into())));
        self
    }

    /// An argument shown as `***` in every log line and error.
    pub fn secret_arg(mut self, arg: impl AsRef<[u8]>) -> Self {
        self.args.push(Arg::Secret(Zeroizing::new(arg.as_ref().to_vec())));
        self
    }

    /// Bytes written to the child's stdin, then zeroized. `label` describes them in logs.
    pub fn stdin(mut self, bytes: Zeroizing<Vec<u8>>, label: impl Into<String>) -> Self {
        self.stdin = Some(bytes);
        self.stdin_label = Some(label.into());
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    pub fn env_remove(mut self, key: impl Into<OsString>) -> Self {
        self.env.push((key.into(), None));
        self
    }

    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Streams output lines to `sink` as they arrive instead of only capturing them.
    pub fn stream(mut self, sink: impl Fn(Stream, &str) + Send + Sync + 'static) -> Self {
        self.io = Io::Stream;
        self.on_line = Some(Arc::new(sink));
        self
    }

    /// Gives the child the terminal (editors).
    pub fn interactive(mut self) -> Self {
        self.io = Io::Inherit;
        self
    }

    /// A query that changes nothing: it runs even under `--dry-run`.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    pub fn program(&self) -> &OsStr {
        &self.program
    }

    /// The command line as logs show it: secrets masked, arguments quoted where needed.
    pub fn display(&self) -> String {
        let mut words = vec![self.program.to_string_lossy().into_owned()];
        for arg in &self.args {
            words.push(match arg {
                Arg::Plain(s) => shell_words::quote(&s.to_string_lossy()).into_owned(),
                Arg::Secret(_) => "***".to_string(),
            });
        }
        let mut line = words.join(" ");
        if let Some(label) = &self.stdin_label {
            line.push_str(&format!(" < ({label})"));
        }
        line
    }
}

impl fmt::Debug for ProgramCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// What a finished program left behind.
#[derive(Debug)]
pub struct Finished {
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// True when `--dry-run` skipped the program.
    pub dry_run: bool,
}

impl Finished {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn success(&self) -> bool {
        self.dry_run || self.status.is_some_and(|s| s.success())
    }
}

/// Why a program could not run or did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("`{program}` was not found in {searched}")]
    NotFound { program: String, searched: String },
    #[error("could not start `{program}`: {source}")]
    Spawn { program: String, source: std::io::Error },
    #[error("`{command}` {status}{}", tail_block(.stderr_tail))]
    Failed { command: String, status: String, code: Option<i32>, stderr_tail: String },
    #[error("`{command}` did not finish within {}; it was stopped", humantime::format_duration(*.after))]
    TimedOut { command: String, after: Duration },
    #[error("`{command}` was interrupted")]
    Interrupted { command: String },
}

fn tail_block(tail: &str) -> String {
    if tail.trim().is_empty() {
        String::new()
    } else {
        let indented: Vec<String> = tail.lines().map(|l| format!("  | {l}")).collect();
        format!("; its last output:\n{}", indented.join("\n"))
    }
}

/// A finished call whose exit status was not success becomes [`RunError::Failed`], with the
/// tail of its stderr (secret arguments masked).
fn checked(call: &ProgramCall, finished: Finished) -> Result<Finished, RunError> {
    match finished.status {
        Some(status) if !status.success() => Err(RunError::Failed {
            command: call.display(),
            status: describe_status(status),
            code: status.code(),
            stderr_tail: mask(&tail_lines(&finished.stderr, STDERR_TAIL_LINES), &call.masked_texts()),
        }),
        _ => Ok(finished),
    }
}

fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig}"),
        _ => "failed".to_string(),
    }
}

/// Runs programs for one ssp invocation.
#[derive(Clone)]
pub struct Runner {
    search_dirs: Vec<PathBuf>,
    dry_run: bool,
    output: Output,
}

impl Runner {
    /// `tools_dir` is searched before `PATH`.
    pub fn new(tools_dir: Option<PathBuf>, dry_run: bool, output: Output) -> Self {
        Runner { search_dirs: tools_dir.into_iter().collect(), dry_run, output }
    }

    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    pub fn output(&self) -> &Output {
        &self.output
    }

    /// Finds a program in the tools dir, then `PATH`. Paths with a `/` are taken as they are.
    pub fn resolve(&self, program: &OsStr) -> Result<PathBuf, RunError> {
        let as_path = Path::new(program);
        if as_path.components().count() > 1 {
            return Ok(as_path.to_path_buf());
        }
        let mut dirs: Vec<PathBuf> = self.search_dirs.clone();
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        let joined = std::env::join_paths(&dirs).unwrap_or_default();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        which::which_in(program, Some(&joined), cwd).map_err(|_| RunError::NotFound {
            program: program.to_string_lossy().into_owned(),
            searched: self.searched_description(),
        })
    }

    fn searched_description(&self) -> String {
        match self.search_dirs.first() {
            Some(dir) => format!("{} or PATH", dir.display()),
            None => "PATH".to_string(),
        }
    }

    /// Runs the call; a non-zero exit is an error ([`RunError::Failed`]).
    pub fn run(&self, call: &ProgramCall) -> Result<Finished, RunError> {
        let finished = self.run_unchecked(call)?;
        checked(call, finished)
    }

    /// [`Runner::run`] for a call used once: its stdin (decrypted values) is handed to the writer
    /// thread and zeroized as soon as the child has read it, not when the child exits.
    pub fn run_once(&self, mut call: ProgramCall) -> Result<Finished, RunError> {
        let stdin = call.stdin.take();
        let finished = self.execute(&call, stdin)?;
        checked(&call, finished)
    }

    /// Runs the call and returns whatever exit status it had (callers that branch on it).
    pub fn run_unchecked(&self, call: &ProgramCall) -> Result<Finished, RunError> {
        self.execute(call, call.stdin.clone())
    }

    fn execute(&self, call: &ProgramCall, stdin: Option<Zeroizing<Vec<u8>>>) -> Result<Finished, RunError> {
        if self.dry_run && !call.read_only {
            self.output.note(format!("would run: {}", call.display()));
            return Ok(Finished { status: None, stdout: Vec::new(), stderr: Vec::new(), dry_run: true });
        }
        interrupt::check().map_err(|_| RunError::Interrupted { command: call.display() })?;
        let program = self.resolve(&call.program)?;
        self.output.verbose(format!("$ {}", call.display()));

        let mut command = Command::new(&program);
        command.args(call.args.iter().map(Arg::to_os));
        for name in call.removed_env() {
            command.env_remove(name);
        }
        for (key, value) in &call.env {
            match value {
                Some(v) => command.env(key, v),
                None => command.env_remove(key),
            };
        }
        if let Some(dir) = &call.cwd {
            command.current_dir(dir);
        }
        match call.io {
            Io::Inherit => {
                command.stdin(Stdio::inherit()).stdout(Stdio::inherit()).stderr(Stdio::inherit());
            }
            Io::Capture | Io::Stream => {
                command
                    .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped());
                // Its own process group: our signal handling stops it and its children.
                command.process_group(0);
            }
        }

        let spawn_error = |source| RunError::Spawn { program: call.program.to_string_lossy().into_owned(), source };
        let child = command.spawn().map_err(spawn_error)?;
        let pid = child.id() as i32;
        // Ctrl-C / SIGTERM stop the child: its own group, or (on the terminal) the child itself.
        let group_guard = (call.io != Io::Inherit).then(|| GroupGuard::register(pid));
        let process_guard = (call.io == Io::Inherit).then(|| ProcessGuard::register(pid));

        let small = stdin.as_ref().is_none_or(|b| b.len() <= SMALL_INPUT);
        let (out, timed_out) = if call.io == Io::Capture && call.timeout.is_none() && small {
            (wait_inline(child, stdin).map_err(spawn_error)?, false)
        } else {
            wait_threaded(child, stdin, call, pid).map_err(spawn_error)?
        };
        drop(group_guard);
        drop(process_guard);

        if timed_out {
            return Err(RunError::TimedOut { command: call.display(), after: call.timeout.unwrap_or_default() });
        }
        if interrupt::is_interrupted() {
            return Err(RunError::Interrupted { command: call.display() });
        }
        Ok(Finished { status: Some(out.status), stdout: out.stdout, stderr: out.stderr, dry_run: false })
    }

    /// [`Runner::run`] on a blocking thread, for async callers.
    pub async fn run_async(&self, call: ProgramCall) -> Result<Finished, RunError> {
        let runner = self.clone();
        crate::platform::blocking::run(move || runner.run(&call)).await
    }
}

/// Waits for a captured call with at most [`SMALL_INPUT`] of input, without a thread: the input
/// fits in the pipe's buffer, so writing it whole before reading cannot block, and std's
/// `wait_with_output` reads stdout and stderr together with poll(2). (A thread for the input and
/// one for each output cost ~0.1–0.2 ms a call: a gpg run per PGP key.) A child that exits without
/// reading closes the pipe: not our error. Dropping the pipe closes the child's stdin.
fn wait_inline(mut child: Child, stdin: Option<Zeroizing<Vec<u8>>>) -> std::io::Result<ProcessOutput> {
    if let (Some(mut pipe), Some(bytes)) = (child.stdin.take(), stdin) {
        let _ = pipe.write_all(&bytes);
    }
    child.wait_with_output()
}

/// Waits for any call: the input written by a thread, each output read by one (lines passed to
/// the call's sink as they come), and, with a timeout, a watchdog that kills the child's group.
/// Also says whether the watchdog fired.
fn wait_threaded(
    mut child: Child,
    stdin: Option<Zeroizing<Vec<u8>>>,
    call: &ProgramCall,
    pid: i32,
) -> std::io::Result<(ProcessOutput, bool)> {
    let stdin_thread = match (child.stdin.take(), stdin) {
        (Some(mut pipe), Some(bytes)) => {
            Some(std::thread::spawn(move || {
                // A child that exits without reading stdin closes the pipe: not our error.
                let _ = pipe.write_all(&bytes);
                drop(bytes);
            }))
        }
        _ => None,
    };
    // Streamed lines reach logs: secret arguments masked there too.
    let masked = Arc::new(call.masked_texts());
    let sink = call
        .on_line
        .clone()
        .map(|sink| -> LineSink { Arc::new(move |stream, line: &str| sink(stream, &mask(line, &masked))) });
    let stdout_thread = child.stdout.take().map(|p| spawn_reader(p, Stream::Stdout, sink.clone()));
    let stderr_thread = child.stderr.take().map(|p| spawn_reader(p, Stream::Stderr, sink));

    // Timeout watchdog: kills the group when the deadline passes before the child exits.
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let timed_out = Arc::new(Mutex::new(false));
    let watchdog = call.timeout.map(|limit| {
        let timed_out = timed_out.clone();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(limit) {
                *timed_out.lock().unwrap() = true;
                let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
            }
        })
    });

    let status = child.wait()?;
    let _ = done_tx.send(());
    if let Some(w) = watchdog {
        let _ = w.join();
    }
    if let Some(t) = stdin_thread {
        let _ = t.join();
    }
    let stdout = stdout_thread.map(|t| t.join().unwrap_or_default()).unwrap_or_default();
    let stderr = stderr_thread.map(|t| t.join().unwrap_or_default()).unwrap_or_default();
    let timed_out = *timed_out.lock().unwrap();
    Ok((ProcessOutput { status, stdout, stderr }, timed_out))
}

/// The most input written to a child before its output is read, on the calling thread: one page,
/// the least a Linux pipe holds (64 KiB unless the user's pipe quota is spent).
const SMALL_INPUT: usize = 4096;

fn spawn_reader(
    pipe: impl Read + Send + 'static,
    stream: Stream,
    sink: Option<LineSink>,
) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if let Some(sink) = &sink {
                        let text = String::from_utf8_lossy(&line);
                        sink(stream, text.trim_end_matches(['\n', '\r']));
                    }
                    all.extend_from_slice(&line);
                }
            }
        }
        all
    })
}

/// `text` with each of `secrets` replaced by `***`.
fn mask(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_string();
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), "***");
        }
    }
    text
}

/// The last `n` non-empty lines of some output.
pub fn tail_lines(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::output::Verbosity;

    fn runner(out: &Output) -> Runner {
        Runner::new(None, false, out.clone())
    }

    #[test]
    fn secret_args_are_masked_in_display_and_logs() {
        let out = Output::capture(Verbosity::Verbose);
        let call = ProgramCall::new("sh").args(["-c", "exit 0", "x"]).secret_arg("hunter2");
        assert_eq!(call.display(), "sh -c 'exit 0' x ***");
        runner(&out).run(&call).unwrap();
        let log = out.captured().join("\n");
        assert!(log.contains("$ sh -c 'exit 0' x ***"), "{log}");
        assert!(!log.contains("hunter2"));
    }

    #[test]
    fn secret_args_are_masked_in_the_stderr_tail_and_streamed_lines() {
        let out = Output::capture(Verbosity::Normal);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let script = r#"echo "bad value $1 for ${1%%=*}" >&2; echo "value: ${1#*=}" >&2; exit 1"#;
        let call = ProgramCall::new("sh")
            .args(["-c", script, "sh"])
            .secret_arg("db.password=hunter2")
            .stream(move |_, line| sink.lock().unwrap().push(line.to_string()));
        let err = runner(&out).run(&call).unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("  | bad value *** for db.password") && err.contains("  | value: ***"), "{err}");
        let seen = seen.lock().unwrap().join("\n");
        assert_eq!(seen, "bad value *** for db.password\nvalue: ***");
    }

    #[test]
    fn secrets_of_the_environment_are_removed_unless_passed() {
        let call = ProgramCall::new("env");
        assert_eq!(call.removed_env(), SECRET_ENV);
        let call = call.pass_env(AWS_SECRET_ENV);
        assert_eq!(call.removed_env(), ["SSP_REGISTRY_USER", "SSP_REGISTRY_TOKEN", "SOPS_AGE_KEY"]);
    }

    #[test]
    fn run_once_feeds_stdin() {
        let out = Output::capture(Verbosity::Normal);
        let call = ProgramCall::new("cat").stdin(Zeroizing::new(b"once".to_vec()), "4 bytes");
        assert_eq!(runner(&out).run_once(call).unwrap().stdout, b"once");
    }

    #[test]
    fn stdin_reaches_the_child_and_stdout_is_captured() {
        let out = Output::capture(Verbosity::Normal);
        let call = ProgramCall::new("cat").stdin(Zeroizing::new(b"from memory".to_vec()), "11 bytes");
        let done = runner(&out).run(&call).unwrap();
        assert_eq!(done.stdout, b"from memory");
        assert_eq!(call.display(), "cat < (11 bytes)");
    }

    /// Input up to a page is written before the output is read, on the calling thread; more goes
    /// through a writer thread. Either way large outputs on both streams come back whole, and a
    /// child that reads no input does not stop the call.
    #[test]
    fn small_and_large_inputs_with_large_outputs_on_both_streams() {
        let out = Output::capture(Verbosity::Normal);
        let script = "cat; head -c 300000 /dev/zero | tr '\\0' e >&2";
        for size in [0, 100, SMALL_INPUT, SMALL_INPUT + 1, 1 << 20] {
            let input: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
            let call = ProgramCall::new("sh").args(["-c", script]).stdin(Zeroizing::new(input.clone()), "input");
            let done = runner(&out).run(&call).unwrap();
            assert!(done.stdout == input, "{size} bytes in, {} out", done.stdout.len());
            assert_eq!(done.stderr.len(), 300_000, "{size}");
            assert!(done.stderr.iter().all(|b| *b == b'e'));
            let ignored = ProgramCall::new("true").stdin(Zeroizing::new(input), "input");
            assert!(runner(&out).run(&ignored).unwrap().success(), "{size}");
        }
    }

    #[test]
    fn failure_names_program_status_and_stderr_tail() {
        let out = Output::capture(Verbosity::Normal);
        let script = "for i in $(seq 1 30); do echo line$i >&2; done; exit 3";
        let err = runner(&out).run(&ProgramCall::new("sh").args(["-c", script])).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("`sh -c "), "{text}");
        assert!(text.contains("exited with status 3"), "{text}");
        assert!(text.contains("  | line30"), "{text}");
        assert!(text.contains("  | line11"), "{text}");
        assert!(!text.contains("line10\n"), "only the last 20 lines: {text}");
        assert!(matches!(err, RunError::Failed { code: Some(3), .. }));
    }

    #[test]
    fn dry_run_runs_nothing_but_read_only_queries() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let out = Output::capture(Verbosity::Normal);
        let runner = Runner::new(None, true, out.clone());
        let touch = ProgramCall::new("touch").arg(&marker);
        let done = runner.run(&touch).unwrap();
        assert!(done.dry_run);
        assert!(!marker.exists());
        assert_eq!(out.captured(), vec![format!("· would run: touch {}", marker.display())]);
        let query = ProgramCall::new("echo").arg("hello").read_only();
        assert_eq!(runner.run(&query).unwrap().stdout, b"hello\n");
    }

    #[test]
    fn missing_program_says_where_it_looked() {
        let out = Output::capture(Verbosity::Normal);
        let runner = Runner::new(Some(PathBuf::from("/p/.ssp/bin")), false, out);
        let err = runner.run(&ProgramCall::new("no-such-tool-xyz")).unwrap_err();
        assert_eq!(err.to_string(), "`no-such-tool-xyz` was not found in /p/.ssp/bin or PATH");
    }

    #[test]
    fn tools_dir_comes_before_path() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("ls");
        std::fs::write(&fake, "#!/bin/sh\necho fake\n").unwrap();
        std::fs::set_permissions(&fake, <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755))
            .unwrap();
        let out = Output::capture(Verbosity::Normal);
        let runner = Runner::new(Some(dir.path().to_path_buf()), false, out);
        assert_eq!(runner.resolve(OsStr::new("ls")).unwrap(), fake);
        assert_eq!(runner.run(&ProgramCall::new("ls")).unwrap().stdout, b"fake\n");
    }

    #[test]
    fn timeout_kills_the_child_and_its_children() {
        let out = Output::capture(Verbosity::Normal);
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("grandchild.pid");
        let script = format!("sleep 30 & echo $! > {}; wait", pidfile.display());
        let call = ProgramCall::new("sh").args(["-c", &script]).timeout(Duration::from_millis(300));
        let err = runner(&out).run(&call).unwrap_err();
        assert!(matches!(err, RunError::TimedOut { .. }), "{err}");
        let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        // The grandchild got SIGKILL with its group; once reaped by init it no longer exists.
        let alive = |pid| nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
        let mut gone = false;
        for _ in 0..100 {
            if !alive(pid) || is_zombie(pid) {
                gone = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(gone, "grandchild {pid} still running");
    }

    fn is_zombie(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')))
            .unwrap_or(true)
    }

    #[test]
    fn streamed_lines_arrive_in_order() {
        let out = Output::capture(Verbosity::Normal);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let call = ProgramCall::new("sh")
            .args(["-c", "echo one; echo two; echo err >&2"])
            .stream(move |stream, line| sink.lock().unwrap().push((stream, line.to_string())));
        runner(&out).run(&call).unwrap();
        let seen = seen.lock().unwrap();
        let stdout: Vec<&str> = seen.iter().filter(|(s, _)| *s == Stream::Stdout).map(|(_, l)| l.as_str()).collect();
        assert_eq!(stdout, ["one", "two"]);
        assert!(seen.contains(&(Stream::Stderr, "err".to_string())));
    }
}
