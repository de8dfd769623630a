//! Where each image of the release is: in the host's Docker (with its size, through the Docker
//! API), on the cluster's nodes (`Node.status.images`, as the kubelet reports what containerd
//! holds), and — when asked — resolvable in its registry. A place that cannot be asked (no Docker
//! daemon, no running cluster) is `Unknown`, with the reason said once, not a failure.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};
use serde::Serialize;

use crate::images::distribution::{Registries, RegistryError};
use crate::images::reference::ImageRef;
use crate::images::render::UsedImage;
use crate::platform::docker::Engine;

/// Whether a place holds an image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "state")]
pub enum Presence {
    Present {
        /// Bytes, when the place says (the host's Docker does; a node's list does too).
        #[serde(skip_serializing_if = "Option::is_none")]
        size: Option<u64>,
    },
    Absent,
    Unknown,
}

/// What the image's registry said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "state")]
pub enum Remote {
    Found { digest: String },
    Missing,
    Error { message: String },
}

/// One image and where it is.
#[derive(Clone, Debug, Serialize)]
pub struct ImageStatus {
    pub image: String,
    pub used_by: Vec<String>,
    pub host: Presence,
    pub cluster: Presence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<Remote>,
    #[serde(skip)]
    pub reference: ImageRef,
}

/// The images on the cluster's nodes, each in its canonical form (`docker.io/library/kong:2.8.1`,
/// `ghcr.io/a/b@sha256:…`), with their sizes.
pub async fn node_images(client: &kube::Client) -> kube::Result<Vec<(String, Option<u64>)>> {
    let nodes: Api<Node> = Api::all(client.clone());
    let mut found = Vec::new();
    for node in nodes.list(&ListParams::default()).await? {
        for image in node.status.and_then(|s| s.images).unwrap_or_default() {
            let size = image.size_bytes.and_then(|s| u64::try_from(s).ok());
            for name in image.names.unwrap_or_default() {
                if let Ok(parsed) = ImageRef::parse(&name) {
                    found.push((parsed.canonical(), size));
                }
            }
        }
    }
    Ok(found)
}

/// Whether the nodes' images (from [`node_images`]) hold `image`: by tag, or by digest when the
/// reference pins one.
pub fn on_nodes(image: &ImageRef, nodes: &[(String, Option<u64>)]) -> Presence {
    let mut wanted = BTreeSet::from([image.canonical()]);
    if let Some(digest) = &image.digest {
        wanted.insert(format!("{}/{}@{digest}", image.registry, image.path));
    }
    match nodes.iter().find(|(name, _)| wanted.contains(name)) {
        Some((_, size)) => Presence::Present { size: *size },
        None => Presence::Absent,
    }
}

/// Whether the host's Docker holds `image`, and its size.
pub async fn on_host(engine: &Engine, image: &ImageRef) -> Result<Presence, bollard::errors::Error> {
    match engine.client.inspect_image(&image.to_string()).await {
        Ok(inspect) => Ok(Presence::Present { size: inspect.size.and_then(|s| u64::try_from(s).ok()) }),
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(Presence::Absent),
        Err(err) => Err(err),
    }
}

/// Asks `image`'s registry for its manifest (a HEAD).
pub async fn in_registry(registries: &Registries, image: &ImageRef) -> Remote {
    match registries.resolve(image).await {
        Ok(digest) => Remote::Found { digest },
        Err(RegistryError::NotFound { .. }) => Remote::Missing,
        Err(err) => Remote::Error { message: err.to_string() },
    }
}

/// The statuses of `images`: `engine` and `nodes` are `None` when that place could not be asked.
pub async fn statuses(
    images: &[UsedImage],
    engine: Option<&Engine>,
    nodes: Option<&[(String, Option<u64>)]>,
    registries: Option<&Registries>,
) -> Result<Vec<ImageStatus>, bollard::errors::Error> {
    // The registries are asked all at once (each HEAD is a round trip, a token exchange first).
    let remotes: Vec<Option<Remote>> = match registries {
        Some(r) => futures::future::join_all(images.iter().map(|u| in_registry(r, &u.image)))
            .await
            .into_iter()
            .map(Some)
            .collect(),
        None => vec![None; images.len()],
    };
    let mut out = Vec::new();
    for (used, remote) in images.iter().zip(remotes) {
        let host = match engine {
            Some(engine) => on_host(engine, &used.image).await?,
            None => Presence::Unknown,
        };
        let cluster = nodes.map_or(Presence::Unknown, |n| on_nodes(&used.image, n));
        out.push(ImageStatus {
            image: used.image.to_string(),
            used_by: used.used_by.clone(),
            host,
            cluster,
            remote,
            reference: used.image.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_match_any_spelling_of_the_image() {
        let nodes = vec![
            ("docker.io/library/kong:2.8.1".to_string(), Some(10)),
            ("ghcr.io/a/b@sha256:abc".to_string(), Some(20)),
        ];
        assert_eq!(on_nodes(&ImageRef::parse("kong:2.8.1").unwrap(), &nodes), Presence::Present { size: Some(10) });
        assert_eq!(on_nodes(&ImageRef::parse("kong:3").unwrap(), &nodes), Presence::Absent);
        assert_eq!(
            on_nodes(&ImageRef::parse("ghcr.io/a/b:1@sha256:abc").unwrap(), &nodes),
            Presence::Present { size: Some(20) }
        );
        assert_eq!(on_nodes(&ImageRef::parse("ghcr.io/a/b:1").unwrap(), &nodes), Presence::Absent);
    }
}
