//! `ssp images mirror`: each image copied registry to registry over the OCI distribution API, no
//! Docker daemon involved. Manifests travel as the bytes the source served, so every digest — an
//! index's and each of its platform manifests' — is the same in the mirror; blobs the destination
//! already has (a HEAD) are skipped, the others stream from the source's GET into the
//! destination's PUT without being held whole. The manifest goes last, after every blob it names
//! is there: a failure (a refused password, a lost connection) leaves no manifest pointing at
//! missing blobs.

use futures::TryStreamExt as _;
use oci_client::Reference;

use crate::images::distribution::{MANIFEST_TYPES, OCI_INDEX, OCI_MANIFEST, Registries, RegistryError, oci_reference};
use crate::images::reference::ImageRef;

/// Told the size of each blob chunk as it passes (for a progress bar).
pub type Progress = std::sync::Arc<dyn Fn(u64) + Send + Sync>;

/// What copying one image did (or, in a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Copied {
    /// Manifests pushed (an index and its platform manifests count one each).
    pub manifests: usize,
    pub blobs: usize,
    /// Bytes of the blobs copied.
    pub bytes: u64,
    /// Blobs the destination already had.
    pub blobs_present: usize,
}

/// One image to copy: from where to where.
#[derive(Clone, Debug)]
pub struct MirrorPair {
    pub source: ImageRef,
    pub target: ImageRef,
}

/// The targets of `images` under `prefix` (`REGISTRY/PATH`): same repository path and tag.
pub fn plan(images: &[ImageRef], prefix: &str) -> Result<Vec<MirrorPair>, crate::images::reference::ReferenceError> {
    images.iter().map(|source| Ok(MirrorPair { source: source.clone(), target: source.under(prefix)? })).collect()
}

/// Copies `pair.source` to `pair.target`; with `dry_run` reads both registries and writes nothing.
/// `progress` is told the size of each blob chunk as it passes.
pub async fn copy(
    registries: &Registries,
    pair: &MirrorPair,
    dry_run: bool,
    progress: Progress,
) -> Result<Copied, RegistryError> {
    let (source, target) = (&pair.source, &pair.target);
    let (client, source_auth) = registries.client_for(source).await;
    let (_, target_auth) = registries.client_for(target).await;
    let source_ref = oci_reference(source);
    let (bytes, digest) = client
        .pull_manifest_raw(&source_ref, &source_auth, MANIFEST_TYPES)
        .await
        .map_err(|e| registries.classify(source, e))?;
    // The whole image is there already when the target's tag names the same digest.
    match client.fetch_manifest_digest(&oci_reference(target), &target_auth).await {
        Ok(existing) if existing == digest => return Ok(Copied::default()),
        Ok(_) => {}
        Err(e) => match registries.classify(target, e) {
            RegistryError::NotFound { .. } => {}
            other => return Err(other),
        },
    }
    let mut copied = Copied::default();
    let job = Job { registries, source, target, dry_run, progress };
    job.manifest(&bytes, &digest, target_tagged(target), &mut copied).await?;
    Ok(copied)
}

struct Job<'a> {
    registries: &'a Registries,
    source: &'a ImageRef,
    target: &'a ImageRef,
    dry_run: bool,
    progress: Progress,
}

impl Job<'_> {
    /// Copies one manifest (its blobs, or for an index its manifests) and pushes it under `at`.
    async fn manifest(
        &self,
        bytes: &[u8],
        digest: &str,
        at: Reference,
        copied: &mut Copied,
    ) -> Result<(), RegistryError> {
        let (client, source_auth) = self.registries.client_for(self.source).await;
        let (_, target_auth) = self.registries.client_for(self.target).await;
        let parsed: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| RegistryError::Other {
            registry: self.source.registry.clone(),
            detail: format!("the manifest {digest} of {} is not JSON: {e}", self.source),
        })?;
        let media_type = media_type(&parsed);
        if let Some(members) = parsed.get("manifests").and_then(|m| m.as_array()) {
            for member in members {
                let Some(member_digest) = member.get("digest").and_then(|d| d.as_str()) else { continue };
                let target_member = digest_ref(self.target, member_digest);
                if client.fetch_manifest_digest(&target_member, &target_auth).await.is_ok() {
                    continue;
                }
                let source_member = digest_ref(self.source, member_digest);
                let (member_bytes, _) = client
                    .pull_manifest_raw(&source_member, &source_auth, MANIFEST_TYPES)
                    .await
                    .map_err(|e| self.registries.classify(self.source, e))?;
                Box::pin(self.manifest(&member_bytes, member_digest, target_member, copied)).await?;
            }
        } else {
            let config = parsed.get("config").into_iter();
            let layers = parsed.get("layers").and_then(|l| l.as_array()).into_iter().flatten();
            for blob in config.chain(layers) {
                let (Some(blob_digest), size) =
                    (blob.get("digest").and_then(|d| d.as_str()), blob.get("size").and_then(|s| s.as_u64()))
                else {
                    continue;
                };
                self.blob(blob_digest, size, copied).await?;
            }
        }
        copied.manifests += 1;
        if self.dry_run {
            return Ok(());
        }
        client
            .push_manifest_raw(&at, bytes.to_vec(), media_type.parse().expect("a media type is a header value"))
            .await
            .map_err(|e| self.registries.classify(self.target, e))?;
        Ok(())
    }

    /// Copies one blob unless the target has it: the source's body streamed into the target's PUT.
    async fn blob(&self, digest: &str, size: Option<u64>, copied: &mut Copied) -> Result<(), RegistryError> {
        let (client, _) = self.registries.client_for(self.source).await;
        let _ = self.registries.client_for(self.target).await;
        let target_ref = oci_reference(self.target);
        let present =
            client.blob_exists(&target_ref, digest).await.map_err(|e| self.registries.classify(self.target, e))?;
        if present {
            copied.blobs_present += 1;
            return Ok(());
        }
        copied.blobs += 1;
        copied.bytes += size.unwrap_or(0);
        if self.dry_run {
            return Ok(());
        }
        let source_ref = oci_reference(self.source);
        let stream =
            client.pull_blob_stream(&source_ref, digest).await.map_err(|e| self.registries.classify(self.source, e))?;
        let size = size.or(stream.content_length);
        let progress = self.progress.clone();
        let body = stream
            .stream
            .map_err(oci_client::errors::OciDistributionError::from)
            .inspect_ok(move |chunk| progress(chunk.len() as u64));
        client
            .push_blob_stream(&target_ref, body, digest, size)
            .await
            .map_err(|e| self.registries.classify(self.target, e))?;
        Ok(())
    }
}

/// The target reference a copy pushes the top manifest under: the tag, else the digest.
fn target_tagged(target: &ImageRef) -> Reference {
    match (&target.tag, &target.digest) {
        (Some(tag), _) => Reference::with_tag(target.registry.clone(), target.path.clone(), tag.clone()),
        (None, Some(digest)) => digest_ref(target, digest),
        (None, None) => Reference::with_tag(target.registry.clone(), target.path.clone(), "latest".to_string()),
    }
}

fn digest_ref(image: &ImageRef, digest: &str) -> Reference {
    Reference::with_digest(image.registry.clone(), image.path.clone(), digest.to_string())
}

/// A manifest's media type: its `mediaType`, else what its shape says (OCI allows leaving it out).
fn media_type(manifest: &serde_json::Value) -> &str {
    match manifest.get("mediaType").and_then(|m| m.as_str()) {
        Some(declared) => declared,
        None if manifest.get("manifests").is_some() => OCI_INDEX,
        None => OCI_MANIFEST,
    }
}
