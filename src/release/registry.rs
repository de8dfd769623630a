//! Credentials for private image registries and the `regcred` pull secret made from them.
//!
//! The dev values pull `ghcr.io/uw-thinklab/*` images through `imagePullSecrets: [regcred]`, which
//! the old tasks never created. `SSP_REGISTRY_USER` / `SSP_REGISTRY_TOKEN` are the credentials of
//! one registry only, `[registry] host` (default `ghcr.io`, env `SSP_REGISTRY_HOST`): a values file
//! naming another host (an edited line, a colleague's `-f` file) must not send the team's token
//! there, where the kubelet would present it. Every host, the configured one included when the
//! environment has nothing, gets only what the user's `~/.docker/config.json` holds for exactly that
//! host (an `auths` entry, or a credential helper run through the process runner). The secret is
//! applied through the Kubernetes API; its content never reaches a log.

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use zeroize::Zeroizing;

use crate::platform::output::Output;
use crate::platform::runner::{ProgramCall, Runner};

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

/// The environment variables holding the credentials of the configured registry host.
pub const ENV_USER: &str = "SSP_REGISTRY_USER";
pub const ENV_TOKEN: &str = "SSP_REGISTRY_TOKEN";

/// True when `registry` is the host the environment credentials belong to (host names compare
/// without regard to case; the port, when given, must match too).
pub fn is_env_host(registry: &str, env_host: &str) -> bool {
    registry.eq_ignore_ascii_case(env_host.trim())
}

/// True when `SSP_REGISTRY_USER` and `SSP_REGISTRY_TOKEN` are both set and non-empty.
pub fn env_credentials_set(env: &dyn Fn(&str) -> Option<String>) -> bool {
    let set = |k| env(k).is_some_and(|v: String| !v.is_empty());
    set(ENV_USER) && set(ENV_TOKEN)
}

/// Looks for credentials for `registry`: the environment when `registry` is `env_host` (the
/// `[registry] host`), then the Docker config's entry for exactly that host.
pub fn find_credential(
    registry: &str,
    env_host: &str,
    runner: &Runner,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<RegistryCredential> {
    if is_env_host(registry, env_host)
        && let (Some(username), Some(token)) = (env(ENV_USER), env(ENV_TOKEN))
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
        // Helpers such as docker-credential-ecr-login call AWS; none gets the registry token.
        .pass_env(crate::platform::runner::AWS_SECRET_ENV)
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

/// One `auths` entry of a Docker config, borrowed from the credential (no plaintext copy besides
/// the zeroized `auth`).
#[derive(serde::Serialize)]
struct AuthEntry<'a> {
    username: &'a str,
    password: &'a str,
    #[serde(serialize_with = "zeroizing_str")]
    auth: Zeroizing<String>,
}

fn zeroizing_str<S: serde::Serializer>(text: &Zeroizing<String>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(text)
}

#[derive(serde::Serialize)]
struct DockerConfigJson<'a> {
    auths: BTreeMap<&'a str, AuthEntry<'a>>,
}

/// The `kubernetes.io/dockerconfigjson` Secret for the credentials. The JSON is written straight
/// into one zeroized buffer sized up front (no `json!`/`format!` temporaries left in the heap); the
/// returned Secret holds one copy, which the caller zeroizes once it is applied
/// ([`zeroize_secret_data`]).
pub fn pull_secret(namespace: &str, credentials: &[RegistryCredential]) -> Secret {
    let mut auths = BTreeMap::new();
    let mut size = 16;
    for c in credentials {
        let mut pair = Zeroizing::new(String::with_capacity(c.username.len() + 1 + c.password.len()));
        pair.push_str(&c.username);
        pair.push(':');
        pair.push_str(&c.password);
        let mut auth = Zeroizing::new(String::with_capacity(pair.len().div_ceil(3) * 4 + 4));
        B64.encode_string(pair.as_bytes(), &mut auth);
        size += c.registry.len() + c.username.len() * 2 + c.password.len() * 2 + auth.len() + 64;
        auths.insert(c.registry.as_str(), AuthEntry { username: &c.username, password: &c.password, auth });
    }
    // JSON escapes can lengthen the text; the room doubled keeps the buffer from reallocating.
    let mut body = Zeroizing::new(Vec::with_capacity(size * 2));
    serde_json::to_writer(&mut *body, &DockerConfigJson { auths }).expect("JSON");
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

/// Overwrites the data of a Secret built by [`pull_secret`] once it has been sent.
pub fn zeroize_secret_data(secret: &mut Secret) {
    use zeroize::Zeroize as _;
    for value in secret.data.iter_mut().flat_map(|d| d.values_mut()) {
        value.0.zeroize();
    }
}

/// Finds credentials for the `registries` the values pull from and applies them as the
/// [`PULL_SECRET`] in `namespace` (created first when missing: on a fresh cluster it only appears with
/// helm's `--create-namespace`). Says which hosts got credentials and from where, and for which none
/// were found. `client` is `None` in a dry run: the plan is said, nothing is sent.
pub async fn apply_pull_secret(
    client: Option<&::kube::Client>,
    namespace: &str,
    registries: &[String],
    env_host: &str,
    runner: &Runner,
    output: &Output,
) -> anyhow::Result<()> {
    use ::kube::api::{Api, Patch, PatchParams, PostParams};
    use anyhow::Context as _;
    use k8s_openapi::api::core::v1::Namespace;

    if registries.is_empty() {
        return Ok(());
    }
    let env = |k: &str| std::env::var(k).ok();
    let env_set = env_credentials_set(&env);
    let mut found = Vec::new();
    for registry in registries {
        match find_credential(registry, env_host, runner, &env) {
            Some(c) => found.push(c),
            None if is_env_host(registry, env_host) => output.note(format!(
                "no credentials for {registry}: not in the `{PULL_SECRET}` pull secret (set {ENV_USER} and {ENV_TOKEN}, or `docker login {registry}`)"
            )),
            None => output.note(format!(
                "no credentials for {registry}: not in the `{PULL_SECRET}` pull secret; {}`docker login {registry}` stores some for it",
                if env_set { format!("{ENV_USER}/{ENV_TOKEN} are only for {env_host} ([registry] host), ") } else { String::new() }
            )),
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    let hosts: Vec<&str> = found.iter().map(|c| c.registry.as_str()).collect();
    let Some(client) = client else {
        output.note(format!("would apply Secret {namespace}/{PULL_SECRET} (docker-registry for {})", hosts.join(", ")));
        return Ok(());
    };
    let namespaces: Api<Namespace> = Api::all(client.clone());
    if namespaces.get_opt(namespace).await.with_context(|| format!("cannot read namespace {namespace}"))?.is_none() {
        output.verbose(format!("POST namespaces/{namespace}"));
        let object = Namespace {
            metadata: ObjectMeta { name: Some(namespace.to_string()), ..Default::default() },
            ..Default::default()
        };
        namespaces
            .create(&PostParams::default(), &object)
            .await
            .with_context(|| format!("cannot create namespace {namespace} for the pull secret"))?;
    }
    let mut secret = pull_secret(namespace, &found);
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    output.verbose(format!("PATCH (apply) secrets/{PULL_SECRET} in {namespace}"));
    let applied = api.patch(PULL_SECRET, &PatchParams::apply("ssp").force(), &Patch::Apply(&secret)).await;
    zeroize_secret_data(&mut secret);
    let mut answer = applied.with_context(|| format!("cannot apply the `{PULL_SECRET}` pull secret"))?;
    zeroize_secret_data(&mut answer);
    let sources: Vec<&str> = found.iter().map(|c| c.source.as_str()).collect();
    output.done(format!("pull secret {PULL_SECRET} for {} (from {})", hosts.join(", "), sources.join(", ")));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::output::{Output, Verbosity};

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
        let c = find_credential("ghcr.io", "ghcr.io", &runner(), &env).unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("me", "tok"));
        assert!(!format!("{c:?}").contains("tok"));
    }

    #[test]
    fn environment_credentials_go_to_the_configured_host_only() {
        let env = |k: &str| match k {
            "SSP_REGISTRY_USER" => Some("me".to_string()),
            "SSP_REGISTRY_TOKEN" => Some("tok".to_string()),
            _ => None,
        };
        assert!(find_credential("registry.attacker.example", "ghcr.io", &runner(), &env).is_none());
        assert!(find_credential("ghcr.io.attacker.example", "ghcr.io", &runner(), &env).is_none());
        assert!(find_credential("ghcr.io:444", "ghcr.io", &runner(), &env).is_none());
        let c = find_credential("registry.example.org", "registry.example.org", &runner(), &env).unwrap();
        assert_eq!(c.password.as_str(), "tok");
        assert!(find_credential("GHCR.io", "ghcr.io", &runner(), &env).is_some());
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
        let c = find_credential("ghcr.io", "ghcr.io", &runner(), &env).unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("user", "secret"));
        assert!(find_credential("quay.io", "ghcr.io", &runner(), &env).is_none());
        // The Docker config's own entry for a host serves it whatever [registry] host is.
        assert!(find_credential("ghcr.io", "quay.io", &runner(), &env).is_some());
    }

    #[test]
    fn pull_secret_holds_dockerconfigjson() {
        let c = RegistryCredential {
            registry: "ghcr.io".into(),
            username: "u".into(),
            password: Zeroizing::new("p".into()),
            source: "test".into(),
        };
        let mut secret = pull_secret("default", &[c]);
        assert_eq!(secret.type_.as_deref(), Some("kubernetes.io/dockerconfigjson"));
        let body = &secret.data.as_ref().unwrap()[".dockerconfigjson"].0;
        let json: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(json["auths"]["ghcr.io"]["auth"], B64.encode("u:p"));
        assert_eq!(json["auths"]["ghcr.io"]["password"], "p");
        zeroize_secret_data(&mut secret);
        assert!(secret.data.unwrap()[".dockerconfigjson"].0.is_empty());
    }
}
