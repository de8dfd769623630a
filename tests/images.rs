//! `ssp images`: the release's images (rendered by the real helm from the pinned chart), where
//! they are (host Docker, the cluster's nodes, their registry), and the registry-to-registry mirror,
//! against real registries (Debian's `docker-registry`) and the real Docker daemon.

mod support;

use support::registry::{self, Registry};

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
