//! The resource types the API double serves, and the discovery documents built from them.
//!
//! Reproduces what a real apiserver answers on `/version`, `/api`, `/api/v1`, `/apis` and
//! `/apis/<group>/<version>` (the legacy, non-aggregated discovery format: `APIVersions`,
//! `APIGroupList`, `APIResourceList`), which is what kube-rs' `Discovery` and kubectl's
//! `RESTMapper` fall back to when the server does not answer aggregated discovery. Names, short
//! names, verbs and scopes are those of Kubernetes 1.31 (`kubectl api-resources` on k3s v1.31.5).

use serde_json::{Value, json};

/// One served resource type (`pods`, `deployments.apps`, …).
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceType {
    /// API group, `""` for core.
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    /// Plural name used in URLs (`deployments`).
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    /// Whether the type has a `/status` subresource (its status is kept on main-resource writes).
    pub has_status: bool,
}

impl ResourceType {
    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.to_string() } else { format!("{}/{}", self.group, self.version) }
    }

    /// `pods` or `deployments.apps`: how the apiserver names the type in error messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() { self.plural.to_string() } else { format!("{}.{}", self.plural, self.group) }
    }

    /// `Pod` or `Deployment.apps`: how validation errors name the type.
    pub fn qualified_kind(&self) -> String {
        if self.group.is_empty() { self.kind.to_string() } else { format!("{}.{}", self.kind, self.group) }
    }

    /// URL of the collection in `namespace` (ignored for cluster-scoped types).
    pub fn collection_path(&self, namespace: &str) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        if self.namespaced {
            format!("{base}/namespaces/{namespace}/{}", self.plural)
        } else {
            format!("{base}/{}", self.plural)
        }
    }
}

const fn rt(
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    has_status: bool,
) -> ResourceType {
    ResourceType { group, version: "v1", kind, plural, singular, namespaced, short_names, has_status }
}

/// Every resource type the double serves.
pub static RESOURCES: &[ResourceType] = &[
    rt("", "Namespace", "namespaces", "namespace", false, &["ns"], true),
    rt("", "Pod", "pods", "pod", true, &["po"], true),
    rt("", "Service", "services", "service", true, &["svc"], true),
    rt("", "Secret", "secrets", "secret", true, &[], false),
    rt("", "ConfigMap", "configmaps", "configmap", true, &["cm"], false),
    rt("", "Event", "events", "event", true, &["ev"], false),
    rt("", "Node", "nodes", "node", false, &["no"], true),
    rt("apps", "Deployment", "deployments", "deployment", true, &["deploy"], true),
    rt("apps", "StatefulSet", "statefulsets", "statefulset", true, &["sts"], true),
    rt("apps", "DaemonSet", "daemonsets", "daemonset", true, &["ds"], true),
    rt("apps", "ReplicaSet", "replicasets", "replicaset", true, &["rs"], true),
    rt("batch", "Job", "jobs", "job", true, &[], true),
    rt("", "ServiceAccount", "serviceaccounts", "serviceaccount", true, &["sa"], false),
    rt("", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", true, &["pvc"], true),
    rt("networking.k8s.io", "Ingress", "ingresses", "ingress", true, &["ing"], true),
    rt("rbac.authorization.k8s.io", "Role", "roles", "role", true, &[], false),
    rt("rbac.authorization.k8s.io", "RoleBinding", "rolebindings", "rolebinding", true, &[], false),
    rt("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", "clusterrole", false, &[], false),
    rt(
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        "clusterrolebindings",
        "clusterrolebinding",
        false,
        &[],
        false,
    ),
];

/// The Kubernetes version the double claims to be (k3d v5.8.3's default k3s).
pub const GIT_VERSION: &str = "v1.31.5+k3s1";

/// Finds a type by plural, singular, kind or short name (case-insensitive), optionally
/// qualified with its group (`deployments.apps`).
pub fn lookup(name: &str) -> Option<&'static ResourceType> {
    let lower = name.to_ascii_lowercase();
    let (base, group) = match lower.split_once('.') {
        Some((b, g)) => (b.to_string(), Some(g.to_string())),
        None => (lower.clone(), None),
    };
    RESOURCES.iter().find(|r| {
        let named = r.plural == base
            || r.singular == base
            || r.kind.eq_ignore_ascii_case(&base)
            || r.short_names.contains(&base.as_str());
        named && group.as_deref().is_none_or(|g| g == r.group)
    })
}

/// Finds a type by `apiVersion` and `kind`.
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static ResourceType> {
    RESOURCES.iter().find(|r| r.api_version() == api_version && r.kind == kind)
}

/// Finds a type by the URL parts `group`, `version`, `plural`.
pub fn by_path(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES.iter().find(|r| r.group == group && r.version == version && r.plural == plural)
}

const VERBS: &[&str] = &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/// `GET /version`.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "31",
        "gitVersion": GIT_VERSION,
        "gitCommit": "56ec5dd4d3cf2e3a5b6c5e8d1f5c0e2a3b4c5d6e",
        "gitTreeState": "clean",
        "buildDate": "2025-01-24T20:48:40Z",
        "goVersion": "go1.22.10",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

/// `GET /api`.
pub fn core_versions() -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]
    })
}

fn groups() -> Vec<&'static str> {
    let mut groups: Vec<&'static str> = Vec::new();
    for r in RESOURCES {
        if !r.group.is_empty() && !groups.contains(&r.group) {
            groups.push(r.group);
        }
    }
    groups
}

/// `GET /apis`.
pub fn group_list() -> Value {
    let groups: Vec<Value> = groups()
        .into_iter()
        .map(|g| {
            let gv = json!({"groupVersion": format!("{g}/v1"), "version": "v1"});
            json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /apis/<group>`.
pub fn group(name: &str) -> Option<Value> {
    groups().into_iter().find(|g| *g == name).map(|g| {
        let gv = json!({"groupVersion": format!("{g}/v1"), "version": "v1"});
        json!({"kind": "APIGroup", "apiVersion": "v1", "name": g, "versions": [gv.clone()], "preferredVersion": gv})
    })
}

/// `GET /api/v1` or `GET /apis/<group>/<version>`.
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let types: Vec<&ResourceType> = RESOURCES.iter().filter(|r| r.group == group && r.version == version).collect();
    if types.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    for r in &types {
        resources.push(json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": VERBS,
            "shortNames": r.short_names,
            "storageVersionHash": "",
        }));
        if r.has_status {
            resources.push(json!({
                "name": format!("{}/status", r.plural), "singularName": "", "namespaced": r.namespaced,
                "kind": r.kind, "verbs": ["get", "patch", "update"]
            }));
        }
        if r.kind == "Pod" {
            resources.push(json!({
                "name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]
            }));
            resources.push(json!({
                "name": "pods/portforward", "singularName": "", "namespaced": true,
                "kind": "PodPortForwardOptions", "verbs": ["create", "get"]
            }));
        }
    }
    let gv = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
    Some(json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}))
}

/// The `/openapi/v3` discovery document: one entry per served group-version.
///
/// kubectl's `--validate=strict` (the default) asks it whether the PATCH operation of a kind
/// takes the `fieldValidation` query parameter (`k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go`)
/// and, when it does, leaves validation to the server instead of downloading the full schema.
pub fn openapi_v3_root() -> Value {
    let mut paths = serde_json::Map::new();
    let mut gvs: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES {
        if !gvs.contains(&(r.group, r.version)) {
            gvs.push((r.group, r.version));
        }
    }
    for (g, v) in gvs {
        let key = if g.is_empty() { format!("api/{v}") } else { format!("apis/{g}/{v}") };
        paths.insert(key.clone(), json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash=0")}));
    }
    json!({"paths": paths})
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`: a minimal OpenAPI document
/// with, per served kind, its PATCH operation (GVK extension and the query parameters the
/// double understands), and no schemas.
pub fn openapi_v3_group_version(group: &str, version: &str) -> Option<Value> {
    let types: Vec<&ResourceType> = RESOURCES.iter().filter(|r| r.group == group && r.version == version).collect();
    if types.is_empty() {
        return None;
    }
    let mut paths = serde_json::Map::new();
    for r in types {
        let item = r.collection_path("{namespace}") + "/{name}";
        let params: Vec<Value> = ["dryRun", "fieldManager", "fieldValidation", "force"]
            .iter()
            .map(|p| json!({"name": p, "in": "query", "schema": {"type": "string", "uniqueItems": true}}))
            .collect();
        paths.insert(
            item,
            json!({"patch": {
                "operationId": format!("patch{}", r.kind),
                "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
                "x-kubernetes-action": "patch",
                "parameters": params,
                "responses": {"200": {"description": "OK"}}
            }}),
        );
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": GIT_VERSION},
        "paths": paths,
        "components": {"schemas": {}}
    }))
}
