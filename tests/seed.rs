//! `ssp seed` end to end through the real binary: the fake k3d (`tests/support/fakes`) answers
//! `k3d kubeconfig get` with the in-process API double's kubeconfig and records `k3d image
//! import`; a test thread plays the cluster (job controller, kubelet) while ssp runs; the API
//! double's request log shows the exact calls ssp made. Image builds use the real Docker daemon
//! with a `FROM scratch` busybox image (nothing can be pulled here).

mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use support::cli::{Outcome, Project};
use support::fakes::{ClusterState, FakeTools};
use support::kube_api::{KubeApi, NODE, RecordedRequest};

const NS: &str = "default";
const JOB: &str = "populate-db-job";
const CONTAINER: &str = "populate-db-job";
const CLUSTER: &str = "pdc-cluster";
/// Safety net for the test thread's waits; never reached when ssp behaves.
const WAIT: Duration = Duration::from_secs(60);
const JOB_MANIFEST: &str = include_str!("../deployment/kubernetes/populate_db_job.yaml");

/// A project with the repository's Job manifest, the fake k3d (its cluster running, its
/// kubeconfig pointing at the API double) as `[tools] dir`, and the API double.
struct Seed {
    project: Project,
    _fake_root: tempfile::TempDir,
    fakes: FakeTools,
    api: KubeApi,
    /// `[seed]` keys beyond the defaults (TOML lines).
    seed_toml: String,
}

impl Seed {
    fn new() -> Option<Seed> {
        let fake_root = tempfile::tempdir().unwrap();
        let fakes = FakeTools::install_or_skip(fake_root.path())?;
        let api = KubeApi::start();
        fakes.set_kubeconfig(&api.kubeconfig_yaml("k3d-pdc-cluster"));
        fakes.add_cluster(CLUSTER, ClusterState::Running);
        let project = Project::new();
        project.write("deployment/kubernetes/populate_db_job.yaml", JOB_MANIFEST);
        let seed = Seed { project, _fake_root: fake_root, fakes, api, seed_toml: String::new() };
        seed.write_config("");
        Some(seed)
    }

    /// Rewrites `ssp.toml`: the fake tools dir, then `extra` (whole sections).
    fn write_config(&self, extra: &str) {
        let bin = self.fakes.bin_dir();
        let text = format!("[tools]\ndir = {:?}\n\n[seed]\n{}\n{extra}", bin.to_str().unwrap(), self.seed_toml);
        self.project.write("ssp.toml", text);
    }

    /// Adds a Docker build context `seedimg/` (busybox, `FROM scratch`) and points `[seed]` at it
    /// with a per-test image name; `None` (after the skip line) without Docker or busybox.
    fn with_build(mut self, test: &str) -> Option<(Seed, TestImage)> {
        let context = self.project.root().join("seedimg");
        support::env::busybox_context(test, &context)?;
        // The test name in a file makes the image (and its content tag) unique to this test.
        std::fs::write(context.join("seed.txt"), format!("{test}\n")).unwrap();
        std::fs::write(context.join("Dockerfile"), "FROM scratch\nCOPY busybox seed.txt /\n").unwrap();
        let repository = format!("ssp-test/seed-{}", test.replace('_', "-"));
        let image = TestImage { tag: format!("{repository}:1"), repository };
        self.seed_toml = format!(
            "dockerfile = \"seedimg/Dockerfile\"\ncontext = \"seedimg\"\nimage = {:?}\ntimeout = \"60s\"\n",
            image.tag
        );
        self.write_config("");
        Some((self, image))
    }

    fn ssp(&self) -> support::cli::Ssp {
        // No kubeconfig of the user's holds the cluster's context (KUBECONFIG points nowhere), so
        // the only way to the cluster is `k3d kubeconfig get`.
        self.project.ssp().env("HOME", self.project.root()).env("KUBECONFIG", "/nonexistent/kubeconfig")
    }

    /// `ssp seed ARGS…` while `cluster` plays the cluster on a scoped thread.
    fn run(&self, args: &[&str], cluster: impl FnOnce(&KubeApi) + Send) -> Outcome {
        std::thread::scope(|s| {
            let player = s.spawn(|| cluster(&self.api));
            let outcome = self.ssp().args(["seed"]).args(args).run();
            if let Err(panic) = player.join() {
                eprintln!(
                    "ssp exited {}
stdout:\n{}\nstderr:\n{}",
                    outcome.status, outcome.stdout, outcome.stderr
                );
                std::panic::resume_unwind(panic);
            }
            outcome
        })
    }

    /// Request lines without the watches' and lists' noise: the writes and single-object reads.
    fn writes(&self) -> Vec<String> {
        self.api.requests().iter().filter(|r| r.method != "GET").map(line).collect()
    }

    fn requests_to(&self, method: &str, path_suffix: &str) -> Vec<RecordedRequest> {
        self.api.requests().into_iter().filter(|r| r.method == method && r.path.ends_with(path_suffix)).collect()
    }
}

fn line(r: &RecordedRequest) -> String {
    if r.query.is_empty() { format!("{} {}", r.method, r.path) } else { format!("{} {}?{}", r.method, r.path, r.query) }
}

/// An image built by a test; removed (all tags) when dropped.
struct TestImage {
    repository: String,
    tag: String,
}

impl TestImage {
    /// The content tag ssp gives the image: `<repository>:sha-<12 hex of the image ID>`.
    fn content_tag(&self) -> String {
        let out = Command::new("docker").args(["image", "inspect", "--format", "{{.Id}}", &self.tag]).output().unwrap();
        let id = String::from_utf8(out.stdout).unwrap();
        let hex = id.trim().trim_start_matches("sha256:");
        assert_eq!(hex.len(), 64, "image ID of {}: {id:?}", self.tag);
        format!("{}:sha-{}", self.repository, &hex[..12])
    }
}

impl Drop for TestImage {
    fn drop(&mut self) {
        let out = Command::new("docker").args(["image", "ls", "-q", &self.repository]).output();
        if let Ok(out) = out {
            let ids: Vec<String> = String::from_utf8_lossy(&out.stdout).split_whitespace().map(String::from).collect();
            if !ids.is_empty() {
                let _ = Command::new("docker").args(["image", "rm", "-f"]).args(&ids).output();
            }
        }
    }
}

/// Plays a healthy run: the Job's pod starts, prints `lines` once ssp follows its log, exits 0,
/// and the Job completes. Returns the pod's name.
fn succeed_with_log(api: &KubeApi, lines: &[&str]) -> String {
    let pod = start_pod(api);
    wait_for_log_follower(api, &pod);
    api.append_log(NS, &pod, CONTAINER, lines);
    api.terminate_container(NS, &pod, CONTAINER, 0);
    api.complete_job(NS, JOB);
    pod
}

/// The job controller and kubelet starting the Job's pod (Running).
fn start_pod(api: &KubeApi) -> String {
    api.wait_for_object("jobs", NS, JOB, WAIT);
    api.start_job(NS, JOB);
    let pod = api.spawn_pod("jobs", NS, JOB);
    api.set_pod_running(NS, &pod, true);
    pod
}

/// Everything at once, as the benchmark does: pod created, log written, exit 0, Job complete.
fn succeed_at_once(api: &KubeApi, lines: &[&str]) {
    api.wait_for_object("jobs", NS, JOB, WAIT);
    api.start_job(NS, JOB);
    let pod = api.spawn_pod("jobs", NS, JOB);
    api.set_pod_running(NS, &pod, true);
    api.append_log(NS, &pod, CONTAINER, lines);
    api.terminate_container(NS, &pod, CONTAINER, 0);
    api.complete_job(NS, JOB);
}

fn wait_for_log_follower(api: &KubeApi, pod: &str) {
    let path = format!("/api/v1/namespaces/{NS}/pods/{pod}/log");
    assert!(
        api.wait_until_blocking(WAIT, |st| st
            .requests_seen()
            .iter()
            .any(|r| r.path == path && r.query_param("follow").as_deref() == Some("true"))),
        "ssp did not follow the log of {pod}"
    );
}

fn created_job(seed: &Seed) -> Value {
    let posts = seed.requests_to("POST", "/apis/batch/v1/namespaces/default/jobs");
    assert_eq!(posts.len(), 1, "{:#?}", seed.writes());
    serde_json::from_str(&posts[0].body).unwrap()
}

fn job_image(job: &Value) -> &str {
    job["spec"]["template"]["spec"]["containers"][0]["image"].as_str().unwrap()
}

// ---- image build and import -------------------------------------------------------------

#[test]
fn the_built_image_is_imported_under_its_content_tag_and_run() {
    let test = "the_built_image_is_imported_under_its_content_tag_and_run";
    let Some((seed, image)) = Seed::new().and_then(|s| s.with_build(test)) else { return };
    let outcome = seed.run(&[], |api| succeed_at_once(api, &["seeded"]));
    outcome.success();
    let content_tag = image.content_tag();
    let imports: Vec<Vec<String>> = seed.fakes.k3d_image_calls().into_iter().map(|c| c.argv).collect();
    assert_eq!(imports, vec![vec!["image", "import", &content_tag, &image.tag, "-c", CLUSTER]]);
    assert_eq!(seed.fakes.imported_images(CLUSTER), vec![content_tag.clone(), image.tag.clone()]);
    // The Job runs the exact build, not whatever the mutable tag points at later.
    assert_eq!(job_image(&created_job(&seed)), content_tag);
    outcome.stderr_has(&format!("imported {content_tag}"));
}

#[test]
fn the_import_is_skipped_when_a_node_holds_the_content_tag() {
    let test = "the_import_is_skipped_when_a_node_holds_the_content_tag";
    let Some((seed, image)) = Seed::new().and_then(|s| s.with_build(test)) else { return };
    seed.run(&[], |api| succeed_at_once(api, &["first"])).success();
    assert_eq!(seed.fakes.calls_of("k3d").iter().filter(|c| c.argv[0] == "image").count(), 1);
    let content_tag = image.content_tag();
    // What the kubelet reports once the image is in containerd (names as containerd lists them).
    seed.api.insert(json!({
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": NODE},
        "status": {"images": [
            {"names": ["docker.io/rancher/mirrored-pause:3.6"], "sizeBytes": 301463},
            {"names": [format!("docker.io/{content_tag}"), format!("docker.io/{}", image.tag)], "sizeBytes": 1012345}
        ]}
    }));
    let again = seed.run(&[], |api| succeed_at_once(api, &["second"]));
    again.success().stderr_has(&format!("already holds {content_tag}; import skipped"));
    assert_eq!(seed.fakes.calls_of("k3d").iter().filter(|c| c.argv[0] == "image").count(), 1);
}

#[test]
fn a_node_holding_only_the_mutable_tag_does_not_skip_the_import() {
    let test = "a_node_holding_only_the_mutable_tag_does_not_skip_the_import";
    let Some((seed, image)) = Seed::new().and_then(|s| s.with_build(test)) else { return };
    seed.api.insert(json!({
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": NODE},
        "status": {"images": [{"names": [format!("docker.io/{}", image.tag)], "sizeBytes": 1}]}
    }));
    seed.run(&[], |api| succeed_at_once(api, &["seeded"])).success();
    assert_eq!(seed.fakes.calls_of("k3d").iter().filter(|c| c.argv[0] == "image").count(), 1);
}

#[test]
fn existing_provider_with_build_is_a_usage_error() {
    let Some(seed) = Seed::new() else { return };
    seed.write_config("[cluster]\nprovider = \"existing\"\ncontext = \"prod\"\n");
    let outcome = seed.run(&[], |_| {});
    outcome.status(2).stderr_has("cluster.provider is \"existing\"").stderr_has("--no-build");
    assert!(seed.fakes.calls().is_empty(), "{:?}", seed.fakes.command_lines());
    assert!(seed.api.requests().is_empty(), "{:?}", seed.api.request_lines());
}

#[test]
fn no_build_runs_the_configured_image_without_docker_or_import() {
    let Some(mut seed) = Seed::new() else { return };
    seed.seed_toml = "image = \"registry.example.org/pdc/seed:7\"\n".into();
    // No Docker is needed: a daemon address that cannot answer proves ssp never asks it.
    seed.write_config("");
    let outcome = std::thread::scope(|s| {
        s.spawn(|| succeed_at_once(&seed.api, &["ok"]));
        seed.ssp().env("DOCKER_HOST", "unix:///nonexistent/docker.sock").args(["seed", "--no-build"]).run()
    });
    outcome.success();
    assert_eq!(job_image(&created_job(&seed)), "registry.example.org/pdc/seed:7");
    assert_eq!(seed.fakes.command_lines(), vec!["k3d kubeconfig get pdc-cluster"]);
}

#[test]
fn dry_run_prints_the_build_the_import_and_the_objects_and_writes_nothing() {
    let Some(mut seed) = Seed::new() else { return };
    // The build context only has to exist for a dry run (it is packed, not sent).
    seed.project.write("seedimg/Dockerfile", "FROM scratch\nCOPY seed.sql /\n");
    seed.project.write("seedimg/seed.sql", "select 1;\n");
    seed.seed_toml = "dockerfile = \"seedimg/Dockerfile\"\ncontext = \"seedimg\"\n".into();
    seed.write_config("");
    let outcome = seed.ssp().env("DOCKER_HOST", "unix:///nonexistent/docker.sock").args(["--dry-run", "seed"]).run();
    outcome
        .success()
        .stderr_has("would build pdc/populate_db:1.0 from seedimg/Dockerfile (context seedimg, 2 files")
        .stderr_has("would run: k3d image import pdc/populate_db:1.0 -c pdc-cluster")
        .stderr_has("ConfigMap default/config-dev")
        .stderr_has("Job default/populate-db-job");
    // The objects themselves, as they would be sent.
    outcome.stdout_has("kind: ConfigMap").stdout_has("DB_HOST: supabase-supabase-db");
    outcome.stdout_has("kind: Job").stdout_has("image: pdc/populate_db:1.0").stdout_has("backoffLimit: 0");
    assert!(seed.fakes.calls().is_empty(), "{:?}", seed.fakes.command_lines());
    assert!(seed.api.requests().is_empty(), "{:?}", seed.api.request_lines());
}

// ---- the ConfigMap ----------------------------------------------------------------------

#[test]
fn the_first_run_creates_the_configmap_the_second_updates_it() {
    let Some(seed) = Seed::new() else { return };
    let first = seed.run(&["--no-build"], |api| succeed_at_once(api, &["one"]));
    first.success().stderr_has("created ConfigMap config-dev");
    let applies = seed.requests_to("PATCH", "/api/v1/namespaces/default/configmaps/config-dev");
    assert_eq!(applies.len(), 1, "{:#?}", seed.writes());
    assert_eq!(applies[0].content_type.as_deref(), Some("application/apply-patch+yaml"));
    assert_eq!(applies[0].query_param("fieldManager").as_deref(), Some("ssp"));
    assert_eq!(applies[0].query_param("force").as_deref(), Some("true"));
    let stored = seed.api.get("configmaps", NS, "config-dev").expect("created");
    assert_eq!(
        stored["data"],
        json!({"DB_HOST": "supabase-supabase-db", "DB_PORT": "5432",
               "SUPABASE_KONG_HOST": "supabase-supabase-kong", "SUPABASE_KONG_PORT": "8000"})
    );

    // The old task's `kubectl create configmap` failed here; ssp updates.
    seed.write_config("[seed.configmap_data]\nDB_HOST = \"db.internal\"\n");
    seed.api.clear_requests();
    let second = seed.run(&["--no-build"], |api| succeed_at_once(api, &["two"]));
    second.success().stderr_has("updated ConfigMap config-dev");
    let applies = seed.requests_to("PATCH", "/api/v1/namespaces/default/configmaps/config-dev");
    assert_eq!(applies.len(), 1, "{:#?}", seed.writes());
    assert_eq!(applies[0].query_param("fieldManager").as_deref(), Some("ssp"));
    let stored = seed.api.get("configmaps", NS, "config-dev").unwrap();
    assert_eq!(stored["data"]["DB_HOST"], "db.internal");
    assert_eq!(stored["data"]["DB_PORT"], "5432");
}

// ---- the Job ----------------------------------------------------------------------------

#[test]
fn the_old_job_is_deleted_and_gone_before_the_new_one_is_created() {
    let Some(seed) = Seed::new() else { return };
    // A finished Job of a previous run, held by a finalizer so its deletion takes a while.
    let mut old: Value = serde_saphyr::from_str(JOB_MANIFEST).unwrap();
    old["metadata"]["namespace"] = json!(NS);
    old["metadata"]["finalizers"] = json!(["test.ssp/hold"]);
    let old = seed.api.insert(old);
    let old_uid = old["metadata"]["uid"].as_str().unwrap().to_string();
    let outcome = seed.run(&["--no-build"], |api| {
        let job_path = format!("/apis/batch/v1/namespaces/{NS}/jobs/{JOB}");
        assert!(
            api.wait_until_blocking(WAIT, |st| st
                .requests_seen()
                .iter()
                .any(|r| r.method == "DELETE" && r.path == job_path)),
            "no DELETE of the old Job"
        );
        // ssp now watches for the old Job to disappear (a create now would get 409 AlreadyExists).
        assert!(
            api.wait_until_blocking(WAIT, |st| st.requests_seen().iter().any(|r| {
                r.path == format!("/apis/batch/v1/namespaces/{NS}/jobs")
                    && r.query_param("watch").as_deref() == Some("true")
            })),
            "ssp does not wait for the old Job to go"
        );
        assert!(api.requests().iter().all(|r| r.method != "POST"), "created before the old Job was gone");
        api.update("jobs", NS, JOB, |j| j["metadata"]["finalizers"] = json!([]));
        assert!(api.wait_until_blocking(WAIT, |st| st.requests_seen().iter().any(|r| r.method == "POST")));
        succeed_at_once(api, &["seeded"]);
    });
    outcome.success().stderr_has("deleted the previous Job populate-db-job");
    let writes = seed.writes();
    let delete = writes.iter().position(|l| l.starts_with("DELETE /apis/batch/v1/namespaces/default/jobs/")).unwrap();
    let create = writes.iter().position(|l| l == "POST /apis/batch/v1/namespaces/default/jobs").unwrap();
    assert!(delete < create, "{writes:#?}");
    let deletes = seed.requests_to("DELETE", &format!("/jobs/{JOB}"));
    let options: Value = serde_json::from_str(&deletes[0].body).unwrap();
    assert_eq!(options["propagationPolicy"], "Background", "{}", deletes[0].body);
    assert_eq!(created_job(&seed)["metadata"]["name"], JOB);
    let new = seed.api.get("jobs", NS, JOB);
    assert!(new.is_none_or(|j| j["metadata"]["uid"] != old_uid.as_str()));
}

#[test]
fn a_completed_job_exits_0_with_its_log_streamed_and_is_deleted() {
    let Some(seed) = Seed::new() else { return };
    let outcome = seed.run(&["--no-build"], |api| {
        let pod = start_pod(api);
        wait_for_log_follower(api, &pod);
        api.append_log(NS, &pod, CONTAINER, &["applying 001_example.sql"]);
        // A line that arrives later still reaches the user while the Job runs.
        api.append_log(NS, &pod, CONTAINER, &["INSERT 0 42", "seed done"]);
        api.terminate_container(NS, &pod, CONTAINER, 0);
        api.complete_job(NS, JOB);
    });
    outcome.success();
    let log: Vec<&str> = outcome.stderr.lines().filter(|l| l.contains("seed | ")).collect();
    assert_eq!(log.len(), 3, "{}", outcome.stderr);
    assert!(log[0].ends_with("seed | applying 001_example.sql") && log[2].ends_with("seed | seed done"), "{log:?}");
    outcome.stderr_has("Job populate-db-job completed");
    // By default the finished Job goes, with background propagation.
    let deletes = seed.requests_to("DELETE", &format!("/jobs/{JOB}"));
    assert_eq!(deletes.len(), 1, "{:#?}", seed.writes());
    assert!(deletes[0].body.contains("\"propagationPolicy\":\"Background\""), "{}", deletes[0].body);
    assert!(seed.api.get("jobs", NS, JOB).is_none());
}

#[test]
fn a_job_that_completes_at_once_still_shows_its_log() {
    let Some(seed) = Seed::new() else { return };
    let outcome = seed.run(&["--no-build"], |api| succeed_at_once(api, &["seeded 42 rows"]));
    outcome.success().stderr_has("seed | seeded 42 rows");
}

#[test]
fn keep_job_leaves_the_finished_job() {
    let Some(seed) = Seed::new() else { return };
    let outcome = seed.run(&["--no-build", "--keep-job"], |api| {
        succeed_with_log(api, &["ok"]);
    });
    outcome.success().stderr_has("kept Job populate-db-job");
    assert!(seed.requests_to("DELETE", &format!("/jobs/{JOB}")).is_empty(), "{:#?}", seed.writes());
    let job = seed.api.get("jobs", NS, JOB).expect("kept");
    assert_eq!(job["status"]["conditions"][1]["type"], "Complete");
}

#[test]
fn a_failed_job_exits_1_with_the_reason_and_the_log_tail() {
    let Some(seed) = Seed::new() else { return };
    let outcome = seed.run(&["--no-build"], |api| {
        let pod = start_pod(api);
        wait_for_log_follower(api, &pod);
        api.append_log(NS, &pod, CONTAINER, &["applying 001_example.sql", "psql: error: connection refused"]);
        api.terminate_container(NS, &pod, CONTAINER, 2);
        api.add_pod_event(NS, &pod, "Normal", "Started", "Started container populate-db-job");
        api.fail_job(NS, JOB, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    });
    outcome
        .status(1)
        .stderr_has("the seed Job populate-db-job failed: Job has reached the specified backoff limit")
        .stderr_has("Started: Started container populate-db-job")
        .stderr_has("log tail:")
        .stderr_has("| psql: error: connection refused");
    assert!(!outcome.stderr.contains("completed"), "{}", outcome.stderr);
}

#[test]
fn a_pod_stuck_in_err_image_never_pull_fails_before_the_timeout() {
    let Some(seed) = Seed::new() else { return };
    let message = "Container image \"pdc/populate_db:1.0\" is not present with pull policy of Never";
    let outcome = seed.run(&["--no-build", "--grace", "1s", "--timeout", "10m"], |api| {
        api.wait_for_object("jobs", NS, JOB, WAIT);
        api.start_job(NS, JOB);
        let pod = api.spawn_pod("jobs", NS, JOB);
        api.add_pod_event(NS, &pod, "Warning", "ErrImageNeverPull", message);
        api.set_container_waiting(NS, &pod, CONTAINER, "ErrImageNeverPull", message);
    });
    outcome
        .status(1)
        .stderr_has("the seed Job populate-db-job failed: ErrImageNeverPull (image pdc/populate_db:1.0)")
        .stderr_has(message);
    assert!(!outcome.stderr.contains("did not finish within"), "{}", outcome.stderr);
}

// ---- Ctrl-C -----------------------------------------------------------------------------

/// Sends SIGINT to `child` and waits for it (a safety-net timeout kills it and fails).
fn interrupt(child: &mut Child) -> (i32, String) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let status = support::cli::exit_status_within_a_minute(child, || "ssp did not exit after SIGINT".into());
    let mut stderr = String::new();
    use std::io::Read;
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (status.code().unwrap_or(-1), stderr)
}

fn alive(pid: u32) -> bool {
    // A zombie has exited; only a process that still runs counts.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
}

/// Every process below `pid` (children, their children, …), from /proc.
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        if let Ok(stat) = std::fs::read_to_string(entry.path().join("stat"))
            && let Some((_, rest)) = stat.rsplit_once(')')
            && let Some(ppid) = rest.split_whitespace().nth(1).and_then(|v| v.parse().ok())
        {
            parents.push((p, ppid));
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    found.remove(0);
    found
}

fn spawn_ssp(seed: &Seed, args: &[&str]) -> Child {
    let mut command: Command = seed.ssp().args(["seed"]).args(args).into_command();
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    command.spawn().expect("spawn ssp")
}

#[test]
fn ctrl_c_while_the_job_runs_exits_130_and_leaves_nothing_running() {
    let Some(seed) = Seed::new() else { return };
    let mut child = spawn_ssp(&seed, &["--no-build", "--timeout", "10m"]);
    let pod = start_pod(&seed.api);
    wait_for_log_follower(&seed.api, &pod);
    seed.api.append_log(NS, &pod, CONTAINER, &["still seeding"]);
    let local = descendants(child.id());
    let (status, stderr) = interrupt(&mut child);
    assert_eq!(status, 130, "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    for pid in local {
        assert!(!alive(pid), "process {pid} started by ssp still runs");
    }
    for call in seed.fakes.calls() {
        assert!(!alive(call.pid), "{} still runs", call.command_line());
    }
    // The Job runs in the cluster, not here: ssp says how to stop it.
    assert!(stderr.contains("Job populate-db-job is still in the cluster"), "{stderr}");
}

#[test]
fn ctrl_c_during_the_import_stops_k3d_and_exits_130() {
    let test = "ctrl_c_during_the_import_stops_k3d_and_exits_130";
    let Some((seed, _image)) = Seed::new().and_then(|s| s.with_build(test)) else { return };
    seed.fakes.hang("k3d", &["image", "import"], "INFO[0000] Importing image(s) into cluster 'pdc-cluster'\n");
    let mut child = spawn_ssp(&seed, &[]);
    let call = seed.fakes.wait_for_call("k3d", &["image", "import"], WAIT);
    assert!(alive(call.pid));
    let local = descendants(child.id());
    assert!(local.contains(&call.pid), "the fake k3d {} is not ssp's child: {local:?}", call.pid);
    let (status, stderr) = interrupt(&mut child);
    assert_eq!(status, 130, "{stderr}");
    for pid in local {
        assert!(!alive(pid), "process {pid} started by ssp still runs");
    }
    assert!(!alive(call.pid), "the fake k3d (pid {}) still runs after ssp exited", call.pid);
    // Nothing reached the cluster.
    assert!(seed.writes().is_empty(), "{:?}", seed.writes());
}

#[test]
fn a_job_that_never_finishes_fails_at_the_timeout_naming_its_pod() {
    let Some(seed) = Seed::new() else { return };
    let outcome = seed.run(&["--no-build", "--timeout", "1s"], |api| {
        let pod = start_pod(api);
        api.append_log(NS, &pod, CONTAINER, &["waiting for the database"]);
    });
    outcome
        .status(1)
        .stderr_has("the seed Job populate-db-job did not finish within 1s")
        .stderr_has("pod: populate-db-job-")
        .stderr_has("| waiting for the database");
}
