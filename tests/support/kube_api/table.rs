//! Server-side printing: the `meta.k8s.io/v1` `Table` that `kubectl get` asks for with
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
//!
//! Columns and cell values follow `k8s.io/kubernetes/pkg/printers/internalversion/printers.go`
//! for the served types (pods: `NAME READY STATUS RESTARTS AGE`, where STATUS is the waiting or
//! terminated reason of a container when there is one, else the phase; deployments:
//! `NAME READY UP-TO-DATE AVAILABLE AGE`; jobs: `NAME STATUS COMPLETIONS DURATION AGE`; …).
//! Ages are rendered like `duration.HumanDuration` for the common ranges.

use std::time::SystemTime;

use serde_json::{Value, json};

use super::resources::ResourceType;

/// Whether an `Accept` header asks for a Table.
pub fn wants_table(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| a.split(',').next().is_some_and(|first| first.contains("as=Table")))
}

fn age(obj: &Value) -> String {
    let Some(created) = obj["metadata"]["creationTimestamp"].as_str().and_then(|t| humantime::parse_rfc3339(t).ok())
    else {
        return "<unknown>".into();
    };
    let secs = SystemTime::now().duration_since(created).map(|d| d.as_secs()).unwrap_or(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 600 => format!("{}m{}s", s / 60, s % 60),
        s if s < 3 * 3600 => format!("{}m", s / 60),
        s if s < 8 * 3600 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        s if s < 2 * 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn pod_status(pod: &Value) -> String {
    let statuses = pod["status"]["containerStatuses"].as_array().cloned().unwrap_or_default();
    for s in &statuses {
        if let Some(r) = s["state"]["waiting"]["reason"].as_str() {
            return r.to_string();
        }
        if let Some(r) = s["state"]["terminated"]["reason"].as_str()
            && pod["status"]["phase"] != "Succeeded"
            && pod["status"]["phase"] != "Failed"
        {
            return r.to_string();
        }
    }
    if pod["metadata"]["deletionTimestamp"].is_string() {
        return "Terminating".into();
    }
    match pod["status"]["phase"].as_str() {
        Some("Succeeded") => "Completed".into(),
        Some("Failed") => "Error".into(),
        Some(p) => p.to_string(),
        None => "Pending".into(),
    }
}

fn job_status(job: &Value) -> &'static str {
    let conds = job["status"]["conditions"].as_array().cloned().unwrap_or_default();
    let has = |t: &str| conds.iter().any(|c| c["type"] == t && c["status"] == "True");
    if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if job["metadata"]["deletionTimestamp"].is_string() {
        "Terminating"
    } else {
        "Running"
    }
}

/// Column names and the cells of one row for `obj`.
fn columns(rt: &ResourceType, obj: &Value) -> (Vec<&'static str>, Vec<Value>) {
    let name = obj["metadata"]["name"].clone();
    let st = &obj["status"];
    match rt.kind {
        "Pod" => {
            let statuses = st["containerStatuses"].as_array().cloned().unwrap_or_default();
            let total = obj["spec"]["containers"].as_array().map_or(0, Vec::len);
            let ready = statuses.iter().filter(|s| s["ready"] == true).count();
            let restarts: i64 = statuses.iter().map(|s| int(&s["restartCount"])).sum();
            (
                vec!["Name", "Ready", "Status", "Restarts", "Age"],
                vec![name, json!(format!("{ready}/{total}")), json!(pod_status(obj)), json!(restarts), json!(age(obj))],
            )
        }
        "Deployment" => (
            vec!["Name", "Ready", "Up-to-date", "Available", "Age"],
            vec![
                name,
                json!(format!("{}/{}", int(&st["readyReplicas"]), int(&obj["spec"]["replicas"]))),
                json!(int(&st["updatedReplicas"])),
                json!(int(&st["availableReplicas"])),
                json!(age(obj)),
            ],
        ),
        "StatefulSet" => (
            vec!["Name", "Ready", "Age"],
            vec![
                name,
                json!(format!("{}/{}", int(&st["readyReplicas"]), int(&obj["spec"]["replicas"]))),
                json!(age(obj)),
            ],
        ),
        "ReplicaSet" => (
            vec!["Name", "Desired", "Current", "Ready", "Age"],
            vec![
                name,
                obj["spec"]["replicas"].clone(),
                json!(int(&st["replicas"])),
                json!(int(&st["readyReplicas"])),
                json!(age(obj)),
            ],
        ),
        "DaemonSet" => (
            vec!["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Age"],
            vec![
                name,
                json!(int(&st["desiredNumberScheduled"])),
                json!(int(&st["currentNumberScheduled"])),
                json!(int(&st["numberReady"])),
                json!(int(&st["updatedNumberScheduled"])),
                json!(int(&st["numberAvailable"])),
                json!(age(obj)),
            ],
        ),
        "Job" => (
            vec!["Name", "Status", "Completions", "Duration", "Age"],
            vec![
                name,
                json!(job_status(obj)),
                json!(format!("{}/{}", int(&st["succeeded"]), obj["spec"]["completions"].as_i64().unwrap_or(1))),
                json!(if st["startTime"].is_string() {
                    age(&json!({"metadata": {"creationTimestamp": st["startTime"]}}))
                } else {
                    String::new()
                }),
                json!(age(obj)),
            ],
        ),
        "Service" => {
            let ports: Vec<String> = obj["spec"]["ports"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| format!("{}/{}", int(&p["port"]), p["protocol"].as_str().unwrap_or("TCP")))
                        .collect()
                })
                .unwrap_or_default();
            (
                vec!["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"],
                vec![
                    name,
                    obj["spec"]["type"].clone(),
                    obj["spec"]["clusterIP"].clone(),
                    json!("<none>"),
                    json!(ports.join(",")),
                    json!(age(obj)),
                ],
            )
        }
        "ConfigMap" => (
            vec!["Name", "Data", "Age"],
            vec![
                name,
                json!(
                    obj["data"].as_object().map_or(0, |d| d.len())
                        + obj["binaryData"].as_object().map_or(0, |d| d.len())
                ),
                json!(age(obj)),
            ],
        ),
        "Secret" => (
            vec!["Name", "Type", "Data", "Age"],
            vec![
                name,
                json!(obj["type"].as_str().unwrap_or("Opaque")),
                json!(obj["data"].as_object().map_or(0, |d| d.len())),
                json!(age(obj)),
            ],
        ),
        "Namespace" => (vec!["Name", "Status", "Age"], vec![name, st["phase"].clone(), json!(age(obj))]),
        "Event" => (
            vec!["Last Seen", "Type", "Reason", "Object", "Message"],
            vec![
                json!(age(&json!({"metadata": {"creationTimestamp": obj["lastTimestamp"]}}))),
                obj["type"].clone(),
                obj["reason"].clone(),
                json!(format!(
                    "{}/{}",
                    obj["involvedObject"]["kind"].as_str().unwrap_or_default().to_lowercase(),
                    obj["involvedObject"]["name"].as_str().unwrap_or_default()
                )),
                obj["message"].clone(),
            ],
        ),
        _ => (vec!["Name", "Age"], vec![name, json!(age(obj))]),
    }
}

/// The Table for `objects` of type `rt`.
pub fn render(rt: &ResourceType, objects: &[&Value], resource_version: u64) -> Value {
    let (names, _) = columns(rt, &json!({"metadata": {}, "spec": {}, "status": {}}));
    let definitions: Vec<Value> = names
        .iter()
        .map(|n| {
            let format = if *n == "Name" { "name" } else { "" };
            json!({"name": n, "type": "string", "format": format, "description": "", "priority": 0})
        })
        .collect();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            json!({
                "cells": columns(rt, o).1,
                "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version.to_string()},
        "columnDefinitions": definitions,
        "rows": rows
    })
}
