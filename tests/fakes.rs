//! The fake `k3d` and the recording shim around the real helm (`tests/support/fakes`): k3d
//! answers like the real tool, keeps cluster state and fails on demand; helm is the real one;
//! every call is recorded exactly.
mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::fakes::{ClusterState, FakeTools};
use support::kube_api::KubeApi;

fn run(fakes: &FakeTools, tool: &str, args: &[&str], stdin: Option<&str>) -> Output {
    run_with(fakes, tool, args, stdin, &[("KUBECONFIG", kubeconfig_of(fakes).to_str().unwrap())])
}

/// The default kubeconfig the fakes see (inside the test's temp dir).
fn kubeconfig_of(fakes: &FakeTools) -> std::path::PathBuf {
    fakes.root().join("kube/config")
}

fn run_with(fakes: &FakeTools, tool: &str, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(fakes.bin_dir().join(tool));
    cmd.env_remove("KUBECONFIG").env("HOME", fakes.root());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .args(args)
        .env("PATH", fakes.path_env())
        .env("HELM_DRIVER", "secret")
        .env("NOT_RECORDED", "x")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fake");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    child.wait_with_output().expect("wait")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn setup() -> Option<(tempfile::TempDir, FakeTools)> {
    let dir = tempfile::tempdir().unwrap();
    let fakes = FakeTools::install_or_skip(dir.path())?;
    fakes.use_real_helm(&support::tools::helm()?);
    Some((dir, fakes))
}

#[test]
fn versions_print_exactly_what_the_real_tools_print() {
    let Some((_dir, fakes)) = setup() else { return };
    let k3d = run(&fakes, "k3d", &["version"], None);
    assert_eq!(out(&k3d), "k3d version v5.8.3\nk3s version v1.31.5-k3s1 (default)\n");
    let helm = run(&fakes, "helm", &["version", "--template", "{{.Version}}"], None);
    assert_eq!(out(&helm), "v3.19.0");
    assert_eq!(out(&run(&fakes, "helm", &["version", "--short"], None)), "v3.19.0+g3d8990f\n");
    let calls = fakes.calls();
    assert_eq!(calls[1].args(), ["version", "--template", "{{.Version}}"]);
    assert_eq!(calls[0].env.get("KUBECONFIG").map(String::as_str), kubeconfig_of(&fakes).to_str());
    assert_eq!(calls[0].env.get("HELM_DRIVER").map(String::as_str), Some("secret"));
    assert!(!calls[0].env.contains_key("NOT_RECORDED"));
    assert_eq!(calls[0].stdin, None);
}

#[test]
fn k3d_cluster_lifecycle_and_list_json_shape() {
    let Some((dir, fakes)) = setup() else { return };
    assert_eq!(out(&run(&fakes, "k3d", &["cluster", "list", "-o", "json"], None)), "[]\n");
    let config = dir.path().join("k3d.yaml");
    std::fs::write(
        &config,
        "apiVersion: k3d.io/v1alpha5\nkind: Simple\nmetadata:\n  name: pdc-cluster\nservers: 1\nagents: 0\n",
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let created = run(&fakes, "k3d", &["cluster", "create", "--config", config_arg, "--wait"], None);
    assert!(created.status.success(), "{}", err(&created));
    assert!(
        out(&created).contains("\u{1b}[36mINFO\u{1b}[0m[0000] Cluster 'pdc-cluster' created successfully!\n"),
        "{}",
        out(&created)
    );
    assert_eq!(fakes.cluster("pdc-cluster"), Some(ClusterState::Running));
    assert!(fakes.calls()[1].files[config_arg].contains("name: pdc-cluster"));

    let again = run(&fakes, "k3d", &["cluster", "create", "--config", config_arg], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        err(&again)
            .ends_with("Failed to create cluster 'pdc-cluster' because a cluster with that name already exists\n")
    );

    let list: Value =
        serde_json::from_slice(&run(&fakes, "k3d", &["cluster", "list", "-o", "json"], None).stdout).unwrap();
    let cluster = &list[0];
    assert_eq!(cluster["name"], "pdc-cluster");
    assert_eq!((cluster["serversRunning"].as_i64(), cluster["serversCount"].as_i64()), (Some(1), Some(1)));
    assert_eq!(cluster["nodes"][0]["role"], "server");
    assert_eq!(cluster["nodes"][0]["State"]["Running"], true);
    assert_eq!(cluster["hasLoadbalancer"], true);

    assert!(run(&fakes, "k3d", &["cluster", "stop", "pdc-cluster"], None).status.success());
    let list: Value =
        serde_json::from_slice(&run(&fakes, "k3d", &["cluster", "list", "-o", "json"], None).stdout).unwrap();
    assert_eq!(list[0]["serversRunning"], 0);
    assert_eq!(list[0]["nodes"][0]["State"]["Running"], false);
    assert_eq!(fakes.cluster("pdc-cluster"), Some(ClusterState::Stopped));
    assert!(run(&fakes, "k3d", &["cluster", "start", "pdc-cluster"], None).status.success());
    assert_eq!(fakes.cluster("pdc-cluster"), Some(ClusterState::Running));

    let deleted = run(&fakes, "k3d", &["cluster", "delete", "pdc-cluster"], None);
    assert!(deleted.status.success());
    assert_eq!(fakes.cluster("pdc-cluster"), None);
    let missing = run(&fakes, "k3d", &["cluster", "delete", "pdc-cluster"], None);
    assert!(missing.status.success(), "k3d treats deleting a missing cluster as done");
    assert!(out(&missing).contains("No nodes found for cluster 'pdc-cluster', nothing to delete."));
    let start_missing = run(&fakes, "k3d", &["cluster", "start", "pdc-cluster"], None);
    assert_eq!(start_missing.status.code(), Some(1));
    assert_eq!(err(&start_missing), "\u{1b}[31mFATA\u{1b}[0m[0000] No nodes found for given cluster\n");
}

#[test]
fn k3d_kubeconfig_get_reaches_the_api_double_and_image_import_is_recorded() {
    let Some((_dir, fakes)) = setup() else { return };
    let api = KubeApi::start();
    fakes.set_kubeconfig(&api.kubeconfig_yaml("k3d-pdc-cluster"));
    fakes.add_cluster("pdc-cluster", ClusterState::Running);
    let got = run(&fakes, "k3d", &["kubeconfig", "get", "pdc-cluster"], None);
    assert!(got.status.success());
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&out(&got)).expect("k3d prints a kubeconfig");
    assert_eq!(kubeconfig.current_context.as_deref(), Some("k3d-pdc-cluster"));
    assert_eq!(kubeconfig.clusters[0].cluster.as_ref().unwrap().server.as_deref(), Some(api.url().as_str()));

    let imported = run(&fakes, "k3d", &["image", "import", "pdc/populate_db:1.0", "-c", "pdc-cluster"], None);
    assert!(imported.status.success(), "{}", err(&imported));
    assert_eq!(fakes.imported_images("pdc-cluster"), ["pdc/populate_db:1.0"]);
    let bad = run(&fakes, "k3d", &["image", "import", "x:1", "-c", "nope"], None);
    assert_eq!(bad.status.code(), Some(1));
    assert!(err(&bad).contains("failed to get cluster nope: No nodes found for given cluster"));
    assert_eq!(
        fakes.calls_of("k3d").iter().map(|c| c.command_line()).collect::<Vec<_>>(),
        [
            "k3d kubeconfig get pdc-cluster",
            "k3d image import pdc/populate_db:1.0 -c pdc-cluster",
            "k3d image import x:1 -c nope"
        ]
    );
}

#[test]
fn failures_on_demand_exit_with_the_real_tools_text_and_change_nothing() {
    let Some((_dir, fakes)) = setup() else { return };
    fakes.fail("k3d", &["cluster", "create"], 1, "FATA[0000] Failed Cluster Start: port is already allocated\n");
    let k3d = run(&fakes, "k3d", &["cluster", "create", "pdc-cluster"], None);
    assert_eq!(k3d.status.code(), Some(1));
    assert_eq!(fakes.cluster("pdc-cluster"), None);
}

#[test]
fn k3d_cluster_create_merges_the_default_kubeconfig_unless_told_not_to() {
    let Some((_dir, fakes)) = setup() else { return };
    let api = KubeApi::start();
    fakes.set_kubeconfig(&api.kubeconfig_yaml("k3d-pdc-cluster"));
    // The user already has another context, in the YAML layout kubeconfig writers use.
    let home_config = fakes.root().join(".kube/config");
    std::fs::create_dir_all(home_config.parent().unwrap()).unwrap();
    std::fs::write(&home_config, api.kubeconfig_yaml("work-cluster")).unwrap();
    let created = run_with(&fakes, "k3d", &["cluster", "create", "pdc-cluster"], None, &[]);
    assert!(created.status.success(), "{}", err(&created));
    let merged = kube::config::Kubeconfig::read_from(&home_config).expect("kubeconfig stays readable");
    let contexts: Vec<&str> = merged.contexts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(contexts, ["work-cluster", "k3d-pdc-cluster"]);
    assert_eq!(merged.current_context.as_deref(), Some("k3d-pdc-cluster"));

    let deleted = run_with(&fakes, "k3d", &["cluster", "delete", "pdc-cluster"], None, &[]);
    assert!(deleted.status.success());
    let after = kube::config::Kubeconfig::read_from(&home_config).unwrap();
    assert_eq!(after.contexts.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["work-cluster"]);

    let untouched = fakes.root().join("untouched");
    let opted_out = run_with(
        &fakes,
        "k3d",
        &["cluster", "create", "pdc-cluster", "--kubeconfig-update-default=false"],
        None,
        &[("KUBECONFIG", untouched.to_str().unwrap())],
    );
    assert!(opted_out.status.success());
    assert!(!untouched.exists(), "--kubeconfig-update-default=false leaves the kubeconfig alone");
    assert!(out(&opted_out).contains("export KUBECONFIG=$("));
}

#[test]
fn a_hanging_tool_is_recorded_before_it_hangs_and_dies_with_its_signal() {
    let Some((_dir, fakes)) = setup() else { return };
    fakes.hang("k3d", &["image", "import"], "INFO[0000] Importing image(s) into cluster 'pdc-cluster'\n");
    let mut child = Command::new(fakes.bin_dir().join("k3d"))
        .args(["image", "import", "pdc/populate_db:1.0", "-c", "pdc-cluster"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let call = fakes.wait_for_call("k3d", &["image", "import"], std::time::Duration::from_secs(60));
    assert_eq!((call.pid, call.exit_code), (child.id(), None));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(nix::libc::SIGINT), "it dies by the signal, like a Go binary");
}

#[test]
fn the_helm_shim_records_the_call_and_passes_argv_and_stdin_to_the_real_helm() {
    let Some((dir, fakes)) = setup() else { return };
    let chart = dir.path().join("tiny");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: tiny\nversion: 0.1.0\n").unwrap();
    std::fs::write(
        chart.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
    )
    .unwrap();
    let args = ["template", "demo", chart.to_str().unwrap(), "--values", "-"];
    let rendered = run(&fakes, "helm", &args, Some("greeting: from-stdin\n"));
    assert!(rendered.status.success(), "{}", err(&rendered));
    assert!(out(&rendered).contains("greeting: \"from-stdin\""), "{}", out(&rendered));
    let call = &fakes.calls_of("helm")[0];
    assert_eq!(call.args(), args);
    assert_eq!(call.stdin.as_deref(), Some("greeting: from-stdin\n"));
    assert_eq!(call.exit_code, Some(0));

    let bad = run(&fakes, "helm", &["template", "demo", "/nonexistent/chart"], None);
    assert_eq!(bad.status.code(), Some(1));
    assert!(err(&bad).contains("Error:"), "the real helm's own error: {}", err(&bad));
    assert_eq!(fakes.calls_of("helm")[1].exit_code, Some(1));
}
