//! Runs the real `ssp` binary in a throwaway project, the way a user would, and reads back what
//! it did: `Ssp::new().args(["config"]).run()` then assertions on the [`Outcome`].

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::Need;

/// A temporary project: a folder holding `deployment/` (so it is a project root).
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("deployment")).unwrap();
        Project { dir }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().canonicalize().unwrap()
    }

    /// Writes a file relative to the project root (parents created).
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn ssp(&self) -> Ssp {
        Ssp::new().current_dir(self.root())
    }
}

/// One invocation of the binary under test.
pub struct Ssp {
    command: Command,
    stdin: Option<Vec<u8>>,
}

impl Ssp {
    pub fn new() -> Ssp {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ssp"));
        // Only what the test sets: no SSP_ settings or colour from the developer's shell.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SSP_") && key != "SSP_SHARED_FIXTURES" {
                command.env_remove(&key);
            }
        }
        command.env_remove("NO_COLOR");
        // Never the developer's AWS account: no AWS_ variables, no shared config or credentials,
        // no instance metadata. KMS tests set their own (a loopback moto server).
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AWS_") {
                command.env_remove(&key);
            }
        }
        command.env("AWS_CONFIG_FILE", "/nonexistent/ssp-tests/aws-config");
        command.env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ssp-tests/aws-credentials");
        command.env("AWS_EC2_METADATA_DISABLED", "true");
        Ssp { command, stdin: None }
    }

    pub fn args<I, S>(mut self, args: I) -> Ssp
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.command.args(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<OsString>) -> Ssp {
        self.command.env(key, value.into());
        self
    }

    /// No SOPS key material or editor settings from the developer's environment: HOME and the XDG
    /// dirs inside `root` (runtime dir `root/run`), an empty GNUPGHOME, the SOPS_ and editor
    /// variables empty.
    pub fn without_keys(self, root: &Path) -> Ssp {
        let mut ssp = self
            .env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join(".config"))
            .env("XDG_RUNTIME_DIR", root.join("run"))
            .env("GNUPGHOME", root.join("no-gnupg"));
        for var in [
            "SOPS_AGE_KEY",
            "SOPS_AGE_KEY_FILE",
            "SOPS_AGE_KEY_CMD",
            "SOPS_AGE_RECIPIENTS",
            "SOPS_PGP_FP",
            "SOPS_KMS_ARN",
            "SOPS_EDITOR",
            "EDITOR",
        ] {
            ssp = ssp.env(var, "");
        }
        ssp
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Ssp {
        self.command.current_dir(dir.as_ref());
        self
    }

    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Ssp {
        self.stdin = Some(bytes.into());
        self
    }

    /// The underlying command, for tests that manage the process themselves (signals).
    pub fn into_command(self) -> Command {
        self.command
    }

    /// Starts a command made with [`Ssp::on_terminal`] without waiting for it: the test reads the
    /// screen as it is drawn and types at the terminal ([`Terminal`]).
    pub fn start_on_terminal(self) -> Terminal {
        let mut command = self.command;
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let keys = child.stdin.take().unwrap();
        let mut drawn = child.stdout.take().unwrap();
        let (tx, chunks) = std::sync::mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            use std::io::Read as _;
            let mut buf = [0u8; 4096];
            while let Ok(n) = drawn.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Terminal { child, keys, chunks, screen: String::new() }
    }

    /// Runs the same command line inside a pseudo-terminal (util-linux `script -qec`), so ssp sees a
    /// terminal on stdin, stdout and stderr; what it prints (both streams, `\r\n` line ends) is
    /// the outcome's stdout, and `stdin` is typed at the terminal. `None` (after the skip/fail
    /// rule) without `script`.
    pub fn on_terminal(self) -> Option<Ssp> {
        self.on_terminal_with("")
    }

    /// [`Ssp::on_terminal`] on a terminal of `columns`×`rows` (set with `stty` before ssp starts;
    /// `script`'s own terminal reports 0×0, "unknown").
    pub fn on_terminal_sized(self, columns: u16, rows: u16) -> Option<Ssp> {
        self.on_terminal_with(&format!("stty cols {columns} rows {rows}; "))
    }

    fn on_terminal_with(self, setup: &str) -> Option<Ssp> {
        let script = Path::new("/usr/bin/script");
        if !super::prerequisite(Need::Other, "script", script.exists(), "/usr/bin/script (util-linux) is not installed")
        {
            return None;
        }
        let mut line = vec![self.command.get_program().to_string_lossy().into_owned()];
        line.extend(self.command.get_args().map(|a| a.to_string_lossy().into_owned()));
        // `exec`: script runs the line with `$SHELL -c`, and a shell that stays as ssp's parent
        // (dash, when SHELL is unset or /bin/sh) dies of the Ctrl-C typed at the terminal before
        // ssp has answered it, so script would report the shell's 130 instead of ssp's status.
        let line = format!("{setup}exec {}", shell_words::join(line));
        Some(self.rewrap(script, ["-qec".into(), line, "/dev/null".into()]))
    }

    /// The same command line, run as another user through util-linux `setpriv` (tests that need
    /// file permissions to bite while they run as root). `None` (after the skip/fail rule) without
    /// `setpriv`.
    pub fn run_as_user(self, uid: u32, gid: u32) -> Option<Ssp> {
        let setpriv = Path::new("/usr/bin/setpriv");
        if !super::prerequisite(
            Need::Other,
            "setpriv",
            setpriv.exists(),
            "/usr/bin/setpriv (util-linux) is not installed",
        ) {
            return None;
        }
        let mut args = vec![format!("--reuid={uid}"), format!("--regid={gid}"), "--clear-groups".into(), "--".into()];
        args.push(self.command.get_program().to_string_lossy().into_owned());
        args.extend(self.command.get_args().map(|a| a.to_string_lossy().into_owned()));
        Some(self.rewrap(setpriv, args))
    }

    /// `program args…` with this command's environment and working directory.
    fn rewrap(self, program: &Path, args: impl IntoIterator<Item = String>) -> Ssp {
        let mut command = Command::new(program);
        command.args(args);
        for (key, value) in self.command.get_envs() {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        if let Some(dir) = self.command.get_current_dir() {
            command.current_dir(dir);
        }
        Ssp { command, stdin: self.stdin }
    }

    /// Runs with stdout a pipe whose reader is already gone (`ssp … | true`): every write to stdout
    /// fails with EPIPE, as when `| head -1` has its line. The outcome's stdout is empty.
    pub fn run_with_stdout_closed(self) -> Outcome {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        self.run_with_stdout(writer.into())
    }

    /// The same for stderr (`ssp … 2>&1 | head -1`): status lines and errors go nowhere, the
    /// exit status must still be the command's. The outcome's stderr is empty.
    pub fn run_with_stderr_closed(self) -> Outcome {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        self.run_with(Stdio::piped(), writer.into())
    }

    pub fn run(self) -> Outcome {
        self.run_with_stdout(Stdio::piped())
    }

    fn run_with_stdout(self, stdout: Stdio) -> Outcome {
        self.run_with(stdout, Stdio::piped())
    }

    fn run_with(mut self, stdout: Stdio, stderr: Stdio) -> Outcome {
        self.command.stdin(if self.stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        self.command.stdout(stdout).stderr(stderr);
        let mut child = self.command.spawn().expect("spawn ssp");
        if let Some(bytes) = self.stdin.take() {
            child.stdin.take().unwrap().write_all(&bytes).unwrap();
        }
        child.wait_with_output().expect("wait for ssp").into()
    }
}

/// What one run printed and how it exited.
#[derive(Debug)]
pub struct Outcome {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Outcome {
    /// A finished child's exit status (-1 when a signal ended it) and its output as text.
    fn from(out: std::process::Output) -> Outcome {
        Outcome {
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Outcome {
    #[track_caller]
    pub fn status(&self, expected: i32) -> &Self {
        assert_eq!(self.status, expected, "exit status\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    pub fn success(&self) -> &Self {
        self.status(0)
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}:\n{}", self.stderr);
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(self.stdout.contains(needle), "stdout lacks {needle:?}:\n{}", self.stdout);
        self
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Every subcommand path of `ssp`, e.g. `["config"]`, `["sops", "decrypt"]` (clap's `help` left out).
pub fn subcommand_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    // Built: each subcommand's own subcommands are added when clap builds it (deferred).
    walk(&ssp::cli::whole_command(), &[], &mut out);
    out
}

/// A command running on a pseudo-terminal ([`Ssp::start_on_terminal`]).
pub struct Terminal {
    pub child: std::process::Child,
    /// The keyboard: bytes written here are typed at the terminal (`\x03` is Ctrl-C).
    pub keys: std::process::ChildStdin,
    chunks: std::sync::mpsc::Receiver<Vec<u8>>,
    /// What has been drawn (both of ssp's streams) and not yet taken.
    pub screen: String,
}

impl Terminal {
    /// Safety net for waits (a test never asserts wall-clock time).
    const WAIT: std::time::Duration = std::time::Duration::from_secs(60);

    /// Reads what is drawn until `needle` is on the screen; panics with the screen if it is not
    /// there within a minute.
    pub fn wait_for(&mut self, needle: &str) {
        let deadline = std::time::Instant::now() + Self::WAIT;
        while !self.screen.contains(needle) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let chunk = self
                .chunks
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {needle:?} on the terminal:\n{}", self.screen));
            self.screen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// [`Terminal::wait_for`], then the screen so far, emptied: the next wait looks only at what
    /// is drawn after.
    pub fn take_through(&mut self, needle: &str) -> String {
        self.wait_for(needle);
        std::mem::take(&mut self.screen)
    }

    /// The command's exit status; panics with `what` and the screen (and kills the command) if it
    /// has not ended within a minute.
    pub fn exit_status(&mut self, what: &str) -> std::process::ExitStatus {
        let screen = &self.screen;
        exit_status_within_a_minute(&mut self.child, || format!("{what}:\n{screen}"))
    }
}

/// `child`'s exit status once it has ended; kills it and panics with `failure()` if it has not
/// within a minute (a safety net: a test never asserts wall-clock time).
pub fn exit_status_within_a_minute(
    child: &mut std::process::Child,
    failure: impl FnOnce() -> String,
) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + Terminal::WAIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{}", failure());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

impl Drop for Terminal {
    /// A test that failed (or is done with it) leaves nothing running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
