//! Waiting for a Helm release to be ready by watching the Kubernetes API — instead of helm's silent
//! `--wait`. Every Deployment, StatefulSet, DaemonSet, Job and Pod with the release's instance label is
//! watched; the wait ends on the event that makes the last workload ready, fails fast when a pod is
//! stuck (image pull, crash loop, config error, unschedulable) for longer than a grace period, and on
//! timeout names every workload that is not ready and why. The namespace's core/v1 Events are
//! watched too: a pull failure the registry made final (401/403, not found, invalid reference) fails
//! the wait on the event, without the grace period. No polling: watch events and two timers.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ::kube::api::Api;
use ::kube::runtime::{WatchStreamExt, watcher};
use ::kube::{Client, ResourceExt};
use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Pod};
use tokio::time::Instant;

use super::pod_report::{LogSource, PodReport};
use super::readiness::{self, Kind, PodProblem, Readiness};
use crate::k8s::triage;
use crate::platform::output::{Output, Progress};

/// What to wait for.
#[derive(Clone, Debug)]
pub struct WaitOptions {
    pub namespace: String,
    /// e.g. `app.kubernetes.io/instance=supabase`.
    pub selector: String,
    pub timeout: Duration,
    /// How long a pod may sit in a stuck state before the wait fails.
    pub grace: Duration,
}

/// A workload's identity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Workload {
    pub kind: Kind,
    pub name: String,
}

impl std::fmt::Display for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind.as_str(), self.name)
    }
}

/// A stuck pod, with what the cluster says about it.
#[derive(Clone, Debug)]
pub struct StuckPod {
    pub workload: Option<Workload>,
    pub problem: PodProblem,
    /// The pod's name, last events, log tail and fix hints.
    pub report: PodReport,
    /// Set when the pull can never succeed: the kubelet's or registry's words.
    pub permanent: Option<String>,
}

/// Why the wait did not end with everything ready.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("{}", describe_stuck(.0))]
    Stuck(Box<StuckPod>),
    #[error("{workload} failed: {detail}{}", describe_extra(.pod.as_deref()))]
    JobFailed { workload: Workload, detail: String, pod: Option<Box<StuckPod>> },
    #[error("not ready after {}:\n{}", humantime::format_duration(*.after), describe_not_ready(.not_ready))]
    Timeout { after: Duration, not_ready: Vec<(Workload, String)>, hints: Vec<String> },
    #[error("interrupted while waiting for the release")]
    Interrupted,
    #[error("watching the release failed: {0}")]
    Api(#[from] ::kube::Error),
}

fn describe_stuck(stuck: &StuckPod) -> String {
    let p = &stuck.problem;
    let verb = if stuck.permanent.is_some() { "cannot pull its image" } else { "is stuck" };
    let mut text = match &stuck.workload {
        Some(w) => format!("{w}: pod {} {verb}: {}", stuck.report.pod, p.reason),
        None => format!("pod {} {verb}: {}", stuck.report.pod, p.reason),
    };
    if let Some(c) = &p.container {
        text.push_str(&format!(" (container {c}"));
        if let Some(image) = &p.image {
            text.push_str(&format!(", image {image}"));
        }
        text.push(')');
    }
    if !p.message.is_empty() {
        text.push_str(&format!("\n  message: {}", p.message));
    }
    if let Some(words) = &stuck.permanent {
        text.push_str(&format!("\n  the registry said (waiting cannot fix this): {words}"));
    }
    text.push_str(&stuck.report.render());
    text
}

fn describe_extra(stuck: Option<&StuckPod>) -> String {
    stuck.map(|s| format!("\n{}", describe_stuck(s))).unwrap_or_default()
}

fn describe_not_ready(not_ready: &[(Workload, String)]) -> String {
    not_ready.iter().map(|(w, why)| format!("  {w}: {why}")).collect::<Vec<_>>().join("\n")
}

impl WaitError {
    /// Fix suggestions matched from known failure signatures.
    pub fn hints(&self) -> Vec<String> {
        match self {
            WaitError::Stuck(s) => s.report.hints.clone(),
            WaitError::JobFailed { pod: Some(p), .. } => p.report.hints.clone(),
            WaitError::Timeout { hints, .. } => hints.clone(),
            _ => Vec::new(),
        }
    }
}

/// One change seen on a watch stream.
enum Update {
    Workload(Workload, Option<Readiness>),
    Pod(String, Option<Box<Pod>>),
    /// A pull failure the kubelet reported in an Event: pod name and message.
    PullFailed(String, String),
    InitDone(&'static str),
    Error(String),
}

const SOURCES: [&str; 5] = ["deployments", "statefulsets", "daemonsets", "jobs", "pods"];

fn workload_stream<K, F>(
    api: Api<K>,
    selector: &str,
    kind: Kind,
    source: &'static str,
    ready: F,
) -> impl Stream<Item = Update> + Send + 'static
where
    K: ::kube::Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + 'static,
    F: Fn(&K) -> Readiness + Send + 'static,
{
    watcher(api, watcher::Config::default().labels(selector)).default_backoff().map(move |event| match event {
        Ok(watcher::Event::Apply(obj) | watcher::Event::InitApply(obj)) => {
            Update::Workload(Workload { kind, name: obj.name_any() }, Some(ready(&obj)))
        }
        Ok(watcher::Event::Delete(obj)) => Update::Workload(Workload { kind, name: obj.name_any() }, None),
        Ok(watcher::Event::Init) => Update::Error(String::new()),
        Ok(watcher::Event::InitDone) => Update::InitDone(source),
        Err(err) => Update::Error(format!("{source}: {err}")),
    })
}

/// Watches a release until it is ready.
pub struct ReleaseWaiter {
    client: Client,
    options: WaitOptions,
    output: Output,
}

/// What the waiter saw at the end: every workload and its final state.
#[derive(Clone, Debug)]
pub struct ReleaseReady {
    pub workloads: Vec<(Workload, Readiness)>,
}

impl ReleaseWaiter {
    pub fn new(client: Client, options: WaitOptions, output: Output) -> Self {
        ReleaseWaiter { client, options, output }
    }

    pub async fn wait(&self) -> Result<ReleaseReady, WaitError> {
        let ns = &self.options.namespace;
        let sel = &self.options.selector;
        let c = &self.client;
        let streams: Vec<std::pin::Pin<Box<dyn Stream<Item = Update> + Send>>> = vec![
            workload_stream(
                Api::<Deployment>::namespaced(c.clone(), ns),
                sel,
                Kind::Deployment,
                SOURCES[0],
                readiness::deployment,
            )
            .boxed(),
            workload_stream(
                Api::<StatefulSet>::namespaced(c.clone(), ns),
                sel,
                Kind::StatefulSet,
                SOURCES[1],
                readiness::statefulset,
            )
            .boxed(),
            workload_stream(
                Api::<DaemonSet>::namespaced(c.clone(), ns),
                sel,
                Kind::DaemonSet,
                SOURCES[2],
                readiness::daemonset,
            )
            .boxed(),
            workload_stream(Api::<Job>::namespaced(c.clone(), ns), sel, Kind::Job, SOURCES[3], readiness::job).boxed(),
            watcher(Api::<Pod>::namespaced(c.clone(), ns), watcher::Config::default().labels(sel))
                .default_backoff()
                .map(|event| match event {
                    Ok(watcher::Event::Apply(p) | watcher::Event::InitApply(p)) => {
                        Update::Pod(p.name_any(), Some(Box::new(p)))
                    }
                    Ok(watcher::Event::Delete(p)) => Update::Pod(p.name_any(), None),
                    Ok(watcher::Event::Init) => Update::Error(String::new()),
                    Ok(watcher::Event::InitDone) => Update::InitDone(SOURCES[4]),
                    Err(err) => Update::Error(format!("pods: {err}")),
                })
                .boxed(),
            watcher(
                Api::<Event>::namespaced(c.clone(), ns),
                watcher::Config::default().fields("involvedObject.kind=Pod"),
            )
            .default_backoff()
            .map(|event| match event {
                Ok(watcher::Event::Apply(e) | watcher::Event::InitApply(e)) => pull_failure_event(&e),
                Ok(_) => Update::Error(String::new()),
                Err(err) => Update::Error(format!("events: {err}")),
            })
            .boxed(),
        ];
        let mut updates = futures::stream::select_all(streams);

        let deadline = crate::platform::duration::deadline(Instant::now(), self.options.timeout);
        let mut state = State::default();
        let cancel = crate::platform::interrupt::token();
        loop {
            let grace_deadline =
                state.earliest_problem().map(|since| crate::platform::duration::deadline(since, self.options.grace));
            tokio::select! {
                _ = cancel.cancelled() => return Err(WaitError::Interrupted),
                _ = tokio::time::sleep_until(deadline) => return Err(self.timeout_error(&state)),
                _ = async { tokio::time::sleep_until(grace_deadline.unwrap()).await }, if grace_deadline.is_some() => {
                    if let Some((pod, problem)) = state.stuck_for(self.options.grace) {
                        return Err(WaitError::Stuck(Box::new(self.investigate(&state, &pod, problem).await)));
                    }
                }
                update = updates.next() => {
                    let Some(update) = update else { return Err(self.timeout_error(&state)) };
                    self.apply(&mut state, update);
                    if let Some((pod, problem, words, kind)) = state.permanent_pull_failure() {
                        let image = problem.image.clone().unwrap_or_default();
                        let mut stuck = self.investigate(&state, &pod, problem).await;
                        let mut hints = vec![triage::pull_hint(kind, &image)];
                        hints.extend(stuck.report.hints.into_iter().filter(|h| !h.contains("registry")));
                        stuck.report.hints = hints;
                        stuck.permanent = Some(words);
                        return Err(WaitError::Stuck(Box::new(stuck)));
                    }
                    if let Some((workload, detail)) = state.failed_job() {
                        let pod = state.pod_of(&workload);
                        let stuck = match pod {
                            Some(pod) => {
                                let problem = PodProblem { container: None, image: None, reason: "Failed".into(), message: detail.clone() };
                                Some(Box::new(self.investigate(&state, &pod, problem).await))
                            }
                            None => None,
                        };
                        return Err(WaitError::JobFailed { workload, detail, pod: stuck });
                    }
                    if state.all_ready() {
                        state.finish_bars();
                        return Ok(ReleaseReady { workloads: state.workloads.into_iter().map(|(w, (r, _))| (w, r)).collect() });
                    }
                }
            }
        }
    }

    fn apply(&self, state: &mut State, update: Update) {
        match update {
            Update::Workload(workload, Some(readiness)) => {
                let changed = state.workloads.get(&workload).map(|(r, _)| r != &readiness).unwrap_or(true);
                if changed {
                    self.report(state, &workload, &readiness);
                }
                let bar = state.workloads.remove(&workload).and_then(|(_, bar)| bar);
                let bar = bar.or_else(|| {
                    self.output.is_live().then(|| {
                        self.output.progress(workload.to_string(), Some(readiness.desired.max(0) as u64), false)
                    })
                });
                if let Some(bar) = &bar {
                    bar.set_length(readiness.desired.max(0) as u64);
                    bar.set_position(readiness.ready.max(0) as u64);
                    bar.set_message(readiness.detail.clone());
                }
                state.workloads.insert(workload, (readiness, bar));
            }
            Update::Workload(workload, None) => {
                state.workloads.remove(&workload);
            }
            Update::Pod(name, Some(pod)) => {
                match readiness::pod_problem(&pod) {
                    Some(problem) => {
                        let since = state.problems.get(&name).map(|(s, _)| *s).unwrap_or_else(Instant::now);
                        if !state.problems.contains_key(&name) {
                            self.output.warn(format!(
                                "pod {name}: {}{}",
                                problem.reason,
                                problem.image.as_ref().map(|i| format!(" ({i})")).unwrap_or_default()
                            ));
                        }
                        state.problems.insert(name.clone(), (since, problem));
                    }
                    None => {
                        state.problems.remove(&name);
                    }
                }
                state.pods.insert(name, pod);
            }
            Update::Pod(name, None) => {
                state.problems.remove(&name);
                state.pods.remove(&name);
            }
            Update::PullFailed(pod, message) => {
                state.pull_failures.insert(pod, message);
            }
            Update::InitDone(source) => {
                state.synced.insert(source);
            }
            Update::Error(message) => {
                if !message.is_empty() {
                    self.output.verbose(format!("watch: {message}"));
                }
            }
        }
    }

    fn report(&self, _state: &State, workload: &Workload, r: &Readiness) {
        if !self.output.is_live() {
            let mark = if r.done { "ready" } else { r.detail.as_str() };
            self.output.note(format!("{workload}: {}/{} {mark}", r.ready, r.desired));
        }
    }

    fn timeout_error(&self, state: &State) -> WaitError {
        let mut not_ready: Vec<(Workload, String)> = state
            .workloads
            .iter()
            .filter(|(_, (r, _))| !r.done)
            .map(|(w, (r, _))| {
                let pods: Vec<String> = state
                    .pods
                    .iter()
                    .filter(|(_, p)| owner_workload(p).as_ref() == Some(w))
                    .map(|(name, p)| format!("{name} {}", readiness::pod_state(p)))
                    .collect();
                let why = if pods.is_empty() {
                    r.detail.clone()
                } else {
                    format!("{} (pods: {})", r.detail, pods.join(", "))
                };
                (w.clone(), why)
            })
            .collect();
        if state.synced.len() < SOURCES.len() {
            let missing: Vec<&str> = SOURCES.iter().copied().filter(|s| !state.synced.contains(s)).collect();
            not_ready.push((
                Workload { kind: Kind::Deployment, name: "*".into() },
                format!("could not list {}", missing.join(", ")),
            ));
        }
        let texts: Vec<String> = state.problems.values().map(|(_, p)| format!("{} {}", p.reason, p.message)).collect();
        let hints = triage::hints_for(&texts.join("\n"));
        WaitError::Timeout { after: self.options.timeout, not_ready, hints }
    }

    /// Gathers the pod's post-mortem for the error message.
    async fn investigate(&self, state: &State, pod: &str, problem: PodProblem) -> StuckPod {
        let evidence = format!("{} {}", problem.reason, problem.message);
        let log = LogSource::for_problem(&problem);
        let report = PodReport::gather(&self.client, &self.options.namespace, pod, &evidence, log).await;
        let workload = state.pods.get(pod).and_then(|p| owner_workload(p));
        StuckPod { workload, problem, report, permanent: None }
    }
}

#[derive(Default)]
struct State {
    workloads: BTreeMap<Workload, (Readiness, Option<Progress>)>,
    pods: BTreeMap<String, Box<Pod>>,
    problems: BTreeMap<String, (Instant, PodProblem)>,
    /// The last pull-failure Event per pod.
    pull_failures: BTreeMap<String, String>,
    synced: BTreeSet<&'static str>,
}

impl State {
    fn all_ready(&self) -> bool {
        self.synced.len() == SOURCES.len() && self.workloads.values().all(|(r, _)| r.done)
    }

    fn earliest_problem(&self) -> Option<Instant> {
        self.problems.values().map(|(since, _)| *since).min()
    }

    fn stuck_for(&self, grace: Duration) -> Option<(String, PodProblem)> {
        self.problems
            .iter()
            .find(|(_, (since, _))| since.elapsed() >= grace)
            .map(|(name, (_, problem))| (name.clone(), problem.clone()))
    }

    /// A pod whose pull failed for good: its image-pull problem, or the kubelet's last pull-failure
    /// event about it, reads as permanent (see [`triage::classify_pull_failure`]). Returns the pod,
    /// its problem with the fitting hint first, and the words that made the verdict.
    fn permanent_pull_failure(&self) -> Option<(String, PodProblem, String, triage::PermanentPull)> {
        for (pod, (_, problem)) in &self.problems {
            if !PULL_REASONS.contains(&problem.reason.as_str()) {
                continue;
            }
            let texts = [Some(&problem.message), self.pull_failures.get(pod)];
            for text in texts.into_iter().flatten() {
                if let Some(triage::PullVerdict::Permanent(kind)) = triage::classify_pull_failure(text) {
                    return Some((pod.clone(), problem.clone(), text.clone(), kind));
                }
            }
            if problem.reason == "InvalidImageName" {
                let kind = triage::PermanentPull::InvalidReference;
                return Some((pod.clone(), problem.clone(), problem.message.clone(), kind));
            }
        }
        None
    }

    fn failed_job(&self) -> Option<(Workload, String)> {
        self.workloads.iter().find(|(_, (r, _))| r.failed).map(|(w, (r, _))| (w.clone(), r.detail.clone()))
    }

    fn pod_of(&self, workload: &Workload) -> Option<String> {
        self.pods.iter().find(|(_, p)| owner_workload(p).as_ref() == Some(workload)).map(|(n, _)| n.clone())
    }

    fn finish_bars(&mut self) {
        for (workload, (_, bar)) in self.workloads.iter_mut() {
            if let Some(bar) = bar.take() {
                bar.finish(crate::platform::output::Mark::Done, format!("{workload} ready"));
            }
        }
    }
}

/// Waiting reasons of a container whose image could not be pulled.
const PULL_REASONS: [&str; 3] = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName"];

/// An Event about a pod that reports a failed pull (`Failed`/`InspectFailed` from the kubelet).
fn pull_failure_event(event: &Event) -> Update {
    let reason = event.reason.as_deref().unwrap_or_default();
    let message = event.message.clone().unwrap_or_default();
    match (&event.involved_object.name, reason) {
        (Some(pod), "Failed" | "InspectFailed") if triage::classify_pull_failure(&message).is_some() => {
            Update::PullFailed(pod.clone(), message)
        }
        _ => Update::Error(String::new()),
    }
}

/// The workload that owns a pod: a ReplicaSet `<deployment>-<hash>` maps to its Deployment.
pub fn owner_workload(pod: &Pod) -> Option<Workload> {
    let owner = pod.metadata.owner_references.as_ref()?.iter().find(|o| o.controller == Some(true))?;
    let kind = match owner.kind.as_str() {
        "ReplicaSet" => {
            let name = owner.name.rsplit_once('-').map(|(d, _)| d.to_string()).unwrap_or_else(|| owner.name.clone());
            return Some(Workload { kind: Kind::Deployment, name });
        }
        "StatefulSet" => Kind::StatefulSet,
        "DaemonSet" => Kind::DaemonSet,
        "Job" => Kind::Job,
        _ => return None,
    };
    Some(Workload { kind, name: owner.name.clone() })
}
