//! `ssp status --watch`: the release's workloads kept current from watches, not polling. Every
//! Deployment, StatefulSet, DaemonSet, Job and Pod with the release's selector is watched, and the
//! namespace's Warning Events; each change becomes a [`Change`], the pure [`WatchState`] folds them
//! and turns into [`StatusRow`]s (readiness, restarts, age, last warning), and [`StatusWatch`]
//! yields a snapshot of the rows after every change once each watch has listed. What to draw from
//! the rows (the terminal's table, the plain change lines) is here too, as pure functions.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

use ::kube::api::Api;
use ::kube::runtime::{WatchStreamExt, watcher};
use ::kube::{Client, ResourceExt};
use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Pod};

pub use super::readiness::Kind;
use super::readiness::{self, Readiness};
pub use super::waiter::Workload;
use super::waiter::owner_workload;
use crate::platform::output::Output;

/// What an Event is about, as far as the table cares.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    Pod(String),
    Workload(Workload),
}

/// The latest Warning Event about a subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// `Reason: message`.
    pub text: String,
    pub at: Option<SystemTime>,
    /// Arrival order, to order warnings stamped in the same second.
    seq: u64,
}

/// One change seen on a watch.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Workload {
        workload: Workload,
        readiness: Readiness,
        created: Option<SystemTime>,
    },
    WorkloadGone(Workload),
    Pod {
        name: String,
        owner: Option<Workload>,
        restarts: i32,
    },
    PodGone(String),
    Warning {
        subject: Subject,
        text: String,
        at: Option<SystemTime>,
    },
    /// A watch listed again (after its resourceVersion expired): the objects of `source` not in
    /// `present` were deleted meanwhile.
    Relisted {
        source: Source,
        present: BTreeSet<String>,
    },
}

/// Which watch a change came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Workloads(Kind),
    Pods,
    Events,
}

const SOURCES: usize = 6;

/// Everything the watches said so far, folded.
#[derive(Clone, Debug, Default)]
pub struct WatchState {
    workloads: BTreeMap<Workload, (Readiness, Option<SystemTime>)>,
    /// The current pods: owner and restart count.
    pods: BTreeMap<String, (Option<Workload>, i32)>,
    /// Every pod ever seen and its workload: Events outlive their pods.
    owners: BTreeMap<String, Workload>,
    warnings: BTreeMap<Subject, Warning>,
    seq: u64,
}

/// One line of the table: a workload and what the watches say about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRow {
    pub workload: Workload,
    pub readiness: Readiness,
    /// Container restarts summed over the workload's current pods.
    pub restarts: i32,
    pub created: Option<SystemTime>,
    pub last_warning: Option<Warning>,
}

impl WatchState {
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Workload { workload, readiness, created } => {
                self.workloads.insert(workload, (readiness, created));
            }
            Change::WorkloadGone(workload) => {
                self.workloads.remove(&workload);
            }
            Change::Pod { name, owner, restarts } => {
                if let Some(owner) = &owner {
                    self.owners.insert(name.clone(), owner.clone());
                }
                self.pods.insert(name, (owner, restarts));
            }
            Change::PodGone(name) => {
                self.pods.remove(&name);
            }
            Change::Warning { subject, text, at } => {
                self.seq += 1;
                self.warnings.insert(subject, Warning { text, at, seq: self.seq });
            }
            Change::Relisted { source: Source::Pods, present } => self.pods.retain(|name, _| present.contains(name)),
            Change::Relisted { source: Source::Workloads(kind), present } => {
                self.workloads.retain(|w, _| w.kind != kind || present.contains(&w.name))
            }
            Change::Relisted { source: Source::Events, .. } => {}
        }
    }

    /// The table's rows, in the order `ssp status` lists workloads (kind, then name).
    pub fn rows(&self) -> Vec<StatusRow> {
        self.workloads
            .iter()
            .map(|(workload, (readiness, created))| {
                let restarts = self.pods.values().filter(|(o, _)| o.as_ref() == Some(workload)).map(|(_, r)| r).sum();
                let last_warning = self
                    .warnings
                    .iter()
                    .filter(|(subject, _)| match subject {
                        Subject::Workload(w) => w == workload,
                        Subject::Pod(pod) => self.owners.get(pod) == Some(workload),
                    })
                    .map(|(_, warning)| warning)
                    .max_by_key(|w| (w.at, w.seq))
                    .cloned();
                StatusRow {
                    workload: workload.clone(),
                    readiness: readiness.clone(),
                    restarts,
                    created: *created,
                    last_warning,
                }
            })
            .collect()
    }
}

// ---- from API objects -------------------------------------------------------------------------

fn system_time(t: k8s_openapi::jiff::Timestamp) -> SystemTime {
    SystemTime::from(t)
}

/// Container restarts of a pod (init containers included), as `kubectl get pods` counts them.
pub fn restarts(pod: &Pod) -> i32 {
    let Some(status) = &pod.status else { return 0 };
    status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten())
        .map(|c| c.restart_count)
        .sum()
}

/// The change a pod's Apply event means.
pub fn pod_change(pod: &Pod) -> Change {
    Change::Pod { name: pod.name_any(), owner: owner_workload(pod), restarts: restarts(pod) }
}

/// The change an Event means: `None` unless it is a Warning about a pod or a workload (a
/// ReplicaSet's count for its Deployment).
pub fn event_change(event: &Event) -> Option<Change> {
    if event.type_.as_deref() != Some("Warning") {
        return None;
    }
    let object = &event.involved_object;
    let name = object.name.clone()?;
    let subject = match object.kind.as_deref()? {
        "Pod" => Subject::Pod(name),
        "ReplicaSet" => {
            let deployment = name.rsplit_once('-').map(|(d, _)| d.to_string()).unwrap_or(name);
            Subject::Workload(Workload { kind: Kind::Deployment, name: deployment })
        }
        "Deployment" => Subject::Workload(Workload { kind: Kind::Deployment, name }),
        "StatefulSet" => Subject::Workload(Workload { kind: Kind::StatefulSet, name }),
        "DaemonSet" => Subject::Workload(Workload { kind: Kind::DaemonSet, name }),
        "Job" => Subject::Workload(Workload { kind: Kind::Job, name }),
        _ => return None,
    };
    let at = event
        .series
        .as_ref()
        .and_then(|s| s.last_observed_time.clone().map(|t| t.0))
        .or(event.last_timestamp.clone().map(|t| t.0))
        .or(event.event_time.clone().map(|t| t.0))
        .or(event.metadata.creation_timestamp.clone().map(|t| t.0))
        .map(system_time);
    let text = format!(
        "{}: {}",
        event.reason.as_deref().unwrap_or("Warning"),
        event.message.as_deref().unwrap_or_default().trim()
    );
    Some(Change::Warning { subject, text, at })
}

// ---- the watches ------------------------------------------------------------------------------

/// One item of the merged watch streams.
enum Update {
    Change(Change),
    Error(String),
    Nothing,
}

/// A watcher's events as [`Update`]s, remembering what a (re-)list returned so objects deleted
/// while the watch was away are dropped at its end.
fn updates<K>(
    api: Api<K>,
    config: watcher::Config,
    source: Source,
    apply: impl Fn(&K) -> Option<Change> + Send + 'static,
    gone: impl Fn(&K) -> Option<Change> + Send + 'static,
) -> impl Stream<Item = Update> + Send + 'static
where
    K: ::kube::Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + 'static,
{
    let mut listing: Option<BTreeSet<String>> = None;
    watcher(api, config).default_backoff().map(move |event| match event {
        Ok(watcher::Event::Init) => {
            listing = Some(BTreeSet::new());
            Update::Nothing
        }
        Ok(watcher::Event::InitApply(obj)) => {
            if let Some(names) = listing.as_mut() {
                names.insert(obj.name_any());
            }
            apply(&obj).map(Update::Change).unwrap_or(Update::Nothing)
        }
        // Init always comes first, so `listing` holds what this (re-)list returned.
        Ok(watcher::Event::InitDone) => {
            Update::Change(Change::Relisted { source, present: listing.take().unwrap_or_default() })
        }
        Ok(watcher::Event::Apply(obj)) => apply(&obj).map(Update::Change).unwrap_or(Update::Nothing),
        Ok(watcher::Event::Delete(obj)) => gone(&obj).map(Update::Change).unwrap_or(Update::Nothing),
        Err(err) => Update::Error(format!("{source:?}: {err}")),
    })
}

fn workload_updates<K>(
    client: &Client,
    namespace: &str,
    selector: &str,
    kind: Kind,
    ready: fn(&K) -> Readiness,
) -> std::pin::Pin<Box<dyn Stream<Item = Update> + Send>>
where
    K: ::kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned
        + Send
        + 'static,
{
    let id = move |obj: &K| Workload { kind, name: obj.name_any() };
    updates(
        Api::<K>::namespaced(client.clone(), namespace),
        watcher::Config::default().labels(selector),
        Source::Workloads(kind),
        move |obj| {
            let created = obj.meta().creation_timestamp.clone().map(|t| system_time(t.0));
            Some(Change::Workload { workload: id(obj), readiness: ready(obj), created })
        },
        move |obj| Some(Change::WorkloadGone(id(obj))),
    )
    .boxed()
}

/// Watches a release for `ssp status --watch`.
pub struct StatusWatch {
    client: Client,
    namespace: String,
    /// e.g. `app.kubernetes.io/instance=supabase`.
    selector: String,
    output: Output,
}

impl StatusWatch {
    pub fn new(client: Client, namespace: &str, selector: &str, output: Output) -> Self {
        StatusWatch { client, namespace: namespace.to_string(), selector: selector.to_string(), output }
    }

    /// The rows after every change, the first once every watch has listed. Watch errors are
    /// retried with backoff (shown with `-v`); the stream does not end on its own.
    pub fn snapshots(self) -> impl Stream<Item = Vec<StatusRow>> + Send + 'static {
        let (c, ns, sel) = (&self.client, self.namespace.as_str(), self.selector.as_str());
        let streams = vec![
            workload_updates::<Deployment>(c, ns, sel, Kind::Deployment, readiness::deployment),
            workload_updates::<StatefulSet>(c, ns, sel, Kind::StatefulSet, readiness::statefulset),
            workload_updates::<DaemonSet>(c, ns, sel, Kind::DaemonSet, readiness::daemonset),
            workload_updates::<Job>(c, ns, sel, Kind::Job, readiness::job),
            updates(
                Api::<Pod>::namespaced(c.clone(), ns),
                watcher::Config::default().labels(sel),
                Source::Pods,
                |p| Some(pod_change(p)),
                |p| Some(Change::PodGone(p.name_any())),
            )
            .boxed(),
            // Events carry no labels: every Warning of the namespace, kept when it is about one
            // of the release's pods or workloads.
            updates(
                Api::<Event>::namespaced(c.clone(), ns),
                watcher::Config::default().fields("type=Warning"),
                Source::Events,
                event_change,
                |_| None,
            )
            .boxed(),
        ];
        let output = self.output;
        let merged = futures::stream::select_all(streams);
        futures::stream::unfold(
            (merged, WatchState::default(), BTreeSet::new(), output),
            |(mut merged, mut state, mut synced, output)| async move {
                loop {
                    match merged.next().await? {
                        Update::Change(change) => {
                            if let Change::Relisted { source, .. } = &change {
                                synced.insert(*source);
                            }
                            state.apply(change);
                            if synced.len() == SOURCES {
                                return Some((state.rows(), (merged, state, synced, output)));
                            }
                        }
                        Update::Error(message) => output.verbose(format!("watch: {message}")),
                        Update::Nothing => {}
                    }
                }
            },
        )
    }
}

// ---- what to draw -----------------------------------------------------------------------------

/// `45s`, `12m`, `5h`, `3d`: an age as `kubectl get` shows it, coarsely.
pub fn format_age(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..120 => format!("{s}s"),
        120..7200 => format!("{}m", s / 60),
        7200..172_800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

fn age(since: Option<SystemTime>, now: SystemTime) -> String {
    since.map(|t| format_age(now.duration_since(t).unwrap_or_default())).unwrap_or_else(|| "-".into())
}

impl StatusRow {
    /// What a plain change line says about the row (no age: it changes every second).
    pub fn summary(&self) -> String {
        let r = &self.readiness;
        let mut text = format!("{} {}/{} {}, restarts {}", self.workload, r.ready, r.desired, r.detail, self.restarts);
        if let Some(w) = &self.last_warning {
            text.push_str(&format!(", last warning: {}", w.text));
        }
        text
    }
}

/// The plain lines (without timestamps) for what changed from `before` to `after`: one per new
/// or changed workload, `… removed` for one that went away.
pub fn change_lines(before: &[StatusRow], after: &[StatusRow]) -> Vec<String> {
    let old: BTreeMap<&Workload, String> = before.iter().map(|r| (&r.workload, r.summary())).collect();
    let new: BTreeSet<&Workload> = after.iter().map(|r| &r.workload).collect();
    let mut lines: Vec<String> = after
        .iter()
        .map(|r| (old.get(&r.workload), r.summary()))
        .filter(|(old, now)| old.is_none_or(|o| o != now))
        .map(|(_, now)| now)
        .collect();
    lines.extend(before.iter().filter(|r| !new.contains(&r.workload)).map(|r| format!("{} removed", r.workload)));
    lines
}

/// The terminal's table: a header, then one aligned line per workload, `✓`/`✗` coloured when
/// `color`; each line cut to `width` columns so a redraw knows how many lines it replaces.
pub fn render_table(title: &str, rows: &[StatusRow], now: SystemTime, color: bool, width: usize) -> Vec<String> {
    let paint = |style: console::Style, text: &str| {
        if color { style.force_styling(true).apply_to(text).to_string() } else { text.to_string() }
    };
    let ready = rows.iter().filter(|r| r.readiness.done).count();
    let mut lines = vec![format!("{title} · {ready}/{} ready · Ctrl-C leaves", rows.len())];
    if rows.is_empty() {
        lines.push("  no workloads match the release's selector yet".into());
    } else {
        let cells: Vec<[String; 6]> = rows
            .iter()
            .map(|r| {
                let warning = r
                    .last_warning
                    .as_ref()
                    .map(|w| format!("{} ({} ago)", w.text, age(w.at, now)))
                    .unwrap_or_else(|| "-".into());
                [
                    r.workload.to_string(),
                    format!("{}/{}", r.readiness.ready, r.readiness.desired),
                    r.readiness.detail.clone(),
                    r.restarts.to_string(),
                    age(r.created, now),
                    warning,
                ]
            })
            .collect();
        let head = ["WORKLOAD", "READY", "STATUS", "RESTARTS", "AGE", "LAST WARNING"];
        let widths: Vec<usize> = (0..5)
            .map(|i| cells.iter().map(|c| c[i].chars().count()).chain([head[i].len()]).max().unwrap_or(0))
            .collect();
        let line = |mark: &str, c: [&str; 6]| {
            let mut text = format!("{mark} ");
            for (i, cell) in c.iter().take(5).enumerate() {
                text.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
            text.push_str(c[5]);
            text
        };
        lines.push(line(" ", head));
        for (row, c) in rows.iter().zip(&cells) {
            let mark = if row.readiness.done {
                paint(console::Style::new().green(), "✓")
            } else {
                paint(console::Style::new().red(), "✗")
            };
            lines.push(line(&mark, [&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]]));
        }
    }
    lines.into_iter().map(|l| console::truncate_str(&l, width, "…").into_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
        serde_json::from_value(v).unwrap()
    }

    fn kong() -> Workload {
        Workload { kind: Kind::Deployment, name: "supabase-supabase-kong".into() }
    }

    fn ready(ready: i32, done: bool, detail: &str) -> Readiness {
        Readiness { ready, desired: 1, done, failed: false, detail: detail.into() }
    }

    fn kong_pod(name: &str, restarts: i32) -> Pod {
        from(json!({"metadata": {"name": name, "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "supabase-supabase-kong-7d9f", "uid": "u", "controller": true}]},
            "status": {"containerStatuses": [{"name": "kong", "image": "kong", "imageID": "", "ready": true, "restartCount": restarts}]}}))
    }

    fn warning(kind: &str, name: &str, reason: &str, at: &str) -> Event {
        from(json!({"metadata": {"name": format!("{name}.1")}, "type": "Warning", "reason": reason,
            "message": "Back-off restarting failed container\n", "lastTimestamp": at,
            "involvedObject": {"kind": kind, "name": name}}))
    }

    fn state_with_kong() -> WatchState {
        let mut state = WatchState::default();
        state.apply(Change::Workload { workload: kong(), readiness: ready(0, false, "0/1 available"), created: None });
        state
    }

    #[test]
    fn restarts_sum_over_the_workloads_current_pods() {
        let mut state = state_with_kong();
        state.apply(pod_change(&kong_pod("kong-a", 2)));
        state.apply(pod_change(&kong_pod("kong-b", 1)));
        assert_eq!(state.rows()[0].restarts, 3);
        state.apply(Change::PodGone("kong-a".into()));
        assert_eq!(state.rows()[0].restarts, 1);
        state.apply(Change::Relisted { source: Source::Pods, present: BTreeSet::new() });
        assert_eq!(state.rows()[0].restarts, 0);
    }

    #[test]
    fn the_latest_warning_about_the_workload_or_its_pods_is_shown() {
        let mut state = state_with_kong();
        state.apply(pod_change(&kong_pod("kong-a", 0)));
        assert_eq!(
            event_change(&from(json!({"type": "Normal", "involvedObject": {"kind": "Pod", "name": "kong-a"}}))),
            None
        );
        state.apply(event_change(&warning("Pod", "kong-a", "BackOff", "2026-01-01T10:00:05Z")).unwrap());
        state.apply(
            event_change(&warning("ReplicaSet", "supabase-supabase-kong-7d9f", "FailedCreate", "2026-01-01T10:00:01Z"))
                .unwrap(),
        );
        state.apply(event_change(&warning("Pod", "someone-else", "Failed", "2026-01-01T10:00:09Z")).unwrap());
        let row = &state.rows()[0];
        assert_eq!(row.last_warning.as_ref().unwrap().text, "BackOff: Back-off restarting failed container");
        // The pod is gone, its warning stays the workload's.
        state.apply(Change::PodGone("kong-a".into()));
        assert_eq!(
            state.rows()[0].last_warning.as_ref().unwrap().text,
            "BackOff: Back-off restarting failed container"
        );
    }

    #[test]
    fn change_lines_name_only_what_changed() {
        let mut state = state_with_kong();
        let db = Workload { kind: Kind::Deployment, name: "supabase-supabase-db".into() };
        state.apply(Change::Workload { workload: db.clone(), readiness: ready(1, true, "ready"), created: None });
        let first = state.rows();
        assert_eq!(
            change_lines(&[], &first),
            [
                "deployment/supabase-supabase-db 1/1 ready, restarts 0",
                "deployment/supabase-supabase-kong 0/1 0/1 available, restarts 0"
            ]
        );
        state.apply(Change::Workload { workload: kong(), readiness: ready(1, true, "ready"), created: None });
        let second = state.rows();
        assert_eq!(change_lines(&first, &second), ["deployment/supabase-supabase-kong 1/1 ready, restarts 0"]);
        assert_eq!(change_lines(&second, &second), Vec::<String>::new());
        state.apply(Change::WorkloadGone(db));
        assert_eq!(change_lines(&second, &state.rows()), ["deployment/supabase-supabase-db removed"]);
    }

    #[test]
    fn the_table_is_aligned_and_fits_the_width() {
        let mut state = state_with_kong();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        state.apply(Change::Workload {
            workload: kong(),
            readiness: ready(1, true, "ready"),
            created: Some(now - Duration::from_secs(300)),
        });
        state.apply(pod_change(&kong_pod("kong-a", 4)));
        state.apply(Change::Warning {
            subject: Subject::Pod("kong-a".into()),
            text: "BackOff: Back-off".into(),
            at: Some(now - Duration::from_secs(30)),
        });
        let lines = render_table("supabase in default", &state.rows(), now, false, 200);
        assert_eq!(
            lines,
            [
                "supabase in default · 1/1 ready · Ctrl-C leaves",
                "  WORKLOAD                           READY  STATUS  RESTARTS  AGE  LAST WARNING",
                "✓ deployment/supabase-supabase-kong  1/1    ready   4         5m   BackOff: Back-off (30s ago)",
            ]
        );
        let narrow = render_table("supabase in default", &state.rows(), now, false, 20);
        assert!(narrow.iter().all(|l| console::measure_text_width(l) <= 20), "{narrow:?}");
    }

    #[test]
    fn ages_read_like_kubectls() {
        let cases = [(5, "5s"), (119, "119s"), (600, "10m"), (7200, "2h"), (200_000, "2d")];
        for (secs, text) in cases {
            assert_eq!(format_age(Duration::from_secs(secs)), text);
        }
    }
}
