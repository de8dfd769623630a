//! `[images] preload = true`: a second `ssp setup-infra` after `ssp teardown` fetches nothing from
//! the registries (issue 12), and how its time compares with the first.
//!
//! The flow of `tests/images.rs` (`preload_makes_a_second_setup_after_teardown_download_nothing`):
//! the stack of `tests/support/stack.rs` (fake k3d, the real helm with the pinned chart, the
//! Kubernetes API double) with `[images] preload = true`, and a private source registry (Debian's
//! `docker-registry` on loopback, with basic auth) holding 3 images built `FROM scratch` through the
//! real Docker daemon, each one layer of 30 MiB of random bytes (`SSP_BENCH_PRELOAD_MB`). Each pair:
//! the images removed from the host's Docker, a first `setup-infra` (the daemon pulls them, then
//! `k3d image import`), `teardown --yes`, a second `setup-infra` (everything in the host's Docker),
//! `teardown --yes`. Reported per run: wall time, the requests that reached the registry and its
//! blob downloads (count and bytes, from its access log); then the median second/first ratio and
//! the verdict. The fake k3d's import is a recorded call, so the times leave out the real import
//! into a k3s node (the same in both runs).
//!
//! Run with `cargo bench --profile dev --bench preload` (debug ssp) or `cargo bench --bench
//! preload`; `SSP_BENCH_PRELOAD_PAIRS` (default 3) sets the number of pairs.

#[path = "../tests/support/mod.rs"]
mod support;

mod common;
use common::median;

use std::time::{Duration, Instant};

use support::registry::{self, Registry};
use support::stack::{KongStandIn, Stack, StackOptions};

const REPOS: [&str; 3] = ["team/app", "team/db", "team/kong"];
const USER: &str = "puller";
const PASSWORD: &str = "pull-pass";

/// `size` pseudo-random bytes (xorshift; incompressible, so the pushed gzip layer is as large).
fn random_bytes(size: usize, seed: u64) -> Vec<u8> {
    let mut bytes = vec![0u8; size];
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ seed.wrapping_mul(0x2545_f491_4f6c_dd1d);
    for chunk in bytes.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
    }
    bytes
}

/// What reached the registry during one run.
struct Fetched {
    requests: usize,
    blob_gets: usize,
    blob_bytes: u64,
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mb: usize = std::env::var("SSP_BENCH_PRELOAD_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    let pairs: usize = std::env::var("SSP_BENCH_PRELOAD_PAIRS").ok().and_then(|v| v.parse().ok()).unwrap_or(3).max(1);
    let options = StackOptions { chart: true, extra_toml: "[images]\npreload = true\n".into(), ..Default::default() };
    let Some(stack) = Stack::for_setup("preload bench", options) else {
        println!("skipped: no Docker daemon");
        return;
    };
    let (Some(open), Some(source)) =
        (Registry::start("preload bench", None), Registry::start("preload bench", Some((USER, PASSWORD))))
    else {
        println!("skipped: no docker-registry package");
        return;
    };

    // The images: built FROM scratch by the real daemon, pushed to the open registry (then out of
    // Docker), copied blob by blob into the one with auth that ssp pulls from.
    let started = Instant::now();
    let seed = std::process::id() as u64;
    for (i, repo) in REPOS.iter().enumerate() {
        open.push_scratch_image(repo, "1.0", &random_bytes(mb * 1024 * 1024, seed + i as u64), false);
        source.copy_from(&open, repo, "1.0");
    }
    drop(open);
    let host = source.host();
    let names: Vec<String> = REPOS.iter().map(|r| format!("{host}/{r}:1.0")).collect();
    println!("built and pushed {} images × {mb} MiB in {:.1} s", REPOS.len(), started.elapsed().as_secs_f64());

    let values = registry::team_values(&host, &["db", "kong"]);
    stack.project.write("images.yaml", values);

    let creates = || {
        stack.fakes.calls_of("k3d").iter().filter(|c| c.argv.starts_with(&["cluster".into(), "create".into()])).count()
    };
    // One setup-infra: its wall time and what reached the registry meanwhile.
    let setup = || -> (Duration, Fetched) {
        let before = (source.requests().len(), source.blob_gets(), source.blob_get_bytes());
        let created = creates();
        let time = std::thread::scope(|s| {
            let cluster = s.spawn(|| {
                // Kong answers once the cluster exists (its host port must be free before).
                let deadline = Instant::now() + Duration::from_secs(300);
                while creates() == created {
                    assert!(Instant::now() < deadline, "no `k3d cluster create`");
                    std::thread::sleep(Duration::from_millis(10));
                }
                (KongStandIn::start(stack.http_port, 200), stack.api.autopilot())
            });
            let ssp = stack
                .ssp()
                .env("SSP_REGISTRY_HOST", &host)
                .env("SSP_REGISTRY_USER", USER)
                .env("SSP_REGISTRY_TOKEN", PASSWORD)
                .args(["setup-infra", "-f", "images.yaml", "--timeout", "5m"]);
            let start = Instant::now();
            let out = ssp.run();
            let time = start.elapsed();
            let _doubles = cluster.join().unwrap();
            out.success();
            time
        });
        let fetched = Fetched {
            requests: source.requests().len() - before.0,
            blob_gets: source.blob_gets() - before.1,
            blob_bytes: source.blob_get_bytes() - before.2,
        };
        (time, fetched)
    };
    let teardown = || {
        stack.ssp().args(["teardown", "--yes"]).run().success();
    };

    let report = |label: &str, time: Duration, f: &Fetched| {
        println!(
            "  {label}  {:>6.2} s   {:>4} requests, {:>3} blob GETs, {:>10} bytes ({:.1} MiB)",
            time.as_secs_f64(),
            f.requests,
            f.blob_gets,
            f.blob_bytes,
            f.blob_bytes as f64 / (1024.0 * 1024.0)
        );
    };
    let (mut ratios, mut firsts, mut seconds) = (Vec::new(), Vec::new(), Vec::new());
    let mut met = true;
    for pair in 1..=pairs {
        registry::remove_from_docker(&names);
        println!("pair {pair}/{pairs}");
        let (first, fetched) = setup();
        report("first  setup-infra (images absent)      ", first, &fetched);
        assert!(fetched.blob_gets >= REPOS.len(), "the first run pulled nothing: {:?}", source.requests());
        teardown();
        let (second, fetched) = setup();
        report("second setup-infra (after teardown)     ", second, &fetched);
        met &= fetched.blob_bytes == 0 && fetched.blob_gets == 0 && fetched.requests == 0;
        teardown();
        firsts.push(first.as_secs_f64());
        seconds.push(second.as_secs_f64());
        ratios.push(second.as_secs_f64() / first.as_secs_f64());
    }
    registry::remove_from_docker(&names);

    println!(
        "median: first {:.2} s, second {:.2} s; second/first ratio {:.2} (median of {pairs})",
        median(firsts),
        median(seconds),
        median(ratios)
    );
    println!("second setup-infra after teardown: 0 bytes fetched: {}", if met { "met" } else { "NOT met" });
}
