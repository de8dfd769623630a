//! `ssp setup-infra` end to end: a shell-script `k3d` that answers at once (a running cluster),
//! the real helm v3.19.0 upgrading the pinned chart in the Kubernetes API double (whose autopilot
//! makes every workload ready at once), and a loopback Kong. Two figures:
//! - the whole run, from spawn to exit, and ssp's own share of it: the whole run minus the median
//!   of the same `helm upgrade --install` run alone (target for ssp's share: under 300 ms);
//! - the delay between the last workload turning ready in the API and ssp printing that every
//!   workload is ready (target: under 100 ms).
//!
//! Run with `cargo bench --bench setup_infra` (needs Docker, the shared chart bundle and
//! `tests/support/get-helm-kubectl.sh`).

#[path = "../tests/support/mod.rs"]
mod support;

mod common;
use common::median;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::kube_api::KubeApi;
use support::stack::{KongStandIn, free_port};

const RUNS: usize = 7;

/// `k3d` as an `sh` script (version, a running `pdc-cluster`, its kubeconfig) and the real helm.
fn tools(bin: &Path, kubeconfig: &Path, helm: &Path) {
    std::fs::create_dir_all(bin).unwrap();
    let k3d = format!(
        r#"#!/bin/sh
case "$1 $2" in
  "version "*) printf 'k3d version v5.8.3\nk3s version v1.31.5-k3s1 (default)\n' ;;
  "cluster list") printf '[{{"name":"pdc-cluster","serversRunning":1,"serversCount":1,"agentsRunning":0,"agentsCount":0}}]\n' ;;
  "kubeconfig get") cat '{}' ;;
  *) echo "unexpected: k3d $*" >&2; exit 1 ;;
esac
"#,
        kubeconfig.display()
    );
    let path = bin.join("k3d");
    std::fs::write(&path, k3d).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink(helm, bin.join("helm")).unwrap();
}

struct Bench {
    _dir: tempfile::TempDir,
    project: std::path::PathBuf,
    home: std::path::PathBuf,
    api: KubeApi,
    helm: std::path::PathBuf,
}

fn setup() -> Option<Bench> {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    let home = dir.path().join("home");
    std::fs::create_dir_all(project.join("vendors")).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    support::fixtures::pinned_chart(&project.join("vendors"))?;
    let helm = support::tools::helm()?;
    std::fs::create_dir_all(project.join("deployment")).unwrap();
    let values = Path::new(env!("CARGO_MANIFEST_DIR")).join("deployment/values.dev.yaml");
    std::fs::copy(values, project.join("deployment/values.dev.yaml")).unwrap();
    let api = KubeApi::start();
    let kubeconfig = api.write_kubeconfig(dir.path(), "k3d-pdc-cluster");
    // The context in the user's kubeconfig, as `k3d cluster create` left it (helm reads it).
    std::fs::create_dir_all(home.join(".kube")).unwrap();
    std::fs::copy(&kubeconfig, home.join(".kube/config")).unwrap();
    let bin = dir.path().join("bin");
    tools(&bin, &kubeconfig, &helm);
    let (http_port, db_port) = (free_port(), free_port());
    std::fs::write(
        project.join("ssp.toml"),
        format!(
            "[cluster]\nports = [\"{http_port}:80@loadbalancer\", \"{db_port}:5432@loadbalancer\"]\n\n[tools]\ndir = {:?}\n",
            bin.display().to_string()
        ),
    )
    .unwrap();
    // Its listener thread keeps answering after the handle is dropped.
    KongStandIn::start(http_port, 200);
    Some(Bench { _dir: dir, project, home, api, helm })
}

fn ssp(bench: &Bench) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ssp"));
    command
        .args(["setup-infra", "--timeout", "2m"])
        .current_dir(&bench.project)
        .env("HOME", &bench.home)
        .env("KUBECONFIG", bench.home.join(".kube/config"))
        .env("DOCKER_CONFIG", bench.home.join(".docker"))
        .stdin(Stdio::null());
    command
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if !support::env::docker_available("bench setup_infra") {
        return;
    }
    let Some(bench) = setup() else { return };

    // 1. The whole run, every workload ready at once.
    let autopilot = bench.api.autopilot();
    let mut whole = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = ssp(&bench).stdout(Stdio::null()).stderr(Stdio::piped()).output().unwrap();
        whole.push(start.elapsed());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    // The same helm upgrade, run alone: helm's share of the whole run.
    let chart = bench.project.join("vendors/supabase-kubernetes/charts/supabase");
    let mut helm_alone = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = Command::new(&bench.helm)
            .args(["upgrade", "--install", "supabase"])
            .arg(&chart)
            .args(["--namespace", "default", "--kube-context", "k3d-pdc-cluster", "--create-namespace"])
            .args(["--cleanup-on-fail", "--timeout", "120s", "--values"])
            .arg(bench.project.join("deployment/values.dev.yaml"))
            .env("HOME", &bench.home)
            .env("KUBECONFIG", bench.home.join(".kube/config"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        helm_alone.push(start.elapsed());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    drop(autopilot);

    // 2. From the last workload turning ready to ssp saying so.
    let mut delays = Vec::new();
    for _ in 0..RUNS {
        bench.api.set_ready_replicas("deployments", "default", "supabase-supabase-kong", Some(0));
        let mut child = ssp(&bench).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let mut marked = None;
        for line in stderr.lines() {
            let line = line.unwrap();
            if line.contains("deployment/supabase-supabase-kong: 0/1") && marked.is_none() {
                marked = Some(Instant::now());
                bench.api.mark_ready("deployments", "default", "supabase-supabase-kong");
            }
            if line.contains("workloads ready") {
                delays.push(marked.expect("kong was reported not ready first").elapsed());
            }
        }
        assert!(child.wait().unwrap().success());
    }

    let (whole, helm, delay) = (median(whole), median(helm_alone), median(delays));
    let own = whole.saturating_sub(helm);
    let verdict = |d: Duration, target: u64| if d < Duration::from_millis(target) { "meets" } else { "MISSES" };
    println!(
        "setup-infra end to end (real helm v3.19.0): median {:.1} ms; helm upgrade alone {:.1} ms; ssp's share {:.1} ms, {} the 300 ms target ({RUNS} runs)",
        ms(whole),
        ms(helm),
        ms(own),
        verdict(own, 300)
    );
    println!(
        "last workload ready -> success line:      median {:.1} ms, {} the 100 ms target ({RUNS} runs)",
        ms(delay),
        verdict(delay, 100)
    );
}
