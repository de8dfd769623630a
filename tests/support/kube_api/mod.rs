//! An in-process Kubernetes API server for tests: the subset of the API that ssp, kube-rs and
//! kubectl use, with state the test drives (pods become Ready, Jobs complete or fail, log lines
//! appear) and a log of every request so tests can assert the exact calls a client made.
//!
//! No cluster can run on these machines (see `../shared/TESTING.md`), so this plays the
//! apiserver and, through the methods of [`KubeApi`], the controllers and the kubelet. What it
//! reproduces, and from which upstream code, is documented per module:
//! [`resources`] (discovery), [`store`] (write semantics, resourceVersions, garbage collection),
//! [`http`] (REST routing, watches, logs, `Status` errors), [`selector`] (label/field
//! selectors), [`table`] (`kubectl get` columns), [`portforward`] (WebSocket port-forward),
//! [`exec`] (WebSocket exec, run by a handler the test registers),
//! [`kubeconfig`], [`autopilot`] (an instantly healthy cluster).
//!
//! The server runs on its own thread and tokio runtime, so it serves sync tests, async tests and
//! child processes (the `ssp` binary, `kubectl`) alike; it stops when the [`KubeApi`] is dropped.
//!
//! ```ignore
//! let api = KubeApi::start();
//! let kubeconfig = api.write_kubeconfig(dir.path(), "k3d-pdc-cluster");
//! api.insert(json!({"apiVersion": "apps/v1", "kind": "Deployment",
//!                   "metadata": {"name": "db", "namespace": "default"}, "spec": {"replicas": 1}}));
//! api.mark_ready("deployments", "default", "db");
//! assert!(api.requests().iter().any(|r| r.method == "GET" && r.path.ends_with("/deployments")));
//!
//! // Playing the cluster while the client under test runs (no sleeps: waits end on events):
//! std::thread::scope(|s| {
//!     s.spawn(|| {
//!         api.wait_for_object("jobs", "default", "populate-db", Duration::from_secs(60));
//!         let pod = api.spawn_pod("jobs", "default", "populate-db");
//!         api.mark_pod_ready("default", &pod);
//!         api.append_log("default", &pod, "populate", &["seeded 42 rows"]);
//!         api.terminate_container("default", &pod, "populate", 0);
//!         api.complete_job("default", "populate-db");
//!     });
//!     let status = Command::new(ssp).env("KUBECONFIG", &kubeconfig).arg("seed").status();
//! });
//! ```

pub mod autopilot;
pub mod exec;
pub mod http;
pub mod kubeconfig;
pub mod portforward;
pub mod protobuf;
pub mod resources;
pub mod selector;
pub mod store;
pub mod table;
pub mod websocket;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

pub use store::{ApiError, RecordedRequest, State};

use resources::ResourceType;
use store::{InjectedFailure, Shared};

/// A running API double; stops when dropped. All its methods are those of [`ApiHandle`]
/// (through `Deref`); [`KubeApi::handle`] gives a clone to move into threads and tasks.
pub struct KubeApi {
    handle: ApiHandle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// A cheap, cloneable, `Send + Sync` handle on a running [`KubeApi`]: read and drive its state.
/// Wait predicates get the locked [`State`] and must only read it (calling the handle from a
/// predicate deadlocks).
#[derive(Clone)]
pub struct ApiHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl std::ops::Deref for KubeApi {
    type Target = ApiHandle;

    fn deref(&self) -> &ApiHandle {
        &self.handle
    }
}

fn rt(resource: &str) -> &'static ResourceType {
    resources::lookup(resource).unwrap_or_else(|| panic!("the API double does not serve {resource:?}"))
}

impl KubeApi {
    /// Starts the server on `127.0.0.1:<ephemeral port>`. Panics if it cannot bind.
    pub fn start() -> KubeApi {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the API double");
        listener.set_nonblocking(true).expect("nonblocking listener");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared::new());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("kube-api-double".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("runtime for the API double");
                runtime.block_on(serve(listener, server_shared, stopped));
                runtime.shutdown_background();
            })
            .expect("spawn the API double");
        KubeApi { handle: ApiHandle { shared, addr }, stop: Some(stop), thread: Some(thread) }
    }

    /// A handle to move into a thread or task (the server lives as long as this `KubeApi`).
    pub fn handle(&self) -> ApiHandle {
        self.handle.clone()
    }
}

impl ApiHandle {
    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The kubeconfig YAML for this server, with cluster/context `context` and user
    /// `admin@<context>` (k3d's naming).
    pub fn kubeconfig_yaml(&self, context: &str) -> String {
        kubeconfig::render(&self.url(), context)
    }

    /// Writes `<dir>/kubeconfig-<context>.yaml` and returns its path.
    pub fn write_kubeconfig(&self, dir: &Path, context: &str) -> PathBuf {
        let path = dir.join(format!("kubeconfig-{context}.yaml"));
        std::fs::write(&path, self.kubeconfig_yaml(context)).expect("write kubeconfig");
        path
    }

    // ---- state, read side ----------------------------------------------------------------

    /// Runs `f` on a consistent view of the state.
    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.shared.lock())
    }

    /// The stored object, if any. `resource` is a plural, kind or short name (`"deploy"`).
    pub fn get(&self, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        self.read(|st| st.get(rt(resource), namespace, name).cloned())
    }

    /// Every stored object of `resource` in `namespace` (`None`: all namespaces).
    pub fn list(&self, resource: &str, namespace: Option<&str>) -> Vec<Value> {
        self.read(|st| st.list(rt(resource), namespace).into_iter().cloned().collect())
    }

    /// The current (latest) resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.read(State::resource_version)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.read(|st| st.requests.clone())
    }

    /// `"METHOD path?query"` for every request, for compact assertions.
    pub fn request_lines(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| {
                if r.query.is_empty() {
                    format!("{} {}", r.method, r.path)
                } else {
                    format!("{} {}?{}", r.method, r.path, r.query)
                }
            })
            .collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.mutate(|st| st.requests.clear());
    }

    /// The log lines stored for a pod's container.
    pub fn logs(&self, namespace: &str, pod: &str, container: &str) -> Vec<String> {
        self.read(|st| {
            let key = (namespace.into(), pod.into(), container.into());
            st.logs.get(&key).map(|lines| lines.iter().map(|l| l.text.clone()).collect()).unwrap_or_default()
        })
    }

    // ---- waiting -------------------------------------------------------------------------

    /// Waits (without polling) until `pred` holds on the state; `false` after `timeout`.
    pub async fn wait_until(&self, timeout: Duration, mut pred: impl FnMut(&State) -> bool) -> bool {
        let mut changed = self.shared.subscribe();
        let check = async {
            loop {
                if pred(&self.shared.lock()) {
                    return;
                }
                if changed.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, check).await.is_ok()
    }

    /// Blocking form of [`KubeApi::wait_until`], for sync tests and helper threads.
    pub fn wait_until_blocking(&self, timeout: Duration, pred: impl FnMut(&State) -> bool) -> bool {
        self.shared.wait_blocking(timeout, pred)
    }

    /// Waits until the object exists and returns it (panics after `timeout`).
    pub fn wait_for_object(&self, resource: &str, namespace: &str, name: &str, timeout: Duration) -> Value {
        let t = rt(resource);
        assert!(
            self.wait_until_blocking(timeout, |st| st.get(t, namespace, name).is_some()),
            "{resource} {namespace}/{name} was not created within {timeout:?}"
        );
        self.get(resource, namespace, name).expect("exists")
    }

    // ---- state, write side ---------------------------------------------------------------

    /// Creates or overwrites an object as given (status included); `apiVersion`/`kind` pick the
    /// type, a missing namespace defaults to `default` and is created when absent.
    pub fn insert(&self, obj: Value) -> Value {
        let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = obj["kind"].as_str().unwrap_or_default().to_string();
        let t = resources::by_kind(&api_version, &kind)
            .unwrap_or_else(|| panic!("the API double does not serve {api_version} {kind}"));
        self.shared.mutate(|st| st.upsert(t, obj)).expect("insert")
    }

    /// Applies `f` to a stored object (a MODIFIED watch event follows). Panics when absent.
    pub fn update(&self, resource: &str, namespace: &str, name: &str, f: impl FnOnce(&mut Value)) -> Value {
        self.shared
            .mutate(|st| st.modify(rt(resource), namespace, name, f))
            .unwrap_or_else(|e| panic!("update {resource} {namespace}/{name}: {}", e.message))
    }

    /// Deletes an object as the API would with `propagationPolicy=Background`.
    pub fn delete(&self, resource: &str, namespace: &str, name: &str) {
        self.shared
            .mutate(|st| st.delete(rt(resource), namespace, name, Some("Background")))
            .map(|_| ())
            .unwrap_or_else(|e| panic!("delete {resource} {namespace}/{name}: {}", e.message));
    }

    pub fn create_namespace(&self, name: &str) -> Value {
        self.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}))
    }

    /// Makes watches from a resourceVersion older than now fail with `410 Expired`, as after an
    /// etcd compaction (clients must relist).
    pub fn compact(&self) {
        self.shared.mutate(|st| st.compacted_below = st.resource_version());
    }

    /// Answers the next `times` requests `METHOD …path_suffix` with `code`/`reason`/`message`.
    pub fn fail_next(
        &self,
        method: &str,
        path_suffix: &str,
        times: usize,
        code: u16,
        reason: &'static str,
        message: &str,
    ) {
        let failure = InjectedFailure {
            method: method.to_string(),
            path_suffix: path_suffix.to_string(),
            error: ApiError::custom(code, reason, message),
            times,
            hang: false,
        };
        self.shared.mutate(|st| st.failures.push(failure));
    }

    /// The next `times` requests `METHOD …path_suffix` are recorded and never answered: a client
    /// stuck on an API server that accepted the connection (to interrupt the caller meanwhile).
    pub fn hang_next(&self, method: &str, path_suffix: &str, times: usize) {
        let failure = InjectedFailure {
            method: method.to_string(),
            path_suffix: path_suffix.to_string(),
            error: ApiError::custom(504, "Timeout", "never sent"),
            times,
            hang: true,
        };
        self.shared.mutate(|st| st.failures.push(failure));
    }

    // ---- playing the controllers ---------------------------------------------------------

    /// Sets a Deployment/StatefulSet/DaemonSet/ReplicaSet's status to `ready` of its desired
    /// replicas ready, updated and available (all of them when `ready` is `None`), with
    /// `observedGeneration` current and the conditions the real controllers write — what
    /// `kubectl rollout status` and readiness watchers read.
    pub fn set_ready_replicas(&self, resource: &str, namespace: &str, name: &str, ready: Option<i64>) -> Value {
        let t = rt(resource);
        self.update(resource, namespace, name, |obj| {
            let generation = obj["metadata"]["generation"].clone();
            let status = if t.kind == "DaemonSet" {
                let desired = obj["status"]["desiredNumberScheduled"].as_i64().unwrap_or(1);
                let n = ready.unwrap_or(desired);
                json!({
                    "observedGeneration": generation, "currentNumberScheduled": desired,
                    "desiredNumberScheduled": desired, "numberScheduled": desired, "numberReady": n,
                    "updatedNumberScheduled": desired, "numberAvailable": n,
                    "numberMisscheduled": 0
                })
            } else {
                let desired = obj["spec"]["replicas"].as_i64().unwrap_or(1);
                let n = ready.unwrap_or(desired);
                let mut s = json!({
                    "observedGeneration": generation, "replicas": desired, "updatedReplicas": desired,
                    "readyReplicas": n, "availableReplicas": n
                });
                match t.kind {
                    "Deployment" => {
                        let available = if n >= desired { "True" } else { "False" };
                        s["conditions"] = json!([
                            {"type": "Available", "status": available,
                             "reason": if n >= desired { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" },
                             "message": if n >= desired { "Deployment has minimum availability." } else { "Deployment does not have minimum availability." },
                             "lastUpdateTime": store::now(), "lastTransitionTime": store::now()},
                            {"type": "Progressing", "status": "True",
                             "reason": if n >= desired { "NewReplicaSetAvailable" } else { "ReplicaSetUpdated" },
                             "message": format!("ReplicaSet \"{name}\" has successfully progressed."),
                             "lastUpdateTime": store::now(), "lastTransitionTime": store::now()}
                        ]);
                        if n < desired {
                            s["unavailableReplicas"] = json!(desired - n);
                        }
                    }
                    "StatefulSet" => {
                        s["currentReplicas"] = json!(desired);
                        s["currentRevision"] = json!(format!("{name}-rev1"));
                        s["updateRevision"] = json!(format!("{name}-rev1"));
                    }
                    _ => {}
                }
                s
            };
            obj["status"] = status;
        })
    }

    /// [`KubeApi::set_ready_replicas`] with every replica ready.
    pub fn mark_ready(&self, resource: &str, namespace: &str, name: &str) -> Value {
        self.set_ready_replicas(resource, namespace, name, None)
    }

    /// Creates a Pod for a workload as its controller would: labels and spec from the pod
    /// template, an `ownerReference` (a Deployment's pods are owned by a ReplicaSet, created on
    /// first use), a `generateName`-style name, phase `Pending` with every container waiting in
    /// `ContainerCreating`. Returns the pod's name.
    pub fn spawn_pod(&self, resource: &str, namespace: &str, owner: &str) -> String {
        let t = rt(resource);
        let workload = self
            .get(resource, namespace, owner)
            .unwrap_or_else(|| panic!("{resource} {namespace}/{owner} does not exist"));
        let template = workload["spec"]["template"].clone();
        let owner_obj = if t.kind == "Deployment" {
            let rs = self.list("replicasets", Some(namespace)).into_iter().find(|rs| {
                rs["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|refs| refs.iter().any(|r| r["uid"] == workload["metadata"]["uid"]))
            });
            rs.unwrap_or_else(|| {
                let rs_name = self.shared.mutate(|st| st.next_name(&format!("{owner}-")));
                self.insert(json!({
                    "apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": rs_name, "namespace": namespace,
                                 "labels": template["metadata"]["labels"].clone(),
                                 "ownerReferences": [owner_ref(&workload)]},
                    "spec": {"replicas": workload["spec"]["replicas"].clone(), "selector": workload["spec"]["selector"].clone(), "template": template.clone()}
                }))
            })
        } else {
            workload.clone()
        };
        let prefix = match t.kind {
            "StatefulSet" => {
                let n = self.list("pods", Some(namespace)).iter().filter(|p| owned_by(p, &owner_obj)).count();
                format!("{owner}-{n}")
            }
            _ => format!("{}-", owner_obj["metadata"]["name"].as_str().unwrap_or(owner)),
        };
        let mut pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"namespace": namespace, "labels": template["metadata"]["labels"].clone(),
                         "ownerReferences": [owner_ref(&owner_obj)]},
            "spec": template["spec"].clone(),
        });
        if t.kind == "StatefulSet" {
            pod["metadata"]["name"] = json!(prefix);
        } else {
            let name = self.shared.mutate(|st| st.next_name(&prefix));
            pod["metadata"]["name"] = json!(name);
        }
        pod["spec"]["nodeName"] = json!(NODE);
        let containers = container_names(&pod);
        pod["status"] = json!({
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "True"}],
            "containerStatuses": containers.iter().map(|c| json!({
                "name": c, "ready": false, "restartCount": 0, "started": false,
                "image": image_of(&pod, c), "imageID": "",
                "state": {"waiting": {"reason": "ContainerCreating"}}
            })).collect::<Vec<_>>()
        });
        let pod = self.insert(pod);
        pod["metadata"]["name"].as_str().expect("name").to_string()
    }

    /// Marks a pod Running with every container running and `ready` (conditions `Ready`,
    /// `ContainersReady` accordingly).
    pub fn set_pod_running(&self, namespace: &str, pod: &str, ready: bool) -> Value {
        self.update("pods", namespace, pod, |p| {
            let containers = container_names(p);
            let started = store::now();
            let status = if ready { "True" } else { "False" };
            p["spec"]["nodeName"] = json!(NODE);
            // A container keeps its restart count, last state and (when it already runs) its ID.
            let before = p["status"]["containerStatuses"].as_array().cloned().unwrap_or_default();
            let previous = |c: &str| before.iter().find(|s| s["name"] == c).cloned().unwrap_or(Value::Null);
            p["status"] = json!({
                "phase": "Running",
                "podIP": "10.42.0.10",
                "startTime": started,
                "conditions": [
                    {"type": "PodScheduled", "status": "True"},
                    {"type": "Initialized", "status": "True"},
                    {"type": "ContainersReady", "status": status},
                    {"type": "Ready", "status": status}
                ],
                "containerStatuses": containers.iter().map(|c| {
                    let was = previous(c);
                    let running = was["state"].get("running").is_some() && was["containerID"].is_string();
                    let mut s = json!({
                        "name": c, "ready": ready, "restartCount": was["restartCount"].as_i64().unwrap_or(0),
                        "started": true, "image": image_of(p, c), "imageID": "",
                        "containerID": if running { was["containerID"].clone() } else { json!(new_container_id()) },
                        "state": if running { was["state"].clone() } else { json!({"running": {"startedAt": started}}) }
                    });
                    if was["lastState"].is_object() {
                        s["lastState"] = was["lastState"].clone();
                    }
                    s
                }).collect::<Vec<_>>()
            });
        })
    }

    /// [`KubeApi::set_pod_running`] with the pod Ready.
    pub fn mark_pod_ready(&self, namespace: &str, pod: &str) -> Value {
        self.set_pod_running(namespace, pod, true)
    }

    /// Puts one container in `waiting` with `reason` (`ImagePullBackOff`, `ErrImageNeverPull`,
    /// `CrashLoopBackOff`, `CreateContainerConfigError`, …) and `message`; the pod stays (or
    /// goes back to) not Ready. For `CrashLoopBackOff` the restart count goes up, the last
    /// state is a terminated `Error`, as kubelet reports, and the lines appended so far become
    /// that run's log (served for `previous=true`, and by default while the container waits).
    pub fn set_container_waiting(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        reason: &str,
        message: &str,
    ) -> Value {
        self.update_pod_ending_run(namespace, pod, container, |p| {
            let mut crashed = false;
            let image = image_of(p, container);
            let status = container_status(p, container);
            status["ready"] = json!(false);
            status["started"] = json!(false);
            status["image"] = json!(image);
            status["state"] = json!({"waiting": {"reason": reason, "message": message}});
            if reason == "CrashLoopBackOff" {
                let restarts = status["restartCount"].as_i64().unwrap_or(0) + 1;
                status["restartCount"] = json!(restarts);
                // The ended run keeps its ID (kubelet reports the run that crashed).
                let ended = match status["containerID"].as_str() {
                    Some(id) if !id.is_empty() => id.to_string(),
                    _ => format!("containerd://{restarts:064x}"),
                };
                status["lastState"] = json!({"terminated": {
                    "exitCode": 1, "reason": "Error", "finishedAt": store::now(), "containerID": ended
                }});
                crashed = true;
            }
            set_condition(p, "Ready", "False", Some("ContainersNotReady"));
            set_condition(p, "ContainersReady", "False", Some("ContainersNotReady"));
            if p["status"]["phase"].is_null() {
                p["status"]["phase"] = json!("Pending");
            }
            // The crashed run's output becomes the "previous" log; the next run starts empty.
            crashed
        })
    }

    /// Updates a pod with `f`, and when `f` says the container's run ended, makes that run's lines
    /// its previous log, in one step: kubelet keeps each run's log apart, so a client that sees
    /// the new run in the pod never reads the old run's lines as the new one's.
    fn update_pod_ending_run(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        f: impl FnOnce(&mut Value) -> bool,
    ) -> Value {
        self.shared
            .mutate(|st| {
                let mut ended = false;
                let updated = st.modify(rt("pods"), namespace, pod, |p| ended = f(p))?;
                if ended {
                    let key = (namespace.to_string(), pod.to_string(), container.to_string());
                    let last = st.logs.remove(&key).unwrap_or_default();
                    st.previous_logs.insert(key, last);
                }
                Ok::<_, ApiError>(updated)
            })
            .unwrap_or_else(|e| panic!("update pods {namespace}/{pod}: {}", e.message))
    }

    /// Terminates one container with `exit_code` (`reason` `Completed` for 0, `Error`
    /// otherwise); when every container has terminated the pod's phase becomes `Succeeded` or
    /// `Failed`. Log followers of the container see their stream end.
    pub fn terminate_container(&self, namespace: &str, pod: &str, container: &str, exit_code: i64) -> Value {
        self.update("pods", namespace, pod, |p| {
            let reason = if exit_code == 0 { "Completed" } else { "Error" };
            let status = container_status(p, container);
            status["ready"] = json!(false);
            status["started"] = json!(false);
            status["state"] = json!({"terminated": {
                "exitCode": exit_code, "reason": reason, "finishedAt": store::now(),
                "containerID": format!("containerd://{:064x}", exit_code + 1)
            }});
            let statuses = p["status"]["containerStatuses"].as_array().cloned().unwrap_or_default();
            let all_done = statuses.iter().all(|s| s["state"].get("terminated").is_some());
            if all_done {
                let failed = statuses.iter().any(|s| s["state"]["terminated"]["exitCode"].as_i64() != Some(0));
                p["status"]["phase"] = json!(if failed { "Failed" } else { "Succeeded" });
                set_condition(p, "Ready", "False", Some("PodCompleted"));
            }
        })
    }

    /// Marks a pod unschedulable (`PodScheduled=False`, reason `Unschedulable`).
    pub fn set_pod_unschedulable(&self, namespace: &str, pod: &str, message: &str) -> Value {
        self.update("pods", namespace, pod, |p| {
            if let Some(spec) = p["spec"].as_object_mut() {
                spec.remove("nodeName");
            }
            p["status"]["phase"] = json!("Pending");
            p["status"]["conditions"] =
                json!([{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}]);
        })
    }

    /// Marks a Job `Complete` as the job controller does (`SuccessCriteriaMet` and `Complete`
    /// conditions, `succeeded` = completions, `completionTime`).
    pub fn complete_job(&self, namespace: &str, name: &str) -> Value {
        self.update("jobs", namespace, name, |job| {
            let now = store::now();
            let completions = job["spec"]["completions"].as_i64().unwrap_or(1);
            let start = job["status"]["startTime"].as_str().map(str::to_string).unwrap_or_else(|| now.clone());
            job["status"] = json!({
                "startTime": start, "completionTime": now, "succeeded": completions,
                "ready": 0, "terminating": 0, "uncountedTerminatedPods": {},
                "conditions": [
                    {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached",
                     "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now},
                    {"type": "Complete", "status": "True", "reason": "CompletionsReached",
                     "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now}
                ]
            });
        })
    }

    /// Marks a Job `Failed` (`FailureTarget` and `Failed` conditions with `reason`, e.g.
    /// `BackoffLimitExceeded` / "Job has reached the specified backoff limit"; `failed` = 1).
    pub fn fail_job(&self, namespace: &str, name: &str, reason: &str, message: &str) -> Value {
        self.update("jobs", namespace, name, |job| {
            let now = store::now();
            let failed = job["spec"]["backoffLimit"].as_i64().unwrap_or(6) + 1;
            let start = job["status"]["startTime"].as_str().map(str::to_string).unwrap_or_else(|| now.clone());
            job["status"] = json!({
                "startTime": start, "failed": failed, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {},
                "conditions": [
                    {"type": "FailureTarget", "status": "True", "reason": reason, "message": message,
                     "lastProbeTime": now, "lastTransitionTime": now},
                    {"type": "Failed", "status": "True", "reason": reason, "message": message,
                     "lastProbeTime": now, "lastTransitionTime": now}
                ]
            });
        })
    }

    /// Marks a Job as started with one active pod (`startTime`, `active: 1`).
    pub fn start_job(&self, namespace: &str, name: &str) -> Value {
        self.update("jobs", namespace, name, |job| {
            job["status"] = json!({"startTime": store::now(), "active": 1, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {}});
        })
    }

    /// Appends lines to a container's log, written now; `follow=true` readers receive them at once.
    pub fn append_log(&self, namespace: &str, pod: &str, container: &str, lines: &[&str]) {
        self.append_log_at(namespace, pod, container, std::time::SystemTime::now(), lines);
    }

    /// [`ApiHandle::append_log`] with the time the runtime recorded for the lines (what
    /// `timestamps=true` shows and `sinceSeconds`/`sinceTime` filter on).
    pub fn append_log_at(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        time: std::time::SystemTime,
        lines: &[&str],
    ) {
        self.shared.mutate(|st| {
            st.logs
                .entry((namespace.into(), pod.into(), container.into()))
                .or_default()
                .extend(lines.iter().map(|l| store::LogEntry { time, text: l.to_string() }));
        });
    }

    /// One container exits with `exit_code` and kubelet starts it again at once, as after a crash
    /// or an OOM kill before any back-off: `restartCount` goes up, `lastState` holds the ended
    /// run, a new container ID runs; the ended run's lines become the previous log (its
    /// followers get their rest and end) and the new run's log starts empty.
    pub fn restart_container(&self, namespace: &str, pod: &str, container: &str, exit_code: i64) -> Value {
        self.update_pod_ending_run(namespace, pod, container, |p| {
            let status = container_status(p, container);
            let restarts = status["restartCount"].as_i64().unwrap_or(0) + 1;
            let old_id = status["containerID"].clone();
            let reason = if exit_code == 0 { "Completed" } else { "Error" };
            status["restartCount"] = json!(restarts);
            status["lastState"] = json!({"terminated": {
                "exitCode": exit_code, "reason": reason, "finishedAt": store::now(), "containerID": old_id
            }});
            status["containerID"] = json!(new_container_id());
            status["state"] = json!({"running": {"startedAt": store::now()}});
            status["started"] = json!(true);
            true
        })
    }

    /// Breaks every open log stream mid-body, as a dropped connection or a restarted apiserver
    /// would: the client reads an error, not the end of the log.
    pub fn cut_log_streams(&self) {
        self.shared.mutate(|st| st.log_cuts += 1);
    }

    /// Records a core/v1 Event about a pod (`kind`: `Normal` or `Warning`), as kubelet and the
    /// scheduler do (`involvedObject` with the pod's uid; `count`, timestamps, `source`).
    pub fn add_pod_event(&self, namespace: &str, pod: &str, kind: &str, reason: &str, message: &str) -> Value {
        let uid = self.get("pods", namespace, pod).map(|p| p["metadata"]["uid"].clone()).unwrap_or(Value::Null);
        let name = self.shared.mutate(|st| st.next_name(&format!("{pod}.")));
        let now = store::now();
        self.insert(json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": {"kind": "Pod", "namespace": namespace, "name": pod, "uid": uid, "apiVersion": "v1"},
            "reason": reason, "message": message, "type": kind, "count": 1,
            "firstTimestamp": now, "lastTimestamp": now,
            "source": {"component": "kubelet", "host": "k3d-pdc-cluster-server-0"},
            "reportingComponent": "kubelet", "reportingInstance": "k3d-pdc-cluster-server-0"
        }))
    }

    /// Starts the [`autopilot::Autopilot`]: every workload becomes ready and every Job completes
    /// as soon as it appears, until the returned guard is dropped.
    pub fn autopilot(&self) -> autopilot::Autopilot {
        autopilot::Autopilot::start(self.clone())
    }

    /// Wakes every waiter (watchers, log followers, `wait_until*`) without changing anything.
    pub fn notify(&self) {
        self.shared.mutate(|_| ());
    }

    /// Routes port-forwards of `pod`'s `port` to `target` (e.g. a test's echo listener).
    pub fn set_port_target(&self, namespace: &str, pod: &str, port: u16, target: SocketAddr) {
        self.shared.mutate(|st| {
            st.port_targets.insert((namespace.into(), pod.into(), port), target);
        });
    }

    /// Runs `pod`'s execs through `handler` (see [`exec`]; e.g. `postgres.exec_handler()`).
    pub fn set_exec_handler(&self, namespace: &str, pod: &str, handler: exec::ExecHandler) {
        self.shared.mutate(|st| {
            st.exec_handlers.insert((namespace.into(), pod.into()), handler);
        });
    }

    /// Serves exec only with these subprotocols (e.g. `["v4.channel.k8s.io"]`, as an apiserver
    /// before Kubernetes 1.30 does), instead of v5 and v4.
    pub fn serve_exec_protocols(&self, protocols: &[&'static str]) {
        self.shared.mutate(|st| st.exec_protocols = Some(protocols.to_vec()));
    }

    /// Every exec served so far (the call, resize frames, exit code), in order.
    pub fn execs(&self) -> Vec<exec::ExecRecord> {
        self.read(|st| st.execs.clone())
    }
}

/// The node every scheduled pod lands on (k3d's single server).
pub const NODE: &str = "k3d-pdc-cluster-server-0";

/// A fresh `containerd://<64 hex>` ID for a container run.
fn new_container_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("containerd://{:064x}", 0x00c0_ffee_0000 + NEXT.fetch_add(1, Ordering::SeqCst))
}

fn owner_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true
    })
}

fn owned_by(obj: &Value, owner: &Value) -> bool {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| refs.iter().any(|r| r["uid"] == owner["metadata"]["uid"]))
}

fn container_names(pod: &Value) -> Vec<String> {
    pod["spec"]["containers"]
        .as_array()
        .map(|cs| cs.iter().filter_map(|c| c["name"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn image_of(pod: &Value, container: &str) -> String {
    pod["spec"]["containers"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == container))
        .and_then(|c| c["image"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// The status entry of `container`, created when missing.
fn container_status<'a>(pod: &'a mut Value, container: &str) -> &'a mut Value {
    if !pod["status"]["containerStatuses"].is_array() {
        pod["status"]["containerStatuses"] = json!([]);
    }
    let statuses = pod["status"]["containerStatuses"].as_array_mut().expect("array");
    let idx = match statuses.iter().position(|s| s["name"] == container) {
        Some(i) => i,
        None => {
            statuses.push(json!({"name": container, "ready": false, "restartCount": 0}));
            statuses.len() - 1
        }
    };
    &mut statuses[idx]
}

fn set_condition(obj: &mut Value, kind: &str, status: &str, reason: Option<&str>) {
    if !obj["status"]["conditions"].is_array() {
        obj["status"]["conditions"] = json!([]);
    }
    let conditions = obj["status"]["conditions"].as_array_mut().expect("array");
    let mut cond = json!({"type": kind, "status": status, "lastTransitionTime": store::now()});
    if let Some(r) = reason {
        cond["reason"] = json!(r);
    }
    match conditions.iter_mut().find(|c| c["type"] == kind) {
        Some(c) => *c = cond,
        None => conditions.push(cond),
    }
}

async fn serve(listener: std::net::TcpListener, shared: Arc<Shared>, mut stopped: tokio::sync::oneshot::Receiver<()>) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let accepted = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        // As Go's net/http (the API server's) does for every TCP connection: a small frame (an
        // exec's status) leaves at once rather than waiting, under Nagle's algorithm, for the ACK
        // of the one before, which a connection closed right after would discard.
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| http::handle(shared.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}

impl Drop for KubeApi {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
