//! Ctrl-C, SIGTERM, SIGHUP and SIGQUIT: one place that knows the process was interrupted.
//!
//! On the first signal every registered child process group gets SIGTERM (then SIGKILL after a
//! grace period), the shared [`CancellationToken`] is cancelled so async waits stop, and commands
//! unwind normally (temp files are removed by their guards). `main` then exits with status 130 —
//! unless the command said Ctrl-C was its normal end ([`acknowledge`], `ssp status --watch`).
//! A second signal exits at once, after removing the paths registered with [`CleanupGuard`]
//! (plaintext temp dirs), since no destructor runs then.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio_util::sync::CancellationToken;

/// Exit status for an interrupted run (128 + SIGINT), as shells report it.
pub const EXIT_INTERRUPTED: i32 = 130;

/// How long children get to exit after SIGTERM before SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(3);

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Whether the first signal was SIGINT (Ctrl-C), not SIGTERM, SIGHUP or SIGQUIT.
static BY_CTRL_C: AtomicBool = AtomicBool::new(false);
static TOKEN: OnceLock<CancellationToken> = OnceLock::new();
static GROUPS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());
/// Children that share ssp's process group (editors on the terminal): signalled one by one.
static PIDS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());
static CLEANUP: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Held by the listener from a second signal until it exits the process (never released).
static IMMEDIATE_EXIT: Mutex<()> = Mutex::new(());

/// The error a piece of work returns when it stopped because of Ctrl-C / SIGTERM.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// The token cancelled on the first signal; async waits `select!` on `token().cancelled()`.
pub fn token() -> CancellationToken {
    TOKEN.get_or_init(CancellationToken::new).clone()
}

/// True once SIGINT or SIGTERM arrived.
pub fn is_interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// `Err(Interrupted)` once a signal arrived; call between steps of long work.
pub fn check() -> Result<(), Interrupted> {
    if is_interrupted() { Err(Interrupted) } else { Ok(()) }
}

/// Ctrl-C was the user's normal way to leave (a watch), and the work it stopped has unwound: the
/// run is no longer "interrupted", so `main` exits with the command's own status (0), not 130.
/// Only Ctrl-C: SIGTERM, SIGHUP or SIGQUIT (a supervisor stopping it, the terminal gone) still end
/// the run as interrupted. The token stays cancelled; a second signal after this counts as a first
/// one again.
pub fn acknowledge() {
    if BY_CTRL_C.load(Ordering::SeqCst) {
        INTERRUPTED.store(false, Ordering::SeqCst);
    }
}

/// Marks the process interrupted and stops every registered child process group.
pub fn trigger() {
    if INTERRUPTED.swap(true, Ordering::SeqCst) {
        return;
    }
    token().cancel();
    signal_groups(Signal::SIGTERM);
    std::thread::spawn(|| {
        std::thread::sleep(KILL_GRACE);
        signal_groups(Signal::SIGKILL);
    });
}

fn signal_groups(signal: Signal) {
    let groups: Vec<i32> = GROUPS.lock().unwrap().iter().copied().collect();
    for pgid in groups {
        let _ = killpg(Pid::from_raw(pgid), signal);
    }
    let pids: Vec<i32> = PIDS.lock().unwrap().iter().copied().collect();
    for pid in pids {
        let _ = nix::sys::signal::kill(Pid::from_raw(pid), signal);
    }
}

fn remove_cleanup_paths() {
    let paths: Vec<PathBuf> = CLEANUP.lock().map(|p| p.clone()).unwrap_or_default();
    for path in paths {
        let _ = std::fs::remove_dir_all(&path);
    }
}

/// Installs the listener for SIGINT, SIGTERM, SIGHUP and SIGQUIT: one small thread that waits for
/// them with `sigwait`, no async runtime (most commands never start one). Call it first in `main`,
/// before any other thread exists: the signals are blocked in the calling thread, and every thread
/// started afterwards (tokio's workers included) inherits that mask, so only this one takes them.
/// Children start with an empty mask (std's spawn resets it), so gpg, helm or the editor still get
/// their own Ctrl-C.
///
/// A hang-up (the terminal closed, SSH lost) and Ctrl-\ (SIGQUIT) are handled like SIGTERM: their
/// default actions end the process without running a destructor — SIGQUIT even writes a core file
/// holding whatever plaintext is in memory — and an edit's temporary plaintext would stay behind.
pub fn install() {
    use nix::sys::signal::SigSet;
    let mut set = SigSet::empty();
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP, Signal::SIGQUIT] {
        set.add(signal);
    }
    if set.thread_block().is_err() {
        return;
    }
    let listener = std::thread::Builder::new().name("ssp-signals".into()).stack_size(64 * 1024).spawn(move || {
        loop {
            let Ok(signal) = set.wait() else {
                continue;
            };
            if is_interrupted() {
                // Second signal: the user means it. Held until the exit: `main`, woken by the
                // children's death below, waits in `settle` rather than race this to the exit.
                let _exiting = IMMEDIATE_EXIT.lock();
                signal_groups(Signal::SIGKILL);
                remove_cleanup_paths();
                // Not eprintln!: with stderr closed it would panic in this thread and the
                // process would never reach the exit below.
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "error: interrupted again: stopped at once (temporary plaintext removed)"
                );
                std::process::exit(EXIT_INTERRUPTED);
            }
            BY_CTRL_C.store(signal == Signal::SIGINT, Ordering::SeqCst);
            trigger();
        }
    });
    if listener.is_err() {
        // No listener: leave the signals' default actions in place rather than ignore them.
        let _ = set.thread_unblock();
    }
}

/// Called by `main` when the command has returned, before it reports and exits: when a second
/// signal is ending the process at once (its children killed, which is what let the command
/// return), waits for that exit instead of racing it with a report of its own.
pub fn settle() {
    if is_interrupted() {
        drop(IMMEDIATE_EXIT.lock());
    }
}

/// Keeps a child's process group registered while it runs; killed on interrupt.
pub struct GroupGuard(i32);

impl GroupGuard {
    pub fn register(pgid: i32) -> Self {
        GROUPS.lock().unwrap().insert(pgid);
        if is_interrupted() {
            // The signal came between spawn and registration.
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGTERM);
        }
        GroupGuard(pgid)
    }

    /// Sends SIGKILL to the whole group (timeouts).
    pub fn kill(&self) {
        let _ = killpg(Pid::from_raw(self.0), Signal::SIGKILL);
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        GROUPS.lock().unwrap().remove(&self.0);
    }
}

/// Keeps a child that shares ssp's process group (an editor on the terminal) registered while it
/// runs: on interrupt it gets SIGTERM (then SIGKILL), like the process groups above.
pub struct ProcessGuard(i32);

impl ProcessGuard {
    pub fn register(pid: i32) -> Self {
        PIDS.lock().unwrap().insert(pid);
        if is_interrupted() {
            let _ = nix::sys::signal::kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
        ProcessGuard(pid)
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        PIDS.lock().unwrap().remove(&self.0);
    }
}

/// A directory removed on an immediate exit (second Ctrl-C), when destructors do not run. Its
/// owner removes it normally; this guard only unregisters it.
pub struct CleanupGuard(PathBuf);

impl CleanupGuard {
    pub fn register(path: &Path) -> Self {
        CLEANUP.lock().unwrap().push(path.to_path_buf());
        CleanupGuard(path.to_path_buf())
    }
}

impl Drop for CleanupGuard {
    fn drop(&mut self) {
        if let Ok(mut paths) = CLEANUP.lock() {
            paths.retain(|p| p != &self.0);
        }
    }
}
