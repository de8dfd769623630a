//! ssp's `sops decrypt` / `sops encrypt` as whole processes, side by side with the rops CLI 0.1.7
//! (what a user runs, start-up included), on the ~200-line example cloud values and on a
//! 10,000-leaf file (the one of `sops_vs_rops`), YAML, one age recipient. Run with
//! `cargo bench --bench sops_process` (the release build of ssp).
//!
//! The rops CLI is installed from the Rust package registry into `target/rops-cli` when missing
//! (`cargo install rops-cli --version 0.1.7 --locked --root target/rops-cli`). The two binaries run
//! alternately (a b, b a, …) after a warm-up, each with only its own key variable (`SOPS_AGE_KEY` for
//! ssp, `ROPS_AGE` for rops), a scratch `HOME` and no config file; each decrypts the file it
//! encrypted itself. ssp is given the file's path, rops the file on stdin (it refuses a path when
//! its stdin is not a terminal). Reported: the median time of each, the median of the per-pair ratios (the
//! figure the targets are judged on) and each side's peak RSS (`ru_maxrss` of the child, from
//! `wait4`). Also: `ssp --version` and `ssp sops --help`, `install-tools --dry-run` to its first
//! line, and, when gpg is installed, `sops decrypt` of a PGP file against `gpg --decrypt` alone.
//!
//! Targets (issue 15): values file ≤ 0.8 × rops, 10,000 leaves ≤ 0.5 × rops, peak RSS of the
//! 10,000-leaf decrypt ≤ rops, `--version` / `sops --help` < 5 ms, `install-tools --dry-run` to
//! its first line < 20 ms, PGP ≤ gpg + 3 ms. Timings on a shared machine are noisy: read the
//! ratios, not the milliseconds.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use age::secrecy::ExposeSecret;
use ssp::sops::{AgeIdentities, DecryptOptions, Format, KeySources, SopsFile};

/// Runs `cmd` to its end, stdout and stderr to /dev/null (stdin as the caller set it).
fn run(cmd: &mut Command) -> Reaped {
    spawn_and_reap(cmd.stdout(Stdio::null()).stderr(Stdio::null()))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The medians of a paired run: time a, time b, ratio a/b, peak RSS a, peak RSS b (MiB).
struct Paired {
    a: Duration,
    b: Duration,
    ratio: f64,
    rss_a: f64,
    rss_b: f64,
}

/// Runs `a` and `b` alternately (a b, b a, …) `pairs` times after one warm-up each.
fn paired(pairs: usize, a: &mut dyn FnMut() -> Command, b: &mut dyn FnMut() -> Command) -> Paired {
    assert!(run(&mut a()).success, "warm-up of {:?} failed", a());
    assert!(run(&mut b()).success, "warm-up of {:?} failed", b());
    let (mut ta, mut tb, mut ratios, mut ra, mut rb) = (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..pairs {
        let (x, y) = if i % 2 == 0 {
            let x = run(&mut a());
            (x, run(&mut b()))
        } else {
            let y = run(&mut b());
            (run(&mut a()), y)
        };
        assert!(x.success && y.success, "a run failed");
        ratios.push(x.time.as_secs_f64() / y.time.as_secs_f64());
        ta.push(x.time);
        tb.push(y.time);
        ra.push(x.max_rss_kib);
        rb.push(y.max_rss_kib);
    }
    let mib = |kib: i64| kib as f64 / 1024.0;
    Paired { a: median(ta), b: median(tb), ratio: median(ratios), rss_a: mib(median(ra)), rss_b: mib(median(rb)) }
}

/// The rops CLI 0.1.7, installed into `target/rops-cli` on first use.
fn rops_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let root = target.join("rops-cli");
    let bin = root.join("bin").join("rops");
    if !bin.is_file() {
        println!("installing the rops CLI 0.1.7 into {} (once)…", root.display());
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["install", "rops-cli", "--version", "0.1.7", "--locked", "--root"])
            .arg(&root)
            .status()
            .expect("run cargo install");
        assert!(status.success() && bin.is_file(), "cargo install rops-cli 0.1.7 failed");
    }
    bin
}

/// A command with a clean environment: `PATH`, a scratch `HOME`, the scratch dir as cwd, and
/// nothing else (no key variable but the ones the caller adds, no config file).
fn clean(program: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default()).env("HOME", dir).current_dir(dir);
    cmd.stdin(Stdio::null());
    cmd
}

fn output_of(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("spawn");
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// Median wall time of `runs` runs of one command (after 3 warm-ups).
fn solo(runs: usize, make: &mut dyn FnMut() -> Command) -> Duration {
    for _ in 0..3 {
        assert!(run(&mut make()).success, "{:?} failed", make());
    }
    median((0..runs).map(|_| run(&mut make()).time).collect())
}

/// Median time from spawn to the first line on stderr (the child is killed then).
fn to_first_line(runs: usize, make: &mut dyn FnMut() -> Command) -> Duration {
    let mut once = || {
        let start = Instant::now();
        let mut child = make().stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let mut err = child.stderr.take().unwrap();
        let mut byte = [0u8; 1];
        while err.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {}
        let time = start.elapsed();
        let _ = child.kill();
        let _ = child.wait();
        time
    };
    for _ in 0..3 {
        once();
    }
    median((0..runs).map(|_| once()).collect())
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

mod common;
use common::{Reaped, large_plaintext, median, spawn_and_reap};

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // SSP_BENCH_SSP names another ssp binary to measure (a build with other link options, say).
    let ssp = std::env::var_os("SSP_BENCH_SSP").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ssp")), PathBuf::from);
    let rops = rops_binary();
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();

    let id = age::x25519::Identity::generate();
    let secret = id.to_string().expose_secret().to_string();
    let recipient = id.to_public().to_string();

    // The example cloud values, decrypted once in-process with the example key.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = std::fs::read(repo.join("deployment/values.cloud.yaml")).unwrap();
    let example_key = std::fs::read_to_string(repo.join("deployment/example.agekey")).unwrap();
    let example_plain = {
        let f = SopsFile::load(&example, Format::Yaml).unwrap();
        let sources = KeySources::with_age(AgeIdentities::from_keys_text(&example_key, "example key"));
        let dec = f.decrypt(&sources, DecryptOptions::default()).unwrap();
        f.emit_plain(&dec.document, Format::Yaml).unwrap().to_vec()
    };

    let ssp_cmd = |args: &[&str]| {
        let mut c = clean(&ssp, d);
        c.args(args).env("SOPS_AGE_KEY", &secret);
        c
    };
    // rops takes a file path only when its stdin is a terminal: it gets the file on stdin.
    let rops_cmd = |args: &[&str], input: &str| {
        let mut c = clean(&rops, d);
        c.args(args).args(["--format", "yaml"]).env("ROPS_AGE", &secret);
        c.stdin(std::fs::File::open(d.join(input)).expect("open the input"));
        c
    };

    println!("whole processes: ssp (release build) vs the rops CLI 0.1.7, YAML, one age recipient,");
    println!("run alternately after a warm-up; medians, the median per-pair ratio, peak RSS (ru_maxrss)");
    println!(
        "{:<30} {:>8} {:>8} {:>9} {:>9} {:>9}   target",
        "case", "ssp ms", "rops ms", "ssp/rops", "ssp MiB", "rops MiB"
    );
    let mut all_met = true;
    for (name, plain, pairs, target) in
        [("values file", example_plain, 40, 0.8), ("10,000 leaves", large_plaintext().into_bytes(), 25, 0.5)]
    {
        let stem = if pairs == 40 { "values" } else { "large" };
        let plain_path = format!("{stem}.yaml");
        std::fs::write(d.join(&plain_path), &plain).unwrap();
        let ssp_enc = format!("{stem}.ssp.enc.yaml");
        let rops_enc = format!("{stem}.rops.enc.yaml");
        std::fs::write(
            d.join(&ssp_enc),
            output_of(&mut ssp_cmd(&["sops", "encrypt", "--age", &recipient, &plain_path])),
        )
        .unwrap();
        std::fs::write(d.join(&rops_enc), output_of(&mut rops_cmd(&["encrypt", "--age", &recipient], &plain_path)))
            .unwrap();
        // Each gets its own file back.
        assert_eq!(output_of(&mut ssp_cmd(&["sops", "decrypt", &ssp_enc])), plain, "ssp round trip");
        assert!(!output_of(&mut rops_cmd(&["decrypt"], &rops_enc)).is_empty(), "rops round trip");
        println!("-- {name}: {} lines, {} bytes plaintext", plain.iter().filter(|b| **b == b'\n').count(), plain.len());
        let decrypt =
            paired(pairs, &mut || ssp_cmd(&["sops", "decrypt", &ssp_enc]), &mut || rops_cmd(&["decrypt"], &rops_enc));
        let encrypt =
            paired(pairs, &mut || ssp_cmd(&["sops", "encrypt", "--age", &recipient, &plain_path]), &mut || {
                rops_cmd(&["encrypt", "--age", &recipient], &plain_path)
            });
        for (op, p) in [("decrypt", &decrypt), ("encrypt", &encrypt)] {
            let met = p.ratio <= target;
            all_met &= met;
            println!(
                "{:<30} {:>8.2} {:>8.2} {:>9.2} {:>9.1} {:>9.1}   ≤ {target} × rops: {}",
                format!("{op} {name} ({pairs} pairs)"),
                ms(p.a),
                ms(p.b),
                p.ratio,
                p.rss_a,
                p.rss_b,
                verdict(met)
            );
        }
        if pairs != 40 {
            let met = decrypt.rss_a <= decrypt.rss_b;
            all_met &= met;
            println!("peak RSS of the 10,000-leaf decrypt ≤ rops: {}", verdict(met));
        }
    }

    println!("-- start-up (median of 40)");
    for args in [&["--version"][..], &["sops", "--help"][..]] {
        let t = solo(40, &mut || {
            let mut c = clean(&ssp, d);
            c.args(args);
            c
        });
        let met = t < Duration::from_millis(5);
        all_met &= met;
        println!("ssp {:<26} {:>8.2} ms   < 5 ms: {}", args.join(" "), ms(t), verdict(met));
    }
    let project = d.join("project");
    std::fs::create_dir_all(project.join("deployment")).unwrap();
    let t = to_first_line(20, &mut || {
        let mut c = clean(&ssp, &project);
        c.args(["install-tools", "--dry-run"]);
        c
    });
    let met = t < Duration::from_millis(20);
    all_met &= met;
    println!("ssp install-tools --dry-run    {:>8.2} ms to its first line   < 20 ms: {}", ms(t), verdict(met));

    all_met &= pgp(&ssp, &example_plain_path(d));
    println!("all targets: {}", verdict(all_met));
}

/// The values file's plaintext written by the loop above.
fn example_plain_path(d: &Path) -> PathBuf {
    d.join("values.yaml")
}

/// `ssp sops decrypt` of the values file encrypted for a PGP key (one without a passphrase, in a
/// scratch keyring) against the floor: `gpg --batch --decrypt` of one small message with the same
/// key and agent. Skipped when gpg is not installed.
fn pgp(ssp: &Path, plain: &Path) -> bool {
    let gnupg = tempfile::tempdir().expect("temp dir");
    let home = gnupg.path();
    let gpg = |args: &[&str]| {
        let mut c = Command::new("gpg");
        c.env("GNUPGHOME", home).arg("--batch").args(args).stdin(Stdio::null());
        c
    };
    match gpg(&[
        "--quick-gen-key",
        "--passphrase",
        "",
        "ssp bench <bench@example.invalid>",
        "future-default",
        "default",
        "never",
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .status()
    {
        Ok(s) if s.success() => {}
        _ => {
            println!("-- PGP: skipped (gpg not installed or cannot make a key)");
            return true;
        }
    }
    let listing = String::from_utf8(gpg(&["--with-colons", "--list-secret-keys"]).output().unwrap().stdout).unwrap();
    let fpr = listing.lines().find_map(|l| l.strip_prefix("fpr:::::::::")).unwrap().trim_end_matches(':').to_string();
    let dir = plain.parent().unwrap();
    let ssp_cmd = |args: &[&str]| {
        let mut c = clean(ssp, dir);
        c.args(args).env("GNUPGHOME", home);
        c
    };
    let enc = output_of(&mut ssp_cmd(&["sops", "encrypt", "--pgp", &fpr, plain.to_str().unwrap()]));
    std::fs::write(dir.join("values.pgp.enc.yaml"), enc).unwrap();
    // The floor: one gpg decrypt of a message as small as a data key (32 bytes), the agent warm.
    let key_file = dir.join("data-key.bin");
    std::fs::write(&key_file, [7u8; 32]).unwrap();
    let message_path = dir.join("data-key.asc");
    let status = gpg(&["--trust-model", "always", "-e", "-a", "-r", &fpr, "-o"])
        .arg(&message_path)
        .arg(&key_file)
        .status()
        .unwrap();
    assert!(status.success(), "gpg --encrypt failed");
    let p = paired(30, &mut || ssp_cmd(&["sops", "decrypt", "values.pgp.enc.yaml"]), &mut || {
        gpg(&["--decrypt", message_path.to_str().unwrap()])
    });
    let extra = p.a.saturating_sub(p.b);
    let met = extra <= Duration::from_millis(3);
    println!(
        "-- PGP (30 pairs): ssp sops decrypt of the values file {:.2} ms, gpg --batch --decrypt of a data key {:.2} ms",
        ms(p.a),
        ms(p.b)
    );
    println!("ssp - gpg: {:.2} ms   ≤ 3 ms: {}", ms(extra), verdict(met));
    let _ = Command::new("gpgconf")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env("GNUPGHOME", home)
        .args(["--kill", "gpg-agent"])
        .status();
    met
}
