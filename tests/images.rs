//! `ssp images`: the release's images (rendered by the real helm from the pinned chart), where
//! they are (host Docker, the cluster's nodes, their registry), and the registry-to-registry mirror,
//! against real registries (Debian's `docker-registry`) and the real Docker daemon.

mod support;

use serde_json::json;
use support::registry::{self, Registry};
use support::stack::{Stack, StackOptions};

/// The registry support itself: an image built `FROM scratch` by the real daemon is pushed and
/// served, the access log counts what reached the registry, an index is assembled, and a registry
/// with basic auth refuses anonymous and wrong credentials and takes a seeded copy.
#[test]
fn registry_support_serves_pushed_images_and_counts_requests() {
    if !support::env::docker_available("registry_support") {
        return;
    }
    let Some(open) = Registry::start("registry_support", None) else { return };
    let amd = open.push_scratch_image("team/app", "1.0-amd64", b"amd64 payload", false);
    let arm = open.push_scratch_image("team/app", "1.0-arm64", b"arm64 payload", false);
    assert_ne!(amd, arm);
    assert!(open.blob_uploads() >= 2, "docker push uploaded blobs: {:?}", open.requests());
    let index = open.push_index("team/app", "1.0", &[(&amd, "amd64"), (&arm, "arm64")]);
    assert_eq!(open.manifest_digest("team/app", "1.0"), Some(index.clone()));
    let (bytes, media) = open.manifest("team/app", "1.0").unwrap();
    assert_eq!(media, registry::DOCKER_MANIFEST_LIST);
    assert_eq!(registry::digest(&bytes), index);

    let Some(locked) = Registry::start("registry_support", Some(("mirror", "s3cret"))) else { return };
    assert_eq!(locked.call_as(None, "GET", "/v2/", &[], &[]).status, 401);
    assert_eq!(locked.call_as(Some(("mirror", "wrong")), "GET", "/v2/", &[], &[]).status, 401);
    assert_eq!(locked.call("GET", "/v2/", &[], &[]).status, 200);
    let before = locked.blob_uploads();
    locked.copy_from(&open, "team/app", "1.0");
    assert_eq!(locked.manifest_digest("team/app", "1.0"), Some(index));
    assert_eq!(locked.manifest_digest("team/app", &amd), Some(amd.clone()));
    assert_eq!(locked.blob_uploads() - before, 4, "two layers and two configs: {:?}", locked.requests());
}

/// The components of the dev values that name an image, as `values.dev.yaml` has them.
const COMPONENTS: &[&str] = &[
    "db",
    "studio",
    "auth",
    "rest",
    "realtime",
    "meta",
    "storage",
    "imgproxy",
    "kong",
    "analytics",
    "vector",
    "functions",
];

/// A values file pointing every component at `registry`: `db` at `team/db:1.0`, `kong` at
/// `team/kong:1.0`, the others at `team/<component>:1.0`; `extra` appended.
fn local_values(registry: &Registry, extra: &str) -> String {
    let mut text = String::new();
    for component in COMPONENTS {
        text.push_str(&format!(
            "{component}:\n  image:\n    repository: {}/team/{component}\n    tag: \"1.0\"\n",
            registry.host()
        ));
    }
    text + extra
}

fn entry<'a>(list: &'a serde_json::Value, image: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e["image"] == image)
        .unwrap_or_else(|| panic!("{image} not listed: {list:#}"))
}

/// `ssp images` on the pinned chart rendered by the real helm with the dev values plus a file that
/// points the components at a local registry: every image, deduplicated and sorted, present in the
/// host's Docker (with size) or not, on the node (from `Node.status.images`) or not, and with
/// --check-remote resolved (the index by its digest) or named as missing, exit 1.
#[test]
fn list_renders_the_chart_and_says_where_each_image_is() {
    let Some(stack) = Stack::for_setup("images_list", StackOptions { chart: true, ..Default::default() }) else {
        return;
    };
    let Some(registry) = Registry::start("images_list", None) else { return };
    stack.cluster_running();
    let db = registry.push_scratch_image("team/db", "1.0", b"db payload for the list test", true);
    let amd = registry.push_scratch_image("team/kong", "1.0-amd64", b"kong amd64", false);
    let arm = registry.push_scratch_image("team/kong", "1.0-arm64", b"kong arm64", false);
    let kong = registry.push_index("team/kong", "1.0", &[(&amd, "amd64"), (&arm, "arm64")]);
    let host = registry.host();
    stack.api.insert(json!({
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": "k3d-pdc-cluster-server-0"},
        "status": {"images": [
            {"names": [format!("{host}/team/kong@{kong}"), format!("{host}/team/kong:1.0")], "sizeBytes": 4321},
            {"names": ["docker.io/rancher/mirrored-pause:3.6"], "sizeBytes": 301463},
        ]}
    }));
    stack.project.write("images.yaml", local_values(&registry, ""));

    let out = stack.ssp().args(["images", "-f", "images.yaml", "-o", "json", "--check-remote"]).run();
    out.status(1);
    let list = out.json();
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|e| e["image"].as_str().unwrap()).collect();
    let mut expected: Vec<String> = COMPONENTS.iter().map(|c| format!("{host}/team/{c}:1.0")).collect();
    // The auth Deployment's init container, fixed in the chart's template.
    expected.push("postgres:15-alpine".to_string());
    expected.sort();
    assert_eq!(names, expected);

    let db_entry = entry(&list, &format!("{host}/team/db:1.0"));
    assert_eq!(db_entry["host"]["state"], "present", "{db_entry}");
    assert!(db_entry["host"]["size"].as_u64().unwrap() > 0, "{db_entry}");
    assert_eq!(db_entry["cluster"]["state"], "absent");
    assert_eq!(db_entry["remote"], json!({"state": "found", "digest": db}));
    assert_eq!(db_entry["used_by"], json!(["Deployment/supabase-supabase-db"]));
    let kong_entry = entry(&list, &format!("{host}/team/kong:1.0"));
    assert_eq!(kong_entry["host"]["state"], "absent");
    assert_eq!(kong_entry["cluster"], json!({"state": "present", "size": 4321}));
    assert_eq!(kong_entry["remote"], json!({"state": "found", "digest": kong}));
    let auth_entry = entry(&list, &format!("{host}/team/auth:1.0"));
    assert_eq!(auth_entry["remote"], json!({"state": "missing"}));
    out.stderr_has(&format!("not resolvable in their registry: {host}/team/analytics:1.0, {host}/team/auth:1.0"));
    assert!(!out.stderr.contains(&format!("{host}/team/db:1.0,")), "{}", out.stderr);

    let helm = stack.helm_calls();
    let template = helm.last().unwrap().args();
    assert_eq!(template[..2], ["template", "supabase"], "{template:?}");
    assert!(template.contains(&"--skip-tests"), "{template:?}");

    // The text table, without a registry column unless asked; exit 0.
    let out = stack.ssp().args(["images", "list", "-f", "images.yaml"]).run();
    out.success();
    let header = out.stdout.lines().next().unwrap();
    assert!(header.starts_with("IMAGE") && header.ends_with("CLUSTER"), "{}", out.stdout);
    let kong_line = out.stdout.lines().find(|l| l.starts_with(&format!("{host}/team/kong:1.0"))).unwrap();
    assert!(kong_line.contains(" no ") && kong_line.ends_with("4.22 KiB"), "{kong_line}");
    assert!(!out.stdout.contains("unknown"), "{}", out.stdout);
    registry::docker(&["rmi", &format!("{host}/team/db:1.0")]);
}

/// No Docker daemon and no cluster: the columns say "unknown", each with one hint, and the list
/// still comes out (exit 0).
#[test]
fn list_without_docker_or_cluster_says_unknown_with_one_hint() {
    let Some(stack) = Stack::new(StackOptions { chart: true, ..Default::default() }) else { return };
    let out = stack.ssp().env("DOCKER_HOST", "unix:///nonexistent/docker.sock").args(["images", "-o", "json"]).run();
    out.success();
    let list = out.json();
    assert_eq!(list.as_array().unwrap().len(), 13, "{list:#}");
    for e in list.as_array().unwrap() {
        assert_eq!(
            (e["host"]["state"].as_str(), e["cluster"]["state"].as_str()),
            (Some("unknown"), Some("unknown")),
            "{e}"
        );
        assert!(e.get("remote").is_none(), "{e}");
    }
    entry(&list, "ghcr.io/uw-thinklab/supabase-db:2024.12.23");
    assert_eq!(out.stderr.matches("hint: `ssp setup-infra` creates it").count(), 1, "{}", out.stderr);
    assert_eq!(out.stderr.matches("hint: start Docker").count(), 1, "{}", out.stderr);
    out.stderr_has("host Docker: unknown").stderr_has("cluster: unknown (cluster pdc-cluster is");
}
