//! What several benchmarks share (a module folder, so cargo does not take it for a bench target).
// Each bench uses some of these.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

/// The median of `v` (the upper middle one of an even count).
pub fn median<T: Copy + PartialOrd>(mut v: Vec<T>) -> T {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// One finished child: wall time from spawn to reaped, user + system CPU, peak RSS in KiB
/// (`ru_maxrss`), exit status.
pub struct Reaped {
    pub time: Duration,
    pub cpu: Duration,
    pub max_rss_kib: i64,
    pub success: bool,
}

/// Spawns `cmd` (its standard streams as the caller set them) and reaps it with `wait4`, which
/// gives the child's rusage where std's `wait` does not.
// Reaped by `wait4` below, so no zombie is left.
#[allow(clippy::zombie_processes)]
pub fn spawn_and_reap(cmd: &mut Command) -> Reaped {
    let start = Instant::now();
    let child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it in for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet reaped (std's Child is never waited on).
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let time = start.elapsed();
    assert_eq!(rc, pid, "wait4: {}", std::io::Error::last_os_error());
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    Reaped {
        time,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
    }
}

/// A 10,000-leaf YAML values file: 100 services × (60 env vars, 20 ports, 19 flags, a ratio).
pub fn large_plaintext() -> String {
    let mut out = String::new();
    for s in 0..100 {
        out.push_str(&format!("service{s:03}:\n"));
        out.push_str("    environment:\n");
        for e in 0..60 {
            out.push_str(&format!("        VAR_{e:02}: value-{s}-{e}-with-some-realistic-length-text\n"));
        }
        out.push_str("    ports:\n");
        for p in 0..20 {
            out.push_str(&format!("        - {}\n", 8000 + p));
        }
        out.push_str("    settings:\n");
        for k in 0..19 {
            out.push_str(&format!("        flag{k:02}: {}\n", k % 2 == 0));
        }
        out.push_str("    ratio: 0.25\n");
    }
    out
}
