//! `ssp db dump` of a ~100 MB database: peak RSS and throughput against `pg_dump` run directly.
//!
//! The stack of `tests/db.rs`: the real helm installs a small release into the in-process API
//! double, whose exec of the database pod runs Debian's `pg_dump` against the test PostgreSQL on
//! loopback. A table of ~100 MB (plain-SQL dump size) is written once; then `ssp db dump -o FILE`
//! (pg_dump → the double → WebSocket → ssp → FILE) and `pg_dump > FILE` straight against the same
//! server run alternately after a warm-up. Reported: each side's median wall time and throughput
//! (dump bytes / time), their ratio, and ssp's peak RSS (`ru_maxrss` from `wait4`), also for a
//! dump to stdout (a pipe into /dev/null); and the fixed cost of each command (the time of a
//! schema-only dump) apart from the streaming (the rest of a full dump's time). Targets (issue
//! 11): peak RSS < 50 MB (streamed, not buffered); ssp's throughput within 20 % of pg_dump's,
//! judged on the median of the per-pair ratios of whole commands (a pair: one dump of each, back
//! to back, so a drift of the machine's speed moves both).
//!
//! Run with `cargo bench --bench db_dump` (release ssp), or `cargo bench --profile dev --bench
//! db_dump` for the debug build. `SSP_BENCH_DUMP_MB` changes the size (default 100),
//! `SSP_BENCH_PAIRS` the number of pairs (default 5). `SSP_BENCH_OTHER_SSP=PATH` also times
//! another build of ssp in each round (the same command line and environment), for an A/B of a
//! change whose effect is smaller than the machine's drift between two runs of this bench.

#[path = "../tests/support/mod.rs"]
mod support;

mod common;
use common::{Reaped, median, spawn_and_reap};

use std::process::{Command, Stdio};
use std::time::Instant;

use support::stack::{Stack, StackOptions, small_release};

/// Runs `cmd` to its end, stdin and stderr null (stdout as the caller set it).
fn run(cmd: &mut Command) -> Reaped {
    spawn_and_reap(cmd.stdin(Stdio::null()).stderr(Stdio::null()))
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mb: u64 = std::env::var("SSP_BENCH_DUMP_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let pairs: usize = std::env::var("SSP_BENCH_PAIRS").ok().and_then(|v| v.parse().ok()).unwrap_or(5).max(1);
    let Some(pg) = support::postgres::server("db_dump bench") else {
        println!("skipped: no PostgreSQL package");
        return;
    };
    let Some(stack) = Stack::new(StackOptions::default()) else {
        println!("skipped: the stack (helm, the fake k3d) is not available");
        return;
    };
    stack.deployed(&small_release());
    let pod = stack
        .api
        .list("pods", Some("default"))
        .into_iter()
        .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
        .find(|name| name.starts_with("supabase-supabase-db-"))
        .expect("the db pod");
    stack.api.set_exec_handler("default", &pod, pg.exec_handler());

    // ~215 bytes per row in the dump (id, tab, 6 × 32 hex, newline).
    let rows = mb * 1_000_000 / 215;
    let started = Instant::now();
    pg.psql("drop table if exists bench_dump");
    pg.psql(&format!(
        "create table bench_dump as select g as id, repeat(md5(g::text), 6) as body from generate_series(1, {rows}) g"
    ));
    println!("wrote {rows} rows in {:.1} s", started.elapsed().as_secs_f64());

    let dir = tempfile::tempdir().expect("temp dir");
    let ssp_file = dir.path().join("ssp.sql");
    let direct_file = dir.path().join("direct.sql");
    let ssp_command = |file: &std::path::Path, extra: &[&str]| {
        let mut cmd = stack.ssp().args(["db", "dump", "-o", file.to_str().unwrap()]).args(extra).into_command();
        cmd.stdout(Stdio::null());
        cmd
    };
    let ssp_dump_with = |file: &std::path::Path, extra: &[&str]| run(&mut ssp_command(file, extra));
    let other = std::env::var_os("SSP_BENCH_OTHER_SSP").map(std::path::PathBuf::from);
    // The same command line and environment, run by the other build.
    let other_dump = |file: &std::path::Path| {
        let ssp = ssp_command(file, &[]);
        let mut cmd = Command::new(other.as_ref().expect("checked"));
        cmd.args(ssp.get_args()).stdout(Stdio::null());
        for (key, value) in ssp.get_envs() {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        if let Some(dir) = ssp.get_current_dir() {
            cmd.current_dir(dir);
        }
        run(&mut cmd)
    };
    let direct_dump_with = |file: &std::path::Path, extra: &[&str]| {
        let mut cmd = pg.client("pg_dump");
        cmd.args(["-U", "postgres", "-d", "postgres"]).args(extra).stdout(std::fs::File::create(file).unwrap());
        run(&mut cmd)
    };
    let ssp_dump = |file: &std::path::Path| ssp_dump_with(file, &[]);
    let direct_dump = |file: &std::path::Path| direct_dump_with(file, &[]);
    // Warm-up (caches, the binary paged in), then alternately.
    assert!(ssp_dump(&ssp_file).success, "ssp db dump failed");
    assert!(direct_dump(&direct_file).success, "pg_dump failed");
    let size = std::fs::metadata(&direct_file).unwrap().len();
    let ssp_size = std::fs::metadata(&ssp_file).unwrap().len();
    assert!(ssp_size.abs_diff(size) < 1000, "dumps differ in size: ssp {ssp_size}, pg_dump {size}");
    let (mut ssp_times, mut direct_times, mut ratios, mut rss, mut cpu) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut other_ratios, mut other_cpu) = (Vec::new(), Vec::new());
    // Pairs in turn ssp first and pg_dump first (a b, b a, …).
    for i in 0..pairs {
        let (s, d) = if i % 2 == 0 {
            let s = ssp_dump(&ssp_file);
            (s, direct_dump(&direct_file))
        } else {
            let d = direct_dump(&direct_file);
            (ssp_dump(&ssp_file), d)
        };
        assert!(s.success && d.success);
        if other.is_some() {
            let o = other_dump(&ssp_file);
            assert!(o.success, "the other ssp's dump failed");
            other_ratios.push(d.time.as_secs_f64() / o.time.as_secs_f64());
            other_cpu.push(o.cpu.as_secs_f64());
        }
        ssp_times.push(s.time.as_secs_f64());
        direct_times.push(d.time.as_secs_f64());
        // Throughput ssp / pg_dump of the same bytes: pg_dump's time over ssp's.
        ratios.push(d.time.as_secs_f64() / s.time.as_secs_f64());
        rss.push(s.max_rss_kib as f64);
        cpu.push(s.cpu.as_secs_f64());
    }
    // Where the time goes: a schema-only dump (a few KB) is the fixed cost of each command
    // (ssp: start-up, `k3d kubeconfig get`, the API calls and the exec's set-up; pg_dump: its
    // start-up and catalog queries), the rest of a full dump's time is the streaming.
    let (mut ssp_fixed, mut direct_fixed) = (Vec::new(), Vec::new());
    for _ in 0..pairs {
        let s = ssp_dump_with(&ssp_file, &["--schema-only"]);
        let d = direct_dump_with(&direct_file, &["--schema-only"]);
        assert!(s.success && d.success);
        ssp_fixed.push(s.time.as_secs_f64());
        direct_fixed.push(d.time.as_secs_f64());
    }
    let (ssp_fixed, direct_fixed) = (median(ssp_fixed), median(direct_fixed));
    let mut to_stdout = stack.ssp().args(["db", "dump"]).into_command();
    to_stdout.stdout(Stdio::null());
    let piped = run(&mut to_stdout);
    assert!(piped.success);

    let mib = size as f64 / (1024.0 * 1024.0);
    let (ssp_s, direct_s) = (median(ssp_times), median(direct_times));
    // ru_maxrss is in KiB; the target is in MB.
    let mb_of = |kib: f64| kib * 1024.0 / 1e6;
    let rss_max = mb_of(rss.iter().cloned().fold(piped.max_rss_kib as f64, f64::max));
    println!("dump size {mib:.1} MiB, {pairs} pairs, alternately");
    println!("ssp db dump -o FILE   median {ssp_s:>6.2} s   {:>7.1} MiB/s", mib / ssp_s);
    println!("pg_dump > FILE        median {direct_s:>6.2} s   {:>7.1} MiB/s", mib / direct_s);
    let ratio = median(ratios);
    println!(
        "throughput ssp / pg_dump, median per-pair ratio {ratio:.2}; ssp's own CPU time per dump {:.2} s",
        median(cpu)
    );
    println!(
        "fixed cost (median schema-only dump): ssp {:.0} ms, pg_dump {:.0} ms; the rest, streaming: \
         ssp {:.2} s, pg_dump {:.2} s, throughput ratio {:.2}",
        ssp_fixed * 1000.0,
        direct_fixed * 1000.0,
        ssp_s - ssp_fixed,
        direct_s - direct_fixed,
        (direct_s - direct_fixed) / (ssp_s - ssp_fixed)
    );
    if let Some(other) = &other {
        println!(
            "the other ssp ({}): median per-pair ratio {:.2}; its CPU time per dump {:.2} s",
            other.display(),
            median(other_ratios),
            median(other_cpu)
        );
    }
    println!(
        "ssp peak RSS: to FILE {:.1} MB (max of runs), to stdout {:.1} MB",
        mb_of(rss.iter().cloned().fold(0.0, f64::max)),
        mb_of(piped.max_rss_kib as f64)
    );
    let rss_verdict = if rss_max < 50.0 { "meets" } else { "MISSES" };
    let speed_verdict = if ratio >= 0.8 { "meets" } else { "MISSES" };
    println!("db dump: peak RSS {rss_max:.1} MB {rss_verdict} the 50 MB target");
    println!("db dump: throughput {:.0} % of pg_dump's {speed_verdict} the 80 % target", ratio * 100.0);
    pg.psql("drop table bench_dump");
}
