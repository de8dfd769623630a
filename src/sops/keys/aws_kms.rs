//! AWS KMS master keys through the AWS SDK for Rust, as sops' `kms/keysource.go` uses the Go SDK:
//! the region comes from the key's ARN, `aws_profile` selects the shared-config profile, `role` is
//! assumed through STS (`AssumeRole`, session name `sops@<hostname>`) and its temporary credentials
//! call KMS, and the encryption `context` goes with every `Encrypt` and `Decrypt`. Everything else
//! (credentials, `AWS_ENDPOINT_URL[_KMS|_STS]`, SSO, `credential_process`) is the SDK's default
//! chain, exactly like sops.
//!
//! The engine is synchronous and may be called from inside an async runtime, so the SDK runs on a
//! current-thread runtime of its own, driven from a scoped thread. One SDK config per
//! (region, profile, role) is kept for the life of the service, so several keys (or `updatekeys`
//! with many files) resolve credentials and assume a role once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use base64::Engine as _;
use tokio_util::sync::CancellationToken;
use zeroize::Zeroizing;

use super::kms::KmsService;
use crate::sops::metadata::OpaqueKey;

/// sops' `arnRegex`: the region is the first group.
const ARN_PATTERN: &str = r"^arn:aws[\w-]*:kms:(.+):[0-9]+:(key|alias)/.+$";
/// sops' `roleSessionNameLengthLimit`.
const SESSION_NAME_LIMIT: usize = 64;

/// How long one KMS or STS call may take, all retries included, before it fails as unreachable
/// (the SDK itself waits forever for a server that accepts and never answers).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The KMS service backed by the AWS SDK.
pub struct AwsKms {
    state: Mutex<State>,
    cancel: Option<CancellationToken>,
    timeout: Duration,
}

#[derive(Default)]
struct State {
    runtime: Option<tokio::runtime::Runtime>,
    configs: HashMap<ConfigKey, SdkConfig>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ConfigKey {
    region: String,
    profile: Option<String>,
    role: Option<String>,
}

/// What a key's fields say about how to reach KMS.
struct KeySpec {
    arn: String,
    config: ConfigKey,
    context: HashMap<String, String>,
}

impl KeySpec {
    fn of(key: &OpaqueKey) -> Result<Self, String> {
        let arn = key.field("arn").unwrap_or_default().to_string();
        let region = region_of(&arn)?;
        let non_empty = |f: &str| key.field(f).filter(|v| !v.is_empty()).map(str::to_string);
        let context = key
            .fields
            .iter()
            .filter_map(|(name, v)| name.strip_prefix("context.").map(|k| (k.to_string(), v.clone())))
            .collect();
        Ok(KeySpec {
            arn,
            config: ConfigKey { region, profile: non_empty("aws_profile"), role: non_empty("role") },
            context,
        })
    }
}

/// The region of a KMS key ARN (`arn:aws:kms:us-west-2:111122223333:key/…` → `us-west-2`).
pub fn region_of(arn: &str) -> Result<String, String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(ARN_PATTERN).expect("valid pattern"));
    re.captures(arn)
        .map(|c| c[1].to_string())
        .ok_or_else(|| format!("no valid ARN found in '{arn}' (expected arn:aws:kms:REGION:ACCOUNT:key/ID)"))
}

/// sops' STS session name: `sops@` + the hostname without the characters sops' `stsSessionRegex`
/// removes (`[^a-zA-Z0-9=,.@-_]`, where `@-_` is the range from `@` to `_`), cut to 64 bytes.
pub fn session_name(hostname: &str) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '=' | ',' | '.' | '@'..='_');
    let mut name: String = format!("sops@{}", hostname.chars().filter(|c| allowed(*c)).collect::<String>());
    name.truncate(SESSION_NAME_LIMIT);
    name
}

fn hostname() -> String {
    nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_default()
}

impl Default for AwsKms {
    fn default() -> Self {
        Self::new()
    }
}

impl AwsKms {
    pub fn new() -> Self {
        AwsKms { state: Mutex::new(State::default()), cancel: None, timeout: DEFAULT_TIMEOUT }
    }

    /// Calls (with their retries) fail after `timeout` instead of [`DEFAULT_TIMEOUT`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Calls in flight stop with "interrupted" when `token` is cancelled (Ctrl-C).
    pub fn with_cancel(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// Runs `work` with the SDK config for `spec` on the service's runtime, from a scoped thread
    /// (the caller may itself be inside an async runtime, where blocking on another is refused).
    fn call<T: Send>(
        &self,
        spec: &KeySpec,
        work: impl AsyncFnOnce(SdkConfig) -> Result<T, String> + Send,
    ) -> Result<T, String> {
        let mut state = self.state.lock().map_err(|_| "the AWS KMS client is unusable after a panic".to_string())?;
        if state.runtime.is_none() {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the AWS SDK runtime: {e}"))?;
            state.runtime = Some(rt);
        }
        let State { runtime, configs } = &mut *state;
        let runtime = runtime.as_ref().expect("set above");
        let cancel = self.cancel.clone();
        let cached = configs.get(&spec.config).cloned();
        let key = spec.config.clone();
        let timeout = self.timeout;
        let (result, config) = std::thread::scope(|s| {
            s.spawn(move || {
                runtime.block_on(async move {
                    let run = async {
                        let config = match cached {
                            Some(c) => c,
                            None => load_config(&key, timeout).await?,
                        };
                        let out = work(config.clone()).await;
                        Ok::<_, String>((out, config))
                    };
                    match cancel {
                        Some(token) => tokio::select! {
                            r = run => r,
                            _ = token.cancelled() => Err("interrupted".to_string()),
                        },
                        None => run.await,
                    }
                })
            })
            .join()
            .unwrap_or_else(|_| Err("the AWS SDK call panicked".to_string()))
        })
        .map(|(out, config)| (out, Some(config)))
        .unwrap_or_else(|e| (Err(e), None));
        if let Some(config) = config {
            configs.insert(spec.config.clone(), config);
        }
        result
    }
}

impl Drop for AwsKms {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which tokio refuses inside an async context (ssp's commands
        // run in one); nothing is left running on it between calls.
        if let Ok(state) = self.state.get_mut()
            && let Some(rt) = state.runtime.take()
        {
            rt.shutdown_background();
        }
    }
}

/// The SDK's default config chain for the key's region and profile, with rustls (ring) for TLS;
/// with a role, the credentials of an STS `AssumeRole` made with that chain, as sops does.
async fn load_config(key: &ConfigKey, timeout: Duration) -> Result<SdkConfig, String> {
    let http = aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https();
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .operation_timeout(timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(timeouts)
        .region(Region::new(key.region.clone()));
    if let Some(profile) = &key.profile {
        loader = loader.profile_name(profile);
    }
    let config = loader.load().await;
    let Some(role) = &key.role else {
        return Ok(config);
    };
    let sts = aws_sdk_sts::Client::new(&config);
    let out = sts
        .assume_role()
        .role_arn(role)
        .role_session_name(session_name(&hostname()))
        .send()
        .await
        .map_err(|e| format!("failed to assume role '{role}': {}", describe_sdk_error(&e, "sts", &key.region)))?;
    let c = out.credentials().ok_or_else(|| format!("STS returned no credentials for role '{role}'"))?;
    let creds = aws_sdk_kms::config::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "AssumeRole",
    );
    Ok(config.into_builder().credentials_provider(aws_sdk_kms::config::SharedCredentialsProvider::new(creds)).build())
}

/// A one-line reason for an SDK error: the service's error code and message, or the transport
/// failure with the endpoint it tried and what to check.
fn describe_sdk_error<E, R>(err: &SdkError<E, R>, service: &str, region: &str) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    if let SdkError::ServiceError(se) = err {
        let e = se.err();
        let code = e.code().unwrap_or("ServiceError");
        return match e.message() {
            Some(m) if !m.is_empty() => format!("{code}: {m}"),
            _ => code.to_string(),
        };
    }
    let chain = error_chain(err);
    let lower = chain.to_lowercase();
    if lower.contains("credentials") {
        return format!(
            "no usable AWS credentials ({chain}); set AWS_PROFILE or the key's aws_profile, \
             AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
        );
    }
    if matches!(err, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)) {
        return format!("could not reach AWS {} at {} ({chain})", service.to_uppercase(), endpoint_of(service, region));
    }
    chain
}

/// An error and its sources on one line (`dispatch failure: io error: … Connection refused`), without
/// the SDK's debug dumps; multi-line parts (the credential chain's attempts) joined with `; `.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e
            .to_string()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
            .replace(":;", ":");
        // Wrappers often repeat their source's text; keep each piece once.
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// The endpoint the SDK calls: `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`, else AWS's.
fn endpoint_of(service: &str, region: &str) -> String {
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    var(&format!("AWS_ENDPOINT_URL_{}", service.to_uppercase()))
        .or_else(|| var("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|| format!("https://{service}.{region}.amazonaws.com"))
}

impl KmsService for AwsKms {
    fn decrypt(&self, key: &OpaqueKey) -> Result<Zeroizing<Vec<u8>>, String> {
        let spec = KeySpec::of(key)?;
        let blob = base64::engine::general_purpose::STANDARD
            .decode(key.field("enc").unwrap_or_default())
            .map_err(|e| format!("error base64-decoding encrypted data key: {e}"))?;
        let region = spec.config.region.clone();
        self.call(&spec, async |config| {
            let client = aws_sdk_kms::Client::new(&config);
            let out = client
                .decrypt()
                .key_id(&spec.arn)
                .ciphertext_blob(Blob::new(blob))
                .set_encryption_context(Some(spec.context.clone()).filter(|c| !c.is_empty()))
                .send()
                .await
                .map_err(|e| {
                    format!("failed to decrypt sops data key with AWS KMS: {}", describe_sdk_error(&e, "kms", &region))
                })?;
            let plain = out.plaintext.ok_or("AWS KMS returned no plaintext")?;
            Ok(Zeroizing::new(plain.into_inner()))
        })
    }

    fn encrypt(&self, key: &OpaqueKey, data_key: &[u8]) -> Result<String, String> {
        let spec = KeySpec::of(key)?;
        let region = spec.config.region.clone();
        let plaintext = Zeroizing::new(data_key.to_vec());
        self.call(&spec, async |config| {
            let client = aws_sdk_kms::Client::new(&config);
            let out = client
                .encrypt()
                .key_id(&spec.arn)
                .plaintext(Blob::new(plaintext.to_vec()))
                .set_encryption_context(Some(spec.context.clone()).filter(|c| !c.is_empty()))
                .send()
                .await
                .map_err(|e| {
                    format!("failed to encrypt sops data key with AWS KMS: {}", describe_sdk_error(&e, "kms", &region))
                })?;
            let blob = out.ciphertext_blob.ok_or("AWS KMS returned no ciphertext")?;
            Ok(base64::engine::general_purpose::STANDARD.encode(blob.as_ref()))
        })
    }

    fn check(&self, key: &OpaqueKey) -> Result<String, String> {
        let spec = KeySpec::of(key)?;
        let ConfigKey { region, profile, role } = spec.config.clone();
        self.call(&spec, async |config| {
            let provider = config.credentials_provider().ok_or("no AWS credentials provider is configured")?;
            aws_sdk_kms::config::ProvideCredentials::provide_credentials(&provider).await.map_err(|e| {
                format!(
                    "no usable AWS credentials ({}); set AWS_PROFILE or the key's aws_profile, \
                     AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`",
                    error_chain(&e)
                )
            })?;
            let mut detail = format!("AWS credentials found (region {region}");
            if let Some(p) = &profile {
                detail.push_str(&format!(", profile {p}"));
            }
            if let Some(r) = &role {
                detail.push_str(&format!(", role {r} assumed"));
            }
            detail.push(')');
            Ok(detail)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_comes_from_the_arn_like_sops() {
        assert_eq!(region_of("arn:aws:kms:us-west-2:107501996527:key/612d5f0p").unwrap(), "us-west-2");
        assert_eq!(region_of("arn:aws-us-gov:kms:us-gov-west-1:1:alias/sops").unwrap(), "us-gov-west-1");
        assert_eq!(region_of("arn:aws-cn:kms:cn-north-1:123:key/x").unwrap(), "cn-north-1");
        let err = region_of("alias/sops").unwrap_err();
        assert!(err.contains("no valid ARN found in 'alias/sops'"), "{err}");
        assert!(region_of("arn:aws:kms:us-west-2:notanumber:key/x").is_err());
    }

    #[test]
    fn session_name_is_sanitized_and_cut_like_sops() {
        assert_eq!(session_name("build-host.example.com"), "sops@buildhost.example.com");
        assert_eq!(session_name("Dev_Box[1]"), "sops@Dev_Box[1]");
        assert_eq!(session_name("a b/c"), "sops@abc");
        let long = "x".repeat(100);
        assert_eq!(session_name(&long).len(), 64);
        assert!(session_name(&long).starts_with("sops@xxx"));
    }

    #[test]
    fn a_kms_that_never_answers_times_out_with_the_endpoint_named() {
        // Accepts the connection, never answers.
        let stall = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", stall.local_addr().unwrap());
        // The SDK reads the endpoint and credentials from the environment; this test is the only
        // one in the library's tests that touches AWS_ variables.
        // SAFETY: no other test of this binary reads or writes these variables.
        unsafe {
            std::env::set_var("AWS_ENDPOINT_URL_KMS", &endpoint);
            std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDTEST");
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "x");
            std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        }
        let kms = AwsKms::new().with_timeout(Duration::from_millis(500));
        let key = OpaqueKey {
            kind: "kms".into(),
            fields: vec![("arn".into(), "arn:aws:kms:eu-west-1:1:key/k".into()), ("enc".into(), "AAAA".into())],
        };
        let err = kms.decrypt(&key).unwrap_err();
        assert!(err.contains(&format!("could not reach AWS KMS at {endpoint}")), "{err}");
        assert!(err.contains("timeout") || err.contains("timed out"), "{err}");
        drop(stall);
    }

    #[test]
    fn key_spec_reads_role_profile_and_context() {
        let key = OpaqueKey {
            kind: "kms".into(),
            fields: vec![
                ("arn".into(), "arn:aws:kms:eu-west-1:1:key/k".into()),
                ("aws_profile".into(), String::new()),
                ("context.app".into(), "ssp".into()),
                ("role".into(), "arn:aws:iam::1:role/r".into()),
            ],
        };
        let spec = KeySpec::of(&key).unwrap();
        assert_eq!(spec.config.region, "eu-west-1");
        assert_eq!(spec.config.profile, None);
        assert_eq!(spec.config.role.as_deref(), Some("arn:aws:iam::1:role/r"));
        assert_eq!(spec.context.get("app").map(String::as_str), Some("ssp"));
    }
}
