//! An "instant cluster" mode: while an [`Autopilot`] is alive, every Deployment, StatefulSet
//! and DaemonSet gets its pods created and Ready and its status marked fully available, and
//! every Job gets a pod that runs and exits 0 and is marked Complete — as soon as the object
//! appears or changes. This plays the controllers, scheduler and kubelet of a healthy
//! cluster, for tests and benchmarks that need "everything becomes ready at once" (e.g. ssp's
//! `setup-infra` end to end); tests of failure paths drive the state by hand instead.
//!
//! It reacts to state changes (no polling) on its own thread, through the same
//! [`ApiHandle`] methods a test would call, so the watch events clients see are the ones a
//! test driving the state by hand would produce.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::Value;

use super::{ApiHandle, container_names, owned_by};

/// Keeps the autopilot running; stops it when dropped.
pub struct Autopilot {
    stop: Arc<AtomicBool>,
    handle: ApiHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Autopilot {
    pub(super) fn start(handle: ApiHandle) -> Autopilot {
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (handle.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("kube-api-autopilot".into())
            .spawn(move || {
                let mut seen = u64::MAX;
                while !s.load(Ordering::SeqCst) {
                    // Note the version before settling: objects created while a pass runs (helm
                    // applies a release one object at a time) must trigger another pass.
                    let now = h.resource_version();
                    if now != seen {
                        seen = now;
                        settle(&h);
                    }
                    h.wait_until_blocking(Duration::from_secs(3600), |st| {
                        st.resource_version() != seen || s.load(Ordering::SeqCst)
                    });
                }
            })
            .expect("spawn autopilot");
        Autopilot { stop, handle, thread: Some(thread) }
    }
}

impl Drop for Autopilot {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.notify();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn name_ns(obj: &Value) -> (String, String) {
    let m = &obj["metadata"];
    (m["namespace"].as_str().unwrap_or_default().to_string(), m["name"].as_str().unwrap_or_default().to_string())
}

fn pod_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

fn workload_ready(kind: &str, obj: &Value) -> bool {
    let st = &obj["status"];
    if st["observedGeneration"] != obj["metadata"]["generation"] {
        return false;
    }
    if kind == "daemonsets" {
        return st["numberReady"].as_i64().unwrap_or(0) >= 1;
    }
    let desired = obj["spec"]["replicas"].as_i64().unwrap_or(1);
    st["readyReplicas"].as_i64().unwrap_or(0) >= desired && st["updatedReplicas"].as_i64().unwrap_or(0) >= desired
}

/// One pass over the state, making every workload ready and every Job complete.
fn settle(api: &ApiHandle) {
    for kind in ["deployments", "statefulsets", "daemonsets"] {
        for obj in api.list(kind, None) {
            if workload_ready(kind, &obj) || obj["metadata"]["deletionTimestamp"].is_string() {
                continue;
            }
            let (ns, name) = name_ns(&obj);
            let desired = if kind == "daemonsets" { 1 } else { obj["spec"]["replicas"].as_i64().unwrap_or(1) };
            let owned = |api: &ApiHandle| -> Vec<Value> {
                let owners: Vec<Value> = if kind == "deployments" {
                    api.list("replicasets", Some(&ns)).into_iter().filter(|rs| owned_by(rs, &obj)).collect()
                } else {
                    vec![obj.clone()]
                };
                api.list("pods", Some(&ns)).into_iter().filter(|p| owners.iter().any(|o| owned_by(p, o))).collect()
            };
            for _ in owned(api).len() as i64..desired {
                api.spawn_pod(kind, &ns, &name);
            }
            for pod in owned(api) {
                if !pod_ready(&pod) {
                    api.mark_pod_ready(&ns, &name_ns(&pod).1);
                }
            }
            api.mark_ready(kind, &ns, &name);
        }
    }
    for job in api.list("jobs", None) {
        let done = job["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter().any(|c| (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True")
        });
        if done || job["metadata"]["deletionTimestamp"].is_string() {
            continue;
        }
        let (ns, name) = name_ns(&job);
        let mut pods: Vec<Value> = api.list("pods", Some(&ns)).into_iter().filter(|p| owned_by(p, &job)).collect();
        if pods.is_empty() {
            api.start_job(&ns, &name);
            api.spawn_pod("jobs", &ns, &name);
            pods = api.list("pods", Some(&ns)).into_iter().filter(|p| owned_by(p, &job)).collect();
        }
        for pod in pods {
            let pod_name = name_ns(&pod).1;
            api.set_pod_running(&ns, &pod_name, true);
            let containers = container_names(&pod);
            for c in containers {
                api.terminate_container(&ns, &pod_name, &c, 0);
            }
        }
        api.complete_job(&ns, &name);
    }
}
