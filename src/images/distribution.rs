//! Registries over the OCI distribution API, through the `oci-client` crate: credentials per
//! registry (as the pull secret finds them: `SSP_REGISTRY_USER`/`SSP_REGISTRY_TOKEN` for
//! `[registry] host`, else the user's Docker config), the bearer-token exchange registries such as
//! ghcr.io and Docker Hub ask for (done by oci-client from the `WWW-Authenticate` challenge),
//! manifests read and written as raw bytes (so every digest, an index's included, stays what it
//! was) and blobs streamed from one registry into another.
//!
//! Loopback registries (`127.0.0.0/8`, `localhost`) are spoken to over plain HTTP, as Docker does
//! without configuration; every other registry over HTTPS.

use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use crate::images::reference::ImageRef;
use crate::platform::runner::Runner;
use crate::release::registry::{ENV_TOKEN, ENV_USER, RegistryCredential, find_credential, is_env_host};

/// Media types of manifests and indexes, in the order ssp accepts them.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const MANIFEST_TYPES: &[&str] = &[OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

/// Why a registry call failed, sorted into what the user can act on.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{registry} refused the credentials{}: {detail}", source_note(.source_name))]
    Unauthorized { registry: String, source_name: Option<String>, detail: String },
    #[error("{image} is not in {registry}")]
    NotFound { image: String, registry: String },
    #[error("{registry}: {detail}")]
    Other { registry: String, detail: String },
}

fn source_note(source: &Option<String>) -> String {
    match source {
        Some(s) => format!(" from {s}"),
        None => " (none sent)".to_string(),
    }
}

impl RegistryError {
    /// What to do about it.
    pub fn hint(&self, env_host: &str) -> String {
        match self {
            RegistryError::Unauthorized { registry, source_name: Some(source), .. } => {
                format!(
                    "check the credentials from {source} for {registry}: a token must be allowed to read (and, for a mirror target, write) packages"
                )
            }
            RegistryError::Unauthorized { registry, .. } if is_env_host(registry, env_host) => {
                format!("set {ENV_USER} and {ENV_TOKEN} for {registry}, or `docker login {registry}`")
            }
            RegistryError::Unauthorized { registry, .. } => {
                format!("`docker login {registry}` stores credentials ssp uses")
            }
            RegistryError::NotFound { .. } => {
                "check the repository and tag in the values, or mirror it first".to_string()
            }
            RegistryError::Other { .. } => "check the registry's address and that it answers".to_string(),
        }
    }
}

/// One client for every registry of a run, with each registry's credentials looked up once.
pub struct Registries {
    client: Client,
    env_host: String,
    runner: Runner,
    /// Credentials found so far: registry → (auth, where they came from).
    auths: std::sync::Mutex<std::collections::BTreeMap<String, (RegistryAuth, Option<String>)>>,
}

impl Registries {
    /// `env_host` is `[registry] host`, the only registry `SSP_REGISTRY_USER`/`_TOKEN` go to.
    pub fn new(env_host: &str, runner: &Runner, images: &[&ImageRef]) -> Registries {
        let mut plain: Vec<String> =
            images.iter().filter(|i| i.is_loopback_registry()).map(|i| i.registry.clone()).collect();
        plain.sort();
        plain.dedup();
        let config = ClientConfig {
            protocol: ClientProtocol::HttpsExcept(plain),
            // One PUT per blob whose body streams from the source registry (the chunked path sends
            // each chunk as its own PATCH; monolithic keeps one request and no chunk buffering).
            use_monolithic_push: true,
            connect_timeout: Some(Duration::from_secs(10)),
            read_timeout: Some(Duration::from_secs(300)),
            user_agent: concat!("ssp/", env!("CARGO_PKG_VERSION")),
            ..Default::default()
        };
        Registries {
            client: Client::new(config),
            env_host: env_host.to_string(),
            runner: runner.clone(),
            auths: Default::default(),
        }
    }

    /// The client, with the credentials of `image`'s registry registered (found on first use).
    pub async fn client_for(&self, image: &ImageRef) -> (&Client, RegistryAuth) {
        let auth = self.auth(&image.registry);
        // oci-client keys credentials by the host it talks to (`index.docker.io` for Docker Hub).
        self.client.store_auth_if_needed(oci_reference(image).resolve_registry(), &auth).await;
        (&self.client, auth)
    }

    fn auth(&self, registry: &str) -> RegistryAuth {
        let mut auths = self.auths.lock().expect("auths lock");
        if let Some((auth, _)) = auths.get(registry) {
            return auth.clone();
        }
        let (auth, source) = match credential(registry, &self.env_host, &self.runner) {
            // oci-client holds the password as a plain String for the run (its API takes one);
            // it is sent only to this registry (and its token realm), never printed.
            Some(c) => (RegistryAuth::Basic(c.username.clone(), c.password.to_string()), Some(c.source.clone())),
            None => (RegistryAuth::Anonymous, None),
        };
        auths.insert(registry.to_string(), (auth.clone(), source));
        auth
    }

    /// Where `registry`'s credentials came from, if any were found.
    pub fn credential_source(&self, registry: &str) -> Option<String> {
        self.auths.lock().expect("auths lock").get(registry).and_then(|(_, s)| s.clone())
    }

    /// The digest `image` resolves to in its registry (a manifest HEAD, GET when the registry
    /// sends no digest header).
    pub async fn resolve(&self, image: &ImageRef) -> Result<String, RegistryError> {
        let reference = oci_reference(image);
        let (client, auth) = self.client_for(image).await;
        client.fetch_manifest_digest(&reference, &auth).await.map_err(|e| self.classify(image, e))
    }

    /// Sorts an oci-client error into a [`RegistryError`] for `image`.
    pub fn classify(&self, image: &ImageRef, error: OciDistributionError) -> RegistryError {
        let registry = image.registry.clone();
        let status = match &error {
            OciDistributionError::RequestError(e) => e.status().map(|s| s.as_u16()),
            OciDistributionError::ServerError { code, .. } => Some(*code),
            OciDistributionError::UnauthorizedError { .. } | OciDistributionError::AuthenticationFailure(_) => {
                Some(401)
            }
            OciDistributionError::ImageManifestNotFoundError(_) => Some(404),
            OciDistributionError::RegistryError { envelope, .. } => {
                let text = format!("{envelope:?}");
                if text.contains("Unauthorized") || text.contains("Denied") {
                    Some(401)
                } else if text.contains("Unknown") {
                    Some(404)
                } else {
                    None
                }
            }
            _ => None,
        };
        match status {
            Some(401 | 403) => RegistryError::Unauthorized {
                source_name: self.credential_source(&registry),
                registry,
                detail: short(&error),
            },
            Some(404) => RegistryError::NotFound { image: image.to_string(), registry },
            _ => RegistryError::Other { registry, detail: short(&error) },
        }
    }
}

/// The credentials for `registry` (as for the `regcred` pull secret: the environment's for
/// `env_host`, else the Docker config's for exactly that host; Docker Hub under its Docker-config
/// name `index.docker.io` too).
pub fn credential(registry: &str, env_host: &str, runner: &Runner) -> Option<RegistryCredential> {
    let env = |k: &str| std::env::var(k).ok();
    let lookup = if registry == crate::images::reference::DOCKER_HUB { "index.docker.io" } else { registry };
    find_credential(lookup, env_host, runner, &env)
        .or_else(|| (lookup != registry).then(|| find_credential(registry, env_host, runner, &env)).flatten())
}

/// The error's text, without the envelope's Debug noise, on one line.
fn short(error: &OciDistributionError) -> String {
    let text = error.to_string().replace('\n', " ");
    if text.len() > 300 { format!("{}…", &text[..text.floor_char_boundary(300)]) } else { text }
}

/// The oci-client reference of an image (tag and/or digest kept).
pub fn oci_reference(image: &ImageRef) -> Reference {
    let (registry, repository) = (image.registry.clone(), image.path.clone());
    match (&image.tag, &image.digest) {
        (Some(tag), Some(digest)) => Reference::with_tag_and_digest(registry, repository, tag.clone(), digest.clone()),
        (None, Some(digest)) => Reference::with_digest(registry, repository, digest.clone()),
        (tag, None) => Reference::with_tag(registry, repository, tag.clone().unwrap_or_else(|| "latest".to_string())),
    }
}
