//! When is a workload ready, and what is wrong with a pod — pure functions over API objects, the
//! same rules `kubectl rollout status` and `kubectl wait` apply.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;

/// The kinds of workload a release is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Deployment => "deployment",
            Kind::StatefulSet => "statefulset",
            Kind::DaemonSet => "daemonset",
            Kind::Job => "job",
        }
    }
}

/// How far a workload is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Readiness {
    pub ready: i32,
    pub desired: i32,
    pub done: bool,
    /// A Job that failed: no amount of waiting helps.
    pub failed: bool,
    pub detail: String,
}

impl Readiness {
    fn counted(ready: i32, desired: i32, done: bool, detail: impl Into<String>) -> Self {
        Readiness { ready, desired, done, failed: false, detail: detail.into() }
    }
}

fn generation_seen(generation: Option<i64>, observed: Option<i64>) -> bool {
    match (generation, observed) {
        (Some(g), Some(o)) => o >= g,
        (Some(_), None) => false,
        _ => true,
    }
}

/// A Deployment is ready when its latest spec is rolled out and every replica is available.
pub fn deployment(d: &Deployment) -> Readiness {
    let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let status = d.status.clone().unwrap_or_default();
    let ready = status.ready_replicas.unwrap_or(0);
    let updated = status.updated_replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    let total = status.replicas.unwrap_or(0);
    if !generation_seen(d.metadata.generation, status.observed_generation) {
        return Readiness::counted(ready, desired, false, "waiting for the controller");
    }
    if let Some(c) = status.conditions.as_ref().and_then(|cs| cs.iter().find(|c| c.type_ == "Progressing"))
        && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    {
        return Readiness::counted(ready, desired, false, "progress deadline exceeded");
    }
    if updated < desired {
        return Readiness::counted(ready, desired, false, format!("{updated}/{desired} updated"));
    }
    if total > updated {
        return Readiness::counted(ready, desired, false, format!("{} old replicas terminating", total - updated));
    }
    if available < desired {
        return Readiness::counted(ready, desired, false, format!("{available}/{desired} available"));
    }
    Readiness::counted(ready, desired, true, "ready")
}

/// A StatefulSet is ready when every replica is ready at the update revision.
pub fn statefulset(s: &StatefulSet) -> Readiness {
    let desired = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let status = s.status.clone().unwrap_or_default();
    let ready = status.ready_replicas.unwrap_or(0);
    if !generation_seen(s.metadata.generation, status.observed_generation) {
        return Readiness::counted(ready, desired, false, "waiting for the controller");
    }
    if ready < desired {
        return Readiness::counted(ready, desired, false, format!("{ready}/{desired} ready"));
    }
    if let (Some(current), Some(update)) = (&status.current_revision, &status.update_revision)
        && current != update
        && status.updated_replicas.unwrap_or(0) < desired
    {
        return Readiness::counted(ready, desired, false, "rolling update in progress");
    }
    Readiness::counted(ready, desired, true, "ready")
}

/// A DaemonSet is ready when every scheduled pod is updated and available.
pub fn daemonset(d: &DaemonSet) -> Readiness {
    let status = d.status.clone().unwrap_or_default();
    let desired = status.desired_number_scheduled;
    let ready = status.number_ready;
    if !generation_seen(d.metadata.generation, status.observed_generation) {
        return Readiness::counted(ready, desired, false, "waiting for the controller");
    }
    let updated = status.updated_number_scheduled.unwrap_or(0);
    let available = status.number_available.unwrap_or(0);
    let done = updated >= desired && available >= desired;
    Readiness::counted(
        ready,
        desired,
        done,
        if done { "ready".to_string() } else { format!("{available}/{desired} available") },
    )
}

/// A Job is done when its `Complete` condition is true; `Failed` is final.
pub fn job(j: &Job) -> Readiness {
    let status = j.status.clone().unwrap_or_default();
    let conditions = status.conditions.unwrap_or_default();
    let is = |kind: &str| conditions.iter().find(|c| c.type_ == kind && c.status == "True");
    let succeeded = status.succeeded.unwrap_or(0);
    let desired = j.spec.as_ref().and_then(|s| s.completions).unwrap_or(1);
    if let Some(failed) = is("Failed") {
        let why = failed.message.clone().or(failed.reason.clone()).unwrap_or_else(|| "failed".to_string());
        return Readiness { ready: succeeded, desired, done: false, failed: true, detail: format!("failed: {why}") };
    }
    if is("Complete").is_some() {
        return Readiness::counted(succeeded, desired, true, "complete");
    }
    let active = status.active.unwrap_or(0);
    Readiness::counted(succeeded, desired, false, format!("{active} running"))
}

/// Container waiting reasons that do not fix themselves by waiting.
pub const STUCK_REASONS: &[&str] = &[
    "ImagePullBackOff",
    "ErrImagePull",
    "ErrImageNeverPull",
    "InvalidImageName",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

/// What is wrong with a pod that is stuck.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodProblem {
    pub container: Option<String>,
    pub image: Option<String>,
    pub reason: String,
    pub message: String,
}

/// A stuck container or an unschedulable pod; `None` when the pod is fine or still starting.
pub fn pod_problem(pod: &Pod) -> Option<PodProblem> {
    let status = pod.status.as_ref()?;
    let containers = status.init_container_statuses.iter().flatten().chain(status.container_statuses.iter().flatten());
    for c in containers {
        if let Some(waiting) = c.state.as_ref().and_then(|s| s.waiting.as_ref())
            && let Some(reason) = waiting.reason.as_deref()
            && STUCK_REASONS.contains(&reason)
        {
            return Some(PodProblem {
                container: Some(c.name.clone()),
                image: Some(c.image.clone()),
                reason: reason.to_string(),
                message: waiting.message.clone().unwrap_or_default(),
            });
        }
    }
    if let Some(c) = status.conditions.iter().flatten().find(|c| c.type_ == "PodScheduled" && c.status == "False")
        && c.reason.as_deref() == Some("Unschedulable")
    {
        return Some(PodProblem {
            container: None,
            image: None,
            reason: "Unschedulable".to_string(),
            message: c.message.clone().unwrap_or_default(),
        });
    }
    None
}

/// A short description of a pod's state: phase, or the waiting reason of a container.
pub fn pod_state(pod: &Pod) -> String {
    let Some(status) = pod.status.as_ref() else { return "Pending".to_string() };
    for c in status.container_statuses.iter().flatten() {
        if let Some(reason) = c.state.as_ref().and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.clone()) {
            return reason;
        }
    }
    status.phase.clone().unwrap_or_else(|| "Pending".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn deployment_rollout_rules() {
        let d: Deployment = from(json!({
            "metadata": {"name": "kong", "generation": 2},
            "spec": {"replicas": 1, "selector": {}, "template": {}},
            "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1}
        }));
        assert_eq!(deployment(&d).detail, "waiting for the controller");
        let d: Deployment = from(json!({
            "metadata": {"name": "kong", "generation": 2},
            "spec": {"replicas": 1, "selector": {}, "template": {}},
            "status": {"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 0, "availableReplicas": 0}
        }));
        let r = deployment(&d);
        assert!(!r.done);
        assert_eq!((r.ready, r.desired, r.detail.as_str()), (0, 1, "0/1 available"));
        let d: Deployment = from(json!({
            "metadata": {"name": "kong", "generation": 2},
            "spec": {"replicas": 1, "selector": {}, "template": {}},
            "status": {"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1}
        }));
        assert!(deployment(&d).done);
    }

    #[test]
    fn job_conditions() {
        let j: Job = from(json!({"metadata": {"name": "seed"}, "spec": {"template": {}},
            "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}}));
        let r = job(&j);
        assert!(r.failed && !r.done);
        assert_eq!(r.detail, "failed: Job has reached the specified backoff limit");
        let j: Job = from(json!({"metadata": {"name": "seed"}, "spec": {"template": {}},
            "status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}}));
        assert!(job(&j).done);
    }

    #[test]
    fn stuck_pods_are_recognised() {
        let p: Pod = from(json!({"metadata": {"name": "db-0"}, "status": {"phase": "Pending", "containerStatuses": [
            {"name": "db", "image": "ghcr.io/x/db:1", "imageID": "", "ready": false, "restartCount": 0,
             "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}}));
        let problem = pod_problem(&p).unwrap();
        assert_eq!(problem.reason, "ImagePullBackOff");
        assert_eq!(problem.image.as_deref(), Some("ghcr.io/x/db:1"));
        assert_eq!(pod_state(&p), "ImagePullBackOff");
        let starting: Pod =
            from(json!({"metadata": {"name": "db-0"}, "status": {"phase": "Pending", "containerStatuses": [
            {"name": "db", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
             "state": {"waiting": {"reason": "ContainerCreating"}}}]}}));
        assert_eq!(pod_problem(&starting), None);
        let unschedulable: Pod = from(
            json!({"metadata": {"name": "db-0"}, "status": {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes are available"}]}}),
        );
        assert_eq!(pod_problem(&unschedulable).unwrap().reason, "Unschedulable");
    }
}
