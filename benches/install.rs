//! `ssp install-tools` from the loopback download server: a 100 MB k3d asset alone, then k3d (100 MB)
//! and helm (a 60 MB .tar.gz) in parallel. Reports wall time and the peak RSS of the ssp process
//! (`ru_maxrss` from `wait4`). Targets: peak RSS under 40 MB (the body is streamed, never buffered),
//! and the parallel pair taking about as long as the larger download alone.
//! Run with `cargo bench --bench install`.

#[path = "../tests/support/download_server.rs"]
#[allow(dead_code)]
mod download_server;

mod common;
use common::{Reaped, spawn_and_reap};

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use download_server::{DownloadServer, Reply, fake_helm_tgz, fake_k3d, helm_path, host_platform, k3d_path, sha256_hex};

const MB: usize = 1_000_000;
const RUNS: usize = 3;

/// Installs `tools` into a fresh tools dir; the ssp process is reaped with `wait4` for its rusage.
fn install(project: &Path, tools: &[&str]) -> Reaped {
    let _ = std::fs::remove_dir_all(project.join(".ssp"));
    let run = spawn_and_reap(
        Command::new(env!("CARGO_BIN_EXE_ssp"))
            .args(["-q", "install-tools", "--no-chart"])
            .args(tools)
            .current_dir(project)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit()),
    );
    assert!(run.success, "ssp install-tools {tools:?} failed");
    run
}

fn report(label: &str, runs: &[Reaped]) -> Duration {
    let mut times: Vec<Duration> = runs.iter().map(|r| r.time).collect();
    times.sort();
    let median = times[times.len() / 2];
    let rss = runs.iter().map(|r| r.max_rss_kib).max().unwrap_or(0);
    println!(
        "{label:<34} median {:>8.1} ms  min {:>8.1} ms  peak RSS {:>6.1} MB  ({} runs)",
        median.as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        rss as f64 / 1024.0,
        runs.len()
    );
    median
}

/// The server runs in a child process (this bench re-executed), so the bench process that forks ssp
/// stays small: `ru_maxrss` survives `exec`, and a fork of a process holding 160 MB of assets would
/// report their size instead of ssp's.
fn serve_assets() -> ! {
    let platform = host_platform();
    let k3d = fake_k3d("v5.8.3", 100 * MB);
    let helm = fake_helm_tgz(&platform, "v3.19.0", 60 * MB);
    let server = DownloadServer::start();
    server.serve(&k3d_path(&platform), vec![Reply::Ok(std::sync::Arc::new(k3d.clone()))]);
    server.serve(&helm_path(&platform), vec![Reply::Ok(std::sync::Arc::new(helm.clone()))]);
    println!("{} {} {}", server.url(), sha256_hex(&k3d), sha256_hex(&helm));
    // Serve until the bench closes our stdin.
    let mut sink = String::new();
    let _ = std::io::stdin().read_line(&mut sink);
    std::process::exit(0);
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if std::env::var_os("SSP_BENCH_SERVE").is_some() {
        serve_assets();
    }
    println!("building assets: k3d 100 MB raw, helm 60 MB in a .tar.gz …");
    let mut server = Command::new(std::env::current_exe().unwrap())
        .env("SSP_BENCH_SERVE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the asset server");
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (url, k3d_sha, helm_sha) = (fields[0], fields[1], fields[2]);
    let platform = host_platform();

    let project = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(project.path().join("deployment")).unwrap();
    std::fs::write(
        project.path().join("ssp.toml"),
        download_server::tools_config(Some(url), &platform, k3d_sha, helm_sha),
    )
    .unwrap();

    let alone: Vec<Reaped> = (0..RUNS).map(|_| install(project.path(), &["k3d"])).collect();
    let helm_alone: Vec<Reaped> = (0..RUNS).map(|_| install(project.path(), &["helm"])).collect();
    let both: Vec<Reaped> = (0..RUNS).map(|_| install(project.path(), &["k3d", "helm"])).collect();
    drop(server.stdin.take());
    let _ = server.wait();
    let t_alone = report("k3d alone (100 MB)", &alone);
    let t_helm = report("helm alone (60 MB .tar.gz)", &helm_alone);
    let t_both = report("k3d + helm in parallel", &both);
    let peak = alone.iter().chain(&helm_alone).chain(&both).map(|r| r.max_rss_kib).max().unwrap_or(0) as f64 / 1024.0;
    println!(
        "parallel / larger alone: {:.2} (sequential would be {:.2}); peak RSS {peak:.1} MB (target < 40 MB: {})",
        t_both.as_secs_f64() / t_alone.max(t_helm).as_secs_f64(),
        (t_alone + t_helm).as_secs_f64() / t_alone.max(t_helm).as_secs_f64(),
        if peak < 40.0 { "met" } else { "MISSED" }
    );
}
