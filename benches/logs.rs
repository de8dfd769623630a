//! `ssp logs -f` latency: the delay from a line appearing in a pod's log stream (appended to the
//! in-process API double, which hands it to the open follow request at once) to `ssp` writing it
//! on stdout, measured line by line on one running `ssp logs -f`. Target: median under 50 ms.
//! Run with `cargo bench --bench logs`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use support::cli::Project;
use support::fakes::{ClusterState, FakeTools};
use support::kube_api::KubeApi;

const LINES: usize = 200;
const WARM_UP: usize = 10;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let fake_root = tempfile::tempdir().expect("temp dir");
    let Some(fakes) = FakeTools::install(fake_root.path()) else {
        println!("skipped: the fake k3d needs python3");
        return;
    };
    let api = KubeApi::start();
    fakes.set_kubeconfig(&api.kubeconfig_yaml("k3d-pdc-cluster"));
    fakes.add_cluster("pdc-cluster", ClusterState::Running);
    let project = Project::new();
    project.write("ssp.toml", format!("[tools]\ndir = {:?}\n", fakes.bin_dir().to_str().unwrap()));

    let labels = json!({"app.kubernetes.io/name": "supabase-auth", "app.kubernetes.io/instance": "supabase"});
    api.insert(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "supabase-supabase-auth", "namespace": "default", "labels": labels},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "auth", "image": "supabase/gotrue:v2"}]}}}
    }));
    let pod = api.spawn_pod("deployments", "default", "supabase-supabase-auth");
    api.mark_pod_ready("default", &pod);
    api.append_log("default", &pod, "auth", &["started"]);

    let mut command = project
        .ssp()
        .env("HOME", project.root())
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .args(["logs", "-f", "auth", "--tail", "1"])
        .into_command();
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = command.spawn().expect("spawn ssp logs -f");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the first line");
    assert_eq!(line, "auth | started\n");

    let mut delays = Vec::with_capacity(LINES);
    for i in 0..LINES + WARM_UP {
        let text = format!("line {i}");
        let start = Instant::now();
        api.append_log("default", &pod, "auth", &[&text]);
        line.clear();
        stdout.read_line(&mut line).expect("a followed line");
        let delay = start.elapsed();
        assert_eq!(line, format!("auth | {text}\n"));
        if i >= WARM_UP {
            delays.push(delay);
        }
    }
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT);
    let _ = child.wait();

    delays.sort();
    let median = delays[delays.len() / 2];
    let p90 = delays[delays.len() * 9 / 10];
    println!(
        "ssp logs -f   min {:>6.2} ms   median {:>6.2} ms   p90 {:>6.2} ms   max {:>6.2} ms   ({LINES} lines)",
        ms(delays[0]),
        ms(median),
        ms(p90),
        ms(delays[delays.len() - 1])
    );
    let target = Duration::from_millis(50);
    let verdict = if median < target { "meets" } else { "MISSES" };
    println!("logs: median {:.2} ms {verdict} the {} ms target", ms(median), target.as_millis());
}
