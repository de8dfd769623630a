//! `ssp status --watch` against the API double serving watches: change lines when stdout is not a
//! terminal (a workload turning ready, a pod restart, a Warning event), the table redrawn on a
//! terminal, Ctrl-C as the normal way out (exit 0), and `-o json|env` refused (exit 2).
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use support::cli::{Ssp, exit_status_within_a_minute};
use support::stack::{CLUSTER, Stack, StackOptions, small_release};

/// Safety net for waits (a test never asserts wall-clock time).
const WAIT: Duration = Duration::from_secs(60);

const KONG: &str = "supabase-supabase-kong";

fn deployed() -> Option<Stack> {
    let stack = Stack::new(StackOptions { ..Default::default() })?;
    stack.deployed(&small_release());
    Some(stack)
}

/// `ssp status --watch` running as a child, its stdout read line by line.
struct Watching {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watching {
    fn start(ssp: Ssp) -> Watching {
        let mut child =
            ssp.into_command().stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watching { child, lines, seen: Vec::new() }
    }

    /// The next line containing `needle` (the lines before it are kept in `seen`).
    #[track_caller]
    fn line_with(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!("no line with {needle:?}; stdout so far:\n{}", self.seen.join("\n"));
                }
            }
        }
    }

    /// Sends SIGINT and waits for the exit: (status, stderr).
    fn interrupt(self) -> (Option<i32>, String) {
        self.signal(nix::sys::signal::Signal::SIGINT)
    }

    /// Sends `signal` and waits for the exit: (status, stderr).
    fn signal(mut self, signal: nix::sys::signal::Signal) -> (Option<i32>, String) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, signal).unwrap();
        let status =
            exit_status_within_a_minute(&mut self.child, || format!("ssp status --watch did not exit after {signal}"));
        let mut stderr = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        (status.code(), stderr)
    }
}

fn kong_pod(stack: &Stack) -> String {
    stack
        .api
        .list("pods", Some("default"))
        .into_iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .find(|n| n.starts_with(&format!("{KONG}-")))
        .expect("the kong pod")
}

/// `2026-12-02T11:30:23Z deployment/…`: a UTC timestamp, then the change.
#[track_caller]
fn timestamped(line: &str) -> &str {
    let (stamp, rest) = line.split_once(' ').unwrap_or_else(|| panic!("no timestamp: {line}"));
    assert!(
        stamp.len() == 20
            && stamp.ends_with('Z')
            && stamp.as_bytes()[10] == b'T'
            && humantime::parse_rfc3339(stamp).is_ok(),
        "not an RFC 3339 UTC timestamp: {line}"
    );
    rest
}

#[test]
fn without_a_terminal_each_change_is_one_timestamped_line() {
    let Some(stack) = deployed() else { return };
    stack.api.set_ready_replicas("deployments", "default", KONG, Some(0));
    let mut watch = Watching::start(stack.ssp().args(["status", "--watch"]));

    // The first snapshot: every workload once.
    let db = watch.line_with("deployment/supabase-supabase-db ");
    assert_eq!(timestamped(&db), "deployment/supabase-supabase-db 1/1 ready, restarts 0");
    let kong = watch.line_with(&format!("deployment/{KONG} "));
    assert_eq!(timestamped(&kong), format!("deployment/{KONG} 0/1 0/1 available, restarts 0"));

    // The workload turns ready: one line, for it alone.
    stack.api.mark_ready("deployments", "default", KONG);
    let ready = watch.line_with(&format!("deployment/{KONG} "));
    assert_eq!(timestamped(&ready), format!("deployment/{KONG} 1/1 ready, restarts 0"));

    // Its pod's container crashes and restarts.
    let pod = kong_pod(&stack);
    stack.api.set_container_waiting("default", &pod, "supabase-kong", "CrashLoopBackOff", "back-off 10s restarting");
    let restarted = watch.line_with("restarts 1");
    assert!(timestamped(&restarted).starts_with(&format!("deployment/{KONG} ")), "{restarted}");

    // A Warning event about the pod becomes the workload's last warning; a Normal one is no change.
    stack.api.add_pod_event("default", &pod, "Normal", "Pulled", "Container image already present");
    stack.api.add_pod_event("default", &pod, "Warning", "BackOff", "Back-off restarting failed container");
    let warned = watch.line_with("last warning:");
    assert!(
        timestamped(&warned).starts_with(&format!("deployment/{KONG} "))
            && warned.ends_with(", restarts 1, last warning: BackOff: Back-off restarting failed container"),
        "{warned}"
    );
    assert!(!watch.seen.iter().any(|l| l.contains("Pulled")), "{:?}", watch.seen);
    let db_lines = watch.seen.iter().filter(|l| l.contains("supabase-supabase-db")).count();
    assert_eq!(db_lines, 1, "an unchanged workload is printed once: {:?}", watch.seen);

    // Ctrl-C is the normal way out.
    let (status, stderr) = watch.interrupt();
    assert_eq!(status, Some(0), "{stderr}");
    assert!(stderr.contains(&format!("watching supabase in default (k3d-{CLUSTER}); Ctrl-C leaves")), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");

    // Watches, not polling: each kind was listed once, then watched; nothing was written.
    let requests = stack.api.request_lines();
    for path in [
        "/apis/apps/v1/namespaces/default/deployments?",
        "/apis/apps/v1/namespaces/default/statefulsets?",
        "/apis/apps/v1/namespaces/default/daemonsets?",
        "/apis/batch/v1/namespaces/default/jobs?",
        "/api/v1/namespaces/default/pods?",
        "/api/v1/namespaces/default/events?",
    ] {
        let lists = requests.iter().filter(|l| l.contains(path) && !l.contains("watch=true")).count();
        let watches = requests.iter().filter(|l| l.contains(path) && l.contains("watch=true")).count();
        assert_eq!((lists, watches > 0), (1, true), "{path}: {requests:#?}");
    }
    assert!(requests.iter().all(|l| l.starts_with("GET")), "{requests:#?}");
}

#[test]
fn ctrl_c_right_after_the_first_snapshot_exits_0() {
    let Some(stack) = deployed() else { return };
    let mut watch = Watching::start(stack.ssp().args(["status", "-w"]));
    watch.line_with(&format!("deployment/{KONG} 1/1 ready"));
    let (status, stderr) = watch.interrupt();
    assert_eq!(status, Some(0), "{stderr}");
    assert!(!stderr.contains("interrupted"), "{stderr}");
}

#[test]
fn sigterm_or_a_hang_up_ends_the_watch_as_interrupted() {
    // Only Ctrl-C is the watch's normal end; a supervisor's SIGTERM or a lost terminal is not.
    for signal in [nix::sys::signal::Signal::SIGTERM, nix::sys::signal::Signal::SIGHUP] {
        let Some(stack) = deployed() else { return };
        let mut watch = Watching::start(stack.ssp().args(["status", "-w"]));
        watch.line_with(&format!("deployment/{KONG} 1/1 ready"));
        let (status, stderr) = watch.signal(signal);
        assert_eq!(status, Some(130), "{signal}: {stderr}");
        assert!(!stderr.contains("panicked"), "{signal}: {stderr}");
    }
}

#[test]
fn with_json_or_env_output_watch_is_a_usage_error() {
    for format in ["json", "env"] {
        let out = Ssp::new().args(["status", "--watch", "-o", format]).run();
        out.status(2).stderr_has("--watch goes with `-o text`");
        assert_eq!(out.stdout, "");
    }
}

#[test]
fn a_stopped_cluster_is_reported_without_watching() {
    let Some(stack) = deployed() else { return };
    stack.fakes.edit_state(|s| s["clusters"][CLUSTER]["state"] = serde_json::json!("stopped"));
    stack.api.clear_requests();
    let out = stack.ssp().args(["status", "--watch"]).run();
    out.status(1).stderr_has("the cluster is not running: stopped").stderr_has("hint: `ssp start`");
    assert!(stack.api.requests().is_empty());
}

/// With `-v` the API log shares the terminal with the watch: a table redrawn in place would be torn
/// by it, so the changes come as lines, after a note that says so.
#[test]
fn with_verbose_on_a_terminal_the_changes_come_as_lines() {
    let Some(stack) = deployed() else { return };
    let Some(ssp) = stack.ssp().args(["-v", "status", "--watch"]).on_terminal() else { return };
    stack.api.set_ready_replicas("deployments", "default", KONG, Some(0));
    let mut terminal = ssp.start_on_terminal();
    terminal.wait_for("0/1 available");
    stack.api.mark_ready("deployments", "default", KONG);
    terminal.wait_for(&format!("deployment/{KONG} 1/1 ready, restarts 0"));
    let screen = &terminal.screen;
    assert!(screen.contains("with -v the table is not redrawn in place"), "{screen}");
    assert!(screen.contains("$ k3d cluster list"), "the -v log is on the terminal: {screen}");
    assert!(!screen.contains("\x1b[J") && !screen.contains("WORKLOAD"), "no table: {screen}");
}

#[test]
fn on_a_terminal_the_table_is_redrawn_in_place() {
    let Some(stack) = deployed() else { return };
    let Some(ssp) = stack.ssp().args(["status", "--watch"]).on_terminal() else { return };
    stack.api.set_ready_replicas("deployments", "default", KONG, Some(0));
    // `script` relays what ssp draws; Ctrl-C is typed at the terminal (its line discipline turns
    // it into SIGINT for ssp).
    let mut terminal = ssp.start_on_terminal();
    terminal.wait_for("0/1 available");
    let screen = &terminal.screen;
    assert!(screen.contains("supabase in default (k3d-pdc-cluster) · 1/2 ready · Ctrl-C leaves"), "{screen}");
    assert!(screen.contains("WORKLOAD"), "{screen}");
    // `script`'s terminal is 80 columns: lines are cut to fit, so a redraw knows what it replaces.
    assert!(screen.contains("RESTARTS") && screen.contains("LAST…"), "{screen}");
    let before = screen.len();
    stack.api.mark_ready("deployments", "default", KONG);
    terminal.wait_for("2/2 ready");
    // The redraw moves up over the previous table and clears it, instead of scrolling.
    assert!(terminal.screen[before..].contains("\x1b[J"), "{:?}", &terminal.screen[before..]);

    terminal.keys.write_all(b"\x03").unwrap();
    let status = terminal.exit_status("ssp status --watch did not exit after Ctrl-C on the terminal");
    assert_eq!(status.code(), Some(0), "{}", terminal.screen);
}
