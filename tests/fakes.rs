//! The fake `k3d` and `helm` (`tests/support/fakes`): they answer like the real tools, keep
//! cluster and release state, fail on demand, and record every call exactly.
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
fn helm_upgrade_install_reads_values_from_stdin_and_tracks_revisions() {
    let Some((dir, fakes)) = setup() else { return };
    let values = dir.path().join("values.dev.yaml");
    std::fs::write(&values, "db:\n  enabled: true\n").unwrap();
    let values_arg = values.to_str().unwrap();
    let args = [
        "upgrade",
        "--install",
        "supabase",
        "vendors/supabase-kubernetes/charts/supabase",
        "--namespace",
        "default",
        "--create-namespace",
        "--kube-context",
        "k3d-pdc-cluster",
        "--cleanup-on-fail",
        "--timeout",
        "10m0s",
        "--values",
        values_arg,
        "--values",
        "-",
    ];
    let secret = "secret:\n  jwt:\n    anonKey: abc\n";
    let first = run(&fakes, "helm", &args, Some(secret));
    assert!(first.status.success(), "{}", err(&first));
    assert!(
        out(&first).starts_with("Release \"supabase\" does not exist. Installing it now.\nNAME: supabase\n"),
        "{}",
        out(&first)
    );
    assert!(out(&first).contains("STATUS: deployed\nREVISION: 1\n"));
    let call = &fakes.calls_of("helm")[0];
    assert_eq!(call.args(), args);
    assert_eq!(call.stdin.as_deref(), Some(secret));
    assert_eq!(call.flag_values("--values"), [values_arg, "-"]);
    assert_eq!(call.files[values_arg], "db:\n  enabled: true\n");
    let release = fakes.release("default", "supabase").expect("installed");
    assert_eq!(release["values"][1]["content"], secret);

    let second = run(&fakes, "helm", &args, Some(secret));
    assert!(out(&second).starts_with("Release \"supabase\" has been upgraded. Happy Helming!\n"));
    assert_eq!(fakes.release("default", "supabase").unwrap()["revision"], 2);
    let status: Value = serde_json::from_slice(
        &run(&fakes, "helm", &["status", "supabase", "-n", "default", "-o", "json"], None).stdout,
    )
    .unwrap();
    assert_eq!((status["info"]["status"].as_str(), status["version"].as_i64()), (Some("deployed"), Some(2)));

    let gone = run(&fakes, "helm", &["uninstall", "supabase", "--namespace", "default"], None);
    assert_eq!(out(&gone), "release \"supabase\" uninstalled\n");
    let again = run(&fakes, "helm", &["uninstall", "supabase", "--namespace", "default"], None);
    assert_eq!(
        (again.status.code(), err(&again).as_str()),
        (Some(1), "Error: uninstall: Release not loaded: supabase: release: not found\n")
    );
    let status = run(&fakes, "helm", &["status", "supabase"], None);
    assert_eq!((status.status.code(), err(&status).as_str()), (Some(1), "Error: release: not found\n"));
}

#[test]
fn failures_on_demand_exit_with_the_real_tools_text_and_change_nothing() {
    let Some((_dir, fakes)) = setup() else { return };
    let message = "Error: UPGRADE FAILED: context deadline exceeded\n";
    fakes.fail_times("helm", &["upgrade"], 1, message, 1);
    let failed = run(&fakes, "helm", &["upgrade", "--install", "supabase", "chart", "--values", "-"], Some("a: 1\n"));
    assert_eq!((failed.status.code(), err(&failed).as_str()), (Some(1), message));
    assert_eq!(fakes.release("default", "supabase"), None);
    assert_eq!(fakes.calls()[0].stdin.as_deref(), Some("a: 1\n"), "stdin is still recorded");
    assert_eq!(fakes.calls()[0].exit_code, Some(1));
    let retried = run(&fakes, "helm", &["upgrade", "--install", "supabase", "chart"], None);
    assert!(retried.status.success(), "the failure was for one call only");

    fakes.fail("k3d", &["cluster", "create"], 1, "FATA[0000] Failed Cluster Start: port is already allocated\n");
    let k3d = run(&fakes, "k3d", &["cluster", "create", "pdc-cluster"], None);
    assert_eq!(k3d.status.code(), Some(1));
    assert_eq!(fakes.cluster("pdc-cluster"), None);
}

#[test]
fn helm_applies_release_objects_to_the_api_double_and_uninstall_removes_them() {
    let Some((_dir, fakes)) = setup() else { return };
    let api = KubeApi::start();
    fakes.connect_api(&api);
    let deployment = serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "supabase-supabase-kong", "labels": {"app.kubernetes.io/instance": "supabase"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "kong"}},
                 "template": {"metadata": {"labels": {"app": "kong"}}, "spec": {"containers": [{"name": "kong", "image": "kong:2.8.1"}]}}}
    });
    let secret = serde_json::json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "supabase-jwt"}, "stringData": {"anonKey": "abc"}});
    fakes.set_release_objects(&[deployment, secret]);
    let args = ["upgrade", "--install", "supabase", "chart", "--namespace", "supabase", "--create-namespace"];
    let installed = run(&fakes, "helm", &args, None);
    assert!(installed.status.success(), "{}", err(&installed));
    let kong = api.get("deployments", "supabase", "supabase-supabase-kong").expect("applied");
    assert_eq!(kong["metadata"]["labels"]["app.kubernetes.io/managed-by"], "Helm");
    assert_eq!(kong["metadata"]["annotations"]["meta.helm.sh/release-name"], "supabase");
    let release = api.get("secrets", "supabase", "sh.helm.release.v1.supabase.v1").expect("release secret");
    assert_eq!(release["type"], "helm.sh/release.v1");
    // helm's order: the namespace, then Secrets before Deployments, each GET then POST.
    let writes: Vec<String> = api.request_lines().into_iter().filter(|l| l.starts_with("POST")).collect();
    assert_eq!(
        writes,
        [
            "POST /api/v1/namespaces",
            "POST /api/v1/namespaces/supabase/secrets",
            "POST /apis/apps/v1/namespaces/supabase/deployments",
            "POST /api/v1/namespaces/supabase/secrets"
        ]
    );

    api.clear_requests();
    let upgraded = run(&fakes, "helm", &args, None);
    assert!(upgraded.status.success(), "{}", err(&upgraded));
    let patches: Vec<_> = api.requests().into_iter().filter(|r| r.method == "PATCH").collect();
    assert_eq!(patches[0].content_type.as_deref(), Some("application/strategic-merge-patch+json"));
    assert_eq!(
        api.get("secrets", "supabase", "sh.helm.release.v1.supabase.v1").unwrap()["metadata"]["labels"]["status"],
        "superseded"
    );

    let gone = run(&fakes, "helm", &["uninstall", "supabase", "-n", "supabase"], None);
    assert!(gone.status.success(), "{}", err(&gone));
    assert!(api.get("deployments", "supabase", "supabase-supabase-kong").is_none());
    assert!(api.list("secrets", Some("supabase")).is_empty());
}

#[test]
fn helm_reports_api_errors_as_installation_failed() {
    let Some((_dir, fakes)) = setup() else { return };
    let api = KubeApi::start();
    fakes.connect_api(&api);
    let cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
    fakes.set_release_objects(&[cm]);
    let failed = run(&fakes, "helm", &["upgrade", "--install", "supabase", "chart", "-n", "absent"], None);
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(err(&failed), "Error: INSTALLATION FAILED: namespaces \"absent\" not found\n");
    assert_eq!(fakes.release("absent", "supabase").unwrap()["status"], "failed");
}

#[test]
fn helm_renders_the_pinned_chart_with_helms_engine_and_applies_its_real_objects() {
    let Some((dir, fakes)) = setup() else { return };
    let Some(chart) = support::fixtures::pinned_chart(dir.path()) else {
        return;
    };
    let Some(reference) = support::fixtures::shared_reference() else {
        return;
    };
    if !support::fixtures::helm_engine() {
        return;
    }
    let values = reference.join("support-sphere/deployment/values.dev.yaml");
    let api = KubeApi::start();
    fakes.connect_api(&api);
    fakes.render_chart(true);
    let installed = run(
        &fakes,
        "helm",
        &[
            "upgrade",
            "--install",
            "supabase",
            chart.to_str().unwrap(),
            "-n",
            "default",
            "--values",
            values.to_str().unwrap(),
        ],
        None,
    );
    assert!(installed.status.success(), "{}", err(&installed));
    let deployments = api.list("deployments", Some("default"));
    assert_eq!(deployments.len(), 12, "the pinned chart has 12 Deployments with the dev values");
    assert!(deployments.iter().all(|d| d["metadata"]["labels"]["app.kubernetes.io/instance"] == "supabase"));
    assert!(api.get("deployments", "default", "supabase-supabase-db").is_some());
    assert!(api.get("secrets", "default", "supabase-jwt").is_some());
    assert!(api.list("jobs", Some("default")).is_empty(), "test hooks are not installed");
    {
        let _autopilot = api.autopilot();
        let all_ready = api.wait_until_blocking(std::time::Duration::from_secs(60), |st| {
            st.list(support::kube_api::resources::lookup("deployments").unwrap(), Some("default"))
                .iter()
                .all(|d| d["status"]["availableReplicas"].as_i64() >= d["spec"]["replicas"].as_i64())
        });
        assert!(all_ready, "the autopilot makes the chart's Deployments available");
    }

    let template = run(
        &fakes,
        "helm",
        &["template", "supabase", chart.to_str().unwrap(), "--values", values.to_str().unwrap()],
        None,
    );
    assert!(template.status.success(), "{}", err(&template));
    assert!(out(&template).contains("# Source: supabase/templates/db/deployment.yaml\n"));
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
    fakes.hang("helm", &["upgrade"], "Release \"supabase\" does not exist. Installing it now.\n");
    let mut child = Command::new(fakes.bin_dir().join("helm"))
        .args(["upgrade", "--install", "supabase", "chart"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let call = fakes.wait_for_call("helm", &["upgrade"], std::time::Duration::from_secs(60));
    assert_eq!((call.pid, call.exit_code), (child.id(), None));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(nix::libc::SIGINT), "it dies by the signal, like a Go binary");
    assert_eq!(fakes.release("default", "supabase"), None);
}
