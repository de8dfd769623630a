//! `ssp logs`' engine: the release's components (its workloads, by the short names a developer
//! says), and their pods' logs multiplexed into one stream of [`LogEvent`]s. With `follow` it
//! behaves like stern and Tilt: the pods are watched (never polled), a new pod or a restarted
//! container joins as soon as its run starts, and the change is announced.
//!
//! Every log request asks for `timestamps=true`, as stern does: the time kubelet recorded for each
//! line orders a non-follow dump across pods, fills `-o json`'s `time`, and lets a stream that
//! broke resume from its last line (`sinceTime`) without repeating what was already shown.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use ::kube::Client;
use ::kube::api::{Api, ListParams, LogParams};
use ::kube::runtime::{WatchStreamExt, watcher};
use ::kube::{Resource, ResourceExt};
use console::Style;
use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ContainerStatus, Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// How the release's chart names its workloads. This layer knows no chart: the release layer
/// implements it (`release::names::ChartNames`).
pub trait Naming {
    /// The release's name, for messages.
    fn release(&self) -> &str;
    /// A workload's short component name (`auth`), from its name and its `app.kubernetes.io/name`
    /// label.
    fn short_name(&self, workload: &str, name_label: Option<&str>) -> String;
    /// The name the chart usually gives component `short`'s workload.
    fn workload_name(&self, short: &str) -> String;
}

/// How often a follow stream that broke (not one that ended) is resumed before it is given up.
const RESUMES: u32 = 3;

/// Why the logs cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    #[error("unknown component `{name}`\nhint: the components of release {release} are: {valid}")]
    UnknownComponent { name: String, release: String, valid: String },
    #[error(
        "release {release} has no workloads in namespace {namespace}\nhint: `ssp setup-infra` deploys it; `ssp status` shows what runs"
    )]
    NoWorkloads { release: String, namespace: String },
    #[error("no container `{container}` in {components}\nhint: their containers are: {known}")]
    UnknownContainer { container: String, components: String, known: String },
    #[error("no log to show:\n  {}", .0.join("\n  "))]
    NothingToShow(Vec<String>),
    #[error(transparent)]
    Api(#[from] ::kube::Error),
}

/// One component of the release: a workload and the pods its selector picks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    /// The short name (`auth`, `realtime`).
    pub name: String,
    /// `deployment/realtime-dev`, for messages.
    pub workload: String,
    /// Other names it answers to: the workload's own (`realtime-dev`, `supabase-supabase-db`).
    pub aliases: Vec<String>,
    /// The label selector of its pods.
    pub selector: String,
    /// The containers of its pod template, then its init containers.
    pub containers: Vec<String>,
    pub init_containers: Vec<String>,
}

impl Component {
    fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.iter().any(|a| a == name)
    }
}

/// A `LabelSelector` as the `labelSelector` query parameter.
fn selector_text(selector: &LabelSelector) -> String {
    let mut terms: Vec<String> = selector.match_labels.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    for e in selector.match_expressions.iter().flatten() {
        let values = e.values.clone().unwrap_or_default().join(",");
        terms.push(match e.operator.as_str() {
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "DoesNotExist" => format!("!{}", e.key),
            _ => e.key.clone(),
        });
    }
    terms.join(",")
}

fn component(
    naming: &dyn Naming,
    kind: &str,
    meta: &ObjectMeta,
    selector: &LabelSelector,
    template: &PodTemplateSpec,
) -> Component {
    let workload = meta.name.clone().unwrap_or_default();
    let label = meta.labels.as_ref().and_then(|l| l.get("app.kubernetes.io/name")).map(String::as_str);
    let name = naming.short_name(&workload, label);
    let names = |init: bool| -> Vec<String> {
        let spec = template.spec.as_ref();
        let list = if init { spec.and_then(|s| s.init_containers.as_ref()) } else { spec.map(|s| &s.containers) };
        list.into_iter().flatten().map(|c| c.name.clone()).collect()
    };
    Component {
        aliases: if workload != name { vec![workload.clone()] } else { Vec::new() },
        workload: format!("{kind}/{workload}"),
        name,
        selector: selector_text(selector),
        containers: names(false),
        init_containers: names(true),
    }
}

/// The release's components: its Deployments, StatefulSets and DaemonSets (`release_selector`,
/// the instance label), sorted by short name.
pub async fn components(
    client: &Client,
    namespace: &str,
    release_selector: &str,
    naming: &dyn Naming,
) -> Result<Vec<Component>, LogsError> {
    let params = ListParams::default().labels(release_selector);
    let mut out = Vec::new();
    for d in Api::<Deployment>::namespaced(client.clone(), namespace).list(&params).await? {
        let spec = d.spec.clone().unwrap_or_default();
        out.push(component(naming, "deployment", d.meta(), &spec.selector, &spec.template));
    }
    for s in Api::<StatefulSet>::namespaced(client.clone(), namespace).list(&params).await? {
        let spec = s.spec.clone().unwrap_or_default();
        out.push(component(naming, "statefulset", s.meta(), &spec.selector, &spec.template));
    }
    for d in Api::<DaemonSet>::namespaced(client.clone(), namespace).list(&params).await? {
        let spec = d.spec.clone().unwrap_or_default();
        out.push(component(naming, "daemonset", d.meta(), &spec.selector, &spec.template));
    }
    if out.is_empty() {
        return Err(LogsError::NoWorkloads { release: naming.release().to_string(), namespace: namespace.to_string() });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.workload.cmp(&b.workload)));
    Ok(out)
}

/// The components `wanted` names (all of them when it is empty), in `all`'s order; with
/// `container`, only those whose pods have it.
pub fn select(
    all: &[Component],
    wanted: &[String],
    container: Option<&str>,
    naming: &dyn Naming,
) -> Result<Vec<Component>, LogsError> {
    for name in wanted {
        if !all.iter().any(|c| c.answers_to(name)) {
            let valid: Vec<String> = all
                .iter()
                .map(|c| match c.aliases.first() {
                    // A name the values gave it (`realtime-dev`), not the chart's usual one.
                    Some(alias) if *alias != naming.workload_name(&c.name) => format!("{} ({alias})", c.name),
                    _ => c.name.clone(),
                })
                .collect();
            return Err(LogsError::UnknownComponent {
                name: name.clone(),
                release: naming.release().to_string(),
                valid: valid.join(", "),
            });
        }
    }
    let chosen: Vec<Component> =
        all.iter().filter(|c| wanted.is_empty() || wanted.iter().any(|w| c.answers_to(w))).cloned().collect();
    let Some(container) = container else { return Ok(chosen) };
    let has = |c: &Component| c.containers.iter().chain(&c.init_containers).any(|n| n == container);
    let with: Vec<Component> = chosen.iter().filter(|c| has(c)).cloned().collect();
    if with.is_empty() {
        let mut known: Vec<String> = chosen.iter().flat_map(|c| c.containers.clone()).collect();
        known.sort();
        known.dedup();
        let names: Vec<&str> = chosen.iter().map(|c| c.name.as_str()).collect();
        return Err(LogsError::UnknownContainer {
            container: container.to_string(),
            components: names.join(", "),
            known: known.join(", "),
        });
    }
    Ok(with)
}

/// What to read of each container's log.
#[derive(Clone, Debug, Default)]
pub struct LogOptions {
    /// Keep streaming, and follow new pods and restarted containers.
    pub follow: bool,
    /// Only lines newer than this.
    pub since: Option<Duration>,
    /// Only the last N lines of each container (none: all).
    pub tail: Option<i64>,
    /// The previous (ended) run of each container.
    pub previous: bool,
    /// Only this container of each pod (none: every container).
    pub container: Option<String>,
}

/// One line of a container's log; serialised as `-o json`'s object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub component: String,
    pub pod: String,
    pub container: String,
    /// When kubelet recorded it (RFC 3339), when the server said.
    pub time: Option<String>,
    pub line: String,
}

/// What the engine reports, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogEvent {
    Line(LogLine),
    /// A pod or a container run joined or went away (stern's `+`/`-` lines).
    Notice(String),
    /// One stream could not be read; the others go on.
    Warning(String),
}

/// `2026-12-02T11:30:23.123456789Z text` → (the time, the text); a line without a time (a server
/// that ignores `timestamps`) is all text.
fn split_time(raw: &str) -> (Option<String>, String) {
    match raw.split_once(' ') {
        Some((time, text)) if time.parse::<Timestamp>().is_ok() => (Some(time.to_string()), text.to_string()),
        _ => (None, raw.to_string()),
    }
}

/// One container of one pod whose log is read.
#[derive(Clone, Debug)]
struct Target {
    component: String,
    pod: String,
    container: String,
}

/// The containers of `pod` to read: `only`, else every regular container.
fn containers_of(pod: &Pod, only: Option<&str>) -> Vec<String> {
    let spec = pod.spec.as_ref();
    let regular: Vec<String> = spec.map(|s| s.containers.iter().map(|c| c.name.clone()).collect()).unwrap_or_default();
    match only {
        None => regular,
        Some(c) => {
            let init = spec.and_then(|s| s.init_containers.as_ref());
            let all = regular.iter().chain(init.into_iter().flatten().map(|c| &c.name));
            all.filter(|n| *n == c).cloned().collect()
        }
    }
}

fn status_of<'a>(pod: &'a Pod, container: &str) -> Option<&'a ContainerStatus> {
    let status = pod.status.as_ref()?;
    let regular = status.container_statuses.iter().flatten();
    let init = status.init_container_statuses.iter().flatten();
    regular.chain(init).find(|s| s.name == container)
}

/// The run of a container whose log kubelet serves now (stern's `chooseContainerID`, after
/// kubelet's `validateContainerLogStatus`): the running or terminated one, else the last ended
/// one; `None` while there is nothing to read. A run without an ID is named by its start.
fn current_run(status: &ContainerStatus) -> Option<String> {
    let state = status.state.as_ref();
    let id = status.container_id.clone().filter(|id| !id.is_empty());
    if let Some(running) = state.and_then(|s| s.running.as_ref()) {
        let started = running.started_at.as_ref().map(|t| t.0.to_string()).unwrap_or_default();
        return Some(id.unwrap_or_else(|| format!("{}@{started}", status.restart_count)));
    }
    if let Some(done) = state.and_then(|s| s.terminated.as_ref()) {
        return done.container_id.clone().or(id).or_else(|| Some(format!("{}@ended", status.restart_count)));
    }
    let last = status.last_state.as_ref().and_then(|s| s.terminated.as_ref())?;
    Some(last.container_id.clone().unwrap_or_else(|| format!("{}@ended", status.restart_count - 1)))
}

/// Reads `component`'s logs with `options`, sending every line (and what changes) to `events`
/// until done — with `follow`, until the future is dropped or `events` is closed.
pub async fn stream(
    client: &Client,
    namespace: &str,
    components: &[Component],
    options: &LogOptions,
    events: mpsc::Sender<LogEvent>,
) -> Result<(), LogsError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    if options.follow {
        follow(pods, components, options, events).await
    } else {
        dump(pods, components, options, events).await
    }
}

fn params(options: &LogOptions, container: &str, follow: bool) -> LogParams {
    LogParams {
        container: Some(container.to_string()),
        follow,
        previous: options.previous,
        since_seconds: options.since.map(|d| d.as_secs().max(1) as i64),
        tail_lines: options.tail,
        timestamps: true,
        ..Default::default()
    }
}

/// Every selected container's log once, merged in time order.
async fn dump(
    pods: Api<Pod>,
    components: &[Component],
    options: &LogOptions,
    events: mpsc::Sender<LogEvent>,
) -> Result<(), LogsError> {
    let mut targets = Vec::new();
    let mut skipped = Vec::new();
    for c in components {
        let mut listed = pods.list(&ListParams::default().labels(&c.selector)).await?.items;
        listed.sort_by_key(|p| p.name_any());
        if listed.is_empty() {
            skipped.push(format!("{}: no pod ({} has none)", c.name, c.workload));
        }
        for pod in &listed {
            for container in containers_of(pod, options.container.as_deref()) {
                let status = status_of(pod, &container);
                let readable = if options.previous {
                    status.and_then(|s| s.last_state.as_ref()).and_then(|s| s.terminated.as_ref()).is_some()
                } else {
                    status.and_then(current_run).is_some()
                };
                if readable {
                    targets.push(Target { component: c.name.clone(), pod: pod.name_any(), container });
                } else if options.previous {
                    skipped.push(format!(
                        "{}: container {container} of pod {} has not restarted",
                        c.name,
                        pod.name_any()
                    ));
                } else {
                    skipped.push(format!(
                        "{}: container {container} of pod {} has not started",
                        c.name,
                        pod.name_any()
                    ));
                }
            }
        }
    }
    let reads = targets.iter().map(|t| {
        let pods = pods.clone();
        let params = params(options, &t.container, false);
        async move { pods.logs(&t.pod, &params).await }
    });
    let results = futures::future::join_all(reads).await;
    let mut lines = Vec::new();
    let mut read = 0;
    for (target, result) in targets.iter().zip(results) {
        match result {
            Ok(text) => {
                read += 1;
                for raw in text.lines() {
                    let (time, line) = split_time(raw);
                    lines.push(LogLine {
                        component: target.component.clone(),
                        pod: target.pod.clone(),
                        container: target.container.clone(),
                        time,
                        line,
                    });
                }
            }
            Err(err) => skipped.push(format!("{}: pod {}: {}", target.component, target.pod, api_message(&err))),
        }
    }
    if read == 0 {
        return Err(LogsError::NothingToShow(skipped));
    }
    for reason in skipped {
        let _ = events.send(LogEvent::Warning(reason)).await;
    }
    // Stable: lines of one container keep their order; lines without a time stay in place.
    lines.sort_by_key(|l| l.time.as_deref().and_then(|t| t.parse::<Timestamp>().ok()));
    for line in lines {
        if events.send(LogEvent::Line(line)).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// The apiserver's message for a failed call (its `Status`), else the error.
fn api_message(err: &::kube::Error) -> String {
    match err {
        ::kube::Error::Api(status) => status.message.clone(),
        other => other.to_string(),
    }
}

/// What the follow loop hears from its pod watchers.
enum Watched {
    Pod {
        component: usize,
        pod: Box<Pod>,
        initial: bool,
    },
    Gone {
        component: usize,
        pod: Box<Pod>,
    },
    Failed {
        component: usize,
        reason: String,
    },
    /// The first listing found no pod.
    NoPod(usize),
}

/// Watches each component's pods and tails every container run, old and new.
async fn follow(
    pods: Api<Pod>,
    components: &[Component],
    options: &LogOptions,
    events: mpsc::Sender<LogEvent>,
) -> Result<(), LogsError> {
    let (tx, mut watched) = mpsc::channel::<Watched>(256);
    let mut tasks = JoinSet::new();
    for (index, c) in components.iter().enumerate() {
        let config = watcher::Config::default().labels(&c.selector);
        let mut stream = watcher(pods.clone(), config).default_backoff().boxed();
        let tx = tx.clone();
        tasks.spawn(async move {
            let (mut synced, mut listed) = (false, 0);
            while let Some(event) = stream.next().await {
                let message = match event {
                    Ok(watcher::Event::InitApply(pod)) => {
                        listed += 1;
                        Watched::Pod { component: index, pod: Box::new(pod), initial: !synced }
                    }
                    Ok(watcher::Event::Apply(pod)) => {
                        Watched::Pod { component: index, pod: Box::new(pod), initial: false }
                    }
                    Ok(watcher::Event::Delete(pod)) => Watched::Gone { component: index, pod: Box::new(pod) },
                    Ok(watcher::Event::Init) => continue,
                    Ok(watcher::Event::InitDone) if !synced && listed == 0 => {
                        synced = true;
                        Watched::NoPod(index)
                    }
                    Ok(watcher::Event::InitDone) => {
                        synced = true;
                        continue;
                    }
                    Err(err) => Watched::Failed { component: index, reason: err.to_string() },
                };
                if tx.send(message).await.is_err() {
                    return;
                }
            }
        });
    }
    drop(tx);
    // The run of each (pod uid, container) being (or last) tailed, and the pods seen so far.
    let mut runs: HashMap<(String, String), String> = HashMap::new();
    let mut seen_pods: HashSet<String> = HashSet::new();
    while let Some(message) = watched.recv().await {
        if events.is_closed() {
            return Ok(());
        }
        // Reap the tails that ended (their run did), so a long follow does not pile them up.
        while tasks.try_join_next().is_some() {}
        match message {
            Watched::Failed { component, reason } => {
                let name = &components[component].name;
                let _ = events
                    .send(LogEvent::Warning(format!("{name}: watching its pods failed: {reason}; retrying")))
                    .await;
            }
            Watched::NoPod(component) => {
                let c = &components[component];
                let notice = format!("{}: no pod yet ({}); its first one joins when it starts", c.name, c.workload);
                let _ = events.send(LogEvent::Notice(notice)).await;
            }
            Watched::Gone { component, pod } => {
                let uid = pod.uid().unwrap_or_default();
                runs.retain(|(pod_uid, _), _| *pod_uid != uid);
                if seen_pods.remove(&uid) {
                    let name = &components[component].name;
                    let _ = events.send(LogEvent::Notice(format!("{name}: pod {} is gone", pod.name_any()))).await;
                }
            }
            Watched::Pod { component, pod, initial } => {
                let c = &components[component];
                let uid = pod.uid().unwrap_or_default();
                seen_pods.insert(uid.clone());
                // No run of it tailed yet: a pod that came after ssp started is announced new.
                let new_pod = !runs.keys().any(|(pod_uid, _)| *pod_uid == uid);
                for container in containers_of(&pod, options.container.as_deref()) {
                    let Some(run) = status_of(&pod, &container).and_then(current_run) else { continue };
                    let last = runs.insert((uid.clone(), container.clone()), run.clone());
                    if last.as_deref() == Some(run.as_str()) {
                        continue;
                    }
                    let target =
                        Target { component: c.name.clone(), pod: pod.name_any(), container: container.clone() };
                    // A run that starts after ssp did is read whole; the ones already running
                    // get the user's --tail and --since.
                    let mut params = params(options, &container, true);
                    if !initial {
                        params.tail_lines = None;
                        params.since_seconds = None;
                        let notice = match &last {
                            Some(_) => {
                                let restarts = status_of(&pod, &container).map(|s| s.restart_count).unwrap_or(0);
                                format!(
                                    "{}: container {container} of pod {} restarted (restart {restarts})",
                                    c.name, target.pod
                                )
                            }
                            None if new_pod => format!("{}: new pod {} (container {container})", c.name, target.pod),
                            None => format!("{}: container {container} of pod {} started", c.name, target.pod),
                        };
                        let _ = events.send(LogEvent::Notice(notice)).await;
                    }
                    tasks.spawn(tail(pods.clone(), target, params, events.clone()));
                }
            }
        }
    }
    Ok(())
}

/// Streams one container run's log into `events` until it ends; a stream that breaks is resumed
/// from its last line's second (`sinceTime`), skipping the lines of that second already sent.
async fn tail(pods: Api<Pod>, target: Target, mut params: LogParams, events: mpsc::Sender<LogEvent>) {
    let mut resumes = 0;
    // Where a broken stream resumes: the last second read and how many of its lines were read.
    let mut resume_at: Option<(Timestamp, usize)> = None;
    loop {
        let mut skip = 0;
        if let Some((second, read)) = resume_at {
            params.since_time = Some(second);
            params.since_seconds = None;
            params.tail_lines = None;
            skip = read;
        }
        let mut last: Option<(Timestamp, usize)> = None;
        let broke = match pods.log_stream(&target.pod, &params).await {
            Err(err) => {
                let reason = api_message(&err);
                let _ =
                    events.send(LogEvent::Warning(format!("{}: pod {}: {reason}", target.component, target.pod))).await;
                return;
            }
            Ok(stream) => {
                let mut reader = std::pin::pin!(stream);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match reader.read_until(b'\n', &mut buf).await {
                        Ok(0) => break None,
                        Ok(_) => {
                            let raw = String::from_utf8_lossy(&buf);
                            let (time, line) = split_time(raw.trim_end_matches(['\n', '\r']));
                            if let Some(second) = time.as_deref().and_then(whole_second) {
                                match &mut last {
                                    Some((s, n)) if *s == second => *n += 1,
                                    _ => last = Some((second, 1)),
                                }
                                if skip > 0 && params.since_time == Some(second) {
                                    skip -= 1;
                                    continue;
                                }
                            }
                            let line = LogLine {
                                component: target.component.clone(),
                                pod: target.pod.clone(),
                                container: target.container.clone(),
                                time,
                                line,
                            };
                            if events.send(LogEvent::Line(line)).await.is_err() {
                                return;
                            }
                        }
                        Err(err) => break Some(err.to_string()),
                    }
                }
            }
        };
        let Some(reason) = broke else { return };
        resume_at = last.or(resume_at);
        resumes += 1;
        if resumes > RESUMES || resume_at.is_none() {
            let message = format!("{}: the log stream of pod {} broke: {reason}", target.component, target.pod);
            let _ = events.send(LogEvent::Warning(message)).await;
            return;
        }
    }
}

/// The second a line's time falls in (what `sinceTime` can say).
fn whole_second(time: &str) -> Option<Timestamp> {
    let t: Timestamp = time.parse().ok()?;
    Timestamp::from_second(t.as_second()).ok()
}

/// How lines are written: `label | text` with the labels aligned and coloured per component, or
/// one JSON object per line.
pub struct LineFormat {
    json: bool,
    color: bool,
    width: usize,
    /// Per component: its colour and whether its label names the container.
    styles: BTreeMap<String, (Style, bool)>,
}

const PALETTE: [fn(Style) -> Style; 6] =
    [Style::cyan, Style::green, Style::yellow, Style::blue, Style::magenta, Style::red];

impl LineFormat {
    /// For `components` read with `container` (the `-c` filter, if any).
    pub fn new(components: &[Component], container: Option<&str>, json: bool, color: bool) -> LineFormat {
        let mut width = 0;
        let mut styles = BTreeMap::new();
        for (i, c) in components.iter().enumerate() {
            let several = container.is_none() && c.containers.len() > 1;
            let longest = if several {
                c.containers.iter().map(|n| c.name.len() + 1 + n.len()).max().unwrap_or(0)
            } else {
                c.name.len()
            };
            width = width.max(longest);
            styles.entry(c.name.clone()).or_insert((PALETTE[i % PALETTE.len()](Style::new()), several));
        }
        LineFormat { json, color, width, styles }
    }

    /// The line as written, newline included.
    pub fn render(&self, line: &LogLine) -> String {
        if self.json {
            return serde_json::to_string(line).unwrap_or_default() + "\n";
        }
        let (style, several) = self.styles.get(&line.component).cloned().unwrap_or((Style::new(), false));
        let label = if several { format!("{}/{}", line.component, line.container) } else { line.component.clone() };
        let prefix = format!("{label:<width$} |", width = self.width);
        let prefix = if self.color { style.force_styling(true).apply_to(prefix).to_string() } else { prefix };
        format!("{prefix} {}\n", line.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comp(name: &str, alias: &str, containers: &[&str]) -> Component {
        Component {
            name: name.into(),
            workload: format!("deployment/{alias}"),
            aliases: vec![alias.into()],
            selector: format!("app.kubernetes.io/name=supabase-{name}"),
            containers: containers.iter().map(|c| c.to_string()).collect(),
            init_containers: Vec::new(),
        }
    }

    /// The chart's rules for release `supabase` (the release layer's own are tested there).
    struct Supabase;

    impl Naming for Supabase {
        fn release(&self) -> &str {
            "supabase"
        }
        fn short_name(&self, workload: &str, _: Option<&str>) -> String {
            workload.trim_start_matches("supabase-supabase-").to_string()
        }
        fn workload_name(&self, short: &str) -> String {
            format!("supabase-supabase-{short}")
        }
    }

    #[test]
    fn selection_by_name_or_alias_and_unknown_names_list_the_valid_ones() {
        let all =
            vec![comp("auth", "supabase-supabase-auth", &["auth"]), comp("realtime", "realtime-dev", &["realtime"])];
        let picked = select(&all, &["realtime-dev".into()], None, &Supabase).unwrap();
        assert_eq!(picked, vec![all[1].clone()]);
        assert_eq!(select(&all, &[], None, &Supabase).unwrap(), all);
        let err = select(&all, &["nope".into()], None, &Supabase).unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown component `nope`\nhint: the components of release supabase are: auth, realtime (realtime-dev)"
        );
        let err = select(&all, &[], Some("sidecar"), &Supabase).unwrap_err().to_string();
        assert!(err.starts_with("no container `sidecar` in auth, realtime"), "{err}");
    }

    #[test]
    fn the_run_read_is_the_running_one_else_the_last_ended_one() {
        let status = |value: serde_json::Value| -> ContainerStatus { serde_json::from_value(value).unwrap() };
        let base = serde_json::json!({"name": "auth", "image": "i", "imageID": "", "ready": true, "restartCount": 2});
        let with = |extra: serde_json::Value| {
            let mut v = base.clone();
            v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            status(v)
        };
        let running = with(serde_json::json!({"containerID": "containerd://b", "state": {"running": {}}}));
        assert_eq!(current_run(&running).as_deref(), Some("containerd://b"));
        let crashed = with(serde_json::json!({
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "containerID": "containerd://a"}}
        }));
        assert_eq!(current_run(&crashed).as_deref(), Some("containerd://a"));
        let creating = with(serde_json::json!({"state": {"waiting": {"reason": "ContainerCreating"}}}));
        assert_eq!(current_run(&creating), None);
        let no_id = with(serde_json::json!({"state": {"running": {"startedAt": "2026-12-02T11:30:23Z"}}}));
        assert_eq!(current_run(&no_id).as_deref(), Some("2@2026-12-02T11:30:23Z"));
    }

    #[test]
    fn lines_are_split_from_their_time() {
        assert_eq!(
            split_time("2026-12-02T11:30:23.123456789Z hello world"),
            (Some("2026-12-02T11:30:23.123456789Z".into()), "hello world".into())
        );
        assert_eq!(split_time("no time here"), (None, "no time here".into()));
        assert_eq!(split_time("2026-12-02T11:30:23Z "), (Some("2026-12-02T11:30:23Z".into()), String::new()));
    }

    #[test]
    fn prefixes_are_aligned_and_json_has_the_fields() {
        let all = vec![
            comp("auth", "a", &["auth"]),
            comp("realtime", "r", &["realtime"]),
            comp("db", "d", &["db", "exporter"]),
        ];
        let format = LineFormat::new(&all, None, false, false);
        let line = |component: &str, container: &str| LogLine {
            component: component.into(),
            pod: "p".into(),
            container: container.into(),
            time: Some("2026-12-02T11:30:23.000000000Z".into()),
            line: "hi".into(),
        };
        assert_eq!(format.render(&line("auth", "auth")), "auth        | hi\n");
        assert_eq!(format.render(&line("db", "exporter")), "db/exporter | hi\n");
        let coloured = LineFormat::new(&all, None, false, true).render(&line("auth", "auth"));
        assert!(coloured.contains("\u{1b}["), "{coloured:?}");
        let json = LineFormat::new(&all, None, true, true).render(&line("auth", "auth"));
        assert_eq!(
            json,
            "{\"component\":\"auth\",\"pod\":\"p\",\"container\":\"auth\",\"time\":\"2026-12-02T11:30:23.000000000Z\",\"line\":\"hi\"}\n"
        );
    }
}
