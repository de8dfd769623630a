//! The files under deployment/ agree with the configuration they are rendered from.

mod support;

use std::path::Path;

#[test]
fn checked_in_k3d_config_is_rendered_from_the_defaults() {
    let project = ssp::config::load_layers(Path::new("/p"), None, None, &[], &|_| None).unwrap();
    // ssp writes `.ssp/k3d-<name>.yaml` and never reads this copy: its own header says so.
    let header = "# The k3d config ssp renders from the default [cluster] (`ssp config`). ssp writes its own copy\n\
                  # to .ssp/k3d-<name>.yaml for every `k3d cluster create` and never reads this file; it is kept\n\
                  # for `k3d cluster create --config deployment/k3d-cluster.yaml` without ssp, and checked by\n\
                  # tests/deployment.rs (SSP_BLESS=1 cargo test --test deployment regenerates it).\n";
    let rendered = header.to_string() + &ssp::cluster::config::render_body(&project.config.cluster);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deployment/k3d-cluster.yaml");
    if std::env::var_os("SSP_BLESS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        checked_in, rendered,
        "deployment/k3d-cluster.yaml differs from what ssp renders from [cluster]; regenerate with SSP_BLESS=1 cargo test --test deployment"
    );
    assert!(rendered.contains("  name: pdc-cluster\n"));
    assert!(rendered.contains("  - port: \"127.0.0.1:80:80\"\n    nodeFilters:\n      - loadbalancer\n"));
    assert!(rendered.contains("image: \"rancher/k3s:v1.31.5-k3s1\"\n"));
}

#[test]
fn dev_values_fit_the_pinned_chart() {
    let checkout = tempfile::tempdir().unwrap();
    let Some(chart) = support::fixtures::pinned_chart(checkout.path()) else { return };
    let schema = ssp::release::values::ChartSchema::load(&chart).unwrap();
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deployment/values.dev.yaml")).unwrap();
    let values = ssp::release::values::parse(&text).unwrap();
    let unknown = ssp::release::values::unknown_keys(&schema, &values);
    assert!(unknown.is_empty(), "values.dev.yaml keys the pinned chart does not know: {unknown:?}");
    // The realtime fullnameOverride the chart needs (supabase-kubernetes#74) is kept.
    assert_eq!(values["realtime"]["fullnameOverride"], "realtime-dev");
    // And a key from the chart's later 0.7 layout is caught.
    let moved = ssp::release::values::parse("db:\n  enabeld: true\nrealtime:\n  config:\n    tenant: x\n").unwrap();
    let unknown = ssp::release::values::unknown_keys(&schema, &moved);
    assert!(
        unknown.iter().any(|u| u.path == "db.enabeld" && u.suggestion.as_deref() == Some("db.enabled")),
        "{unknown:?}"
    );
}

#[test]
fn seed_build_context_sends_only_the_seed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("deployment");
    let ctx = ssp::seed::image::pack_context(&root, &root.join("docker/populate_db.Dockerfile")).unwrap();
    let mut archive = tar::Archive::new(ctx.tar.as_slice());
    let mut names: Vec<String> =
        archive.entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect();
    names.sort();
    assert!(names.contains(&"seed/seed.sh".to_string()), "{names:?}");
    assert!(names.contains(&"docker/populate_db.Dockerfile".to_string()), "{names:?}");
    for name in &names {
        assert!(
            name.starts_with("seed") || name.starts_with("docker") || name == ".dockerignore",
            "{name} should not be sent: {names:?}"
        );
    }
}
