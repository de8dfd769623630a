//! One pod post-mortem: what the cluster says about a pod that did not do its job (its last
//! events, the tail of its log) and the fixes [`triage`](super::triage) matches in that evidence.
//! The release waiter and the seed Job print it the same way.

use ::kube::Client;
use ::kube::api::{Api, LogParams};
use k8s_openapi::api::core::v1::Pod;

use super::readiness::PodProblem;
use super::triage;

/// How many of the pod's events a report shows.
const EVENTS: usize = 5;
/// How many log lines a report shows.
const LOG_LINES: i64 = 20;

/// Which log of the pod to tail.
#[derive(Clone, Debug, Default)]
pub struct LogSource {
    /// The container (none: the pod's only or default container).
    pub container: Option<String>,
    /// The previous (crashed) instance of the container rather than the current one.
    pub previous: bool,
}

impl LogSource {
    /// The log that explains `problem`: its container's, the crashed instance's for a crash loop.
    pub fn for_problem(problem: &PodProblem) -> Self {
        LogSource { container: problem.container.clone(), previous: problem.reason == "CrashLoopBackOff" }
    }
}

/// What the cluster says about one pod, and the fixes that fit.
#[derive(Clone, Debug)]
pub struct PodReport {
    pub pod: String,
    /// The last events about the pod, oldest first, as `Type Reason: message`.
    pub events: Vec<String>,
    pub log_tail: String,
    pub hints: Vec<String>,
}

impl PodReport {
    /// Reads the pod's last events and log tail; the hints are matched in `problem` (what the
    /// caller already knows is wrong), the events and the log tail. An API failure leaves a part
    /// empty rather than hiding the error being reported.
    pub async fn gather(client: &Client, namespace: &str, pod: &str, problem: &str, log: LogSource) -> PodReport {
        let events = super::last_pod_events(client, namespace, pod, EVENTS).await;
        let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
        let params = LogParams {
            container: log.container,
            tail_lines: Some(LOG_LINES),
            previous: log.previous,
            ..Default::default()
        };
        let log_tail = pods.logs(pod, &params).await.unwrap_or_default();
        let hints = triage::hints_for(&format!("{problem}\n{}\n{log_tail}", events.join("\n")));
        PodReport { pod: pod.to_string(), events, log_tail, hints }
    }

    /// The report's lines, each starting with a newline: `  last events:`, `  log tail:` (each
    /// block only when it has content) and one `hint: …` line per hint.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if !self.events.is_empty() {
            text.push_str("\n  last events:");
            for e in &self.events {
                text.push_str(&format!("\n    {e}"));
            }
        }
        if !self.log_tail.trim().is_empty() {
            text.push_str("\n  log tail:");
            for line in self.log_tail.lines() {
                text.push_str(&format!("\n    | {line}"));
            }
        }
        for hint in &self.hints {
            text.push_str(&format!("\nhint: {hint}"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_events_log_tail_and_hints() {
        let report = PodReport {
            pod: "p".into(),
            events: vec!["Warning BackOff: restarting".into()],
            log_tail: "one\ntwo\n".into(),
            hints: vec!["do this".into()],
        };
        assert_eq!(
            report.render(),
            "\n  last events:\n    Warning BackOff: restarting\n  log tail:\n    | one\n    | two\nhint: do this"
        );
        let empty = PodReport { pod: "p".into(), events: Vec::new(), log_tail: " \n".into(), hints: Vec::new() };
        assert_eq!(empty.render(), "");
    }
}
