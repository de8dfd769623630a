//! `ssp install-tools` against the loopback download server: fresh installs, idempotence, `--force`,
//! checksum mismatch, retries, 404, progress lines, concurrent runs, unsupported platforms, and
//! `doctor` comparing installed versions with the pins.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use support::cli::{Outcome, Project};
use support::download_server::{DownloadServer, PinnedTools, Reply, fake_k3d, helm_path, sha256_hex, tools_config};

/// A project whose ssp.toml points k3d and helm at a loopback server serving fake assets.
struct Setup {
    project: Project,
    server: DownloadServer,
    platform: String,
    k3d: Vec<u8>,
    helm: Vec<u8>,
}

impl Setup {
    fn new() -> Setup {
        let server = DownloadServer::start();
        let PinnedTools { platform, k3d, helm, ssp_toml } = server.serve_pinned_tools();
        let project = Project::new();
        project.write("ssp.toml", ssp_toml);
        Setup { project, server, platform, k3d, helm }
    }

    fn k3d_path(&self) -> String {
        k3d_path(&self.platform)
    }

    fn helm_path(&self) -> String {
        helm_path(&self.platform)
    }

    fn install(&self, extra: &[&str]) -> Outcome {
        let mut args = vec!["install-tools", "--no-chart"];
        args.extend_from_slice(extra);
        self.project.ssp().args(args).run()
    }

    fn bin(&self) -> std::path::PathBuf {
        self.project.root().join(".ssp/bin")
    }

    /// Names in the tools dir (the lock file aside): no temp files may be left behind.
    fn tools_dir_entries(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.bin()) else { return Vec::new() };
        let mut names: Vec<String> = entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != ".install.lock")
            .collect();
        names.sort();
        names
    }
}

fn k3d_path(platform: &str) -> String {
    support::download_server::k3d_path(platform)
}

fn run_version(path: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(path).args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn installs_both_tools_in_parallel_verified_and_executable() {
    let setup = Setup::new();
    // Slow bodies, so the two downloads are seen to overlap.
    setup.server.serve(&setup.k3d_path(), vec![Reply::slow(&setup.k3d, 5, Duration::from_millis(80))]);
    setup.server.serve(&setup.helm_path(), vec![Reply::slow(&setup.helm, 5, Duration::from_millis(80))]);
    let out = setup.install(&[]);
    out.success();
    out.stderr_has("k3d v5.8.3 installed as").stderr_has("helm v3.19.0 installed as").stderr_has("2 tools installed");
    assert_eq!(setup.tools_dir_entries(), ["helm", "k3d"]);
    for tool in ["k3d", "helm"] {
        let mode = std::fs::metadata(setup.bin().join(tool)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755, "{tool}");
    }
    assert!(run_version(&setup.bin().join("k3d"), &["version"]).starts_with("k3d version v5.8.3\n"));
    assert_eq!(run_version(&setup.bin().join("helm"), &["version", "--template", "{{.Version}}"]), "v3.19.0");
    assert_eq!(setup.server.count(&setup.k3d_path()), 1);
    assert_eq!(setup.server.count(&setup.helm_path()), 1);
    assert_eq!(setup.server.max_concurrent_bodies(), 2, "the two downloads did not overlap");
}

#[test]
fn a_second_run_makes_no_request_and_force_downloads_again() {
    let setup = Setup::new();
    setup.install(&[]).success();
    setup.server.clear_log();

    let again = setup.install(&[]);
    again.success();
    again.stderr_has("k3d v5.8.3 already installed").stderr_has("helm v3.19.0 already installed");
    assert_eq!(setup.server.requests(), Vec::<String>::new(), "a re-run must not touch the network");

    let forced = setup.install(&["--force", "k3d"]);
    forced.success().stderr_has("k3d v5.8.3 installed as");
    assert_eq!(setup.server.requests(), vec![format!("GET {}", setup.k3d_path())]);
    assert_eq!(setup.tools_dir_entries(), ["helm", "k3d"]);
}

#[test]
fn mirror_flag_sets_tools_mirror() {
    let setup = Setup::new();
    let k3d_sha = sha256_hex(&setup.k3d);
    let helm_sha = sha256_hex(&setup.helm);
    setup.project.write("ssp.toml", tools_config(None, &setup.platform, &k3d_sha, &helm_sha));
    let out = setup.install(&["--mirror", &setup.server.url(), "k3d"]);
    out.success().stderr_has(&format!("downloading k3d v5.8.3 from {}{}", setup.server.url(), setup.k3d_path()));
    assert_eq!(setup.tools_dir_entries(), ["k3d"]);
}

#[test]
fn wrong_checksum_installs_nothing_and_shows_both_digests() {
    let setup = Setup::new();
    let wrong = "0".repeat(64);
    setup
        .project
        .write("ssp.toml", tools_config(Some(&setup.server.url()), &setup.platform, &wrong, &sha256_hex(&setup.helm)));
    let out = setup.install(&[]);
    out.status(1);
    out.stderr_has("SHA-256 mismatch for k3d v5.8.3")
        .stderr_has(&format!("{}{}", setup.server.url(), setup.k3d_path()))
        .stderr_has(&format!("expected {wrong}"))
        .stderr_has(&format!("actual   {}", sha256_hex(&setup.k3d)));
    assert_eq!(setup.tools_dir_entries(), Vec::<String>::new(), "nothing may be installed or left behind");
}

#[test]
fn truncated_bodies_are_retried_then_fail() {
    let setup = Setup::new();
    setup.server.serve(&setup.k3d_path(), vec![Reply::truncated(&setup.k3d, 20)]);
    let out = setup.install(&["k3d"]);
    out.status(1);
    out.stderr_has("retrying in").stderr_has("failed after 4 attempts").stderr_has(&setup.k3d_path());
    assert_eq!(setup.server.count(&setup.k3d_path()), 4);
    assert_eq!(setup.tools_dir_entries(), Vec::<String>::new());
}

#[test]
fn a_truncated_body_then_a_whole_one_installs() {
    let setup = Setup::new();
    setup.server.serve(&setup.k3d_path(), vec![Reply::truncated(&setup.k3d, 20), Reply::ok(&setup.k3d)]);
    setup.install(&["k3d"]).success().stderr_has("retrying in");
    assert_eq!(setup.server.count(&setup.k3d_path()), 2);
}

#[test]
fn not_found_names_the_url_and_the_version_without_retrying() {
    let setup = Setup::new();
    setup.server.serve(&setup.helm_path(), vec![Reply::Status(404)]);
    let out = setup.install(&["helm"]);
    out.status(1);
    out.stderr_has(&format!("{}{} does not exist (HTTP 404)", setup.server.url(), setup.helm_path()))
        .stderr_has("helm v3.19.0");
    assert_eq!(setup.server.count(&setup.helm_path()), 1);
}

#[test]
fn server_error_then_success_is_retried() {
    let setup = Setup::new();
    setup.server.serve(&setup.k3d_path(), vec![Reply::Status(500), Reply::Status(503), Reply::ok(&setup.k3d)]);
    let out = setup.install(&["k3d"]);
    out.success().stderr_has("HTTP 500").stderr_has("attempt 2 of 4").stderr_has("k3d v5.8.3 installed as");
    assert_eq!(setup.server.count(&setup.k3d_path()), 3);
}

#[test]
fn slow_download_in_ci_prints_progress_lines() {
    let setup = Setup::new();
    let big = fake_k3d("v5.8.3", 200_000);
    let k3d_sha = sha256_hex(&big);
    setup.project.write(
        "ssp.toml",
        tools_config(Some(&setup.server.url()), &setup.platform, &k3d_sha, &sha256_hex(&setup.helm)),
    );
    setup.server.serve(&setup.k3d_path(), vec![Reply::slow(&big, 10, Duration::from_millis(60))]);
    let out = setup.project.ssp().args(["install-tools", "--no-chart", "k3d"]).env("CI", "true").run();
    out.success();
    let lines: Vec<&str> = out.stderr.lines().filter(|l| l.contains("· k3d v5.8.3: ") && l.contains("%)")).collect();
    assert!(lines.len() >= 3, "expected periodic progress lines:\n{}", out.stderr);
    assert!(lines.iter().any(|l| l.contains("(100%)")), "{}", out.stderr);
    assert!(!out.stderr.contains('\r'), "no live bar when stderr is not a terminal");
}

#[test]
fn concurrent_runs_both_succeed_with_one_download_per_tool() {
    let setup = Setup::new();
    setup.server.serve(&setup.k3d_path(), vec![Reply::slow(&setup.k3d, 5, Duration::from_millis(100))]);
    setup.server.serve(&setup.helm_path(), vec![Reply::slow(&setup.helm, 5, Duration::from_millis(100))]);
    let spawn = || {
        let mut command = setup.project.ssp().args(["install-tools", "--no-chart"]).into_command();
        command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        command.spawn().unwrap()
    };
    let (first, second) = (spawn(), spawn());
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(setup.server.count(&setup.k3d_path()), 1, "{:?}", setup.server.requests());
    assert_eq!(setup.server.count(&setup.helm_path()), 1, "{:?}", setup.server.requests());
    assert_eq!(setup.tools_dir_entries(), ["helm", "k3d"]);
}

#[test]
fn unsupported_platform_names_the_platform_and_the_key_to_add() {
    let setup = Setup::new();
    let out =
        setup.project.ssp().args(["install-tools", "--no-chart"]).env("SSP_TOOLS_PLATFORM", "freebsd-riscv64").run();
    out.status(2);
    out.stderr_has("k3d v5.8.3 has no pinned SHA-256 for platform freebsd-riscv64")
        .stderr_has("[tools.k3d] sha256 = { \"freebsd-riscv64\" = ");
    let out = setup.project.ssp().args(["install-tools", "--no-chart"]).env("SSP_TOOLS_PLATFORM", "riscv").run();
    out.status(2).stderr_has("\"riscv\" is not of the form <os>-<arch>");
    assert!(setup.server.requests().is_empty());
}

#[test]
fn dry_run_downloads_nothing() {
    let setup = Setup::new();
    let out = setup.project.ssp().args(["--dry-run", "install-tools", "--no-chart"]).run();
    out.success().stderr_has(&format!("would download {}{}", setup.server.url(), setup.k3d_path()));
    assert!(setup.server.requests().is_empty());
    assert!(!setup.bin().exists());
}

#[test]
fn a_binary_reporting_another_version_is_not_installed() {
    let setup = Setup::new();
    let old = fake_k3d("v5.7.0", 0);
    setup.project.write(
        "ssp.toml",
        tools_config(Some(&setup.server.url()), &setup.platform, &sha256_hex(&old), &sha256_hex(&setup.helm)),
    );
    setup.server.serve(&setup.k3d_path(), vec![Reply::ok(&old)]);
    let out = setup.install(&["k3d"]);
    out.status(1).stderr_has("reports v5.7.0, but v5.8.3 is pinned");
    assert_eq!(setup.tools_dir_entries(), Vec::<String>::new());
}

fn check<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no {name}: {json}"))
}

#[test]
fn doctor_compares_installed_versions_with_the_pins() {
    let setup = Setup::new();
    support::write_executable(setup.bin().join("k3d"), fake_k3d("v5.7.0", 0));
    let doctor = || {
        setup.project.ssp().args(["doctor", "-o", "json"]).env("DOCKER_HOST", "unix:///nonexistent.sock").run().json()
    };
    let json = doctor();
    let k3d = check(&json, "k3d");
    assert_eq!(k3d["status"], "warn", "{json}");
    assert!(k3d["detail"].as_str().unwrap().contains("v5.7.0, pinned v5.8.3"), "{k3d}");
    assert!(k3d["hint"].as_str().unwrap().contains("ssp install-tools"), "{k3d}");

    setup.install(&[]).success().stderr_has("is v5.7.0, pinned v5.8.3: replacing it");
    let json = doctor();
    for (tool, version) in [("k3d", "v5.8.3"), ("helm", "v3.19.0")] {
        let found = check(&json, tool);
        assert_eq!(found["status"], "ok", "{json}");
        assert!(found["detail"].as_str().unwrap().starts_with(&format!("{version} (pinned)")), "{found}");
    }
}

#[test]
fn kubectl_is_installed_only_when_named() {
    let setup = Setup::new();
    let kubectl = b"#!/bin/sh\nif [ \"$1 $2\" = \"version --client\" ]; then\n  echo '{\"clientVersion\": {\"gitVersion\": \"v1.34.3\"}, \"kustomizeVersion\": \"v5.7.1\"}'\n  exit 0\nfi\nexit 3\n";
    let path = format!("/release/v1.34.3/bin/{}/kubectl", setup.platform.replace('-', "/"));
    setup.server.serve(&path, vec![Reply::ok(kubectl)]);
    let mut config = std::fs::read_to_string(setup.project.root().join("ssp.toml")).unwrap();
    config.push_str(&format!(
        "\n[tools.kubectl]\nsha256 = {{ \"{}\" = \"{}\" }}\n",
        setup.platform,
        sha256_hex(kubectl)
    ));
    setup.project.write("ssp.toml", config);

    setup.install(&[]).success();
    assert_eq!(setup.tools_dir_entries(), ["helm", "k3d"], "kubectl is optional");
    assert_eq!(setup.server.count(&path), 0);

    setup.install(&["kubectl"]).success().stderr_has("kubectl v1.34.3 installed as");
    assert_eq!(setup.tools_dir_entries(), ["helm", "k3d", "kubectl"]);
    setup.install(&["kubectl"]).success().stderr_has("kubectl v1.34.3 already installed");
    assert_eq!(setup.server.count(&path), 1);
}
