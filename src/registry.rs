//! Credentials for private image registries and the `regcred` pull secret made from them.
//!
//! The dev values pull `ghcr.io/uw-thinklab/*` images through `imagePullSecrets: [regcred]`, which
//! the old tasks never created. Credentials come from `SSP_REGISTRY_USER` / `SSP_REGISTRY_TOKEN`, else
//! from the user's `~/.docker/config.json` (an `auths` entry, or a credential helper run through the
//! process runner). The secret is applied through the Kubernetes API; its content never reaches a log.

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use zeroize::Zeroizing;

use crate::runner::{ProgramCall, Runner};

/// The pull secret's name, as the values files reference it.
pub const PULL_SECRET: &str = "regcred";

/// A user name and token for one registry. The token is zeroized on drop and never printed.
pub struct RegistryCredential {
    pub registry: String,
    pub username: String,
    pub password: Zeroizing<String>,
    /// Where it came from, for the status line ("SSP_REGISTRY_USER", "~/.docker/config.json").
    pub source: String,
}

impl std::fmt::Debug for RegistryCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryCredential")
            .field("registry", &self.registry)
            .field("username", &self.username)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Looks for credentials for `registry`: environment first, then the Docker config.
pub fn find_credential(
    registry: &str,
    runner: &Runner,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<RegistryCredential> {
    if let (Some(username), Some(token)) = (env("SSP_REGISTRY_USER"), env("SSP_REGISTRY_TOKEN"))
        && !username.is_empty()
        && !token.is_empty()
    {
        return Some(RegistryCredential {
            registry: registry.to_string(),
            username,
            password: Zeroizing::new(token),
            source: "SSP_REGISTRY_USER/SSP_REGISTRY_TOKEN".to_string(),
        });
    }
    let config_dir =
        env("DOCKER_CONFIG").map(PathBuf::from).or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".docker")))?;
    let path = config_dir.join("config.json");
    let text = Zeroizing::new(std::fs::read_to_string(&path).ok()?);
    let config: serde_json::Value = serde_json::from_str(&text).ok()?;
    let shown = path.display().to_string();
    if let Some(auth) =
        config.pointer("/auths").and_then(|a| lookup(a, registry)).and_then(|e| e.get("auth")).and_then(|a| a.as_str())
    {
        let decoded = Zeroizing::new(B64.decode(auth).ok()?);
        let text = std::str::from_utf8(&decoded).ok()?;
        let (username, password) = text.split_once(':')?;
        return Some(RegistryCredential {
            registry: registry.to_string(),
            username: username.to_string(),
            password: Zeroizing::new(password.to_string()),
            source: shown,
        });
    }
    let helper = config
        .pointer("/credHelpers")
        .and_then(|h| lookup(h, registry))
        .or_else(|| config.get("credsStore"))
        .and_then(|h| h.as_str())?
        .to_string();
    let call = ProgramCall::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(Zeroizing::new(registry.as_bytes().to_vec()), registry.to_string())
        .read_only()
        .timeout(std::time::Duration::from_secs(20));
    let done = runner.run(&call).ok()?;
    let answer: serde_json::Value = serde_json::from_slice(&Zeroizing::new(done.stdout)).ok()?;
    Some(RegistryCredential {
        registry: registry.to_string(),
        username: answer.get("Username")?.as_str()?.to_string(),
        password: Zeroizing::new(answer.get("Secret")?.as_str()?.to_string()),
        source: format!("docker-credential-{helper}"),
    })
}

/// An `auths` entry by registry host, also under the `https://host` and `https://host/v1/` spellings.
fn lookup<'a>(map: &'a serde_json::Value, registry: &str) -> Option<&'a serde_json::Value> {
    let map = map.as_object()?;
    [registry.to_string(), format!("https://{registry}"), format!("https://{registry}/v1/")]
        .iter()
        .find_map(|k| map.get(k))
}

/// The `kubernetes.io/dockerconfigjson` Secret for the credentials.
pub fn pull_secret(namespace: &str, credentials: &[RegistryCredential]) -> Secret {
    let mut auths = serde_json::Map::new();
    for c in credentials {
        let auth = B64.encode(format!("{}:{}", c.username, c.password.as_str()));
        auths.insert(
            c.registry.clone(),
            serde_json::json!({ "username": c.username, "password": c.password.as_str(), "auth": auth }),
        );
    }
    let body = Zeroizing::new(serde_json::to_vec(&serde_json::json!({ "auths": auths })).expect("JSON"));
    Secret {
        metadata: ObjectMeta {
            name: Some(PULL_SECRET.to_string()),
            namespace: Some(namespace.to_string()),
            labels: Some(BTreeMap::from([("app.kubernetes.io/managed-by".to_string(), "ssp".to_string())])),
            ..Default::default()
        },
        type_: Some("kubernetes.io/dockerconfigjson".to_string()),
        data: Some(BTreeMap::from([(".dockerconfigjson".to_string(), ByteString(body.to_vec()))])),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Output, Verbosity};

    fn runner() -> Runner {
        Runner::new(None, false, Output::capture(Verbosity::Normal))
    }

    #[test]
    fn environment_wins() {
        let env = |k: &str| match k {
            "SSP_REGISTRY_USER" => Some("me".to_string()),
            "SSP_REGISTRY_TOKEN" => Some("tok".to_string()),
            _ => None,
        };
        let c = find_credential("ghcr.io", &runner(), &env).unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("me", "tok"));
        assert!(!format!("{c:?}").contains("tok"));
    }

    #[test]
    fn docker_config_auths_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let auth = B64.encode("user:secret");
        std::fs::write(
            dir.path().join("config.json"),
            format!(r#"{{"auths":{{"https://ghcr.io":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        let home = dir.path().to_path_buf();
        let env = move |k: &str| (k == "DOCKER_CONFIG").then(|| home.display().to_string());
        let c = find_credential("ghcr.io", &runner(), &env).unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("user", "secret"));
        assert!(find_credential("quay.io", &runner(), &env).is_none());
    }

    #[test]
    fn pull_secret_holds_dockerconfigjson() {
        let c = RegistryCredential {
            registry: "ghcr.io".into(),
            username: "u".into(),
            password: Zeroizing::new("p".into()),
            source: "test".into(),
        };
        let secret = pull_secret("default", &[c]);
        assert_eq!(secret.type_.as_deref(), Some("kubernetes.io/dockerconfigjson"));
        let body = &secret.data.as_ref().unwrap()[".dockerconfigjson"].0;
        let json: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(json["auths"]["ghcr.io"]["auth"], B64.encode("u:p"));
    }
}
