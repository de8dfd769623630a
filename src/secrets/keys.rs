//! The SOPS engine's external key programs run through the project runner: `gpg` (PGP master
//! keys) and `SOPS_AGE_KEY_CMD`. Through the runner their argv is logged at `-v`, Ctrl-C and SIGTERM
//! stop them, and `--dry-run` still runs them (they only read). The engine itself keeps
//! [`crate::sops::SystemGpg`] for library users.

use std::ffi::OsString;
use std::sync::{Arc, OnceLock};

use zeroize::Zeroizing;

use crate::platform::runner::{ProgramCall, RunError, Runner};
use crate::sops::keys::{AgeKeyCommand, GpgOutput};
use crate::sops::{AgeIdentities, GpgProgram, KeySources, MasterKey, Metadata};

/// `gpg` (or `$SOPS_GPG_EXEC`) through the runner. `GPG_TTY` is set from the controlling terminal
/// when the environment lacks it, so pinentry can ask for a passphrase; the terminal is looked up
/// when gpg first runs, not before (most commands never run gpg).
#[derive(Clone)]
pub struct RunnerGpg {
    runner: Runner,
    program: OsString,
    gpg_tty: Arc<OnceLock<Option<OsString>>>,
}

impl RunnerGpg {
    pub fn new(runner: Runner) -> Self {
        let program = std::env::var_os("SOPS_GPG_EXEC").filter(|v| !v.is_empty()).unwrap_or_else(|| "gpg".into());
        RunnerGpg { runner, program, gpg_tty: Arc::new(OnceLock::new()) }
    }

    /// The terminal gpg would be told about when `GPG_TTY` is unset (for messages and tests).
    pub fn gpg_tty(&self) -> Option<&OsString> {
        self.gpg_tty
            .get_or_init(|| match std::env::var_os("GPG_TTY") {
                Some(v) if !v.is_empty() => None,
                _ => controlling_tty(),
            })
            .as_ref()
    }
}

impl GpgProgram for RunnerGpg {
    fn run(&self, args: &[&str], stdin: &[u8]) -> std::io::Result<GpgOutput> {
        let mut call = ProgramCall::new(&self.program)
            .args(args.iter().copied())
            .stdin(Zeroizing::new(stdin.to_vec()), format!("{} bytes of key material", stdin.len()))
            .read_only();
        if let Some(tty) = self.gpg_tty() {
            call = call.env("GPG_TTY", tty);
        }
        match self.runner.run_unchecked(&call) {
            Ok(done) => Ok(GpgOutput {
                success: done.success(),
                stdout: Zeroizing::new(done.stdout),
                stderr: String::from_utf8_lossy(&done.stderr).trim().to_string(),
            }),
            Err(RunError::NotFound { .. }) => {
                Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("{:?} not found", self.program)))
            }
            Err(RunError::Interrupted { .. }) => {
                Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted"))
            }
            Err(e) => Err(std::io::Error::other(e.to_string())),
        }
    }
}

/// `SOPS_AGE_KEY_CMD` through the runner (only when an age key needs it).
pub struct RunnerKeyCommand {
    runner: Runner,
}

impl AgeKeyCommand for RunnerKeyCommand {
    fn run(&self, argv: &[String], recipient: &str) -> Result<Zeroizing<Vec<u8>>, String> {
        // It may fetch the key from a secrets manager with the AWS credentials; nothing else secret.
        let call = ProgramCall::new(&argv[0])
            .args(&argv[1..])
            .env("SOPS_AGE_RECIPIENT", recipient)
            .pass_env(crate::platform::runner::AWS_SECRET_ENV)
            .read_only();
        let done = self.runner.run(&call).map_err(|e| format!("SOPS_AGE_KEY_CMD failed: {e}"))?;
        Ok(Zeroizing::new(done.stdout))
    }

    fn warn(&self, message: &str) {
        warn_once(&self.runner, message);
    }
}

/// Prints a key-loading warning once per process (a command may load the key sources twice).
fn warn_once(runner: &Runner, message: &str) {
    static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if !seen.iter().any(|m| m == message) {
        seen.push(message.to_string());
        runner.output().warn(message);
    }
}

/// The key sources ssp's commands use: age identities from the sops environment variables (the key
/// command run lazily through the runner), gpg through the runner, AWS KMS through the SDK (calls
/// stop on Ctrl-C) when built with the `aws-kms` feature. Identity lines that were skipped (a type
/// ssp cannot use) are printed as warnings.
pub fn key_sources(runner: &Runner) -> KeySources {
    let age = AgeIdentities::from_env_with(Arc::new(RunnerKeyCommand { runner: runner.clone() }));
    for warning in age.warnings() {
        warn_once(runner, warning);
    }
    KeySources { age, gpg: Arc::new(RunnerGpg::new(runner.clone())), kms: kms_service() }
}

#[cfg(feature = "aws-kms")]
fn kms_service() -> Arc<dyn crate::sops::KmsService> {
    Arc::new(crate::sops::keys::aws_kms::AwsKms::new().with_cancel(crate::platform::interrupt::token()))
}

#[cfg(not(feature = "aws-kms"))]
fn kms_service() -> Arc<dyn crate::sops::KmsService> {
    crate::sops::keys::default_kms()
}

/// The path of the controlling terminal (`/dev/pts/3`): from stdin, stdout or stderr when one is a
/// terminal, else by opening `/dev/tty`.
pub fn controlling_tty() -> Option<OsString> {
    use std::os::fd::AsRawFd;
    for fd in [0, 1, 2] {
        if let Some(name) = ttyname(fd) {
            return Some(name);
        }
    }
    let tty = std::fs::File::open("/dev/tty").ok()?;
    ttyname(tty.as_raw_fd())
}

fn ttyname(fd: i32) -> Option<OsString> {
    use std::os::unix::ffi::OsStringExt;
    let mut buf = vec![0u8; 256];
    // SAFETY: buf is valid for buf.len() bytes; ttyname_r writes a NUL-terminated name into it.
    let rc = unsafe { libc::ttyname_r(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|b| *b == 0)?;
    buf.truncate(end);
    Some(OsString::from_vec(buf))
}

/// Whether this machine can use one of a file's master keys, and why (or why not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUsability {
    /// The key as sops names it: `age age1…`, `pgp FBC7…`, `kms arn:…`.
    pub key: String,
    pub usable: bool,
    pub detail: String,
}

/// For every master key of a file: can this machine use it? age keys are tried in-process; PGP
/// keys are looked up with `gpg --list-secret-keys` (no passphrase needed); AWS KMS keys need
/// credentials that resolve (no KMS call is made); the other cloud key types are not usable.
pub fn key_usability(md: &Metadata, sources: &KeySources) -> Vec<KeyUsability> {
    let mut out = Vec::new();
    for key in md.key_groups.iter().flatten() {
        let (usable, detail) = match key {
            MasterKey::Age(k) => match sources.age.decrypt(k) {
                Ok(_) => (true, "an age identity here matches".to_string()),
                Err(reason) => (false, reason),
            },
            MasterKey::Pgp(k) => {
                match sources.gpg.run(&["--batch", "--list-secret-keys", "--with-colons", &k.fingerprint], &[]) {
                    Ok(o) if o.success => (true, "its secret key is in your GnuPG keyring".to_string()),
                    Ok(_) => (false, "no secret key for it in your GnuPG keyring".to_string()),
                    Err(e) => (false, format!("could not run gpg: {e}")),
                }
            }
            MasterKey::Opaque(k) if k.kind == "kms" => match sources.kms.check(k) {
                Ok(detail) => (true, detail),
                Err(reason) => (false, reason),
            },
            MasterKey::Opaque(k) => (false, format!("ssp has no support for {} keys (kept in the file)", k.kind)),
        };
        out.push(KeyUsability { key: key.describe(), usable, detail });
    }
    out
}
