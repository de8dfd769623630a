//! `ssp images`: the release's images (rendered by the real helm from the pinned chart), where
//! they are (host Docker, the cluster's nodes, their registry), and the registry-to-registry mirror,
//! against real registries (Debian's `docker-registry`) and the real Docker daemon.

mod support;

use serde_json::json;
use support::registry::{self, DEV_IMAGE_COMPONENTS as COMPONENTS, Registry};
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

/// A source registry holding what [`mirror_values`] names: `team/app:1.0`, a two-platform index,
/// and `team/db:1.0`. Returns the registry, the values file text and the two top digests.
fn mirror_source(test: &str) -> Option<(Registry, String, String, String)> {
    if !support::env::docker_available(test) {
        return None;
    }
    let source = Registry::start(test, None)?;
    let amd = source.push_scratch_image("team/app", "1.0-amd64", format!("{test} app amd64").as_bytes(), false);
    let arm = source.push_scratch_image("team/app", "1.0-arm64", format!("{test} app arm64").as_bytes(), false);
    let app = source.push_index("team/app", "1.0", &[(&amd, "amd64"), (&arm, "arm64")]);
    let db = source.push_scratch_image("team/db", "1.0", format!("{test} db").as_bytes(), false);
    // Every component but db runs team/app.
    let values = registry::team_values(&source.host(), &["db"]);
    Some((source, values, app, db))
}

/// The distinct blobs (configs and layers) below `repo:reference` in `registry`.
fn blobs_of(registry: &Registry, repo: &str, reference: &str) -> std::collections::BTreeSet<String> {
    let (bytes, _) = registry.manifest(repo, reference).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let mut blobs = std::collections::BTreeSet::new();
    for member in manifest["manifests"].as_array().into_iter().flatten() {
        blobs.extend(blobs_of(registry, repo, member["digest"].as_str().unwrap()));
    }
    for blob in manifest["layers"].as_array().into_iter().flatten().chain(manifest.get("config")) {
        blobs.insert(blob["digest"].as_str().unwrap().to_string());
    }
    blobs
}

/// `ssp images mirror` into a registry with basic auth (credentials from SSP_REGISTRY_USER/TOKEN
/// for `[registry] host`): the index, its platform manifests and the plain image arrive with the
/// same digests, every blob once; the values keys to change are named; a second run uploads no
/// blob and pushes no manifest; `--dry-run` lists and writes nothing.
#[test]
fn mirror_keeps_digests_and_a_second_run_copies_nothing() {
    let Some((source, values, app, db)) = mirror_source("mirror_copies") else { return };
    let Some(stack) = Stack::new(StackOptions { chart: true, ..Default::default() }) else { return };
    let Some(target) = Registry::start("mirror_copies", Some(("mirror", "s3cret"))) else { return };
    stack.project.write("images.yaml", values);
    let to = format!("{}/mirror", target.host());
    let ssp = || {
        stack
            .ssp()
            .env("SSP_REGISTRY_HOST", target.host())
            .env("SSP_REGISTRY_USER", "mirror")
            .env("SSP_REGISTRY_TOKEN", "s3cret")
            .args(["images", "mirror", "-f", "images.yaml", "--to", &to])
    };

    let out = stack
        .ssp()
        .args(["--dry-run", "images", "mirror", "-f", "images.yaml", "--to", &to])
        .env("SSP_REGISTRY_HOST", target.host())
        .env("SSP_REGISTRY_USER", "mirror")
        .env("SSP_REGISTRY_TOKEN", "s3cret")
        .run();
    out.success().stderr_has(&format!("{}/team/app:1.0 → {to}/team/app:1.0: would copy 4 blob(s)", source.host()));
    assert_eq!((target.blob_uploads(), target.manifest_puts()), (0, 0), "{:?}", target.requests());

    let out = ssp().run();
    out.success();
    assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
    out.stderr_has(&format!("{}/team/app:1.0 → {to}/team/app:1.0: copied 4 blob(s)", source.host()))
        .stderr_has(&format!("{}/team/db:1.0 → {to}/team/db:1.0: copied 2 blob(s)", source.host()))
        .stderr_has(&format!("db.image.repository: {0}/team/db → {to}/team/db", source.host()))
        .stderr_has(&format!("kong.image.repository: {0}/team/app → {to}/team/app", source.host()));
    assert!(!out.stderr.contains("fixed in the chart's templates"), "{}", out.stderr);
    assert_eq!(target.manifest_digest("mirror/team/app", "1.0"), Some(app.clone()));
    assert_eq!(target.manifest_digest("mirror/team/db", "1.0"), Some(db.clone()));
    let (index, media) = target.manifest("mirror/team/app", "1.0").unwrap();
    assert_eq!(media, registry::DOCKER_MANIFEST_LIST);
    for member in serde_json::from_slice::<serde_json::Value>(&index).unwrap()["manifests"].as_array().unwrap() {
        let digest = member["digest"].as_str().unwrap();
        assert_eq!(target.manifest_digest("mirror/team/app", digest).as_deref(), Some(digest));
    }
    let blobs = blobs_of(&source, "team/app", "1.0").len() + blobs_of(&source, "team/db", "1.0").len();
    assert_eq!(blobs, 6);
    assert_eq!(blobs_of(&target, "mirror/team/app", "1.0"), blobs_of(&source, "team/app", "1.0"));
    assert_eq!(target.blob_uploads(), blobs, "each blob uploaded once: {:?}", target.requests());
    let (uploads, puts) = (target.blob_uploads(), target.manifest_puts());

    let out = ssp().run();
    out.success().stderr_has("team/app:1.0: already there").stderr_has("team/db:1.0: already there");
    assert_eq!((target.blob_uploads(), target.manifest_puts()), (uploads, puts), "{:?}", target.requests());
}

/// A wrong password for the target: exit 1 naming every image, and nothing reaches the target
/// (no blob upload, no manifest, no repository in its storage).
#[test]
fn mirror_with_a_wrong_password_names_every_image_and_pushes_nothing() {
    let Some((source, values, _, _)) = mirror_source("mirror_wrong_password") else { return };
    let Some(stack) = Stack::new(StackOptions { chart: true, ..Default::default() }) else { return };
    let Some(target) = Registry::start("mirror_wrong_password", Some(("mirror", "s3cret"))) else { return };
    stack.project.write("images.yaml", values);
    let to = format!("{}/mirror", target.host());
    let out = stack
        .ssp()
        .env("SSP_REGISTRY_HOST", target.host())
        .env("SSP_REGISTRY_USER", "mirror")
        .env("SSP_REGISTRY_TOKEN", "not-the-password")
        .args(["images", "mirror", "-f", "images.yaml", "--to", &to])
        .run();
    out.status(1)
        .stderr_has(&format!("2 of 2 image(s) could not be copied: {0}/team/app:1.0, {0}/team/db:1.0", source.host()));
    out.stderr_has(&format!("{} refused the credentials from SSP_REGISTRY_USER/SSP_REGISTRY_TOKEN", target.host()));
    assert!(!out.stderr.contains("not-the-password"), "{}", out.stderr);
    assert_eq!(out.stderr.matches("hint: check the credentials from SSP_REGISTRY_USER").count(), 1, "{}", out.stderr);
    // Nothing was copied, so no values key is offered for a change.
    assert!(!out.stderr.contains("image.repository: "), "{}", out.stderr);
    assert_eq!((target.blob_uploads(), target.manifest_puts()), (0, 0), "{:?}", target.requests());
    assert!(!registry::storage(&target).join("docker/registry/v2/repositories").exists());
}

/// `ssp images mirror` into a registry with bearer-token auth, as ghcr.io and Docker Hub have it:
/// the credentials from SSP_REGISTRY_USER/TOKEN go to the registry's token service for tokens
/// scoped to each repository, and the images arrive with their digests; a wrong password is the
/// same clear error as with basic auth, and nothing is pushed.
#[test]
fn mirror_into_a_token_auth_registry_trades_the_credentials_for_scoped_tokens() {
    let Some((source, values, app, db)) = mirror_source("mirror_token_auth") else { return };
    let Some(stack) = Stack::new(StackOptions { chart: true, ..Default::default() }) else { return };
    let Some(target) = Registry::start_with_token_auth("mirror_token_auth", "mirror", "s3cret") else { return };
    stack.project.write("images.yaml", values);
    let to = format!("{}/mirror", target.host());
    let mirror = |password: &str| {
        stack
            .ssp()
            .env("SSP_REGISTRY_HOST", target.host())
            .env("SSP_REGISTRY_USER", "mirror")
            .env("SSP_REGISTRY_TOKEN", password)
            .args(["images", "mirror", "-f", "images.yaml", "--to", &to])
            .run()
    };
    let tokens = target.tokens.clone().expect("token auth");
    // The registry itself asks for a bearer token from the service.
    let challenge = target.call_as(None, "GET", "/v2/", &[], &[]);
    assert_eq!(challenge.status, 401);
    let realm = format!("Bearer realm=\"http://127.0.0.1:{}/token\"", tokens.port);
    assert!(challenge.header("WWW-Authenticate").is_some_and(|h| h.starts_with(&realm)), "{:?}", challenge.headers);

    let wrong = mirror("not-the-password");
    wrong.status(1);
    wrong.stderr_has(&format!("{} refused the credentials from SSP_REGISTRY_USER/SSP_REGISTRY_TOKEN", target.host()));
    assert!(!wrong.stderr.contains("not-the-password"), "{}", wrong.stderr);
    assert_eq!((target.blob_uploads(), target.manifest_puts()), (0, 0), "{:?}", target.requests());
    let refused = tokens.requests();
    assert!(!refused.is_empty(), "the token service was asked");
    assert!(
        refused.iter().all(|r| r.user.as_deref() == Some("mirror") && !r.password_ok && r.status == 401),
        "{refused:?}"
    );

    let out = mirror("s3cret");
    out.success().stderr_has(&format!("{}/team/app:1.0 → {to}/team/app:1.0: copied 4 blob(s)", source.host()));
    assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
    assert_eq!(target.manifest_digest("mirror/team/app", "1.0"), Some(app));
    assert_eq!(target.manifest_digest("mirror/team/db", "1.0"), Some(db));
    let granted: Vec<_> = tokens.requests().into_iter().skip(refused.len()).collect();
    assert!(granted.iter().all(|r| r.password_ok && r.status == 200), "{granted:?}");
    for repo in ["mirror/team/app", "mirror/team/db"] {
        assert!(
            granted
                .iter()
                .any(|r| r.scopes.iter().any(|s| s.starts_with(&format!("repository:{repo}:")) && s.contains("push"))),
            "a token to push {repo}: {granted:?}"
        );
    }
}

/// `--to` without a registry is a usage error (exit 2) that says what to give.
#[test]
fn mirror_to_without_a_registry_is_refused() {
    let project = support::cli::Project::new();
    project.write("deployment/values.dev.yaml", "db: {}\n");
    project
        .ssp()
        .args(["images", "mirror", "--to", "mirror/prefix"])
        .run()
        .status(2)
        .stderr_has("--to `mirror/prefix` names no registry");
}

/// `--env cloud`: the SOPS values are decrypted in memory and reach `helm template` on its stdin
/// (`--values -`, no file), and their images are the ones listed.
#[test]
fn cloud_values_reach_helm_template_on_stdin() {
    let Some(stack) = Stack::new(StackOptions { chart: true, ..Default::default() }) else { return };
    let (plain, secret) = stack.encrypted_cloud_values(&[(
        "supabase-studio\n    tag: 2024.12.23",
        "supabase-studio\n    tag: 2025.02.02-cloud",
    )]);

    let out = stack
        .ssp()
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env("SOPS_AGE_KEY", secret)
        .args(["images", "--env", "cloud", "-o", "json"])
        .run();
    out.success();
    entry(&out.json(), "ghcr.io/uw-thinklab/supabase-studio:2025.02.02-cloud");
    let helm = stack.helm_calls();
    let template = helm.last().unwrap();
    assert_eq!(template.flag_values("--values"), ["-"]);
    assert!(template.files.is_empty(), "{:?}", template.files);
    let given: serde_json::Value = serde_saphyr::from_str(template.stdin.as_deref().unwrap()).unwrap();
    let expected: serde_json::Value = serde_saphyr::from_str(&plain).unwrap();
    assert_eq!(given, expected, "helm's stdin holds the decrypted values");
}

/// `--upstream`: the chart's own default images for the components the values enable, not the
/// values' ones; with no route to Docker Hub here every copy fails, each named (exit 1).
#[test]
fn mirror_upstream_takes_the_charts_default_images() {
    let Some(stack) = Stack::new(StackOptions { chart: true, ..Default::default() }) else { return };
    let out = stack.ssp().args(["--dry-run", "images", "mirror", "--upstream", "--to", "127.0.0.1:9/m"]).run();
    out.status(1);
    for image in ["supabase/postgres:latest", "supabase/studio:latest", "kong:latest", "postgres:15-alpine"] {
        out.stderr_has(&format!("✗ {image} → 127.0.0.1:9/m/{image}:"));
    }
    assert!(!out.stderr.contains("ghcr.io/uw-thinklab"), "{}", out.stderr);
    out.stderr_has("could not be copied: darthsim/imgproxy:latest, kong:latest,");
}

/// A registry with basic auth holding `team/app:1.0`, `team/db:1.0` and the index `team/kong:1.0`
/// (seeded from an open one where the real daemon pushed them), and values pointing every
/// component there (auth, analytics, realtime and storage off: their init containers are fixed to
/// Docker Hub's postgres).
fn private_source(test: &str) -> Option<(Registry, String)> {
    if !support::env::docker_available(test) {
        return None;
    }
    let open = Registry::start(test, None)?;
    let locked = Registry::start(test, Some(("puller", "pull-pass")))?;
    open.push_scratch_image("team/app", "1.0", format!("{test} app").as_bytes(), false);
    open.push_scratch_image("team/db", "1.0", format!("{test} db").as_bytes(), false);
    let amd = open.push_scratch_image("team/kong", "1.0-amd64", format!("{test} kong amd64").as_bytes(), false);
    let arm = open.push_scratch_image("team/kong", "1.0-arm64", format!("{test} kong arm64").as_bytes(), false);
    open.push_index("team/kong", "1.0", &[(&amd, "amd64"), (&arm, "arm64")]);
    for repo in ["team/app", "team/db", "team/kong"] {
        locked.copy_from(&open, repo, "1.0");
    }
    let values = registry::team_values(&locked.host(), &["db", "kong"]);
    Some((locked, values))
}

/// `ssp images pull`: the real daemon pulls what it lacks from a registry with basic auth (the
/// credentials from SSP_REGISTRY_USER/TOKEN for `[registry] host`), and one `k3d image import`
/// loads what the node does not list; a second run with everything in place downloads nothing
/// and imports nothing.
#[test]
fn pull_fetches_what_docker_lacks_and_imports_what_the_nodes_lack() {
    let Some((source, values)) = private_source("images_pull") else { return };
    let Some(stack) = Stack::new(StackOptions { chart: true, ..Default::default() }) else { return };
    stack.cluster_running();
    stack.project.write("images.yaml", values);
    let host = source.host();
    let names: Vec<String> = ["app", "db", "kong"].iter().map(|r| format!("{host}/team/{r}:1.0")).collect();
    registry::remove_from_docker(&names);
    let node = |images: &[&String]| {
        json!({
            "apiVersion": "v1", "kind": "Node", "metadata": {"name": "k3d-pdc-cluster-server-0"},
            "status": {"images": images.iter().map(|n| json!({"names": [n], "sizeBytes": 100})).collect::<Vec<_>>()}
        })
    };
    stack.api.insert(node(&[&names[0]]));
    let ssp = || {
        stack
            .ssp()
            .env("SSP_REGISTRY_HOST", &host)
            .env("SSP_REGISTRY_USER", "puller")
            .env("SSP_REGISTRY_TOKEN", "pull-pass")
            .args(["images", "pull", "-f", "images.yaml"])
    };

    let out = ssp().run();
    out.success();
    for name in &names {
        assert!(registry::docker_has(name), "{name} not in Docker:\n{}", out.stderr);
        out.stderr_has(&format!("pulled {name} (credentials from SSP_REGISTRY_USER/SSP_REGISTRY_TOKEN)"));
    }
    assert!(!out.stderr.contains("pull-pass"), "{}", out.stderr);
    assert!(source.blob_gets() >= 4, "the daemon fetched the layers: {:?}", source.requests());
    let imports: Vec<Vec<String>> = stack.fakes.k3d_image_calls().into_iter().map(|c| c.argv).collect();
    assert_eq!(imports, [vec!["image", "import", &names[1], &names[2], "-c", "pdc-cluster"]]);
    out.stderr_has("loaded 2 image(s) into cluster pdc-cluster");

    stack.api.insert(node(&names.iter().collect::<Vec<_>>()));
    let (gets, requests) = (source.blob_gets(), source.requests().len());
    let out = ssp().run();
    out.success()
        .stderr_has("all 3 image(s) are in the host's Docker")
        .stderr_has("the nodes of pdc-cluster hold all 3 image(s)");
    assert_eq!(source.blob_gets(), gets);
    assert_eq!(
        source.requests().len(),
        requests,
        "no request reached the registry: {:?}",
        &source.requests()[requests..]
    );
    assert_eq!(stack.fakes.k3d_image_calls().len(), 1);
    registry::remove_from_docker(&names);
}

/// An image the registry does not have: exit 1 naming it, the others still pulled and imported.
#[test]
fn pull_of_a_missing_image_fails_naming_it_and_loads_the_rest() {
    let Some((source, values)) = private_source("images_pull_missing") else { return };
    let Some(stack) = Stack::new(StackOptions { chart: true, ..Default::default() }) else { return };
    stack.cluster_running();
    let host = source.host();
    stack.project.write("images.yaml", values.replace(&format!("{host}/team/db"), &format!("{host}/team/gone")));
    let names: Vec<String> = ["app", "kong"].iter().map(|r| format!("{host}/team/{r}:1.0")).collect();
    registry::remove_from_docker(&names);
    let out = stack
        .ssp()
        .env("SSP_REGISTRY_HOST", &host)
        .env("SSP_REGISTRY_USER", "puller")
        .env("SSP_REGISTRY_TOKEN", "pull-pass")
        .args(["images", "pull", "-f", "images.yaml"])
        .run();
    out.status(1).stderr_has(&format!("1 image(s) could not be pulled: {host}/team/gone:1.0"));
    let import = stack.fakes.k3d_image_calls().into_iter().next().unwrap();
    assert_eq!(import.argv, ["image", "import", &names[0], &names[1], "-c", "pdc-cluster"]);
    registry::remove_from_docker(&names);
}

/// `[images] preload = true`: setup-infra pulls the images and imports them into the new cluster
/// before the helm install; after `ssp teardown` a second setup-infra creates the cluster again,
/// imports again from Docker, and not one request reaches the registry.
#[test]
fn preload_makes_a_second_setup_after_teardown_download_nothing() {
    let Some((source, values)) = private_source("images_preload") else { return };
    let options = StackOptions { chart: true, extra_toml: "[images]\npreload = true\n".into(), ..Default::default() };
    let Some(stack) = Stack::for_setup("images_preload", options) else { return };
    stack.project.write("images.yaml", values);
    let host = source.host();
    let names: Vec<String> = ["app", "db", "kong"].iter().map(|r| format!("{host}/team/{r}:1.0")).collect();
    registry::remove_from_docker(&names);
    let creates = || {
        stack
            .fakes
            .calls_of("k3d")
            .iter()
            .filter(|c| c.argv.starts_with(&["cluster".to_string(), "create".to_string()]))
            .count()
    };
    let setup = || {
        let before = creates();
        std::thread::scope(|s| {
            let cluster = s.spawn(|| {
                // Kong answers once the cluster exists (its host port must be free before).
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
                while creates() <= before {
                    assert!(std::time::Instant::now() < deadline, "no `k3d cluster create`");
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                (support::stack::KongStandIn::start(stack.http_port, 200), stack.api.autopilot())
            });
            let out = stack
                .ssp()
                .env("SSP_REGISTRY_HOST", &host)
                .env("SSP_REGISTRY_USER", "puller")
                .env("SSP_REGISTRY_TOKEN", "pull-pass")
                .args(["setup-infra", "-f", "images.yaml", "--timeout", "2m"])
                .run();
            let _doubles = cluster.join().unwrap();
            out
        })
    };
    let imports = || stack.fakes.k3d_image_calls().iter().map(|c| c.command_line()).collect::<Vec<_>>();
    let import = format!("k3d image import {} {} {} -c pdc-cluster", names[0], names[1], names[2]);

    let first = setup();
    first.success();
    assert!(source.blob_gets() >= 4, "{:?}", source.requests());
    assert_eq!(imports(), std::slice::from_ref(&import));
    // Cluster created, images imported, then the release installed (the log is in call order).
    let order: Vec<String> = stack.fakes.command_lines();
    let at = |prefix: &str| {
        order.iter().position(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("{prefix}: {order:#?}"))
    };
    assert!(at("k3d cluster create") < at("k3d image import"), "{order:#?}");
    assert!(at("k3d image import") < at("helm upgrade"), "{order:#?}");

    stack.ssp().args(["teardown", "--yes"]).run().success();
    let requests = source.requests().len();
    let second = setup();
    second.success().stderr_has("all 3 image(s) are in the host's Docker");
    assert_eq!(
        source.requests().len(),
        requests,
        "requests reached the registry: {:?}",
        &source.requests()[requests..]
    );
    assert_eq!(imports(), [import.clone(), import]);
    registry::remove_from_docker(&names);
}

/// `teardown --purge-cache`: the release's images (dev values) leave the host's Docker with the
/// cluster; other images stay.
#[test]
fn teardown_purge_cache_removes_the_release_images_from_docker() {
    let Some(stack) = Stack::for_setup("purge_cache", StackOptions { chart: true, ..Default::default() }) else {
        return;
    };
    let Some(registry) = Registry::start("purge_cache", None) else { return };
    stack.cluster_running();
    registry.push_scratch_image("purge/x", "1", b"purge cache test", true);
    let built = format!("{}/purge/x:1", registry.host());
    let release_image = "ghcr.io/uw-thinklab/supabase-db:2024.12.23";
    let other = "ghcr.io/uw-thinklab/supabase-db:purge-cache-test-other";
    if registry::docker_has(release_image) {
        // A developer's real copy is not the test's to delete.
        eprintln!("skipped: {release_image} is in this Docker already");
        registry::docker(&["rmi", &built]);
        return;
    }
    registry::docker(&["tag", &built, release_image]);
    registry::docker(&["tag", &built, other]);
    let out = stack.ssp().args(["teardown", "--yes", "--purge-cache"]).run();
    out.success()
        .stderr_has("cluster pdc-cluster deleted")
        .stderr_has("removed 1 of the release's image(s) from the host's Docker");
    assert!(!registry::docker_has(release_image));
    assert!(registry::docker_has(other));
    registry::docker(&["rmi", other, &built]);
}
