//! Fidelity checks of the Kubernetes API double (`tests/support/kube_api`).
//!
//! Real clients against the double: if the real kubectl v1.34.5 (`support::tools`; get, rollout status, wait, logs -f,
//! delete, create, apply) and the kube crate (list, watch, create/replace/delete, apply, logs,
//! port-forward) work against it and see what the test put there, the double speaks the API
//! the way a cluster does, and ssp's tests against it mean something.
mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use support::kube_api::KubeApi;

/// Safety net only: every wait below ends on an event long before this.
const SAFETY: Duration = Duration::from_secs(60);

/// A kubectl command bound to the double's kubeconfig, or `None` (skip) when kubectl is missing.
fn kubectl(kubeconfig: &Path) -> Option<Command> {
    let mut cmd = Command::new(support::tools::kubectl()?);
    cmd.arg("--kubeconfig")
        .arg(kubeconfig)
        .env_remove("KUBECONFIG")
        .env("HOME", kubeconfig.parent().expect("dir"))
        .stdin(Stdio::null());
    Some(cmd)
}

fn run(mut cmd: Command) -> Output {
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn kubectl");
    finish(child)
}

/// Waits for a child with [`SAFETY`] as a backstop (killing it then).
fn finish(child: Child) -> Output {
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(SAFETY) {
        Ok(out) => out.expect("wait for kubectl"),
        Err(_) => {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(id as i32), nix::sys::signal::Signal::SIGKILL);
            panic!("kubectl (pid {id}) did not finish within {SAFETY:?}");
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

struct Fixture {
    api: KubeApi,
    _dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let api = KubeApi::start();
    let kubeconfig = api.write_kubeconfig(dir.path(), "k3d-pdc-cluster");
    Fixture { api, _dir: dir, kubeconfig }
}

fn deployment(name: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default", "labels": {"app.kubernetes.io/instance": "supabase"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name, "app.kubernetes.io/instance": "supabase"}},
                         "spec": {"containers": [{"name": name, "image": format!("supabase/{name}:1.0")}]}}
        }
    })
}

fn job(name: &str) -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"backoffLimit": 0, "template": {"spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "populate", "image": "pdc/populate_db:1.0", "imagePullPolicy": "Never"}]
        }}}
    })
}

/// Blocks until a watch request on a path ending with `suffix` has arrived.
fn wait_for_watch(api: &KubeApi, suffix: &str) {
    let seen = api
        .wait_until_blocking(SAFETY, |st| st.requests_seen().iter().any(|r| r.is_watch() && r.path.ends_with(suffix)));
    assert!(seen, "no watch on …{suffix} arrived; requests: {:#?}", api.request_lines());
}

// ---- kubectl --------------------------------------------------------------------------------

#[test]
fn kubectl_get_shows_objects_state_and_not_found_status() {
    let fx = fixture();
    fx.api.insert(deployment("studio", 1));
    let pod = fx.api.spawn_pod("deployments", "default", "studio");
    fx.api.set_container_waiting(
        "default",
        &pod,
        "studio",
        "ImagePullBackOff",
        "Back-off pulling image \"supabase/studio:1.0\"",
    );
    let Some(mut cmd) = kubectl(&fx.kubeconfig) else {
        return;
    };
    cmd.args(["get", "pods", "-n", "default"]);
    let out = run(cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let row = stdout.lines().find(|l| l.starts_with(&pod)).unwrap_or_else(|| panic!("no row for {pod}:\n{stdout}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[1..4], ["0/1", "ImagePullBackOff", "0"], "{stdout}");

    let mut cmd = kubectl(&fx.kubeconfig).unwrap();
    cmd.args(["get", "deployment", "studio", "-o", "json"]);
    let out = run(cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(got["metadata"]["uid"], fx.api.get("deploy", "default", "studio").unwrap()["metadata"]["uid"]);

    let mut cmd = kubectl(&fx.kubeconfig).unwrap();
    cmd.args(["get", "deployment", "nope"]);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr).trim(), "Error from server (NotFound): deployments.apps \"nope\" not found");

    let mut cmd = kubectl(&fx.kubeconfig).unwrap();
    cmd.args(["get", "pods", "-l", "app=studio", "-o", "name"]);
    let out = run(cmd);
    assert_eq!(text(&out.stdout).trim(), format!("pod/{pod}"));
    let mut cmd = kubectl(&fx.kubeconfig).unwrap();
    cmd.args(["get", "pods", "-l", "app=other", "-o", "name"]);
    assert_eq!(text(&run(cmd).stdout).trim(), "");
}

#[test]
fn kubectl_rollout_status_finishes_when_the_test_marks_the_deployment_ready() {
    let fx = fixture();
    fx.api.insert(deployment("kong", 2));
    let Some(mut cmd) = kubectl(&fx.kubeconfig) else {
        return;
    };
    cmd.args(["rollout", "status", "deployment/kong", "-n", "default", "--timeout=60s"]);
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    wait_for_watch(&fx.api, "/deployments");
    fx.api.set_ready_replicas("deployments", "default", "kong", Some(1));
    fx.api.mark_ready("deployments", "default", "kong");
    let out = finish(child);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout,
        "Waiting for deployment spec update to be observed...\n\
         Waiting for deployment \"kong\" rollout to finish: 1 of 2 updated replicas are available...\n\
         deployment \"kong\" successfully rolled out\n"
    );
}

#[test]
fn kubectl_wait_for_complete_finishes_when_the_test_completes_the_job() {
    let fx = fixture();
    fx.api.insert(job("populate-db"));
    let Some(mut cmd) = kubectl(&fx.kubeconfig) else {
        return;
    };
    cmd.args(["wait", "--for=condition=complete", "job/populate-db", "-n", "default", "--timeout=60s"]);
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    wait_for_watch(&fx.api, "/jobs");
    fx.api.start_job("default", "populate-db");
    fx.api.complete_job("default", "populate-db");
    let out = finish(child);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "job.batch/populate-db condition met");
}

#[test]
fn kubectl_wait_for_complete_fails_when_the_job_fails() {
    let fx = fixture();
    fx.api.insert(job("populate-db"));
    let Some(mut cmd) = kubectl(&fx.kubeconfig) else {
        return;
    };
    cmd.args(["wait", "--for=condition=failed", "job/populate-db", "-n", "default", "--timeout=60s"]);
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    wait_for_watch(&fx.api, "/jobs");
    fx.api.fail_job("default", "populate-db", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    let out = finish(child);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "job.batch/populate-db condition met");
}

#[test]
fn kubectl_logs_follow_streams_lines_appended_live() {
    let fx = fixture();
    fx.api.insert(job("populate-db"));
    let pod = fx.api.spawn_pod("jobs", "default", "populate-db");
    fx.api.mark_pod_ready("default", &pod);
    fx.api.append_log("default", &pod, "populate", &["connecting to supabase-supabase-db:5432"]);
    let Some(mut cmd) = kubectl(&fx.kubeconfig) else {
        return;
    };
    cmd.args(["logs", "-f", &pod, "-n", "default"]);
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    assert_eq!(lines.next().expect("first line").expect("read"), "connecting to supabase-supabase-db:5432");
    fx.api.append_log("default", &pod, "populate", &["inserted 42 rows", "done"]);
    assert_eq!(lines.next().expect("second line").expect("read"), "inserted 42 rows");
    assert_eq!(lines.next().expect("third line").expect("read"), "done");
    fx.api.terminate_container("default", &pod, "populate", 0);
    assert!(lines.next().is_none(), "the stream ends when the container terminates");
    let out = finish(child);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let mut cmd = kubectl(&fx.kubeconfig).unwrap();
    cmd.args(["logs", &pod, "-n", "default", "--tail=1"]);
    assert_eq!(text(&run(cmd).stdout), "done\n");
    let log_requests: Vec<_> = fx.api.requests().into_iter().filter(|r| r.path.ends_with("/log")).collect();
    assert_eq!(log_requests[0].query_param("follow").as_deref(), Some("true"));
    assert_eq!(log_requests[1].query_param("tailLines").as_deref(), Some("1"));
}

#[test]
fn kubectl_logs_of_a_waiting_container_reports_the_reason() {
    let fx = fixture();
    fx.api.insert(job("populate-db"));
    let pod = fx.api.spawn_pod("jobs", "default", "populate-db");
    fx.api.set_container_waiting(
        "default",
        &pod,
        "populate",
        "ErrImageNeverPull",
        "Container image \"pdc/populate_db:1.0\" is not present with pull policy of Never",
    );
    let Some(mut cmd) = kubectl(&fx.kubeconfig) else {
        return;
    };
    cmd.args(["logs", &pod, "-n", "default"]);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        format!(
            "Error from server (BadRequest): container \"populate\" in pod \"{pod}\" is waiting to start: ErrImageNeverPull"
        )
    );
}

#[test]
fn kubectl_delete_removes_the_object_and_its_dependents() {
    let fx = fixture();
    fx.api.insert(deployment("rest", 1));
    let pod = fx.api.spawn_pod("deployments", "default", "rest");
    assert_eq!(fx.api.list("replicasets", Some("default")).len(), 1);
    let Some(mut cmd) = kubectl(&fx.kubeconfig) else {
        return;
    };
    cmd.args(["delete", "deployment", "rest", "-n", "default"]);
    let out = run(cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "deployment.apps \"rest\" deleted from default namespace");
    assert!(fx.api.get("deployments", "default", "rest").is_none());
    assert!(fx.api.get("pods", "default", &pod).is_none(), "background propagation deletes the pods");
    assert!(fx.api.list("replicasets", Some("default")).is_empty());
    let delete = fx.api.requests().into_iter().find(|r| r.method == "DELETE").expect("a DELETE");
    assert_eq!(delete.path, "/apis/apps/v1/namespaces/default/deployments/rest");
    assert_eq!(delete.body_json()["propagationPolicy"], "Background");

    let mut cmd = kubectl(&fx.kubeconfig).unwrap();
    cmd.args(["delete", "configmap", "absent", "-n", "default"]);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr).trim(), "Error from server (NotFound): configmaps \"absent\" not found");
}

#[test]
fn kubectl_create_configmap_twice_fails_with_already_exists_and_apply_is_idempotent() {
    let fx = fixture();
    let Some(mut cmd) = kubectl(&fx.kubeconfig) else {
        return;
    };
    cmd.args([
        "create",
        "configmap",
        "config-dev",
        "-n",
        "default",
        "--from-literal=DB_HOST=supabase-supabase-db",
        "--from-literal=DB_PORT=5432",
    ]);
    let out = run(cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "configmap/config-dev created");
    let cm = fx.api.get("configmaps", "default", "config-dev").expect("created");
    assert_eq!(cm["data"], json!({"DB_HOST": "supabase-supabase-db", "DB_PORT": "5432"}));
    // kubectl's typed client sends the ConfigMap as protobuf (`k8s\0` + runtime.Unknown); the
    // double decodes it.
    let post = fx.api.requests().into_iter().find(|r| r.method == "POST").expect("a POST");
    assert_eq!(post.content_type.as_deref(), Some("application/vnd.kubernetes.protobuf"));

    let mut cmd = kubectl(&fx.kubeconfig).unwrap();
    cmd.args(["create", "configmap", "config-dev", "-n", "default", "--from-literal=DB_HOST=x"]);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr).trim(), "error: failed to create configmap: configmaps \"config-dev\" already exists");

    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("job.json");
    std::fs::write(&manifest, serde_json::to_string_pretty(&job("populate-db")).unwrap()).unwrap();
    for expected in ["job.batch/populate-db created", "job.batch/populate-db unchanged"] {
        let mut cmd = kubectl(&fx.kubeconfig).unwrap();
        cmd.args(["apply", "-f"]).arg(&manifest);
        let out = run(cmd);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout).trim(), expected);
    }
    let post = fx.api.requests().into_iter().find(|r| r.method == "POST" && r.path.ends_with("/jobs")).expect("a POST");
    assert_eq!(post.query_param("fieldValidation").as_deref(), Some("Strict"), "kubectl chose server-side validation");
    let stored = fx.api.get("jobs", "default", "populate-db").expect("applied");
    assert_eq!(stored["spec"]["template"]["metadata"]["labels"]["batch.kubernetes.io/job-name"], "populate-db");

    let mut cmd = kubectl(&fx.kubeconfig).unwrap();
    cmd.args(["apply", "--server-side", "--validate=false", "-f"]).arg(&manifest);
    let out = run(cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "job.batch/populate-db serverside-applied");
    let ssa = fx
        .api
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| (r.content_type.clone().unwrap_or_default(), r.query_param("fieldManager").unwrap_or_default()))
        .collect::<Vec<_>>();
    assert!(ssa.contains(&("application/apply-patch+yaml".into(), "kubectl".into())), "{ssa:?}");
}

// ---- the kube crate -------------------------------------------------------------------------

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::runtime::{WatchStreamExt, wait::await_condition, watcher};

async fn kube_client(fx: &Fixture) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::read_from(&fx.kubeconfig).expect("read kubeconfig");
    let options = kube::config::KubeConfigOptions { context: Some("k3d-pdc-cluster".into()), ..Default::default() };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.expect("config");
    kube::Client::try_from(config).expect("client")
}

fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn api_error(err: kube::Error) -> (u16, String, String) {
    match err {
        kube::Error::Api(status) => (status.code, status.reason.clone(), status.message.clone()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn kube_client_create_get_list_replace_delete_with_real_status_errors() {
    install_crypto();
    let fx = fixture();
    let client = kube_client(&fx).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let mut cm: ConfigMap = serde_json::from_value(json!({
        "metadata": {"name": "config-dev", "labels": {"app": "seed"}},
        "data": {"DB_PORT": "5432"}
    }))
    .unwrap();
    let created = cms.create(&PostParams::default(), &cm).await.expect("create");
    assert!(created.metadata.uid.is_some() && created.metadata.resource_version.is_some());

    let (code, reason, message) = api_error(cms.create(&PostParams::default(), &cm).await.unwrap_err());
    assert_eq!(
        (code, reason.as_str(), message.as_str()),
        (409, "AlreadyExists", "configmaps \"config-dev\" already exists")
    );

    let listed = cms.list(&ListParams::default().labels("app=seed")).await.expect("list");
    assert_eq!(listed.items.len(), 1);
    assert!(cms.list(&ListParams::default().labels("app=other")).await.unwrap().items.is_empty());
    assert_eq!(cms.list(&ListParams::default().fields("metadata.name=config-dev")).await.unwrap().items.len(), 1);

    for (selector, expected) in
        [("app in (seed,web)", 1), ("app notin (seed)", 0), ("app,!tier", 1), ("!app", 0), ("app!=seed", 0)]
    {
        let found = cms.list(&ListParams::default().labels(selector)).await.unwrap().items.len();
        assert_eq!(found, expected, "{selector}");
    }
    cm.data.as_mut().unwrap().insert("DB_HOST".into(), "supabase-supabase-db".into());
    cm.metadata.resource_version = created.metadata.resource_version.clone();
    let replaced = cms.replace("config-dev", &PostParams::default(), &cm).await.expect("replace");
    assert_eq!(replaced.data.unwrap()["DB_HOST"], "supabase-supabase-db");
    // A stale resourceVersion is a conflict, as on a real cluster.
    let (code, reason, _) = api_error(cms.replace("config-dev", &PostParams::default(), &cm).await.unwrap_err());
    assert_eq!((code, reason.as_str()), (409, "Conflict"));

    let deleted = cms.delete("config-dev", &DeleteParams::background()).await.expect("delete");
    assert!(deleted.is_right(), "a ConfigMap delete answers a Status");
    let (code, reason, message) = api_error(cms.get("config-dev").await.unwrap_err());
    assert_eq!((code, reason.as_str(), message.as_str()), (404, "NotFound", "configmaps \"config-dev\" not found"));

    let (code, reason, message) = api_error(
        Api::<ConfigMap>::namespaced(client, "absent").create(&PostParams::default(), &cm).await.unwrap_err(),
    );
    assert_eq!((code, reason.as_str(), message.as_str()), (404, "NotFound", "namespaces \"absent\" not found"));
    // Every request carried the kubeconfig's credentials.
    let requests = fx.api.requests();
    assert!(requests.iter().all(|r| r.authorization.as_deref() == Some("Bearer ssp-test-token")), "{requests:#?}");
}

#[tokio::test]
async fn kube_server_side_apply_creates_then_updates_with_field_manager() {
    install_crypto();
    let fx = fixture();
    let client = kube_client(&fx).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    let params = PatchParams::apply("ssp").force();
    let first = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "config-dev"}, "data": {"DB_PORT": "5432"}});
    cms.patch("config-dev", &params, &Patch::Apply(&first)).await.expect("apply creates");
    let second = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "config-dev"}, "data": {"DB_PORT": "6543"}});
    let updated = cms.patch("config-dev", &params, &Patch::Apply(&second)).await.expect("apply updates");
    assert_eq!(updated.data.unwrap()["DB_PORT"], "6543");
    let patches: Vec<_> = fx.api.requests().into_iter().filter(|r| r.method == "PATCH").collect();
    assert_eq!(patches.len(), 2);
    for p in &patches {
        assert_eq!(p.path, "/api/v1/namespaces/default/configmaps/config-dev");
        assert_eq!(p.content_type.as_deref(), Some("application/apply-patch+yaml"));
        assert_eq!(p.query_param("fieldManager").as_deref(), Some("ssp"));
        assert_eq!(p.query_param("force").as_deref(), Some("true"));
    }
    let merged = cms
        .patch("config-dev", &PatchParams::default(), &Patch::Merge(json!({"data": {"EXTRA": "1"}})))
        .await
        .expect("merge");
    assert_eq!(merged.data.unwrap().len(), 2);
}

#[tokio::test]
async fn kube_watcher_sees_readiness_and_await_condition_completes_a_job() {
    install_crypto();
    let fx = fixture();
    let client = kube_client(&fx).await;
    fx.api.insert(deployment("db", 1));
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let mut stream = watcher(deploys, watcher::Config::default().labels("app.kubernetes.io/instance=supabase"))
        .applied_objects()
        .boxed();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(d)) = stream.try_next().await {
            if tx.send(d).is_err() {
                break;
            }
        }
    });
    let first = rx.recv().await.expect("an object");
    assert_eq!(first.status.and_then(|s| s.ready_replicas), None);
    // Once the watcher is watching, readiness arrives as an event, not through polling.
    assert!(fx.api.wait_until(SAFETY, |st| st.requests_seen().iter().any(|r| r.is_watch())).await);
    fx.api.mark_ready("deployments", "default", "db");
    let ready = tokio::time::timeout(SAFETY, rx.recv()).await.expect("event").expect("object");
    assert_eq!(ready.status.and_then(|s| s.ready_replicas), Some(1));
    let watch = fx.api.requests().into_iter().find(|r| r.is_watch()).expect("a watch request");
    assert_eq!(watch.query_param("labelSelector").as_deref(), Some("app.kubernetes.io/instance=supabase"));
    assert!(watch.query_param("resourceVersion").is_some_and(|rv| !rv.is_empty()));

    fx.api.insert(job("populate-db"));
    let jobs: Api<Job> = Api::namespaced(client, "default");
    let complete = await_condition(jobs, "populate-db", |j: Option<&Job>| {
        j.and_then(|j| j.status.as_ref()?.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Complete" && c.status == "True"))
    });
    let waiter = tokio::spawn(complete);
    assert!(
        fx.api
            .wait_until(SAFETY, |st| st.requests_seen().iter().any(|r| r.is_watch() && r.path.ends_with("/jobs")))
            .await
    );
    fx.api.complete_job("default", "populate-db");
    let done = tokio::time::timeout(SAFETY, waiter).await.expect("condition").expect("join").expect("watch");
    assert_eq!(done.unwrap().status.unwrap().succeeded, Some(1));
}

#[tokio::test]
async fn raw_watch_resumes_from_resource_version_and_reports_410_after_compaction() {
    install_crypto();
    let fx = fixture();
    let client = kube_client(&fx).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    fx.api.insert(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "default"}}));
    let list = cms.list(&ListParams::default()).await.unwrap();
    let rv = list.metadata.resource_version.unwrap();
    fx.api.insert(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": "default"}}));
    fx.api.update("configmaps", "default", "a", |cm| cm["data"] = json!({"k": "v"}));
    fx.api.delete("configmaps", "default", "b");
    let mut events = cms.watch(&WatchParams::default().timeout(60).disable_bookmarks(), &rv).await.unwrap().boxed();
    let mut seen = Vec::new();
    for _ in 0..3 {
        match events.try_next().await.unwrap().expect("event") {
            WatchEvent::Added(o) => seen.push(format!("ADDED {}", o.metadata.name.unwrap())),
            WatchEvent::Modified(o) => seen.push(format!("MODIFIED {}", o.metadata.name.unwrap())),
            WatchEvent::Deleted(o) => seen.push(format!("DELETED {}", o.metadata.name.unwrap())),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen, ["ADDED b", "MODIFIED a", "DELETED b"]);

    fx.api.compact();
    let mut events = cms.watch(&WatchParams::default(), &rv).await.unwrap().boxed();
    match events.try_next().await.unwrap().expect("event") {
        WatchEvent::Error(e) => assert_eq!((e.code, e.reason.as_str()), (410, "Expired")),
        other => panic!("expected 410, got {other:?}"),
    }

    let mut bookmarked = cms.watch(&WatchParams::default(), "0").await.unwrap().boxed();
    let mut kinds = Vec::new();
    while let Some(ev) = bookmarked.try_next().await.unwrap() {
        let bookmark = matches!(ev, WatchEvent::Bookmark(_));
        kinds.push(if bookmark { "BOOKMARK" } else { "OTHER" });
        if bookmark {
            break;
        }
    }
    assert_eq!(kinds, ["OTHER", "BOOKMARK"], "resourceVersion=0 sends the current object, then a bookmark");

    // Streaming lists (kube's `watcher::Config::streaming_lists`): initial events, then the
    // bookmark annotated `k8s.io/initial-events-end`.
    let mut streaming = cms.watch(&WatchParams::streaming_lists(), "").await.unwrap().boxed();
    let mut names = Vec::new();
    loop {
        match streaming.try_next().await.unwrap().expect("event") {
            WatchEvent::Added(o) => names.push(o.metadata.name.unwrap()),
            WatchEvent::Bookmark(b) => {
                assert_eq!(b.metadata.annotations.get("k8s.io/initial-events-end").map(String::as_str), Some("true"));
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(names, ["a"]);
}

#[tokio::test]
async fn kube_log_stream_follows_and_ends_when_the_container_terminates() {
    install_crypto();
    let fx = fixture();
    let client = kube_client(&fx).await;
    fx.api.insert(job("populate-db"));
    let pod = fx.api.spawn_pod("jobs", "default", "populate-db");
    let pods: Api<Pod> = Api::namespaced(client, "default");
    let (code, reason, _) = api_error(pods.logs(&pod, &LogParams::default()).await.unwrap_err());
    assert_eq!((code, reason.as_str()), (400, "BadRequest"));
    fx.api.mark_pod_ready("default", &pod);
    fx.api.append_log("default", &pod, "populate", &["one"]);
    let params = LogParams { follow: true, container: Some("populate".into()), ..Default::default() };
    let mut lines = pods.log_stream(&pod, &params).await.expect("log stream").lines();
    use futures::AsyncBufReadExt;
    assert_eq!(lines.try_next().await.unwrap().as_deref(), Some("one"));
    fx.api.append_log("default", &pod, "populate", &["two"]);
    assert_eq!(lines.try_next().await.unwrap().as_deref(), Some("two"));
    fx.api.terminate_container("default", &pod, "populate", 1);
    assert_eq!(lines.try_next().await.unwrap(), None);
    assert_eq!(fx.api.get("pods", "default", &pod).unwrap()["status"]["phase"], "Failed");
}

#[tokio::test]
async fn kube_portforward_moves_bytes_both_ways() {
    install_crypto();
    let fx = fixture();
    let client = kube_client(&fx).await;
    let echo = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = echo.local_addr().unwrap();
    // An echo server that answers until the client side closes, like a database connection.
    let echoed = tokio::spawn(async move {
        let (mut sock, _) = echo.accept().await.unwrap();
        let mut total = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            let n = tokio::io::AsyncReadExt::read(&mut sock, &mut buf).await.unwrap();
            if n == 0 {
                return total;
            }
            total.extend_from_slice(&buf[..n]);
            let mut reply = b"echo:".to_vec();
            reply.extend_from_slice(&buf[..n]);
            tokio::io::AsyncWriteExt::write_all(&mut sock, &reply).await.unwrap();
        }
    });
    fx.api.insert(json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "supabase-supabase-db", "namespace": "default"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "db"}}, "template": {"metadata": {"labels": {"app": "db"}},
        "spec": {"containers": [{"name": "db", "image": "supabase/postgres:15"}]}}}}));
    let pod = fx.api.spawn_pod("statefulsets", "default", "supabase-supabase-db");
    assert_eq!(pod, "supabase-supabase-db-0");
    fx.api.set_port_target("default", &pod, 5432, target);
    let pods: Api<Pod> = Api::namespaced(client, "default");
    let mut forwarder = pods.portforward(&pod, &[5432]).await.expect("portforward");
    let mut stream = forwarder.take_stream(5432).expect("stream");
    tokio::io::AsyncWriteExt::write_all(&mut stream, b"hello").await.unwrap();
    let mut reply = [0u8; 10];
    tokio::time::timeout(SAFETY, tokio::io::AsyncReadExt::read_exact(&mut stream, &mut reply))
        .await
        .expect("reply")
        .unwrap();
    assert_eq!(&reply, b"echo:hello");
    drop(stream);
    forwarder.join().await.expect("forwarder ends cleanly");
    let received = tokio::time::timeout(SAFETY, echoed).await.expect("target sees EOF").unwrap();
    assert_eq!(received, b"hello");
    let pf = fx.api.requests().into_iter().find(|r| r.path.ends_with("/portforward")).expect("request");
    assert_eq!(pf.query_param("ports").as_deref(), Some("5432"));
}

#[tokio::test]
async fn kube_portforward_without_target_reports_the_error_channel() {
    install_crypto();
    let fx = fixture();
    let client = kube_client(&fx).await;
    fx.api.insert(job("x"));
    let pod = fx.api.spawn_pod("jobs", "default", "x");
    let pods: Api<Pod> = Api::namespaced(client, "default");
    let mut forwarder = pods.portforward(&pod, &[8000]).await.expect("portforward");
    let error = forwarder.take_error(8000).expect("error future");
    let message = tokio::time::timeout(SAFETY, error).await.expect("error arrives").expect("message");
    assert!(message.contains("error forwarding port 8000"), "{message}");
    let mut out = Vec::new();
    let mut stream = forwarder.take_stream(8000).unwrap();
    let _ = tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut out).await;
    assert!(out.is_empty());
}

#[tokio::test]
async fn selector_watches_turn_relabelling_into_added_and_deleted_and_end_at_timeout() {
    install_crypto();
    let fx = fixture();
    let client = kube_client(&fx).await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    fx.api.insert(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "default", "labels": {"tier": "db"}}}));
    let rv = fx.api.resource_version().to_string();
    let params = WatchParams::default().labels("tier=db").timeout(1).disable_bookmarks();
    let mut events = cms.watch(&params, &rv).await.unwrap().boxed();
    fx.api.update("configmaps", "default", "a", |cm| cm["metadata"]["labels"]["tier"] = json!("web"));
    fx.api.update("configmaps", "default", "a", |cm| cm["data"] = json!({"ignored": "while out of the selection"}));
    fx.api.update("configmaps", "default", "a", |cm| cm["metadata"]["labels"]["tier"] = json!("db"));
    let mut seen = Vec::new();
    while let Some(ev) =
        tokio::time::timeout(SAFETY, events.try_next()).await.expect("timeoutSeconds ends the watch").unwrap()
    {
        seen.push(match ev {
            WatchEvent::Added(_) => "ADDED",
            WatchEvent::Modified(_) => "MODIFIED",
            WatchEvent::Deleted(_) => "DELETED",
            other => panic!("unexpected {other:?}"),
        });
    }
    assert_eq!(seen, ["DELETED", "ADDED"], "leaving and re-entering the selection");
}

#[tokio::test]
async fn deletion_honours_propagation_policy_and_finalizers() {
    install_crypto();
    let fx = fixture();
    let client = kube_client(&fx).await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");

    fx.api.insert(job("old"));
    let orphan = fx.api.spawn_pod("jobs", "default", "old");
    jobs.delete("old", &DeleteParams::default()).await.expect("delete");
    assert!(pods.get(&orphan).await.is_ok(), "batch/v1 Jobs orphan their pods by default");

    fx.api.insert(job("seed"));
    let pod = fx.api.spawn_pod("jobs", "default", "seed");
    let job_pods = pods.list(&ListParams::default().labels("batch.kubernetes.io/job-name=seed")).await.unwrap();
    assert_eq!(job_pods.items.len(), 1, "pods carry the job-name label the job controller sets");
    jobs.delete("seed", &DeleteParams::background()).await.expect("delete");
    assert_eq!(api_error(pods.get(&pod).await.unwrap_err()).0, 404, "background propagation deletes the pods");

    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    fx.api.insert(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "held", "namespace": "default", "finalizers": ["example.com/hold"]}}));
    let pending = cms.delete("held", &DeleteParams::default()).await.expect("delete");
    let held = pending.left().expect("an object with finalizers is answered, not a Status");
    assert!(held.metadata.deletion_timestamp.is_some());
    cms.patch("held", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"finalizers": null}})))
        .await
        .expect("clear finalizers");
    assert_eq!(api_error(cms.get("held").await.unwrap_err()).0, 404);
    let history: Vec<String> = fx.api.request_lines().into_iter().filter(|l| l.starts_with("DELETE")).collect();
    assert_eq!(history.len(), 3);
}

#[tokio::test]
async fn pod_events_are_found_by_involved_object_field_selector() {
    install_crypto();
    let fx = fixture();
    let client = kube_client(&fx).await;
    fx.api.insert(deployment("studio", 1));
    let pod = fx.api.spawn_pod("deployments", "default", "studio");
    let other = fx.api.spawn_pod("deployments", "default", "studio");
    fx.api.add_pod_event(
        "default",
        &pod,
        "Warning",
        "Failed",
        "Failed to pull image \"supabase/studio:1.0\": toomanyrequests",
    );
    fx.api.add_pod_event(
        "default",
        &other,
        "Normal",
        "Scheduled",
        "Successfully assigned default/x to k3d-pdc-cluster-server-0",
    );
    let events: Api<k8s_openapi::api::core::v1::Event> = Api::namespaced(client, "default");
    let uid = fx.api.get("pods", "default", &pod).unwrap()["metadata"]["uid"].as_str().unwrap().to_string();
    let selector = format!("involvedObject.kind=Pod,involvedObject.name={pod},involvedObject.uid={uid}");
    let found = events.list(&ListParams::default().fields(&selector)).await.unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].reason.as_deref(), Some("Failed"));
    assert!(found.items[0].message.as_deref().unwrap().contains("toomanyrequests"));
}

#[tokio::test]
async fn autopilot_makes_workloads_created_through_the_api_ready_and_jobs_complete() {
    install_crypto();
    let fx = fixture();
    let _autopilot = fx.api.autopilot();
    let client = kube_client(&fx).await;
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let jobs: Api<Job> = Api::namespaced(client.clone(), "default");
    let d: Deployment = serde_json::from_value(deployment("auth", 2)).unwrap();
    deploys.create(&PostParams::default(), &d).await.expect("create deployment");
    let j: Job = serde_json::from_value(job("seed")).unwrap();
    jobs.create(&PostParams::default(), &j).await.expect("create job");
    let ready = await_condition(deploys, "auth", |d: Option<&Deployment>| {
        d.and_then(|d| d.status.as_ref()?.available_replicas) == Some(2)
    });
    tokio::time::timeout(SAFETY, ready).await.expect("ready").expect("watch");
    let complete =
        await_condition(jobs, "seed", |j: Option<&Job>| j.and_then(|j| j.status.as_ref()?.succeeded) == Some(1));
    tokio::time::timeout(SAFETY, complete).await.expect("complete").expect("watch");
    let pods: Api<Pod> = Api::namespaced(client, "default");
    let auth_pods = pods.list(&ListParams::default().labels("app=auth")).await.unwrap();
    assert_eq!(auth_pods.items.len(), 2);
    assert!(auth_pods.items.iter().all(|p| p.status.as_ref().unwrap().phase.as_deref() == Some("Running")));
    let seed_pods = pods.list(&ListParams::default().labels("job-name=seed")).await.unwrap();
    assert_eq!(seed_pods.items[0].status.as_ref().unwrap().phase.as_deref(), Some("Succeeded"));
}

#[tokio::test]
async fn logs_follow_kubelets_rules_for_unscheduled_waiting_and_crashed_containers() {
    install_crypto();
    let fx = fixture();
    let client = kube_client(&fx).await;
    let pods: Api<Pod> = Api::namespaced(client, "default");
    fx.api.insert(deployment("realtime", 1));
    let pod = fx.api.spawn_pod("deployments", "default", "realtime");
    let message = |e: kube::Error| api_error(e).2;

    fx.api.set_pod_unschedulable("default", &pod, "0/1 nodes are available: 1 Insufficient memory.");
    let err = pods.logs(&pod, &LogParams::default()).await.unwrap_err();
    assert_eq!(message(err), format!("pod {pod} does not have a host assigned"));

    fx.api.set_pod_running("default", &pod, false);
    fx.api.set_container_waiting("default", &pod, "realtime", "ImagePullBackOff", "Back-off pulling image");
    let err = pods.logs(&pod, &LogParams::default()).await.unwrap_err();
    assert_eq!(
        message(err),
        format!("container \"realtime\" in pod \"{pod}\" is waiting to start: trying and failing to pull image")
    );
    let previous = LogParams { previous: true, ..Default::default() };
    let err = pods.logs(&pod, &previous).await.unwrap_err();
    assert_eq!(message(err), format!("previous terminated container \"realtime\" in pod \"{pod}\" not found"));

    fx.api.set_pod_running("default", &pod, true);
    fx.api.append_log("default", &pod, "realtime", &["** (RuntimeError) tenant realtime-dev not found"]);
    fx.api.set_container_waiting(
        "default",
        &pod,
        "realtime",
        "CrashLoopBackOff",
        "back-off 10s restarting failed container",
    );
    let expected = "** (RuntimeError) tenant realtime-dev not found\n";
    assert_eq!(
        pods.logs(&pod, &LogParams::default()).await.unwrap(),
        expected,
        "a crash-looping container serves its last run"
    );
    assert_eq!(pods.logs(&pod, &previous).await.unwrap(), expected);
    let status = fx.api.get("pods", "default", &pod).unwrap()["status"]["containerStatuses"][0].clone();
    assert_eq!(status["restartCount"], 1);
    assert_eq!(status["lastState"]["terminated"]["reason"], "Error");
}

#[test]
fn a_test_thread_can_play_the_cluster_while_a_client_runs() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("job.json");
    std::fs::write(&manifest, job("populate-db").to_string()).unwrap();
    let Some(mut apply) = kubectl(&fx.kubeconfig) else {
        return;
    };
    apply.args(["apply", "-f"]).arg(&manifest);
    let mut wait = kubectl(&fx.kubeconfig).unwrap();
    wait.args(["wait", "--for=condition=complete", "job/populate-db", "-n", "default", "--timeout=60s"]);
    let api = &fx.api;
    let (applied, waited) = std::thread::scope(|s| {
        let cluster = s.spawn(|| {
            api.wait_for_object("jobs", "default", "populate-db", SAFETY);
            let pod = api.spawn_pod("jobs", "default", "populate-db");
            api.mark_pod_ready("default", &pod);
            api.append_log("default", &pod, "populate", &["seeded"]);
            api.terminate_container("default", &pod, "populate", 0);
            api.complete_job("default", "populate-db");
        });
        let applied = run(apply);
        let waited = run(wait);
        cluster.join().expect("cluster thread");
        (applied, waited)
    });
    assert!(applied.status.success(), "{}", text(&applied.stderr));
    assert!(waited.status.success(), "{}", text(&waited.stderr));
    assert_eq!(text(&waited.stdout).trim(), "job.batch/populate-db condition met");
}

// ---- the real helm v3.19.0 ------------------------------------------------------------------

/// helm bound to the double's kubeconfig, with private cache/config/data dirs; `None` (skip)
/// when the test tools were not fetched.
fn helm(fx: &Fixture) -> Option<Command> {
    let mut cmd = Command::new(support::tools::helm()?);
    let home = fx.kubeconfig.parent().expect("dir");
    cmd.arg("--kubeconfig")
        .arg(&fx.kubeconfig)
        .env_remove("KUBECONFIG")
        .env("HOME", home)
        .env("HELM_CACHE_HOME", home.join("helm-cache"))
        .env("HELM_CONFIG_HOME", home.join("helm-config"))
        .env("HELM_DATA_HOME", home.join("helm-data"))
        .stdin(Stdio::null());
    Some(cmd)
}

/// A chart with one ConfigMap whose data comes from the values.
fn tiny_chart(dir: &Path) -> std::path::PathBuf {
    let chart = dir.join("tiny");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: tiny\nversion: 0.1.0\n").unwrap();
    std::fs::write(chart.join("values.yaml"), "greeting: hello\n").unwrap();
    std::fs::write(
        chart.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n  labels:\n    app.kubernetes.io/instance: {{ .Release.Name }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
    )
    .unwrap();
    chart
}

#[test]
fn real_helm_installs_upgrades_lists_and_uninstalls_a_release_through_the_double() {
    let fx = fixture();
    let Some(mut cmd) = helm(&fx) else { return };
    let dir = tempfile::tempdir().unwrap();
    let chart = tiny_chart(dir.path());

    cmd.args(["upgrade", "--install", "demo"]).arg(&chart).args(["--namespace", "default"]);
    let out = run(cmd);
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(fx.api.get("configmaps", "default", "demo-cm").expect("rendered")["data"]["greeting"], "hello");
    // Helm's release storage: a Secret per revision, sent as protobuf by client-go's typed client.
    let v1 = fx.api.get("secrets", "default", "sh.helm.release.v1.demo.v1").expect("release secret");
    assert_eq!(v1["type"], "helm.sh/release.v1");
    assert_eq!(v1["metadata"]["labels"]["owner"], "helm");
    assert_eq!(v1["metadata"]["labels"]["status"], "deployed");
    let protobuf = fx.api.requests().into_iter().any(|r| {
        r.method == "POST"
            && r.path == "/api/v1/namespaces/default/secrets"
            && r.content_type.as_deref() == Some("application/vnd.kubernetes.protobuf")
    });
    assert!(protobuf, "helm stored its release through a protobuf POST");

    let mut cmd = helm(&fx).unwrap();
    cmd.args(["upgrade", "--install", "demo"]).arg(&chart).args(["--namespace", "default", "--set", "greeting=hi"]);
    let out = run(cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(fx.api.get("configmaps", "default", "demo-cm").unwrap()["data"]["greeting"], "hi");
    let v1 = fx.api.get("secrets", "default", "sh.helm.release.v1.demo.v1").unwrap();
    assert_eq!(v1["metadata"]["labels"]["status"], "superseded", "helm updated the old revision (PUT)");

    let mut cmd = helm(&fx).unwrap();
    cmd.args(["list", "--namespace", "default", "-o", "json"]);
    let out = run(cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["name"], "demo");
    assert_eq!(list[0]["revision"], "2");
    assert_eq!(list[0]["status"], "deployed");

    let mut cmd = helm(&fx).unwrap();
    cmd.args(["uninstall", "demo", "--namespace", "default", "--wait", "--timeout", "30s"]);
    let out = run(cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "release \"demo\" uninstalled");
    assert!(fx.api.get("configmaps", "default", "demo-cm").is_none());
    assert!(fx.api.list("secrets", Some("default")).iter().all(|s| s["metadata"]["labels"]["owner"] != "helm"));
}

#[test]
fn real_helm_reports_an_api_error_the_double_returns() {
    let fx = fixture();
    let Some(mut cmd) = helm(&fx) else { return };
    let dir = tempfile::tempdir().unwrap();
    let chart = tiny_chart(dir.path());
    // The chart's ConfigMap is refused by the server: helm fails for that real reason.
    fx.api.fail_next(
        "POST",
        "/namespaces/default/configmaps",
        1,
        403,
        "Forbidden",
        "configmaps is forbidden: User \"dev\" cannot create resource \"configmaps\"",
    );
    cmd.args(["install", "demo"]).arg(&chart).args(["--namespace", "default"]);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("configmaps is forbidden"), "{}", text(&out.stderr));
}

// ---- exec over WebSocket, run against the test's real PostgreSQL ------------------------------

use kube::api::AttachParams;
use support::postgres;

/// The chart's database StatefulSet and its pod, whose execs run against the test PostgreSQL;
/// `None` (skipped) without the postgresql package.
fn db_pod(fx: &Fixture, test: &str) -> Option<String> {
    let pg = postgres::server(test)?;
    fx.api.insert(json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "supabase-supabase-db", "namespace": "default"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "db"}}, "template": {"metadata": {"labels": {"app": "db"}},
        "spec": {"containers": [{"name": "db", "image": "supabase/postgres:15"}]}}}}));
    let pod = fx.api.spawn_pod("statefulsets", "default", "supabase-supabase-db");
    fx.api.mark_pod_ready("default", &pod);
    fx.api.set_exec_handler("default", &pod, pg.exec_handler());
    Some(pod)
}

async fn read_all(reader: Option<impl tokio::io::AsyncRead + Unpin>) -> String {
    let mut out = Vec::new();
    if let Some(mut r) = reader {
        tokio::io::AsyncReadExt::read_to_end(&mut r, &mut out).await.expect("read the exec's output");
    }
    String::from_utf8(out).expect("utf-8")
}

/// Runs `command` in `pod` through kube-rs (feeding `stdin` when given) and returns stdout,
/// stderr and the Status from the error channel.
async fn exec(
    pods: &Api<Pod>,
    pod: &str,
    command: &[&str],
    stdin: Option<&str>,
) -> (String, String, k8s_openapi::apimachinery::pkg::apis::meta::v1::Status) {
    let params = AttachParams::default().stdin(stdin.is_some()).stdout(true).stderr(true);
    let mut proc = pods.exec(pod, command.to_vec(), &params).await.expect("exec");
    let status = proc.take_status().expect("status future");
    let feed = proc.stdin().map(|mut w| {
        let text = stdin.unwrap_or_default().to_string();
        tokio::spawn(async move {
            tokio::io::AsyncWriteExt::write_all(&mut w, text.as_bytes()).await.expect("write stdin");
            tokio::io::AsyncWriteExt::shutdown(&mut w).await.expect("close stdin");
        })
    });
    let (out, err) =
        tokio::time::timeout(SAFETY, async { tokio::join!(read_all(proc.stdout()), read_all(proc.stderr())) })
            .await
            .expect("the exec's output ends");
    let status = tokio::time::timeout(SAFETY, status).await.expect("status arrives").expect("a Status");
    if let Some(feed) = feed {
        feed.await.unwrap();
    }
    proc.join().await.expect("the exec ends cleanly");
    (out, err, status)
}

fn exit_code(status: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Status) -> Option<String> {
    status.details.as_ref()?.causes.as_ref()?.iter().find(|c| c.reason.as_deref() == Some("ExitCode"))?.message.clone()
}

#[tokio::test]
async fn kube_exec_runs_psql_in_the_db_pod_with_stdout_stderr_and_exit_status() {
    install_crypto();
    let fx = fixture();
    let Some(pod) = db_pod(&fx, "kube_exec_runs_psql") else { return };
    let pods: Api<Pod> = Api::namespaced(kube_client(&fx).await, "default");

    let (out, err, status) = exec(&pods, &pod, &["psql", "-XAt", "-c", "select 40 + 2"], None).await;
    assert_eq!((out.as_str(), err.as_str()), ("42\n", ""));
    assert_eq!(status.status.as_deref(), Some("Success"), "{status:?}");

    let (out, err, status) =
        exec(&pods, &pod, &["psql", "-XAt", "-v", "ON_ERROR_STOP=1", "-c", "select * from no_such_table"], None).await;
    assert_eq!(out, "");
    assert!(err.contains("relation \"no_such_table\" does not exist"), "{err}");
    assert_eq!(status.status.as_deref(), Some("Failure"));
    assert_eq!(status.reason.as_deref(), Some("NonZeroExitCode"));
    assert_eq!(exit_code(&status).as_deref(), Some("1"), "{status:?}");

    let execs = fx.api.execs();
    assert_eq!(execs.len(), 2);
    assert_eq!(execs[0].call.protocol, "v5.channel.k8s.io", "kube-rs offers v5 first");
    assert_eq!(execs[0].call.container, "db");
    assert_eq!(execs[0].call.command, ["psql", "-XAt", "-c", "select 40 + 2"]);
    assert_eq!((execs[0].exit_code, execs[1].exit_code), (Some(0), Some(1)));
    let request = fx.api.requests().into_iter().find(|r| r.path.ends_with("/exec")).expect("exec request");
    assert_eq!(request.path, format!("/api/v1/namespaces/default/pods/{pod}/exec"));
    assert_eq!(request.method, "GET");
}

#[tokio::test]
async fn kube_exec_feeds_stdin_to_psql_and_ends_it_with_the_v5_close_signal() {
    install_crypto();
    let fx = fixture();
    let Some(pod) = db_pod(&fx, "kube_exec_feeds_stdin") else { return };
    let pods: Api<Pod> = Api::namespaced(kube_client(&fx).await, "default");
    let table = format!("exec_stdin_{}", std::process::id());
    // More than kube-rs' 1 KiB stdin buffer, so several stdin frames carry it.
    let mut script = format!("create table {table} (n int);\n");
    for n in 1..=200 {
        script.push_str(&format!("insert into {table} values ({n});\n"));
    }
    script.push_str(&format!("select count(*), sum(n) from {table};\ndrop table {table};\n"));
    let (out, err, status) =
        exec(&pods, &pod, &["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-f", "-"], Some(&script)).await;
    assert_eq!(err, "");
    assert_eq!(out, "200|20100\n");
    assert_eq!(status.status.as_deref(), Some("Success"));
    assert!(fx.api.execs()[0].call.stdin);
}

#[tokio::test]
async fn kube_exec_of_a_program_the_pod_lacks_is_an_internal_error_status() {
    install_crypto();
    let fx = fixture();
    let Some(pod) = db_pod(&fx, "kube_exec_missing_program") else { return };
    let pods: Api<Pod> = Api::namespaced(kube_client(&fx).await, "default");
    let (out, err, status) = exec(&pods, &pod, &["mysql", "-e", "select 1"], None).await;
    assert_eq!((out.as_str(), err.as_str()), ("", ""));
    assert_eq!(status.status.as_deref(), Some("Failure"));
    assert_eq!(status.reason.as_deref(), Some("InternalError"));
    assert!(
        status.message.as_deref().unwrap_or_default().contains("\"mysql\": executable file not found"),
        "{status:?}"
    );
    // A container the pod does not have is the apiserver's 400, before any upgrade.
    let elsewhere = AttachParams::default().container("nope");
    let (code, _, message) = api_error(pods.exec(&pod, ["psql"], &elsewhere).await.err().expect("rejected"));
    assert_eq!(code, 400);
    assert_eq!(message, format!("container nope is not valid for pod {pod}"));
}

/// A client offering only `v4.channel.k8s.io` (as older clients do) gets v4: the same channels,
/// the Status on channel 3, then the close.
#[tokio::test]
async fn exec_falls_back_to_v4_for_a_client_that_offers_only_v4() {
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
    let fx = fixture();
    let Some(pod) = db_pod(&fx, "exec_v4") else { return };
    let url = format!(
        "{}/api/v1/namespaces/default/pods/{pod}/exec?command=psql&command=-XAt&command=-c&command=select%20%27v4%27&stdout=true&stderr=true",
        fx.api.url().replace("http://", "ws://")
    );
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "v4.channel.k8s.io".parse().unwrap());
    let (mut ws, response) = tokio_tungstenite::connect_async(request).await.expect("upgrade");
    assert_eq!(response.headers()["sec-websocket-protocol"], "v4.channel.k8s.io");
    let mut channels: std::collections::BTreeMap<u8, Vec<u8>> = Default::default();
    while let Some(msg) = tokio::time::timeout(SAFETY, ws.next()).await.expect("frames") {
        match msg.expect("frame") {
            Message::Binary(b) => channels.entry(b[0]).or_default().extend_from_slice(&b[1..]),
            Message::Close(_) => break,
            _ => {}
        }
    }
    assert_eq!(text(&channels[&1]), "v4\n");
    let status: Value = serde_json::from_slice(&channels[&3]).unwrap();
    assert_eq!(status, json!({"metadata": {}, "status": "Success"}));
    assert!(!channels.contains_key(&2));
}
