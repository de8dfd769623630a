//! The files under deployment/ agree with the configuration they are rendered from.

use std::path::Path;

#[test]
fn checked_in_k3d_config_is_rendered_from_the_defaults() {
    let project = ssp::config::load_layers(Path::new("/p"), None, None, &[], &|_| None).unwrap();
    let rendered = ssp::cluster::render_k3d_config(&project.config.cluster);
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
    assert!(rendered.contains("  - port: \"80:80\"\n    nodeFilters:\n      - loadbalancer\n"));
    assert!(rendered.contains("image: \"rancher/k3s:v1.31.5-k3s1\"\n"));
}
