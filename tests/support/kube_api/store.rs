//! The double's storage: objects, the resourceVersion clock, the watch-event history, pod logs,
//! and the write semantics of the apiserver's generic registry.
//!
//! Behaviour reproduced (from `k8s.io/apiserver/pkg/registry/generic/registry/store.go` and the
//! per-type strategies in `k8s.io/kubernetes/pkg/registry/*`):
//! - one global, monotonically increasing `resourceVersion` (etcd's revision) stamped on every
//!   write; lists carry the current revision;
//! - create fills `uid`, `creationTimestamp`, `generation: 1`, honours `generateName`, rejects an
//!   existing name with `409 AlreadyExists` and a missing namespace with `404 NotFound`; types with
//!   a `/status` subresource get their status reset on create and kept on main-resource writes;
//! - update checks `metadata.resourceVersion` when given (`409 Conflict`), bumps `generation` when
//!   `spec` changes; a Job's `spec.template` is immutable (`422 Invalid`);
//! - the Job and Deployment defaults that clients rely on (`spec.replicas: 1`, a Job's
//!   `batch.kubernetes.io/job-name` / `controller-uid` labels and selector, `backoffLimit: 6`);
//! - delete with finalizers (`deletionTimestamp` set, removal when the finalizers are cleared) and
//!   garbage collection of dependents through `ownerReferences` for `Background`/`Foreground`
//!   propagation (`Orphan` leaves them, and is the default for batch/v1 Jobs as in the real API);
//!   deleting a namespace deletes everything in it.
//!
//! Not reproduced: admission, validation beyond the cases above, managedFields, field ownership
//! conflicts of server-side apply (apply is a JSON merge of the applied object), strategic-merge
//! list semantics (lists are replaced, `$patch`-style directives are dropped).

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::SystemTime;

use serde_json::{Value, json};

use super::resources::{self, ResourceType};

/// An error the API answers with, rendered as a `Status` object.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Value,
}

impl ApiError {
    fn for_object(rt: &ResourceType, name: &str, code: u16, reason: &'static str, message: String) -> Self {
        let mut details = json!({"name": name, "kind": rt.plural});
        if !rt.group.is_empty() {
            details["group"] = json!(rt.group);
        }
        ApiError { code, reason, message, details }
    }

    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        Self::for_object(rt, name, 404, "NotFound", format!("{} \"{name}\" not found", rt.qualified()))
    }

    pub fn already_exists(rt: &ResourceType, name: &str) -> Self {
        Self::for_object(rt, name, 409, "AlreadyExists", format!("{} \"{name}\" already exists", rt.qualified()))
    }

    pub fn conflict(rt: &ResourceType, name: &str) -> Self {
        let message = format!(
            "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            rt.qualified()
        );
        Self::for_object(rt, name, 409, "Conflict", message)
    }

    pub fn invalid(rt: &ResourceType, name: &str, field: &str, detail: &str) -> Self {
        let message = format!("{} \"{name}\" is invalid: {field}: {detail}", rt.qualified_kind());
        let mut err = Self::for_object(rt, name, 422, "Invalid", message);
        err.details["kind"] = json!(rt.kind);
        err.details["causes"] = json!([{"reason": "FieldValueInvalid", "message": detail, "field": field}]);
        err
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError { code: 400, reason: "BadRequest", message: message.into(), details: Value::Null }
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        ApiError { code: 415, reason: "UnsupportedMediaType", message: message.into(), details: Value::Null }
    }

    pub fn unknown_path() -> Self {
        ApiError {
            code: 404,
            reason: "NotFound",
            message: "the server could not find the requested resource".into(),
            details: json!({}),
        }
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        ApiError { code: 405, reason: "MethodNotAllowed", message: message.into(), details: json!({}) }
    }

    pub fn gone(requested: u64, oldest: u64) -> Self {
        ApiError {
            code: 410,
            reason: "Expired",
            message: format!("too old resource version: {requested} ({oldest})"),
            details: Value::Null,
        }
    }

    /// An error injected by the test with an arbitrary code and reason.
    pub fn custom(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError { code, reason, message: message.into(), details: Value::Null }
    }

    /// The `Status` object the apiserver sends.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if !self.details.is_null() {
            status["details"] = self.details.clone();
        }
        status
    }
}

/// `ADDED`, `MODIFIED` or `DELETED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change in the history that watches replay.
#[derive(Debug, Clone)]
pub struct Change {
    pub rv: u64,
    pub rt: &'static ResourceType,
    pub event: EventType,
    pub object: Value,
    /// The object before a `MODIFIED` change (to turn selector transitions into ADDED/DELETED).
    pub previous: Option<Value>,
}

/// One HTTP request the double received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string (`""` when none).
    pub query: String,
    pub content_type: Option<String>,
    /// The `Authorization` header, as sent.
    pub authorization: Option<String>,
    pub body: String,
}

impl RecordedRequest {
    /// The decoded value of query parameter `key`.
    pub fn query_param(&self, key: &str) -> Option<String> {
        query_pairs(&self.query).into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The body parsed as JSON (`Value::Null` when empty or not JSON).
    pub fn body_json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// Whether this is a watch request.
    pub fn is_watch(&self) -> bool {
        matches!(self.query_param("watch").as_deref(), Some("true") | Some("1"))
    }
}

/// A failure the test asked for: the next `times` requests whose method is `method` and whose
/// path ends with `path_suffix` get this error instead of being served.
#[derive(Debug, Clone)]
pub struct InjectedFailure {
    pub method: String,
    pub path_suffix: String,
    pub error: ApiError,
    pub times: usize,
    /// Never answer (the client waits until it gives up or is killed) instead of `error`.
    pub hang: bool,
}

/// Percent-decodes a query string into pairs.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    let decode = super::super::percent_decode;
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// Now, as the apiserver writes timestamps (`2025-01-01T00:00:00Z`).
pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

type Key = (&'static str, String, String);

/// One line of a container's log as the container runtime records it (CRI log format): the time
/// it was written and its text. Kubelet serves the time with `timestamps=true` and filters on it
/// for `sinceSeconds`/`sinceTime`.
#[derive(Clone, Debug)]
pub struct LogEntry {
    pub time: SystemTime,
    pub text: String,
}

impl LogEntry {
    /// `2026-12-02T11:30:23.123456789Z text`: kubelet's `timestamps=true` form (RFC 3339 with
    /// nanoseconds, trailing zeros kept).
    pub fn stamped(&self) -> String {
        format!("{} {}", humantime::format_rfc3339_nanos(self.time), self.text)
    }
}

/// A `PATCH` request's body and options.
#[derive(Clone, Copy)]
pub struct PatchRequest<'a> {
    pub content_type: &'a str,
    pub body: &'a str,
    pub field_manager: Option<&'a str>,
    /// Whether the request targets the `/status` subresource.
    pub status_only: bool,
}

/// How a delete went.
pub enum Deleted {
    /// Removed now; the apiserver answers with a `Status` (or the object, for pods and namespaces).
    Gone(Value),
    /// Still there with `deletionTimestamp` set (finalizers pending).
    Pending(Value),
}

/// The whole server state. Tests reach it through [`super::KubeApi`].
#[derive(Default)]
pub struct State {
    rv: u64,
    counter: u64,
    objects: BTreeMap<Key, Value>,
    pub(super) history: Vec<Change>,
    /// Watches asking for a resourceVersion below this get `410 Expired`.
    pub(super) compacted_below: u64,
    pub(super) logs: HashMap<(String, String, String), Vec<LogEntry>>,
    /// Logs of the previous (crashed) instance of a container.
    pub(super) previous_logs: HashMap<(String, String, String), Vec<LogEntry>>,
    pub(super) port_targets: HashMap<(String, String, u16), SocketAddr>,
    /// What a pod's exec runs, per (namespace, pod).
    pub(super) exec_handlers: HashMap<(String, String), super::exec::ExecHandler>,
    /// Every exec served, in order.
    pub(super) execs: Vec<super::exec::ExecRecord>,
    /// The exec subprotocols served, when not both (an apiserver before 1.30 serves only v4).
    pub(super) exec_protocols: Option<Vec<&'static str>>,
    /// Bumped to break every open log stream mid-body (a dropped connection).
    pub(super) log_cuts: u64,
    pub(super) requests: Vec<RecordedRequest>,
    pub(super) failures: Vec<InjectedFailure>,
}

fn key(rt: &'static ResourceType, ns: &str, name: &str) -> Key {
    (rt.plural, if rt.namespaced { ns.to_string() } else { String::new() }, name.to_string())
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata").and_then(|m| m.get(field)).and_then(Value::as_str)
}

impl State {
    pub fn new() -> Self {
        let mut state = State::default();
        for ns in ["default", "kube-system", "kube-public"] {
            let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            state.create(resources::lookup("namespaces").unwrap(), "", obj, false).expect("fresh state");
        }
        state
    }

    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    /// The requests received so far, in order.
    pub fn requests_seen(&self) -> &[RecordedRequest] {
        &self.requests
    }

    /// The stored object, for wait predicates (`resource`: plural, kind or short name).
    pub fn object(&self, resource: &str, ns: &str, name: &str) -> Option<&Value> {
        self.get(resources::lookup(resource)?, ns, name)
    }

    fn next_id(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn uid(&mut self) -> String {
        let n = self.next_id();
        format!("{:08x}-0000-4000-8000-{:012x}", n as u32, n)
    }

    /// Five characters as `generateName` appends (from the apiserver's alphabet).
    fn suffix(&mut self) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let mut n = self.next_id().wrapping_mul(2_654_435_761) ^ 0x5bd1e995;
        (0..5)
            .map(|_| {
                let c = ALPHABET[(n % ALPHABET.len() as u64) as usize] as char;
                n /= ALPHABET.len() as u64;
                c
            })
            .collect()
    }

    pub fn get(&self, rt: &'static ResourceType, ns: &str, name: &str) -> Option<&Value> {
        self.objects.get(&key(rt, ns, name))
    }

    /// Objects of `rt` in `ns` (all namespaces when `ns` is `None`), in key order.
    pub fn list(&self, rt: &'static ResourceType, ns: Option<&str>) -> Vec<&Value> {
        self.objects
            .iter()
            .filter(|((plural, ons, _), _)| *plural == rt.plural && ns.is_none_or(|n| !rt.namespaced || n == ons))
            .map(|(_, v)| v)
            .collect()
    }

    /// Stores `obj` at the next resourceVersion and records the change.
    fn commit(
        &mut self,
        rt: &'static ResourceType,
        mut obj: Value,
        event: EventType,
        previous: Option<Value>,
    ) -> Value {
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let ns = meta_str(&obj, "namespace").unwrap_or_default().to_string();
        let name = meta_str(&obj, "name").unwrap_or_default().to_string();
        let k = key(rt, &ns, &name);
        if event == EventType::Deleted {
            self.objects.remove(&k);
        } else {
            self.objects.insert(k, obj.clone());
        }
        self.history.push(Change { rv: self.rv, rt, event, object: obj.clone(), previous });
        obj
    }

    /// Create, as `POST` does (`from_api`) or as a test inserting a fixture does (keeps status).
    pub fn create(
        &mut self,
        rt: &'static ResourceType,
        ns: &str,
        mut obj: Value,
        from_api: bool,
    ) -> Result<Value, ApiError> {
        if !obj.get("metadata").is_some_and(Value::is_object) {
            obj["metadata"] = json!({});
        }
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        if meta_str(&obj, "name").is_none_or(str::is_empty) {
            match meta_str(&obj, "generateName") {
                Some(prefix) if !prefix.is_empty() => {
                    let name = format!("{prefix}{}", self.suffix());
                    obj["metadata"]["name"] = json!(name);
                }
                _ => {
                    return Err(ApiError::invalid(
                        rt,
                        "",
                        "metadata.name",
                        "Required value: name or generateName is required",
                    ));
                }
            }
        }
        let name = meta_str(&obj, "name").unwrap().to_string();
        if rt.namespaced {
            match meta_str(&obj, "namespace") {
                Some(body_ns) if !body_ns.is_empty() && body_ns != ns => {
                    return Err(ApiError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
                _ => obj["metadata"]["namespace"] = json!(ns),
            }
            if self.get(resources::lookup("namespaces").unwrap(), "", ns).is_none() {
                return Err(ApiError::not_found(resources::lookup("namespaces").unwrap(), ns));
            }
        } else if let Some(m) = obj["metadata"].as_object_mut() {
            m.remove("namespace");
        }
        if self.get(rt, ns, &name).is_some() {
            return Err(ApiError::already_exists(rt, &name));
        }
        let uid = self.uid();
        let meta = &mut obj["metadata"];
        meta["uid"] = json!(uid);
        meta["creationTimestamp"] = json!(now());
        meta["generation"] = json!(1);
        if let Some(m) = meta.as_object_mut() {
            m.remove("resourceVersion");
            m.remove("deletionTimestamp");
        }
        apply_defaults(rt, &mut obj, &uid, from_api);
        Ok(self.commit(rt, obj, EventType::Added, None))
    }

    /// Replace, as `PUT` does (on the main resource, or on `/status` when `status_only`).
    pub fn replace(
        &mut self,
        rt: &'static ResourceType,
        ns: &str,
        name: &str,
        mut obj: Value,
        status_only: bool,
    ) -> Result<Value, ApiError> {
        let Some(old) = self.get(rt, ns, name).cloned() else {
            return Err(ApiError::not_found(rt, name));
        };
        if meta_str(&obj, "name").is_some_and(|n| n != name) {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                meta_str(&obj, "name").unwrap()
            )));
        }
        if let Some(rv) = meta_str(&obj, "resourceVersion")
            && !rv.is_empty()
            && Some(rv) != meta_str(&old, "resourceVersion")
        {
            return Err(ApiError::conflict(rt, name));
        }
        if status_only {
            let mut new = old.clone();
            new["status"] = obj.get("status").cloned().unwrap_or(Value::Null);
            return Ok(self.commit(rt, new, EventType::Modified, Some(old)));
        }
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        if !obj.get("metadata").is_some_and(Value::is_object) {
            obj["metadata"] = json!({});
        }
        for field in ["uid", "creationTimestamp", "namespace", "name", "deletionTimestamp", "generation"] {
            match old["metadata"].get(field) {
                Some(v) => obj["metadata"][field] = v.clone(),
                None => {
                    if let Some(m) = obj["metadata"].as_object_mut() {
                        m.remove(field);
                    }
                }
            }
        }
        if rt.has_status {
            match old.get("status") {
                Some(s) => obj["status"] = s.clone(),
                None => {
                    if let Some(m) = obj.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
        }
        if rt.kind == "Job" {
            let uid = old["metadata"]["uid"].as_str().unwrap_or_default().to_string();
            apply_defaults(rt, &mut obj, &uid, false);
            if obj.pointer("/spec/template") != old.pointer("/spec/template") {
                let detail = format!(
                    "Invalid value: {}: field is immutable",
                    serde_json::to_string(obj.pointer("/spec/template").unwrap_or(&Value::Null)).unwrap_or_default()
                );
                return Err(ApiError::invalid(rt, name, "spec.template", &detail));
            }
        }
        if obj.get("spec") != old.get("spec") {
            let generation = old["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            obj["metadata"]["generation"] = json!(generation);
        }
        self.finish_update(rt, obj, old)
    }

    /// Stores an updated object, completing a pending deletion whose finalizers are gone.
    fn finish_update(&mut self, rt: &'static ResourceType, obj: Value, old: Value) -> Result<Value, ApiError> {
        let deleting = obj.pointer("/metadata/deletionTimestamp").is_some();
        let finalizers_left =
            obj.pointer("/metadata/finalizers").and_then(Value::as_array).is_some_and(|f| !f.is_empty());
        if deleting && !finalizers_left {
            let stored = self.commit(rt, obj, EventType::Modified, Some(old));
            return Ok(self.commit(rt, stored, EventType::Deleted, None));
        }
        Ok(self.commit(rt, obj, EventType::Modified, Some(old)))
    }

    /// Applies `f` to a stored object and commits it (the test handle's way to play controller).
    pub fn modify(
        &mut self,
        rt: &'static ResourceType,
        ns: &str,
        name: &str,
        f: impl FnOnce(&mut Value),
    ) -> Result<Value, ApiError> {
        let Some(old) = self.get(rt, ns, name).cloned() else {
            return Err(ApiError::not_found(rt, name));
        };
        let mut new = old.clone();
        f(&mut new);
        self.finish_update(rt, new, old)
    }

    /// Inserts or overwrites an object as given, status included (a test fixture).
    pub fn upsert(&mut self, rt: &'static ResourceType, obj: Value) -> Result<Value, ApiError> {
        let ns = meta_str(&obj, "namespace").unwrap_or("default").to_string();
        let name = meta_str(&obj, "name").unwrap_or_default().to_string();
        if rt.namespaced && self.get(resources::lookup("namespaces").unwrap(), "", &ns).is_none() {
            let ns_obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            self.create(resources::lookup("namespaces").unwrap(), "", ns_obj, false)?;
        }
        match self.get(rt, &ns, &name).cloned() {
            None => self.create(rt, &ns, obj, false),
            Some(old) => {
                let mut obj = obj;
                for field in ["uid", "creationTimestamp", "namespace"] {
                    if let Some(v) = old["metadata"].get(field) {
                        obj["metadata"][field] = v.clone();
                    }
                }
                obj["apiVersion"] = json!(rt.api_version());
                obj["kind"] = json!(rt.kind);
                if obj.pointer("/metadata/generation").is_none() {
                    obj["metadata"]["generation"] = old["metadata"]["generation"].clone();
                }
                Ok(self.commit(rt, obj, EventType::Modified, Some(old)))
            }
        }
    }

    /// Patch, as `PATCH` does for the request's content type.
    pub fn patch(
        &mut self,
        rt: &'static ResourceType,
        ns: &str,
        name: &str,
        request: &PatchRequest<'_>,
    ) -> Result<Value, ApiError> {
        let PatchRequest { content_type, body, field_manager, status_only } = *request;
        let ct = content_type.split(';').next().unwrap_or_default().trim();
        let existing = self.get(rt, ns, name).cloned();
        let parse_json = |body: &str| -> Result<Value, ApiError> {
            serde_json::from_str(body).map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))
        };
        let mut patched = match ct {
            "application/apply-patch+yaml" | "application/apply-patch+json" => {
                if field_manager.is_none_or(str::is_empty) {
                    return Err(ApiError::invalid(
                        rt,
                        "",
                        "fieldManager",
                        "Required value: is required for apply patch",
                    ));
                }
                let applied: Value = match serde_json::from_str(body) {
                    Ok(v) => v,
                    Err(_) => serde_saphyr::from_str(body)
                        .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?,
                };
                match existing.clone() {
                    None if status_only => return Err(ApiError::not_found(rt, name)),
                    None => return self.create(rt, ns, applied, true),
                    Some(mut current) => {
                        json_patch::merge(&mut current, &applied);
                        current
                    }
                }
            }
            "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
                let Some(mut current) = existing.clone() else {
                    return Err(ApiError::not_found(rt, name));
                };
                let mut p = parse_json(body)?;
                strip_directives(&mut p);
                json_patch::merge(&mut current, &p);
                current
            }
            "application/json-patch+json" => {
                let Some(mut current) = existing.clone() else {
                    return Err(ApiError::not_found(rt, name));
                };
                let ops: json_patch::Patch = serde_json::from_str(body)
                    .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
                json_patch::patch(&mut current, &ops).map_err(|e| {
                    ApiError::custom(
                        422,
                        "Invalid",
                        format!("the server rejected our request due to an error in our request: {e}"),
                    )
                })?;
                current
            }
            other => {
                return Err(ApiError::custom(
                    415,
                    "UnsupportedMediaType",
                    format!(
                        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {other:?})"
                    ),
                ));
            }
        };
        let old = existing.expect("checked above");
        if let Some(m) = patched["metadata"].as_object_mut() {
            m.remove("resourceVersion");
        }
        if let Some(rv) = body_resource_version(body)
            && Some(rv.as_str()) != meta_str(&old, "resourceVersion")
        {
            return Err(ApiError::conflict(rt, name));
        }
        if status_only {
            return self.replace(rt, ns, name, patched, true);
        }
        self.replace(rt, ns, name, patched, false)
    }

    /// Delete, as `DELETE` does with `propagationPolicy` (`None`: the type's default).
    pub fn delete(
        &mut self,
        rt: &'static ResourceType,
        ns: &str,
        name: &str,
        policy: Option<&str>,
    ) -> Result<Deleted, ApiError> {
        let Some(obj) = self.get(rt, ns, name).cloned() else {
            return Err(ApiError::not_found(rt, name));
        };
        let policy = policy.unwrap_or(if rt.kind == "Job" { "Orphan" } else { "Background" });
        let has_finalizers =
            obj.pointer("/metadata/finalizers").and_then(Value::as_array).is_some_and(|f| !f.is_empty());
        if has_finalizers {
            if obj.pointer("/metadata/deletionTimestamp").is_some() {
                return Ok(Deleted::Pending(obj));
            }
            let mut marked = obj.clone();
            marked["metadata"]["deletionTimestamp"] = json!(now());
            marked["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            return Ok(Deleted::Pending(self.commit(rt, marked, EventType::Modified, Some(obj))));
        }
        if rt.kind == "Namespace" {
            let contained: Vec<(&'static ResourceType, String)> = self
                .objects
                .iter()
                .filter(|((_, ons, _), _)| ons == name)
                .filter_map(|((plural, _, oname), _)| resources::lookup(plural).map(|t| (t, oname.clone())))
                .collect();
            for (t, oname) in contained {
                if let Some(o) = self.get(t, name, &oname).cloned() {
                    self.commit(t, o, EventType::Deleted, None);
                }
            }
        } else if policy != "Orphan" {
            let uid = meta_str(&obj, "uid").unwrap_or_default().to_string();
            self.delete_dependents(&uid);
        }
        let mut gone = self.commit(rt, obj, EventType::Deleted, None);
        if rt.kind == "Namespace" {
            gone["status"]["phase"] = json!("Terminating");
            gone["metadata"]["deletionTimestamp"] = json!(now());
        }
        Ok(Deleted::Gone(gone))
    }

    fn delete_dependents(&mut self, owner_uid: &str) {
        let dependents: Vec<(&'static ResourceType, String, String)> = self
            .objects
            .iter()
            .filter(|(_, o)| {
                o.pointer("/metadata/ownerReferences")
                    .and_then(Value::as_array)
                    .is_some_and(|refs| refs.iter().any(|r| r["uid"] == owner_uid))
            })
            .filter_map(|((plural, ns, name), _)| resources::lookup(plural).map(|t| (t, ns.clone(), name.clone())))
            .collect();
        for (t, ns, name) in dependents {
            if let Some(o) = self.get(t, &ns, &name).cloned() {
                let uid = meta_str(&o, "uid").unwrap_or_default().to_string();
                self.delete_dependents(&uid);
                self.commit(t, o, EventType::Deleted, None);
            }
        }
    }

    /// `prefix` plus five random-looking characters, as `generateName` produces.
    pub fn next_name(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.suffix())
    }
}

fn body_resource_version(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    v.pointer("/metadata/resourceVersion").and_then(Value::as_str).map(str::to_string)
}

/// Drops strategic-merge directives (`$patch`, `$setElementOrder/…`, `$retainKeys`, …).
fn strip_directives(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, _| !k.starts_with('$'));
            map.values_mut().for_each(strip_directives);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_directives),
        _ => {}
    }
}

/// Defaults the real registry strategies and defaulting functions set on create.
fn apply_defaults(rt: &ResourceType, obj: &mut Value, uid: &str, from_api: bool) {
    match rt.kind {
        "Deployment" | "StatefulSet" | "ReplicaSet" if obj.pointer("/spec/replicas").is_none() => {
            obj["spec"]["replicas"] = json!(1);
        }
        "Job" => {
            for (field, default) in [("backoffLimit", 6), ("completions", 1), ("parallelism", 1)] {
                if obj.pointer(&format!("/spec/{field}")).is_none() {
                    obj["spec"][field] = json!(default);
                }
            }
            let name = obj["metadata"]["name"].as_str().unwrap_or_default().to_string();
            if obj.pointer("/spec/manualSelector") != Some(&json!(true)) {
                obj["spec"]["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});
                let labels = &mut obj["spec"]["template"]["metadata"]["labels"];
                for (k, v) in [
                    ("batch.kubernetes.io/controller-uid", uid),
                    ("batch.kubernetes.io/job-name", name.as_str()),
                    ("controller-uid", uid),
                    ("job-name", name.as_str()),
                ] {
                    labels[k] = json!(v);
                }
            }
        }
        "Namespace" => {
            obj["spec"]["finalizers"] = json!(["kubernetes"]);
            obj["status"] = json!({"phase": "Active"});
            obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = obj["metadata"]["name"].clone();
        }
        "Service" => {
            if obj.pointer("/spec/type").is_none() {
                obj["spec"]["type"] = json!("ClusterIP");
            }
            if obj.pointer("/spec/clusterIP").is_none() {
                let n = uid.len() as u64 + uid.bytes().map(u64::from).sum::<u64>();
                obj["spec"]["clusterIP"] = json!(format!("10.43.{}.{}", (n / 250) % 250, n % 250 + 1));
            }
        }
        _ => {}
    }
    if from_api && rt.has_status && rt.kind != "Namespace" {
        obj["status"] =
            if rt.kind == "Pod" { json!({"phase": "Pending", "qosClass": "BestEffort"}) } else { json!({}) };
    }
}

/// The state behind a lock, with change notification for async and blocking waiters.
pub struct Shared {
    state: Mutex<State>,
    cond: Condvar,
    changed: tokio::sync::watch::Sender<u64>,
}

impl Shared {
    pub fn new() -> Self {
        let (changed, _) = tokio::sync::watch::channel(0);
        Shared { state: Mutex::new(State::new()), cond: Condvar::new(), changed }
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the state and wakes every watcher, log follower and waiter.
    pub fn mutate<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let out = {
            let mut state = self.lock();
            f(&mut state)
        };
        self.changed.send_modify(|n| *n += 1);
        self.cond.notify_all();
        out
    }

    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Blocks until `pred` holds or `timeout` passes; returns whether it held.
    pub fn wait_blocking(&self, timeout: std::time::Duration, mut pred: impl FnMut(&State) -> bool) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let mut state = self.lock();
        loop {
            if pred(&state) {
                return true;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self.cond.wait_timeout(state, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}
