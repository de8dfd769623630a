//! AWS KMS master keys through the real binary against moto (a faithful KMS and STS on loopback)
//! behind a recording proxy: the exact calls (action, key ID, encryption context, signing key,
//! region), `aws_profile`, roles through STS `AssumeRole` with sops' session name, `updatekeys`
//! adding a KMS key, an independent check of the wrapped data key with boto3 + `cryptography`,
//! and the errors (changed context, unreachable endpoint, no credentials, a bad flag).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;
use support::cli::{Outcome, Project, Ssp};
use support::moto::moto;

const PLAIN: &str = "db:\n    user: admin\n    password: hunter2\n";

/// A project with no AWS or key material from the developer's environment; `AKIDTEST` credentials
/// in the environment unless a test replaces them.
struct KmsProject {
    project: Project,
}

impl KmsProject {
    fn new() -> KmsProject {
        KmsProject { project: Project::new() }
    }

    fn root(&self) -> PathBuf {
        self.project.root()
    }

    fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        self.project.write(rel, text)
    }

    /// `ssp` in the project, no age or PGP keys, AWS calls to `endpoint`.
    fn ssp(&self, endpoint: &str) -> Ssp {
        let root = self.root();
        Ssp::new()
            .current_dir(&root)
            .without_keys(&root)
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "test-secret")
    }

    /// Encrypts PLAIN with `args` added to `ssp sops encrypt`; returns the encrypted text.
    fn encrypt(&self, endpoint: &str, args: &[&str]) -> String {
        let src = self.write("plain.yaml", PLAIN);
        let out = self.ssp(endpoint).args(["sops", "encrypt"]).args(args).args([src.as_os_str()]).run();
        out.success();
        std::fs::remove_file(&src).unwrap();
        out.stdout.clone()
    }
}

fn decrypt(ssp: Ssp, file: &Path) -> Outcome {
    ssp.args(["sops", "decrypt"]).args([file.as_os_str()]).run()
}

/// The `sops:` metadata of an encrypted YAML file, as JSON.
fn metadata(text: &str) -> serde_json::Value {
    let doc: serde_json::Value = serde_saphyr::from_str(text).expect("encrypted YAML parses");
    doc["sops"].clone()
}

fn call<'a>(calls: &'a [support::moto::AwsCall], action: &str) -> &'a support::moto::AwsCall {
    calls.iter().find(|c| c.action == action).unwrap_or_else(|| panic!("no {action} call in {calls:?}"))
}

#[test]
fn encrypt_and_decrypt_call_kms_with_the_key_the_context_and_the_region_of_the_arn() {
    let Some(moto) = moto() else { return };
    let arn = moto.create_key("eu-west-1");
    let p = KmsProject::new();
    let proxy = moto.proxy();
    let text = p.encrypt(&proxy.url(), &["--kms", &arn, "--encryption-context", "app:ssp,env:dev"]);
    assert!(!text.contains("hunter2"), "{text}");

    let md = metadata(&text);
    let key = &md["kms"][0];
    assert_eq!(key["arn"], arn.as_str());
    assert_eq!(key["context"], json!({"app": "ssp", "env": "dev"}));
    assert_eq!(key["aws_profile"], "");
    assert!(key.get("role").is_none(), "no role was given: {key}");
    assert!(key["created_at"].as_str().is_some_and(|s| s.ends_with('Z')), "{key}");
    let enc = key["enc"].as_str().unwrap().to_string();
    assert!(!enc.is_empty());

    assert_eq!(proxy.actions(), ["kms:Encrypt"]);
    let calls = proxy.calls();
    let e = call(&calls, "Encrypt");
    assert_eq!((e.status, e.region.as_str(), e.access_key.as_str()), (200, "eu-west-1", "AKIDTEST"));
    assert_eq!(e.params["KeyId"], arn.as_str());
    assert_eq!(e.params["EncryptionContext"], json!({"app": "ssp", "env": "dev"}));
    let data_key = base64_len(e.params["Plaintext"].as_str().unwrap());
    assert_eq!(data_key, 32, "the data key sent to KMS is 32 bytes");

    let file = p.write("secrets.yaml", &text);
    let out = decrypt(p.ssp(&proxy.url()), &file);
    assert_eq!(out.success().stdout, PLAIN);
    assert_eq!(proxy.actions(), ["kms:Encrypt", "kms:Decrypt"]);
    let calls = proxy.calls();
    let d = call(&calls, "Decrypt");
    assert_eq!((d.status, d.region.as_str()), (200, "eu-west-1"));
    assert_eq!(d.params["KeyId"], arn.as_str());
    assert_eq!(d.params["CiphertextBlob"], enc.as_str());
    assert_eq!(d.params["EncryptionContext"], json!({"app": "ssp", "env": "dev"}));
}

fn base64_len(s: &str) -> usize {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).expect("base64").len()
}

#[test]
fn the_wrapped_data_key_opens_the_values_with_boto3_and_aes_gcm_independently() {
    let Some(moto) = moto() else { return };
    let arn = moto.create_key("us-west-2");
    let p = KmsProject::new();
    let proxy = moto.proxy();
    let text = p.encrypt(&proxy.url(), &["--kms", &arn, "--encryption-context", "team:support-sphere"]);
    let file = p.write("secrets.yaml", &text);
    // As Go sops stores it: `enc` is the base64 CiphertextBlob of KMS Encrypt over the raw data key;
    // each value is AES-256-GCM with the path joined by ':' (and a trailing ':') as additional data.
    let script = r#"
import base64, re, sys, boto3, yaml
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
doc = yaml.safe_load(open(sys.argv[1]))
k = doc["sops"]["kms"][0]
kms = boto3.client("kms", region_name="us-west-2", endpoint_url=sys.argv[2],
                   aws_access_key_id="AKIDPY", aws_secret_access_key="x")
key = kms.decrypt(CiphertextBlob=base64.b64decode(k["enc"]), EncryptionContext=k["context"],
                  KeyId=k["arn"])["Plaintext"]
m = re.match(r"ENC\[AES256_GCM,data:(.*),iv:(.*),tag:(.*),type:str\]", doc["db"]["password"])
data, iv, tag = (base64.b64decode(x) for x in m.groups())
print(AESGCM(key).decrypt(iv, data + tag, b"db:password:").decode())
"#;
    let out = Command::new("python3").arg("-c").arg(script).arg(&file).arg(moto.url()).output().unwrap();
    assert!(out.status.success(), "python check failed: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hunter2\n");
}

#[test]
fn a_changed_encryption_context_is_refused_by_kms_and_explained_per_key() {
    let Some(moto) = moto() else { return };
    let arn = moto.create_key("eu-west-1");
    let p = KmsProject::new();
    let proxy = moto.proxy();
    let text = p.encrypt(&proxy.url(), &["--kms", &arn, "--encryption-context", "app:ssp"]);
    let file = p.write("secrets.yaml", text.replace("app: ssp", "app: other"));
    let out = decrypt(p.ssp(&proxy.url()), &file);
    out.status(128).stderr_has("could not retrieve the data key").stderr_has(&format!("kms {arn}"));
    out.stderr_has("failed to decrypt sops data key with AWS KMS: InvalidCiphertextException");
    assert_eq!(out.stdout, "");
    let calls = proxy.calls();
    let d = call(&calls, "Decrypt");
    assert_eq!((d.status, &d.params["EncryptionContext"]), (400, &json!({"app": "other"})));
}

#[test]
fn aws_profile_from_the_creation_rule_signs_with_that_profiles_credentials() {
    let Some(moto) = moto() else { return };
    let arn = moto.create_key("ap-southeast-2");
    let p = KmsProject::new();
    p.write(
        ".sops.yaml",
        format!("creation_rules:\n  - path_regex: secrets\\.yaml$\n    kms: {arn}\n    aws_profile: team\n"),
    );
    let config = p.write("aws/config", "[profile team]\nregion = us-east-1\n");
    let credentials =
        p.write("aws/credentials", "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\n[team]\naws_access_key_id = AKIDTEAM\naws_secret_access_key = t\n");
    let proxy = moto.proxy();
    let with_profiles = |ssp: Ssp| {
        ssp.env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
            .env("AWS_ACCESS_KEY_ID", "")
            .env("AWS_SECRET_ACCESS_KEY", "")
    };
    let file = p.write("secrets.yaml", PLAIN);
    with_profiles(p.ssp(&proxy.url())).args(["sops", "encrypt", "--in-place", "secrets.yaml"]).run().success();
    let md = metadata(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(md["kms"][0]["aws_profile"], "team");
    assert_eq!(md["kms"][0]["arn"], arn.as_str());

    assert_eq!(
        with_profiles(p.ssp(&proxy.url())).args(["sops", "decrypt", "secrets.yaml"]).run().success().stdout,
        PLAIN
    );
    let calls = proxy.calls();
    assert_eq!(proxy.actions(), ["kms:Encrypt", "kms:Decrypt"]);
    for c in &calls {
        // The profile's keys, and the ARN's region over the profile's.
        assert_eq!((c.access_key.as_str(), c.region.as_str()), ("AKIDTEAM", "ap-southeast-2"), "{c:?}");
    }
}

/// sops' session name: `sops@` + the hostname with `[^a-zA-Z0-9=,.@-_]+` removed, cut to 64.
fn sops_session_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_string();
    let re = regex::Regex::new("[^a-zA-Z0-9=,.@-_]+").unwrap();
    let mut name = format!("sops@{}", re.replace_all(&host, ""));
    name.truncate(64);
    name
}

#[test]
fn a_role_is_assumed_through_sts_and_kms_is_called_with_its_credentials() {
    let Some(moto) = moto() else { return };
    let arn = moto.create_key("eu-central-1");
    let role = "arn:aws:iam::123456789012:role/sops-deployer";
    let p = KmsProject::new();
    let proxy = moto.proxy();
    let text = p.encrypt(&proxy.url(), &["--kms", &format!("{arn}+{role}")]);
    let md = metadata(&text);
    assert_eq!((md["kms"][0]["arn"].as_str(), md["kms"][0]["role"].as_str()), (Some(arn.as_str()), Some(role)));

    let file = p.write("secrets.yaml", &text);
    assert_eq!(decrypt(p.ssp(&proxy.url()), &file).success().stdout, PLAIN);
    assert_eq!(proxy.actions(), ["sts:AssumeRole", "kms:Encrypt", "sts:AssumeRole", "kms:Decrypt"]);
    let calls = proxy.calls();
    for pair in calls.chunks(2) {
        let (assume, kms) = (&pair[0], &pair[1]);
        assert_eq!(assume.access_key, "AKIDTEST", "AssumeRole is signed with the caller's own keys");
        assert_eq!(assume.params["RoleArn"], role);
        assert_eq!(assume.params["RoleSessionName"], sops_session_name().as_str());
        assert_eq!(assume.status, 200);
        assert_ne!(kms.access_key, "AKIDTEST", "KMS is called with the role's temporary keys");
        assert!(!kms.access_key.is_empty());
        assert_eq!((kms.region.as_str(), kms.status), ("eu-central-1", 200));
    }
}

#[test]
fn updatekeys_adds_a_kms_key_to_an_age_file_and_kms_alone_then_decrypts_it() {
    let Some(moto) = moto() else { return };
    let arn = moto.create_key("eu-west-1");
    let p = KmsProject::new();
    let me = support::fixtures::age_key();
    p.write("keys.txt", format!("{}\n", me.secret));
    let src = p.write("secrets.yaml", PLAIN);
    let proxy = moto.proxy();
    p.ssp(&proxy.url()).args(["sops", "encrypt", "-i", "--age", &me.recipient]).args([src.as_os_str()]).run().success();
    assert!(proxy.actions().is_empty(), "an age-only encryption calls no AWS");

    p.write(
        ".sops.yaml",
        format!("creation_rules:\n  - path_regex: secrets\\.yaml$\n    age: {}\n    kms: {arn}\n", me.recipient),
    );
    let out = p
        .ssp(&proxy.url())
        .env("SOPS_AGE_KEY_FILE", p.root().join("keys.txt"))
        .args(["sops", "updatekeys", "--yes", "secrets.yaml"])
        .run();
    out.success();
    assert_eq!(proxy.actions(), ["kms:Encrypt"], "the data key (from age) is wrapped for the new KMS key");
    let md = metadata(&std::fs::read_to_string(&src).unwrap());
    assert_eq!(md["kms"][0]["arn"], arn.as_str());
    assert_eq!(md["age"][0]["recipient"], me.recipient.as_str());

    // No age identity now: only KMS can open it.
    assert_eq!(decrypt(p.ssp(&proxy.url()), &src).success().stdout, PLAIN);
    assert_eq!(proxy.actions(), ["kms:Encrypt", "kms:Decrypt"]);
}

#[test]
fn sops_edit_reports_a_kms_key_usable_when_credentials_resolve_and_keeps_the_file() {
    let Some(moto) = moto() else { return };
    let arn = moto.create_key("eu-west-1");
    let p = KmsProject::new();
    let proxy = moto.proxy();
    let text = p.encrypt(&proxy.url(), &["--kms", &arn]);
    let file = p.write("secrets.yaml", &text);
    let out = p
        .ssp(&proxy.url())
        .env("XDG_RUNTIME_DIR", p.root())
        .env("EDITOR", "true")
        .args(["sops", "edit"])
        .args([file.as_os_str()])
        .run();
    out.status(200).stderr_has("File has not changed");
    out.stderr_has(&format!("kms {arn} — usable")).stderr_has("AWS credentials found (region eu-west-1)");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    assert_eq!(proxy.actions(), ["kms:Encrypt", "kms:Decrypt"]);
}

// ------------------------------------------------------------------ errors without a KMS

/// A file with one KMS key, written by hand (no KMS needed to read its metadata).
fn kms_only_file(p: &KmsProject) -> PathBuf {
    p.write(
        "secrets.yaml",
        "db: ENC[AES256_GCM,data:AAAA,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]\n\
         sops:\n    kms:\n        - arn: arn:aws:kms:us-west-2:111122223333:key/0b6a35d1-2f66-4b35-9c34-000000000000\n\
         \x20         created_at: \"2026-01-01T00:00:00Z\"\n          enc: AQICAHg=\n          aws_profile: \"\"\n\
         \x20   lastmodified: \"2026-01-01T00:00:00Z\"\n    mac: ENC[AES256_GCM,data:AAAA,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]\n\
         \x20   version: 3.9.0\n",
    )
}

#[test]
fn an_unreachable_kms_endpoint_is_named_with_exit_128() {
    let p = KmsProject::new();
    let file = kms_only_file(&p);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let endpoint = format!("http://{closed}");
    let out = decrypt(p.ssp(&endpoint), &file);
    out.status(128)
        .stderr_has("kms arn:aws:kms:us-west-2:111122223333:key/0b6a35d1")
        .stderr_has(&format!("could not reach AWS KMS at {endpoint}"))
        .stderr_has("Connection refused");
    assert!(!out.stderr.contains("test-secret"), "{}", out.stderr);
}

#[test]
fn no_aws_credentials_say_what_to_set_without_calling_aws() {
    let p = KmsProject::new();
    let file = kms_only_file(&p);
    let proxy_never_called = AwsProxyGuard::new();
    let out =
        decrypt(p.ssp(&proxy_never_called.url()).env("AWS_ACCESS_KEY_ID", "").env("AWS_SECRET_ACCESS_KEY", ""), &file);
    out.status(128).stderr_has("no usable AWS credentials").stderr_has("AWS_PROFILE").stderr_has("aws sso login");
    proxy_never_called.assert_unused();
}

/// A loopback listener standing in for AWS that must never be connected to.
struct AwsProxyGuard {
    listener: std::net::TcpListener,
}

impl AwsProxyGuard {
    fn new() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        AwsProxyGuard { listener }
    }

    fn url(&self) -> String {
        format!("http://{}", self.listener.local_addr().unwrap())
    }

    fn assert_unused(&self) {
        assert!(self.listener.accept().is_err(), "ssp connected to AWS without credentials");
    }
}

#[test]
fn a_malformed_encryption_context_or_one_without_kms_is_a_usage_error() {
    let p = KmsProject::new();
    let src = p.write("plain.yaml", PLAIN);
    let arn = "arn:aws:kms:us-west-2:111122223333:key/x";
    let out = p
        .ssp("http://127.0.0.1:9")
        .args(["sops", "encrypt", "--kms", arn, "--encryption-context", "app=ssp"])
        .args([src.as_os_str()])
        .run();
    out.status(2).stderr_has("--encryption-context \"app=ssp\"").stderr_has("KEY:VALUE");
    let out = p
        .ssp("http://127.0.0.1:9")
        .args(["sops", "encrypt", "--aws-profile", "team", "--age", &support::fixtures::age_key().recipient])
        .args([src.as_os_str()])
        .run();
    out.status(2).stderr_has("--aws-profile apply to --kms keys");
    assert_eq!(std::fs::read_to_string(&src).unwrap(), PLAIN, "the input is untouched");
}

#[test]
fn ctrl_c_while_kms_does_not_answer_stops_with_130_at_once() {
    let p = KmsProject::new();
    let file = kms_only_file(&p);
    // Accepts connections and never answers.
    let stall = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", stall.local_addr().unwrap());
    let mut child = p
        .ssp(&endpoint)
        .args(["sops", "decrypt"])
        .args([file.as_os_str()])
        .into_command()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (_conn, _) = stall.accept().expect("ssp calls KMS");
    let sent = std::time::Instant::now();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let deadline = sent + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "ssp did not stop within 10 s of Ctrl-C");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(out.stdout.is_empty());
}
