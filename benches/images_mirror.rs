//! `ssp images mirror` of 5 images × 50 MB (one random layer each) between two loopback registries
//! (Debian's `docker-registry`), against the raw copy of the same blobs through the same registries
//! (each blob one GET from the source and one upload to the target, by the test's plain HTTP/1.1
//! client), and ssp's peak RSS. Targets (issue 12): time within 1.5 × the raw copy; peak RSS under
//! 60 MB (blobs streamed, never held whole).
//!
//! ssp's time includes its fixed work (process start, `helm template` of the pinned chart, one
//! more small image the other components run); its peak RSS is its own `VmHWM`, read from
//! `/proc/<pid>/status` while it runs (`wait4`'s `ru_maxrss` would include helm, its child).
//! Run with `cargo bench --bench images_mirror`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::registry::{OCI_MANIFEST, Registry, digest};
use support::stack::{Stack, StackOptions};

const IMAGES: usize = 5;
const LAYER_BYTES: usize = 50 * 1024 * 1024;
const RUNS: usize = 3;
/// The components that run the big images; the others run one small image.
const BIG: [&str; IMAGES] = ["db", "studio", "rest", "meta", "kong"];
const SMALL: [&str; 3] = ["imgproxy", "vector", "functions"];
/// Their init containers use Docker Hub's postgres:15-alpine, out of reach here: off.
const OFF: [&str; 4] = ["auth", "analytics", "realtime", "storage"];

/// Pushes an image of one layer of `size` random bytes; returns (config, layer) digests.
fn push_image(registry: &Registry, repo: &str, size: usize, seed: u8) -> Vec<(String, usize)> {
    let mut layer = vec![0u8; size];
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(seed);
    for chunk in layer.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
    }
    let layer_digest = registry.put_blob(repo, &layer);
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["{layer_digest}"]}}}}"#
    );
    let config_digest = registry.put_blob(repo, config.as_bytes());
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": size}],
    });
    registry.put_manifest(repo, "1.0", OCI_MANIFEST, &serde_json::to_vec(&manifest).unwrap());
    vec![(config_digest, config.len()), (layer_digest, size)]
}

/// The raw copy: every blob of `blobs` (in `repo` of `source`) GET and uploaded into `target`.
fn raw_copy(source: &Registry, target: &Registry, blobs: &[(String, String)]) -> Duration {
    let start = Instant::now();
    for (repo, blob) in blobs {
        let answer = source.call("GET", &format!("/v2/{repo}/blobs/{blob}"), &[], &[]);
        assert_eq!(answer.status, 200);
        assert_eq!(&digest(&answer.body), blob);
        target.put_blob(&format!("raw/{repo}"), &answer.body);
    }
    start.elapsed()
}

/// `ssp images mirror` into `target`: wall time and ssp's own peak RSS (KiB).
fn ssp_mirror(stack: &Stack, target: &Registry) -> (Duration, u64) {
    let start = Instant::now();
    let mut child = stack
        .ssp()
        .args(["-q", "images", "mirror", "-f", "images.yaml", "--to", &format!("{}/m", target.host())])
        .into_command()
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ssp");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kib = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait for ssp") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "ssp images mirror failed:\n{stderr}");
    (elapsed, peak)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some(source) = Registry::start("images_mirror bench", None) else {
        println!("skipped: docker-registry is not installed");
        return;
    };
    let Some(stack) = Stack::new(StackOptions { chart: true, ..Default::default() }) else {
        println!("skipped: the stack (fixtures, helm, python3) is incomplete");
        return;
    };
    let mut blobs = Vec::new();
    let mut values = String::new();
    for (i, component) in BIG.iter().enumerate() {
        let repo = format!("bench/big{i}");
        for (blob, _) in push_image(&source, &repo, LAYER_BYTES, i as u8) {
            blobs.push((repo.clone(), blob));
        }
        values
            .push_str(&format!("{component}:\n  image:\n    repository: {}/{repo}\n    tag: \"1.0\"\n", source.host()));
    }
    push_image(&source, "bench/small", 1024, 99);
    for component in SMALL {
        values.push_str(&format!(
            "{component}:\n  image:\n    repository: {}/bench/small\n    tag: \"1.0\"\n",
            source.host()
        ));
    }
    for component in OFF {
        values.push_str(&format!("{component}:\n  enabled: false\n"));
    }
    stack.project.write("images.yaml", values);
    let total = (IMAGES * LAYER_BYTES) as f64 / (1024.0 * 1024.0);
    println!(
        "ssp images mirror: {IMAGES} images × {} MiB ({total:.0} MiB) between two loopback registries",
        LAYER_BYTES / 1024 / 1024
    );

    let (mut raw_times, mut ssp_times, mut peaks, mut ratios) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS {
        let raw_target = Registry::start("images_mirror bench", None).unwrap();
        let ssp_target = Registry::start("images_mirror bench", None).unwrap();
        // Alternate which goes first, so neither always meets a warm page cache.
        let (raw, (ssp, peak)) = if run % 2 == 0 {
            let raw = raw_copy(&source, &raw_target, &blobs);
            (raw, ssp_mirror(&stack, &ssp_target))
        } else {
            let ssp = ssp_mirror(&stack, &ssp_target);
            (raw_copy(&source, &raw_target, &blobs), ssp)
        };
        assert_eq!(ssp_target.blob_uploads(), blobs.len() + 2, "every blob copied once");
        println!(
            "  run {run}: raw copy {:>7.0} ms   ssp {:>7.0} ms   ratio {:.2}   ssp peak RSS {:.1} MiB",
            raw.as_secs_f64() * 1000.0,
            ssp.as_secs_f64() * 1000.0,
            ssp.as_secs_f64() / raw.as_secs_f64(),
            peak as f64 / 1024.0
        );
        ratios.push(ssp.as_secs_f64() / raw.as_secs_f64());
        raw_times.push(raw);
        ssp_times.push(ssp);
        peaks.push(peak);
    }
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios[ratios.len() / 2];
    let peak = *peaks.iter().max().unwrap() as f64 / 1024.0;
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("median ratio ssp / raw copy: {ratio:.2} (target ≤ 1.5: {})", verdict(ratio <= 1.5));
    println!("ssp peak RSS: {peak:.1} MiB (target < 60 MB: {})", verdict(peak * 1.048_576 < 60.0));
}
