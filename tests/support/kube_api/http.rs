//! The HTTP face of the double: routing of Kubernetes REST paths, lists, chunked watches, pod
//! log streaming, and `Status` errors.
//!
//! Wire behaviour follows `k8s.io/apiserver/pkg/endpoints/handlers` (`get.go`, `watch.go`,
//! `create.go`, `update.go`, `patch.go`, `delete.go`) and the kubelet's log endpoint:
//! - a watch answers `200` at once and streams one JSON `WatchEvent` per line
//!   (`{"type":"ADDED","object":{…}}`), `Transfer-Encoding: chunked`; without a
//!   `resourceVersion` (or with `0`) it first sends the current objects as `ADDED`; from
//!   `resourceVersion=N` it replays every later change; a version older than the last
//!   compaction gets an `ERROR` event holding a `410 Expired` Status; `allowWatchBookmarks`
//!   adds `BOOKMARK` events, `sendInitialEvents=true` ends the initial batch with a bookmark
//!   annotated `k8s.io/initial-events-end: "true"`; `timeoutSeconds` ends the stream;
//! - label/field selectors turn a change that moves an object out of (into) the selection into
//!   `DELETED` (`ADDED`), as the watch cache does;
//! - `pods/<name>/log` answers `text/plain`; `follow=true` keeps the stream open, sending lines as
//!   the test appends them, and ends it when the container terminates or the pod goes away;
//!   a container still waiting gets `400 … is waiting to start: <reason>` (kubelet's wording,
//!   incl. its special texts for `ErrImagePull`/`ImagePullBackOff`), a crashed container's
//!   last run is served as kubelet does (also with `previous=true`), a pod with several
//!   containers and no `container` parameter gets `400 a container name must be specified …`;
//!   `tailLines`, `sinceSeconds` and `sinceTime` are honoured (kubelet's filter on the runtime's
//!   line times; at most one of the two `since`s, seconds above 0, as the apiserver validates),
//!   `timestamps=true` prefixes each line with its time as kubelet does
//!   (`2026-12-02T11:30:23.123456789Z line`); a follower reads one run of the container and ends
//!   when a restart starts the next (its lines then become the previous log), and breaks
//!   mid-body (an aborted connection, not the end of the log) when the test cuts the streams;
//!   `limitBytes` is ignored.
//! - `DELETE` answers the object for pods, namespaces and objects kept by finalizers, a
//!   `Status` with `details` otherwise.
//!
//! Lists ignore `limit` (legal: the real server does the same for `resourceVersion=0`).
//! `/openapi/v3` answers just enough for kubectl to choose server-side field validation
//! (see [`super::resources::openapi_v3_root`]); `fieldValidation` itself is accepted and not
//! enforced; `/openapi/v2` answers an empty protobuf document (what helm's client-side validation
//! needs: no schema, so nothing to check).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::{SinkExt, StreamExt, channel::mpsc};
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use serde_json::{Value, json};

use super::resources::{self, ResourceType};
use super::selector::{FieldSelector, LabelSelector};
use super::store::{
    ApiError, Change, Deleted, EventType, LogEntry, PatchRequest, RecordedRequest, Shared, State, query_pairs,
};

pub type Body = BoxBody<Bytes, std::io::Error>;

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never: Infallible| match never {}).boxed()
}

pub fn empty() -> Body {
    full(Bytes::new())
}

fn json_response(code: u16, value: &Value) -> Response<Body> {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "application/json")
        .body(full(serde_json::to_vec(value).expect("json")))
        .expect("response")
}

pub fn error_response(err: &ApiError) -> Response<Body> {
    json_response(err.code, &err.to_status())
}

/// Where a request points.
pub struct Route {
    pub rt: &'static ResourceType,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// The result of routing a path.
pub enum Target {
    Document(Value),
    Resource(Route),
}

pub fn route(path: &str) -> Result<Target, ApiError> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let doc = |v: Option<Value>| v.map(Target::Document).ok_or_else(ApiError::unknown_path);
    let (group, version, rest): (&str, &str, &[&str]) = match segs.as_slice() {
        ["version"] => return Ok(Target::Document(resources::version())),
        ["api"] => return Ok(Target::Document(resources::core_versions())),
        ["apis"] => return Ok(Target::Document(resources::group_list())),
        ["apis", g] => return doc(resources::group(g)),
        ["api", v] => return doc(resources::resource_list("", v)),
        ["apis", g, v] => return doc(resources::resource_list(g, v)),
        ["openapi", "v3"] => return Ok(Target::Document(resources::openapi_v3_root())),
        ["openapi", "v3", "api", v] => return doc(resources::openapi_v3_group_version("", v)),
        ["openapi", "v3", "apis", g, v] => return doc(resources::openapi_v3_group_version(g, v)),
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Err(ApiError::unknown_path()),
    };
    let found = |plural: &str| resources::by_path(group, version, plural).ok_or_else(ApiError::unknown_path);
    let r = |rt, namespace: Option<&str>, name: Option<&str>, sub: Option<&str>| {
        Ok(Target::Resource(Route {
            rt,
            namespace: namespace.map(str::to_string),
            name: name.map(str::to_string),
            subresource: sub.map(str::to_string),
        }))
    };
    match rest {
        ["namespaces", ns, plural, tail @ ..]
            if resources::by_path(group, version, plural).is_some_and(|t| t.namespaced) =>
        {
            let rt = found(plural)?;
            match tail {
                [] => r(rt, Some(ns), None, None),
                [name] => r(rt, Some(ns), Some(name), None),
                [name, sub] => r(rt, Some(ns), Some(name), Some(sub)),
                _ => Err(ApiError::unknown_path()),
            }
        }
        [plural] => r(found(plural)?, None, None, None),
        [plural, name] => {
            let rt = found(plural)?;
            if rt.namespaced {
                return Err(ApiError::unknown_path());
            }
            r(rt, None, Some(name), None)
        }
        [plural, name, sub] if !found(plural)?.namespaced => r(found(plural)?, None, Some(name), Some(sub)),
        _ => Err(ApiError::unknown_path()),
    }
}

/// Request parameters the handlers read.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true") | Some("1"))
    }

    fn selectors(&self) -> Result<(LabelSelector, FieldSelector), ApiError> {
        let labels =
            LabelSelector::parse(self.get("labelSelector").unwrap_or_default()).map_err(ApiError::bad_request)?;
        let fields =
            FieldSelector::parse(self.get("fieldSelector").unwrap_or_default()).map_err(ApiError::bad_request)?;
        Ok((labels, fields))
    }
}

fn header_str<B>(req: &Request<B>, name: header::HeaderName) -> Option<String> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// Serves one request.
pub async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let is_upgrade = req.headers().contains_key(header::UPGRADE);
    if is_upgrade {
        let path = req.uri().path().to_string();
        let query = req.uri().query().unwrap_or_default().to_string();
        shared.mutate(|st| {
            st.requests.push(RecordedRequest {
                method: req.method().to_string(),
                path: path.clone(),
                query: query.clone(),
                content_type: None,
                authorization: header_str(&req, header::AUTHORIZATION),
                body: String::new(),
            })
        });
        if path.ends_with("/exec") {
            return Ok(super::exec::upgrade(shared, req).await);
        }
        return Ok(super::portforward::upgrade(shared, req).await);
    }
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or_default().to_string();
    let mut content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    // Protobuf bodies (client-go's typed clients: kubectl, helm) become the JSON the rest reads;
    // the recorded request keeps the protobuf content type.
    let mut decode_error = None;
    let body = if content_type.as_deref().is_some_and(|ct| ct.starts_with(super::protobuf::CONTENT_TYPE)) {
        match super::protobuf::decode(&body) {
            Ok(value) => value.to_string(),
            Err(e) => {
                decode_error = Some(e);
                String::new()
            }
        }
    } else {
        String::from_utf8_lossy(&body).into_owned()
    };
    let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string);
    let accept = parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).map(str::to_string);
    let injected = shared.mutate(|st| {
        st.requests.push(RecordedRequest {
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            content_type: content_type.clone(),
            authorization: authorization.clone(),
            body: body.clone(),
        });
        let hit = st.failures.iter_mut().find(|f| {
            f.times > 0 && f.method.eq_ignore_ascii_case(method.as_str()) && path.ends_with(&f.path_suffix)
        })?;
        hit.times -= 1;
        Some((hit.error.clone(), hit.hang))
    });
    if let Some((err, hang)) = injected {
        if hang {
            futures::future::pending::<()>().await;
        }
        return Ok(error_response(&err));
    }
    if let Some(why) = decode_error {
        return Ok(error_response(&ApiError::unsupported_media_type(why)));
    }
    if content_type.as_deref().is_some_and(|ct| ct.starts_with(super::protobuf::CONTENT_TYPE)) {
        content_type = Some("application/json".into());
    }
    let params = Params(query_pairs(&query));
    let response =
        match dispatch(&shared, &method, &path, &params, content_type.as_deref(), accept.as_deref(), &body).await {
            Ok(resp) => resp,
            Err(err) => error_response(&err),
        };
    Ok(response)
}

async fn dispatch(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    params: &Params,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: &str,
) -> Result<Response<Body>, ApiError> {
    let table = super::table::wants_table(accept);
    if path.trim_end_matches('/') == "/openapi/v2" && method == Method::GET {
        // An empty protobuf OpenAPI v2 document: helm's client-side validation then finds no
        // schema for any kind and skips it, as it does for CRDs.
        return Ok(Response::builder()
            .status(200)
            .header(header::CONTENT_TYPE, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
            .body(full(Vec::new()))
            .expect("response"));
    }
    let route = match route(path)? {
        Target::Document(doc) if method == Method::GET => return Ok(json_response(200, &doc)),
        Target::Document(_) => {
            return Err(ApiError::method_not_allowed(
                "the server does not allow this method on the requested resource",
            ));
        }
        Target::Resource(route) => route,
    };
    let rt = route.rt;
    let ns = route.namespace.clone().unwrap_or_default();
    let sub = route.subresource.as_deref();
    let status_only = sub == Some("status");
    if let Some(s) = sub
        && s != "status"
        && s != "log"
    {
        return Err(ApiError::unknown_path());
    }
    let parse_body = || -> Result<Value, ApiError> {
        serde_json::from_str(body)
            .or_else(|_| serde_saphyr::from_str(body))
            .map_err(|e| ApiError::bad_request(format!("error decoding request body: {e}")))
    };
    match (method.clone(), route.name.as_deref()) {
        (Method::GET, None) if params.flag("watch") => watch(shared.clone(), rt, route.namespace.clone(), params),
        (Method::GET, None) => {
            let (labels, fields) = params.selectors()?;
            let st = shared.lock();
            let items: Vec<Value> = st
                .list(rt, route.namespace.as_deref())
                .into_iter()
                .filter(|o| labels.matches(o) && fields.matches(o))
                .cloned()
                .collect();
            if table {
                let refs: Vec<&Value> = items.iter().collect();
                let rendered = super::table::render(rt, &refs, st.resource_version());
                return Ok(json_response(200, &rendered));
            }
            let list = json!({
                "kind": format!("{}List", rt.kind),
                "apiVersion": rt.api_version(),
                "metadata": {"resourceVersion": st.resource_version().to_string()},
                "items": items,
            });
            Ok(json_response(200, &list))
        }
        (Method::GET, Some(name)) if sub == Some("log") => logs(shared.clone(), &ns, name, params),
        (Method::GET, Some(name)) => {
            let st = shared.lock();
            let obj = st.get(rt, &ns, name).ok_or_else(|| ApiError::not_found(rt, name))?;
            if table {
                let rendered = super::table::render(rt, &[obj], st.resource_version());
                return Ok(json_response(200, &rendered));
            }
            Ok(json_response(200, obj))
        }
        (Method::POST, None) => {
            let obj = parse_body()?;
            let created = shared.mutate(|st| st.create(rt, &ns, obj, true))?;
            Ok(json_response(201, &created))
        }
        (Method::PUT, Some(name)) => {
            let obj = parse_body()?;
            let updated = shared.mutate(|st| st.replace(rt, &ns, name, obj, status_only))?;
            Ok(json_response(200, &updated))
        }
        (Method::PATCH, Some(name)) => {
            let ct = content_type.unwrap_or("application/json");
            let manager = params.get("fieldManager");
            let existed = shared.lock().get(rt, &ns, name).is_some();
            let request = PatchRequest { content_type: ct, body, field_manager: manager, status_only };
            let patched = shared.mutate(|st| st.patch(rt, &ns, name, &request))?;
            Ok(json_response(if existed { 200 } else { 201 }, &patched))
        }
        (Method::DELETE, Some(name)) => {
            let options: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            let policy = params
                .get("propagationPolicy")
                .map(str::to_string)
                .or_else(|| options["propagationPolicy"].as_str().map(str::to_string))
                .or_else(|| match options["orphanDependents"].as_bool() {
                    Some(true) => Some("Orphan".into()),
                    Some(false) => Some("Background".into()),
                    None => None,
                });
            let outcome = shared.mutate(|st| st.delete(rt, &ns, name, policy.as_deref()))?;
            Ok(match outcome {
                Deleted::Pending(obj) => json_response(200, &obj),
                Deleted::Gone(obj) if rt.kind == "Pod" || rt.kind == "Namespace" => json_response(200, &obj),
                Deleted::Gone(obj) => {
                    let mut details = json!({"name": name, "kind": rt.plural, "uid": obj["metadata"]["uid"]});
                    if !rt.group.is_empty() {
                        details["group"] = json!(rt.group);
                    }
                    let status = json!({
                        "kind": "Status", "apiVersion": "v1", "metadata": {},
                        "status": "Success", "details": details
                    });
                    json_response(200, &status)
                }
            })
        }
        (Method::DELETE, None) => {
            let (labels, fields) = params.selectors()?;
            let deleted = shared.mutate(|st| {
                let names: Vec<(String, String)> = st
                    .list(rt, route.namespace.as_deref())
                    .into_iter()
                    .filter(|o| labels.matches(o) && fields.matches(o))
                    .map(|o| {
                        let m = &o["metadata"];
                        (
                            m["namespace"].as_str().unwrap_or_default().to_string(),
                            m["name"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect();
                let mut items = Vec::new();
                for (ons, oname) in names {
                    if let Ok(Deleted::Gone(o) | Deleted::Pending(o)) =
                        st.delete(rt, &ons, &oname, params.get("propagationPolicy"))
                    {
                        items.push(o);
                    }
                }
                items
            });
            let list = json!({"kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(), "metadata": {}, "items": deleted});
            Ok(json_response(200, &list))
        }
        _ => Err(ApiError::method_not_allowed("the server does not allow this method on the requested resource")),
    }
}

fn streaming_response(content_type: &str) -> (mpsc::Sender<Bytes>, Response<Body>) {
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let body = StreamBody::new(rx.map(|b| Ok::<_, std::io::Error>(Frame::data(b))));
    let resp = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-cache, private")
        .body(BodyExt::boxed(body))
        .expect("response");
    (tx, resp)
}

fn event_line(kind: &str, object: &Value) -> Bytes {
    let mut line = serde_json::to_vec(&json!({"type": kind, "object": object})).expect("json");
    line.push(b'\n');
    Bytes::from(line)
}

/// Which event a selector-filtered watch sends for `change`, if any.
fn filtered(change: &Change, matches: &dyn Fn(&Value) -> bool) -> Option<&'static str> {
    let now = matches(&change.object);
    match change.event {
        EventType::Added => now.then_some("ADDED"),
        EventType::Deleted => now.then_some("DELETED"),
        EventType::Modified => {
            let before = change.previous.as_ref().is_some_and(matches);
            match (before, now) {
                (true, true) => Some("MODIFIED"),
                (false, true) => Some("ADDED"),
                (true, false) => Some("DELETED"),
                (false, false) => None,
            }
        }
    }
}

fn watch(
    shared: Arc<Shared>,
    rt: &'static ResourceType,
    namespace: Option<String>,
    params: &Params,
) -> Result<Response<Body>, ApiError> {
    let (labels, fields) = params.selectors()?;
    let start: Option<u64> = match params.get("resourceVersion") {
        None | Some("") | Some("0") => None,
        Some(v) => Some(v.parse().map_err(|_| ApiError::bad_request(format!("invalid resource version: {v}")))?),
    };
    let send_initial =
        params.flag("sendInitialEvents") || (start.is_none() && params.get("sendInitialEvents").is_none());
    let explicit_initial = params.flag("sendInitialEvents");
    let bookmarks = params.flag("allowWatchBookmarks");
    let timeout = params.get("timeoutSeconds").and_then(|s| s.parse::<u64>().ok()).map(Duration::from_secs);
    let (mut tx, resp) = streaming_response("application/json");
    let mut changed = shared.subscribe();
    let in_ns = move |o: &Value| {
        namespace.as_deref().is_none_or(|ns| !rt.namespaced || o["metadata"]["namespace"].as_str() == Some(ns))
    };
    let matches = move |o: &Value| in_ns(o) && labels.matches(o) && fields.matches(o);
    tokio::spawn(async move {
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        let bookmark = |rv: u64, initial_end: bool| {
            let mut obj = json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": {"resourceVersion": rv.to_string()}});
            if initial_end {
                obj["metadata"]["annotations"] = json!({"k8s.io/initial-events-end": "true"});
            }
            event_line("BOOKMARK", &obj)
        };
        let expired = {
            let st = shared.lock();
            start.filter(|rv| *rv < st.compacted_below).map(|rv| ApiError::gone(rv, st.compacted_below))
        };
        if let Some(err) = expired {
            let _ = tx.send(event_line("ERROR", &err.to_status())).await;
            return;
        }
        let (mut cursor, first): (u64, Vec<Bytes>) = {
            let st = shared.lock();
            let mut lines = Vec::new();
            if send_initial {
                for obj in st.list(rt, None).into_iter().filter(|o| matches(o)) {
                    lines.push(event_line("ADDED", obj));
                }
            }
            let cursor =
                if send_initial { st.resource_version() } else { start.unwrap_or_else(|| st.resource_version()) };
            if bookmarks {
                lines.push(bookmark(cursor, explicit_initial));
            }
            (cursor, lines)
        };
        for line in first {
            if tx.send(line).await.is_err() {
                return;
            }
        }
        loop {
            let lines: Vec<Bytes> = {
                let st: std::sync::MutexGuard<'_, State> = shared.lock();
                let from = st.history.partition_point(|c| c.rv <= cursor);
                let lines = st.history[from..]
                    .iter()
                    .filter(|c| std::ptr::eq(c.rt, rt))
                    .filter_map(|c| filtered(c, &matches).map(|kind| event_line(kind, &c.object)))
                    .collect();
                cursor = st.resource_version();
                lines
            };
            for line in lines {
                if tx.send(line).await.is_err() {
                    return;
                }
            }
            let wait = changed.changed();
            let ok = match deadline {
                Some(d) => tokio::time::timeout_at(d, wait).await.map(|r| r.is_ok()).unwrap_or(false),
                None => wait.await.is_ok(),
            };
            if !ok || tx.is_closed() {
                return;
            }
        }
    });
    Ok(resp)
}

/// The container whose logs a request means, or the apiserver's error.
fn log_container(pod: &Value, name: &str, requested: Option<&str>) -> Result<String, ApiError> {
    let names = |field: &str| -> Vec<String> {
        pod["spec"][field]
            .as_array()
            .map(|cs| cs.iter().filter_map(|c| c["name"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let containers = names("containers");
    let mut all = containers.clone();
    all.extend(names("initContainers"));
    match requested {
        Some(c) if all.iter().any(|n| n == c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::bad_request(format!("container {c} is not valid for pod {name}"))),
        None => {
            if let Some(default) =
                pod.pointer("/metadata/annotations/kubectl.kubernetes.io~1default-container").and_then(Value::as_str)
            {
                return Ok(default.to_string());
            }
            match containers.as_slice() {
                [one] => Ok(one.clone()),
                _ => Err(ApiError::bad_request(format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    containers.join(" ")
                ))),
            }
        }
    }
}

/// The status entry of the named container (regular or init).
fn container_status<'a>(pod: &'a Value, container: &str) -> Option<&'a Value> {
    ["containerStatuses", "initContainerStatuses"]
        .iter()
        .find_map(|f| pod["status"][f].as_array().and_then(|cs| cs.iter().find(|c| c["name"] == container)))
}

/// `Some(state)` of the named container (`waiting`, `running`, `terminated`).
fn container_state<'a>(pod: &'a Value, container: &str) -> Option<&'a Value> {
    container_status(pod, container).map(|c| &c["state"])
}

/// Which log a request reads: `Ok(true)` for the previous (terminated) instance, `Ok(false)`
/// for the current one, or the error the apiserver relays — the checks of the pod log
/// REST storage (`pod … does not have a host assigned`) and of kubelet's
/// `validateContainerLogStatus`.
fn log_source(pod: &Value, name: &str, container: &str, previous: bool) -> Result<bool, ApiError> {
    let fail = |m: String| Err(ApiError::bad_request(m));
    if !pod["spec"]["nodeName"].is_string() {
        return fail(format!("pod {name} does not have a host assigned"));
    }
    let Some(status) = container_status(pod, container) else {
        return fail(format!("container \"{container}\" in pod \"{name}\" is not available"));
    };
    let last_terminated = status["lastState"].get("terminated").is_some();
    let state = &status["state"];
    if previous {
        if !last_terminated {
            return fail(format!("previous terminated container \"{container}\" in pod \"{name}\" not found"));
        }
        return Ok(true);
    }
    if state.get("running").is_some() || state.get("terminated").is_some() {
        return Ok(false);
    }
    if last_terminated {
        return Ok(true);
    }
    match state["waiting"]["reason"].as_str() {
        Some("ErrImagePull") => {
            fail(format!("container \"{container}\" in pod \"{name}\" is waiting to start: image can't be pulled"))
        }
        Some("ImagePullBackOff") => fail(format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: trying and failing to pull image"
        )),
        Some(reason) => fail(format!("container \"{container}\" in pod \"{name}\" is waiting to start: {reason}")),
        None => fail(format!("container \"{container}\" in pod \"{name}\" is waiting to start - no logs yet")),
    }
}

fn log_finished(pod: Option<&Value>, container: &str) -> bool {
    let Some(pod) = pod else { return true };
    if matches!(pod["status"]["phase"].as_str(), Some("Succeeded") | Some("Failed")) {
        return true;
    }
    container_state(pod, container).is_some_and(|s| s.get("terminated").is_some())
}

/// What tells one run of a container from the next: kubelet counts restarts and gives every run
/// a new container ID. A log follower reads one run: it ends when the run does.
fn container_run(pod: &Value, container: &str) -> (i64, String) {
    let status = container_status(pod, container);
    let restarts = status.and_then(|s| s["restartCount"].as_i64()).unwrap_or(0);
    let id = status.and_then(|s| s["containerID"].as_str()).unwrap_or_default().to_string();
    (restarts, id)
}

/// The earliest time a request wants lines from: `sinceSeconds` before now or `sinceTime`, as
/// validated by the apiserver's `ValidatePodLogOptions` (at most one of them, seconds > 0).
fn log_since(name: &str, params: &Params) -> Result<Option<SystemTime>, ApiError> {
    let invalid = |field: &str, value: &str, why: &str| {
        ApiError::custom(
            422,
            "Invalid",
            format!("PodLogOptions \"{name}\" is invalid: {field}: Invalid value: {value}: {why}"),
        )
    };
    match (params.get("sinceSeconds"), params.get("sinceTime")) {
        (Some(_), Some(_)) => Err(ApiError::custom(
            422,
            "Invalid",
            format!(
                "PodLogOptions \"{name}\" is invalid: []: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"
            ),
        )),
        (Some(seconds), None) => {
            let n: i64 =
                seconds.parse().map_err(|_| ApiError::bad_request(format!("invalid sinceSeconds {seconds:?}")))?;
            if n < 1 {
                return Err(invalid("sinceSeconds", seconds, "must be greater than 0"));
            }
            Ok(SystemTime::now().checked_sub(Duration::from_secs(n as u64)).or(Some(SystemTime::UNIX_EPOCH)))
        }
        (None, Some(time)) => humantime::parse_rfc3339_weak(time)
            .map(Some)
            .map_err(|_| ApiError::bad_request(format!("invalid sinceTime {time:?}"))),
        (None, None) => Ok(None),
    }
}

fn logs(shared: Arc<Shared>, ns: &str, name: &str, params: &Params) -> Result<Response<Body>, ApiError> {
    let pods = resources::lookup("pods").expect("pods");
    let since = log_since(name, params)?;
    let timestamps = params.flag("timestamps");
    let render = move |entries: &[LogEntry]| -> String {
        entries
            .iter()
            .filter(|e| since.is_none_or(|s| e.time >= s))
            .map(|e| if timestamps { format!("{}\n", e.stamped()) } else { format!("{}\n", e.text) })
            .collect()
    };
    let (container, previous, lines, run) = {
        let st = shared.lock();
        let pod = st.get(pods, ns, name).ok_or_else(|| ApiError::not_found(pods, name))?;
        let container = log_container(pod, name, params.get("container"))?;
        let previous = log_source(pod, name, &container, params.flag("previous"))?;
        let key = (ns.to_string(), name.to_string(), container.clone());
        let store = if previous { &st.previous_logs } else { &st.logs };
        let run = container_run(pod, &container);
        (container, previous, store.get(&key).cloned().unwrap_or_default(), run)
    };
    let tail = params.get("tailLines").and_then(|t| t.parse::<usize>().ok());
    let skip = tail.map(|t| lines.len().saturating_sub(t)).unwrap_or(0);
    let mut sent = lines.len();
    let first = render(&lines[skip..]);
    if !params.flag("follow") || previous {
        return Ok(Response::builder()
            .status(200)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(full(first))
            .expect("response"));
    }
    // Items, not bytes: an `Err` aborts the body mid-stream, as a dropped connection does.
    let (mut tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    let resp = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(BodyExt::boxed(StreamBody::new(rx.map(|item| item.map(Frame::data)))))
        .expect("response");
    let ns = ns.to_string();
    let name = name.to_string();
    let mut changed = shared.subscribe();
    let cuts = shared.lock().log_cuts;
    tokio::spawn(async move {
        if !first.is_empty() && tx.send(Ok(Bytes::from(first))).await.is_err() {
            return;
        }
        loop {
            if shared.lock().log_cuts != cuts {
                let _ = tx.send(Err(std::io::Error::other("connection cut by the test"))).await;
                return;
            }
            let (fresh, done) = {
                let st = shared.lock();
                let key = (ns.clone(), name.clone(), container.clone());
                let pod = st.get(pods, &ns, &name);
                // A new run of the container moved this run's lines to the previous log: send
                // what is left of them, then end, as kubelet ends a stream with its container.
                let restarted = pod.is_some_and(|p| container_run(p, &container) != run);
                let store = if restarted { &st.previous_logs } else { &st.logs };
                let all = store.get(&key).map(Vec::as_slice).unwrap_or_default();
                let fresh = render(&all[sent.min(all.len())..]);
                sent = all.len();
                (fresh, restarted || log_finished(pod, &container))
            };
            if !fresh.is_empty() && tx.send(Ok(Bytes::from(fresh))).await.is_err() {
                return;
            }
            if done || changed.changed().await.is_err() {
                return;
            }
        }
    });
    Ok(resp)
}
