//! `ssp setup-infra` end to end against instant doubles: shell-script `k3d`/`helm` that answer at
//! once (a running cluster, an install that succeeds), the Kubernetes API double holding a release
//! whose workloads are all ready, and a loopback Kong. Two figures:
//! - the whole run, from spawn to exit (target: under 300 ms);
//! - the delay between the last workload turning ready in the API and ssp printing that every
//!   workload is ready (target: under 100 ms).
//!
//! Run with `cargo bench --bench setup_infra` (needs Docker, the shared chart bundle).

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::kube_api::KubeApi;
use support::stack::{KongStandIn, free_port, small_release};

const RUNS: usize = 7;

/// `k3d` and `helm` as `sh` scripts: versions, a running `pdc-cluster`, its kubeconfig, a
/// successful `helm upgrade --install` (the release is already in the API double).
fn instant_tools(bin: &Path, kubeconfig: &Path) {
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
    let helm = r#"#!/bin/sh
case "$1" in
  version) printf 'v3.19.0' ;;
  upgrade) printf 'Release "supabase" has been upgraded. Happy Helming!\n' ;;
  *) echo "unexpected: helm $*" >&2; exit 1 ;;
esac
"#;
    for (name, text) in [("k3d", k3d.as_str()), ("helm", helm)] {
        let path = bin.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// The chart's twelve Deployments (small, ready-made) plus its Secrets.
fn release_objects() -> Vec<serde_json::Value> {
    let mut objects = small_release();
    for component in ["analytics", "auth", "functions", "imgproxy", "meta", "rest", "storage", "studio", "vector"] {
        let name = format!("supabase-supabase-{component}");
        let labels = json!({"app.kubernetes.io/name": name, "app.kubernetes.io/instance": "supabase"});
        objects.push(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default", "labels": labels},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": component, "image": format!("{component}:1")}]}}}
        }));
    }
    objects.push(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "realtime-dev", "namespace": "default",
                     "labels": {"app.kubernetes.io/name": "realtime", "app.kubernetes.io/instance": "supabase"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "realtime"}},
                 "template": {"metadata": {"labels": {"app.kubernetes.io/name": "realtime"}},
                              "spec": {"containers": [{"name": "realtime", "image": "realtime:1"}]}}}
    }));
    for o in objects.iter_mut() {
        o["metadata"]["namespace"] = json!("default");
    }
    objects
}

struct Bench {
    _dir: tempfile::TempDir,
    project: std::path::PathBuf,
    home: std::path::PathBuf,
    api: KubeApi,
}

fn setup() -> Option<Bench> {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    let home = dir.path().join("home");
    std::fs::create_dir_all(project.join("vendors")).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    support::fixtures::pinned_chart(&project.join("vendors"))?;
    std::fs::create_dir_all(project.join("deployment")).unwrap();
    let values = Path::new(env!("CARGO_MANIFEST_DIR")).join("deployment/values.dev.yaml");
    std::fs::copy(values, project.join("deployment/values.dev.yaml")).unwrap();
    let api = KubeApi::start();
    let kubeconfig = api.write_kubeconfig(dir.path(), "k3d-pdc-cluster");
    let bin = dir.path().join("bin");
    instant_tools(&bin, &kubeconfig);
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
    for object in release_objects() {
        api.insert(object);
    }
    Some(Bench { _dir: dir, project, home, api })
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

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
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

    let (whole, delay) = (median(whole), median(delays));
    let verdict = |d: Duration, target: u64| if d < Duration::from_millis(target) { "meets" } else { "MISSES" };
    println!(
        "setup-infra end to end (instant doubles): median {:.1} ms, {} the 300 ms target ({RUNS} runs)",
        ms(whole),
        verdict(whole, 300)
    );
    println!(
        "last workload ready -> success line:      median {:.1} ms, {} the 100 ms target ({RUNS} runs)",
        ms(delay),
        verdict(delay, 100)
    );
}
