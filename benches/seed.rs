//! Orchestration overhead of `ssp seed --no-build`: process start, `k3d kubeconfig get` (the fake
//! k3d, a Python script), the ConfigMap apply, the previous-Job check, the Job's create, watch and
//! log, and its deletion — against the in-process API double whose autopilot completes every Job
//! as soon as it appears. The image build is excluded (`--no-build`; it is Docker's time).
//! Target: median under 300 ms. Run with `cargo bench --bench seed`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::cli::Project;
use support::fakes::{ClusterState, FakeTools};
use support::kube_api::KubeApi;

const RUNS: usize = 30;
const WARM_UP: usize = 3;

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
    project.write(
        "deployment/kubernetes/populate_db_job.yaml",
        include_str!("../deployment/kubernetes/populate_db_job.yaml"),
    );
    project.write("ssp.toml", format!("[tools]\ndir = {:?}\n", fakes.bin_dir().to_str().unwrap()));
    let _autopilot = api.autopilot();

    let mut times = Vec::with_capacity(RUNS);
    for i in 0..RUNS + WARM_UP {
        let start = Instant::now();
        let outcome = project
            .ssp()
            .env("HOME", project.root())
            .env("KUBECONFIG", "/nonexistent/kubeconfig")
            .args(["seed", "--no-build", "--timeout", "60s"])
            .run();
        let elapsed = start.elapsed();
        assert_eq!(outcome.status, 0, "run {i}: {}", outcome.stderr);
        if i >= WARM_UP {
            times.push(elapsed);
        }
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "ssp seed --no-build   min {:>7.1} ms   median {:>7.1} ms   max {:>7.1} ms   ({RUNS} runs)",
        ms(times[0]),
        ms(median),
        ms(times[times.len() - 1])
    );
    let target = Duration::from_millis(300);
    let verdict = if median < target { "meets" } else { "MISSES" };
    println!("seed: median {:.1} ms {verdict} the {} ms target", ms(median), target.as_millis());
}
