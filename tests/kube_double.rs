//! Fidelity checks of the Kubernetes API double (`tests/support/kube_api`).
mod support;

use support::kube_api::KubeApi;

#[test]
fn discovery_answers() {
    let api = KubeApi::start();
    assert!(api.url().starts_with("http://127.0.0.1:"));
}
