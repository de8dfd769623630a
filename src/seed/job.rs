//! Running the data-loading Job and reporting its real result: the ConfigMap created or updated,
//! a previous Job of the same name deleted (and waited for), the Job created with the built image,
//! its pod's log followed live, and the outcome taken from the Job's `Complete`/`Failed` condition —
//! all through watches, never sleeps.

use std::collections::BTreeMap;
use std::time::Duration;

use ::kube::api::{Api, DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams, PropagationPolicy};
use ::kube::runtime::wait::{await_condition, conditions};
use ::kube::runtime::{WatchStreamExt, watcher};
use ::kube::{Client, ResourceExt};
use futures::{AsyncBufReadExt, StreamExt, TryStreamExt};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use tokio::time::Instant;

use crate::k8s::pod_report::{LogSource, PodReport};
use crate::k8s::readiness::{self, PodProblem};
use crate::platform::output::Output;

/// Why seeding did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read the Job manifest {path}: {reason}\nhint: set [seed] job in ssp.toml")]
    Manifest { path: String, reason: String },
    #[error("the seed Job {} failed: {}{}", .0.job, .0.reason, .0.details())]
    Failed(Box<JobReport>),
    #[error("the seed Job {} did not finish within {}{}", .report.job, humantime::format_duration(*.after), .report.details())]
    Timeout { after: Duration, report: Box<JobReport> },
    #[error("interrupted while the seed Job ran")]
    Interrupted,
    #[error("Kubernetes API call failed: {0}")]
    Api(#[from] ::kube::Error),
    #[error("waiting for the old Job {0} to be deleted timed out")]
    DeleteTimeout(String),
}

/// What the cluster says about a Job that did not complete.
#[derive(Debug)]
pub struct JobReport {
    pub job: String,
    pub reason: String,
    /// The post-mortem of the Job's pod, when one was seen.
    pub pod: Option<PodReport>,
}

impl JobReport {
    fn details(&self) -> String {
        match &self.pod {
            Some(report) => format!("\n  pod: {}{}", report.pod, report.render()),
            None => String::new(),
        }
    }
}

/// Reads the Job manifest (YAML) and sets the namespace and the image of its first container.
pub fn job_from_manifest(text: &str, path: &str, namespace: &str, image: &str) -> Result<Job, SeedError> {
    let bad = |reason: String| SeedError::Manifest { path: path.to_string(), reason };
    let value = crate::release::values::parse(text).map_err(bad)?;
    let mut job: Job = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
    if job.metadata.name.as_deref().unwrap_or("").is_empty() {
        return Err(bad("metadata.name is missing".into()));
    }
    job.metadata.namespace = Some(namespace.to_string());
    let containers = job.spec.as_mut().and_then(|s| s.template.spec.as_mut()).map(|s| &mut s.containers);
    match containers {
        Some(containers) if !containers.is_empty() => containers[0].image = Some(image.to_string()),
        _ => return Err(bad("spec.template.spec.containers is empty".into())),
    }
    Ok(job)
}

/// The ConfigMap the Job reads its environment from, as ssp applies it.
pub fn configmap(name: &str, namespace: &str, data: &BTreeMap<String, String>) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(namespace.to_string()),
            labels: Some(BTreeMap::from([("app.kubernetes.io/managed-by".to_string(), "ssp".to_string())])),
            ..Default::default()
        },
        data: Some(data.clone()),
        ..Default::default()
    }
}

/// True when a node of the cluster already holds `image` (from the kubelet's image list).
pub async fn cluster_has_image(client: &Client, image: &str) -> Result<bool, ::kube::Error> {
    let wanted = [image.to_string(), format!("docker.io/{image}"), format!("docker.io/library/{image}")];
    let nodes: Api<Node> = Api::all(client.clone());
    let listed = nodes.list(&ListParams::default()).await?;
    Ok(listed
        .items
        .iter()
        .filter_map(|n| n.status.as_ref()?.images.as_ref())
        .flatten()
        .any(|i| i.names.iter().flatten().any(|name| wanted.iter().any(|w| w == name))))
}

/// The Job run in one namespace.
pub struct SeedRun {
    pub client: Client,
    pub namespace: String,
    pub output: Output,
    pub timeout: Duration,
    /// How long the pod may sit in ErrImageNeverPull, ImagePullBackOff, … before the run fails.
    pub grace: Duration,
}

/// Whether the ConfigMap was new.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Created,
    Updated,
}

impl SeedRun {
    /// Creates or updates the ConfigMap (server-side apply: the second run updates, never fails).
    pub async fn apply_configmap(&self, name: &str, data: &BTreeMap<String, String>) -> Result<Applied, SeedError> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), &self.namespace);
        let existed = api.get_opt(name).await?.is_some();
        let map = configmap(name, &self.namespace, data);
        self.output.verbose(format!("PATCH (apply) configmaps/{name} in {}", self.namespace));
        api.patch(name, &PatchParams::apply("ssp").force(), &Patch::Apply(&map)).await?;
        Ok(if existed { Applied::Updated } else { Applied::Created })
    }

    /// Deletes a previous Job of this name (its pods with it) and waits until it is gone.
    pub async fn delete_previous(&self, name: &str) -> Result<bool, SeedError> {
        let api: Api<Job> = Api::namespaced(self.client.clone(), &self.namespace);
        let Some(old) = api.get_opt(name).await? else { return Ok(false) };
        let uid = old.uid().unwrap_or_default();
        self.output.verbose(format!("DELETE jobs/{name} (propagationPolicy=Background)"));
        let params = DeleteParams { propagation_policy: Some(PropagationPolicy::Background), ..Default::default() };
        match api.delete(name, &params).await {
            Ok(_) => {}
            Err(::kube::Error::Api(status)) if status.code == 404 => return Ok(true),
            Err(err) => return Err(err.into()),
        }
        let gone = await_condition(api, name, conditions::is_deleted(&uid));
        let cancel = crate::platform::interrupt::token();
        tokio::select! {
            _ = cancel.cancelled() => Err(SeedError::Interrupted),
            waited = tokio::time::timeout(Duration::from_secs(120), gone) => match waited {
                Ok(Ok(_)) => Ok(true),
                Ok(Err(err)) => Err(SeedError::DeleteTimeout(format!("{name}: {err}"))),
                Err(_) => Err(SeedError::DeleteTimeout(name.to_string())),
            },
        }
    }

    pub async fn create(&self, job: &Job) -> Result<(), SeedError> {
        let api: Api<Job> = Api::namespaced(self.client.clone(), &self.namespace);
        self.output.verbose(format!("POST jobs/{} in {}", job.name_any(), self.namespace));
        api.create(&PostParams::default(), job).await?;
        Ok(())
    }

    /// Follows the Job's pod log and waits for `Complete` (Ok) or `Failed` / a stuck pod / timeout (Err).
    pub async fn follow(&self, name: &str) -> Result<(), SeedError> {
        let jobs: Api<Job> = Api::namespaced(self.client.clone(), &self.namespace);
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
        let selector = format!("job-name={name}");
        let mut job_events = watcher(jobs, watcher::Config::default().fields(&format!("metadata.name={name}")))
            .default_backoff()
            .applied_objects()
            .boxed();
        let mut pod_events = watcher(pods.clone(), watcher::Config::default().labels(&selector))
            .default_backoff()
            .applied_objects()
            .boxed();
        let deadline = crate::platform::duration::deadline(Instant::now(), self.timeout);
        let cancel = crate::platform::interrupt::token();
        let mut log_task: Option<tokio::task::JoinHandle<()>> = None;
        let mut current_pod: Option<String> = None;
        let mut stuck: Option<(Instant, PodProblem)> = None;
        let outcome = loop {
            let grace_deadline =
                stuck.as_ref().map(|(since, _)| crate::platform::duration::deadline(*since, self.grace));
            tokio::select! {
                _ = cancel.cancelled() => break Err(SeedError::Interrupted),
                _ = tokio::time::sleep_until(deadline) => {
                    let pod = self.investigate(current_pod.as_deref(), stuck.as_ref().map(|(_, p)| p)).await;
                    let reason = String::new();
                    let report = Box::new(JobReport { job: name.to_string(), reason, pod });
                    break Err(SeedError::Timeout { after: self.timeout, report });
                }
                _ = async { tokio::time::sleep_until(grace_deadline.unwrap()).await }, if grace_deadline.is_some() => {
                    let problem = stuck.as_ref().map(|(_, p)| p.clone()).expect("a stuck pod");
                    let pod = self.investigate(current_pod.as_deref(), Some(&problem)).await;
                    let reason = describe_problem(&problem);
                    break Err(SeedError::Failed(Box::new(JobReport { job: name.to_string(), reason, pod })));
                }
                Some(event) = pod_events.next() => {
                    let Ok(pod) = event else { continue };
                    let pod_name = pod.name_any();
                    current_pod = Some(pod_name.clone());
                    match readiness::pod_problem(&pod) {
                        Some(problem) => {
                            if stuck.is_none() {
                                self.output.warn(format!("pod {pod_name}: {}", describe_problem(&problem)));
                                stuck = Some((Instant::now(), problem));
                            }
                        }
                        None => stuck = None,
                    }
                    if log_task.is_none() && container_started(&pod) {
                        log_task = Some(self.stream_logs(pods.clone(), pod_name));
                    }
                }
                Some(event) = job_events.next() => {
                    let Ok(job) = event else { continue };
                    let state = readiness::job(&job);
                    if state.done {
                        break Ok(());
                    }
                    if state.failed {
                        let pod = self.investigate(current_pod.as_deref(), None).await;
                        let reason = state.detail.trim_start_matches("failed: ").to_string();
                        break Err(SeedError::Failed(Box::new(JobReport { job: name.to_string(), reason, pod })));
                    }
                }
            }
        };
        match log_task {
            // Let the log stream drain (it ends with the container), but not forever.
            Some(task) if outcome.is_ok() => {
                let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
            }
            Some(task) => task.abort(),
            // The Job finished before its pod was seen running (a quick seed): show its log now.
            None if outcome.is_ok() => self.print_log(&pods, current_pod, &selector).await,
            None => {}
        }
        outcome
    }

    /// Prints the whole log of the Job's pod (`pod`, else the first pod matching `selector`).
    async fn print_log(&self, pods: &Api<Pod>, pod: Option<String>, selector: &str) {
        let pod = match pod {
            Some(pod) => Some(pod),
            None => pods
                .list(&ListParams::default().labels(selector))
                .await
                .ok()
                .and_then(|l| l.items.into_iter().next())
                .map(|p| p.name_any()),
        };
        let Some(pod) = pod else { return };
        match pods.logs(&pod, &LogParams::default()).await {
            Ok(text) => text.lines().for_each(|line| self.output.note(format!("seed | {line}"))),
            Err(err) => self.output.verbose(format!("cannot read the log of {pod}: {err}")),
        }
    }

    /// Deletes the finished Job (unless the user keeps it for inspection).
    pub async fn delete(&self, name: &str) -> Result<(), SeedError> {
        let api: Api<Job> = Api::namespaced(self.client.clone(), &self.namespace);
        let params = DeleteParams { propagation_policy: Some(PropagationPolicy::Background), ..Default::default() };
        self.output.verbose(format!("DELETE jobs/{name} (propagationPolicy=Background)"));
        match api.delete(name, &params).await {
            Ok(_) => Ok(()),
            Err(::kube::Error::Api(status)) if status.code == 404 => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    fn stream_logs(&self, pods: Api<Pod>, pod: String) -> tokio::task::JoinHandle<()> {
        let out = self.output.clone();
        tokio::spawn(async move {
            let params = LogParams { follow: true, ..Default::default() };
            match pods.log_stream(&pod, &params).await {
                Ok(stream) => {
                    let mut lines = stream.lines();
                    while let Ok(Some(line)) = lines.try_next().await {
                        out.note(format!("seed | {line}"));
                    }
                }
                Err(err) => out.verbose(format!("cannot follow the log of {pod}: {err}")),
            }
        })
    }

    /// The post-mortem of the Job's pod (none before a pod was seen; a stuck pod is always seen
    /// first, so there is no problem without a pod to report).
    async fn investigate(&self, pod: Option<&str>, problem: Option<&PodProblem>) -> Option<PodReport> {
        let pod = pod?;
        let evidence = problem.map(describe_problem).unwrap_or_default();
        Some(PodReport::gather(&self.client, &self.namespace, pod, &evidence, LogSource::default()).await)
    }
}

fn describe_problem(problem: &PodProblem) -> String {
    let mut text = problem.reason.clone();
    if let Some(image) = &problem.image {
        text.push_str(&format!(" (image {image})"));
    }
    if !problem.message.is_empty() {
        text.push_str(&format!(": {}", problem.message));
    }
    text
}

/// A container of the pod has started (running or already terminated): its log can be followed.
fn container_started(pod: &Pod) -> bool {
    pod.status.as_ref().and_then(|s| s.container_statuses.as_ref()).is_some_and(|cs| {
        cs.iter().any(|c| c.state.as_ref().is_some_and(|st| st.running.is_some() || st.terminated.is_some()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_gets_namespace_and_image() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deployment/kubernetes/populate_db_job.yaml"))
                .unwrap();
        let job =
            job_from_manifest(&text, "populate_db_job.yaml", "default", "pdc/populate_db:sha-0123456789ab").unwrap();
        assert_eq!(job.metadata.name.as_deref(), Some("populate-db-job"));
        assert_eq!(job.metadata.namespace.as_deref(), Some("default"));
        let spec = job.spec.unwrap();
        assert_eq!(spec.backoff_limit, Some(0));
        let pod = spec.template.spec.unwrap();
        assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
        assert_eq!(pod.containers[0].image.as_deref(), Some("pdc/populate_db:sha-0123456789ab"));
        assert_eq!(pod.containers[0].image_pull_policy.as_deref(), Some("Never"));
    }

    #[test]
    fn bad_manifests_say_why() {
        let err = job_from_manifest("kind: Job\nmetadata: {}\n", "x.yaml", "default", "i").unwrap_err();
        assert!(err.to_string().contains("metadata.name is missing"), "{err}");
        let err = job_from_manifest(
            "metadata:\n  name: j\nspec:\n  template:\n    spec:\n      containers: []\n",
            "x.yaml",
            "default",
            "i",
        )
        .unwrap_err();
        assert!(err.to_string().contains("containers is empty"), "{err}");
    }
}
