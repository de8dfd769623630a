//! age master keys, in-process with the `age` crate. Identities come from where sops looks:
//! `SOPS_AGE_KEY` (the keys themselves), `SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY_CMD` (a command
//! printing keys) and `$XDG_CONFIG_HOME/sops/age/keys.txt` (default `~/.config/sops/age/keys.txt`).
//! Classic X25519 keys (`age1…`, `AGE-SECRET-KEY-1…`) and the hybrid post-quantum ones (`age1pq1…`,
//! `AGE-SECRET-KEY-PQ-1…`, see [`super::age_pq`]) are both understood. A line of a type ssp cannot
//! use (an `AGE-PLUGIN-…` identity, garbage) is skipped with a warning naming its line, so it
//! never makes the other keys of the same file unusable.

use std::io::Read;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use super::age_pq::{self, HybridIdentity, HybridRecipient};
use crate::sops::error::{Result, SopsError};
use crate::sops::metadata::AgeKey;

type BoxedIdentity = Box<dyn age::Identity + Send + Sync>;

/// The age identities available for decryption, and what went wrong while loading them (named by
/// source only, never by content).
#[derive(Default)]
pub struct AgeIdentities {
    identities: Vec<BoxedIdentity>,
    problems: Vec<String>,
    warnings: Vec<String>,
    sources: Vec<String>,
    key_cmd: Option<KeyCmd>,
}

type CommandResult = std::result::Result<Arc<Vec<BoxedIdentity>>, String>;

/// `SOPS_AGE_KEY_CMD` and what it printed so far, per recipient.
struct KeyCmd {
    command: String,
    runner: Arc<dyn AgeKeyCommand>,
    loaded: Mutex<Vec<(String, CommandResult)>>,
}

/// Runs `SOPS_AGE_KEY_CMD` (already split shell-style into argv) with `SOPS_AGE_RECIPIENT` set to
/// the recipient being decrypted, and returns its stdout. The command layer routes it through its
/// process runner; [`SystemKeyCommand`] runs it directly.
pub trait AgeKeyCommand: Send + Sync {
    fn run(&self, argv: &[String], recipient: &str) -> std::result::Result<Zeroizing<Vec<u8>>, String>;

    /// Reports a line of the command's output that was skipped (see [`AgeIdentities::warnings`]);
    /// the command layer prints it. By default it is dropped.
    fn warn(&self, _message: &str) {}
}

/// Runs the key command with `std::process`, stderr inherited (it may prompt).
pub struct SystemKeyCommand;

impl AgeKeyCommand for SystemKeyCommand {
    fn run(&self, argv: &[String], recipient: &str) -> std::result::Result<Zeroizing<Vec<u8>>, String> {
        let out = std::process::Command::new(&argv[0])
            .args(&argv[1..])
            .env("SOPS_AGE_RECIPIENT", recipient)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| format!("SOPS_AGE_KEY_CMD could not be run: {e}"))?;
        let stdout = Zeroizing::new(out.stdout);
        if !out.status.success() {
            return Err(format!("SOPS_AGE_KEY_CMD exited with {}", out.status));
        }
        Ok(stdout)
    }
}

impl std::fmt::Debug for AgeIdentities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgeIdentities")
            .field("count", &self.identities.len())
            .field("sources", &self.sources)
            .field("key_cmd", &self.key_cmd.is_some())
            .finish()
    }
}

impl AgeIdentities {
    /// No identities.
    pub fn none() -> Self {
        Self::default()
    }

    /// Identities from the text of a keys file (`AGE-SECRET-KEY-1…` lines, comments allowed).
    pub fn from_keys_text(text: &str, source: &str) -> Self {
        let mut me = Self::default();
        me.add_text(text, source);
        me
    }

    /// Loads identities from every place sops looks. `SOPS_AGE_KEY_CMD` is not run here: it runs
    /// (through [`SystemKeyCommand`]) only when an age key needs it, see [`AgeIdentities::decrypt`].
    pub fn from_env() -> Self {
        Self::from_env_with(Arc::new(SystemKeyCommand))
    }

    /// Like [`AgeIdentities::from_env`], with `SOPS_AGE_KEY_CMD` run through `runner` (the command
    /// layer's process runner, so the argv is logged and Ctrl-C stops it).
    pub fn from_env_with(runner: Arc<dyn AgeKeyCommand>) -> Self {
        let mut me = Self::default();
        if let Ok(k) = std::env::var("SOPS_AGE_KEY")
            && !k.trim().is_empty()
        {
            me.add_text(&k, "SOPS_AGE_KEY");
        }
        if let Some(path) = std::env::var_os("SOPS_AGE_KEY_FILE").filter(|p| !p.is_empty()) {
            me.add_file(PathBuf::from(path), "SOPS_AGE_KEY_FILE");
        }
        if let Ok(cmd) = std::env::var("SOPS_AGE_KEY_CMD")
            && !cmd.trim().is_empty()
        {
            me.key_cmd = Some(KeyCmd { command: cmd, runner, loaded: Mutex::new(Vec::new()) });
        }
        if let Some(path) = default_keys_file()
            && path.exists()
        {
            me.add_file(path, "the default age keys file");
        }
        me
    }

    /// Identities printed by `SOPS_AGE_KEY_CMD` for `recipient` (run once per recipient, as sops
    /// runs it with `SOPS_AGE_RECIPIENT` set).
    fn command_identities(&self, recipient: &str) -> Option<std::result::Result<Arc<Vec<BoxedIdentity>>, String>> {
        let cmd = self.key_cmd.as_ref()?;
        let mut loaded = cmd.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, ids)) = loaded.iter().find(|(r, _)| r == recipient) {
            return Some(ids.clone());
        }
        let result = (|| {
            let argv =
                shell_words::split(&cmd.command).map_err(|e| format!("SOPS_AGE_KEY_CMD could not be parsed: {e}"))?;
            if argv.is_empty() {
                return Err("SOPS_AGE_KEY_CMD is empty".to_string());
            }
            let out = cmd.runner.run(&argv, recipient)?;
            let text =
                std::str::from_utf8(&out).map_err(|_| "SOPS_AGE_KEY_CMD printed non-UTF-8 output".to_string())?;
            let parsed = parse_identities(text, "the output of SOPS_AGE_KEY_CMD");
            for warning in &parsed.warnings {
                cmd.runner.warn(warning);
            }
            if parsed.identities.is_empty() {
                return Err(parsed.none_usable("SOPS_AGE_KEY_CMD printed"));
            }
            Ok(Arc::new(parsed.identities))
        })();
        loaded.push((recipient.to_string(), result.clone()));
        Some(result)
    }

    fn add_file(&mut self, path: PathBuf, source: &str) {
        let mut text = Zeroizing::new(String::new());
        match std::fs::File::open(&path).and_then(|mut f| f.read_to_string(&mut text)) {
            Ok(_) => self.add_text(&text, &format!("{source} ({})", path.display())),
            Err(e) => self.problems.push(format!("{source} ({}) could not be read: {e}", path.display())),
        }
    }

    fn add_text(&mut self, text: &str, source: &str) {
        let parsed = parse_identities(text, source);
        if parsed.identities.is_empty() {
            self.problems.push(parsed.none_usable(&format!("{source} holds")));
        } else {
            self.sources.push(source.to_string());
        }
        self.identities.extend(parsed.identities);
        self.warnings.extend(parsed.warnings);
    }

    /// The lines skipped while loading (an identity type ssp cannot use, a malformed key), each
    /// naming its source and line number, never its content. The command layer prints them as
    /// warnings; they do not stop the other identities from working.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn len(&self) -> usize {
        self.identities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.identities.is_empty()
    }

    /// True when `SOPS_AGE_KEY_CMD` is set (it runs only when an age key needs it).
    pub fn has_key_command(&self) -> bool {
        self.key_cmd.is_some()
    }

    /// Sets the key command explicitly (tests, library users); `from_env*` read `SOPS_AGE_KEY_CMD`.
    pub fn with_key_command(mut self, command: &str, runner: Arc<dyn AgeKeyCommand>) -> Self {
        self.key_cmd = Some(KeyCmd { command: command.to_string(), runner, loaded: Mutex::new(Vec::new()) });
        self
    }

    /// Unwraps an age-encrypted data key: with the loaded identities first, then (only if they
    /// do not match) with what `SOPS_AGE_KEY_CMD` prints for this recipient.
    pub fn decrypt(&self, key: &AgeKey) -> std::result::Result<Zeroizing<Vec<u8>>, String> {
        let mut reasons = Vec::new();
        if !self.identities.is_empty() {
            match decrypt_with(&self.identities, key) {
                Ok(out) => return Ok(out),
                Err(Unwrap::Invalid(reason)) => return Err(reason),
                Err(Unwrap::NoMatch) => reasons.push(format!(
                    "none of the {} age identities loaded (from {}) matches this recipient",
                    self.identities.len(),
                    self.sources.join(", ")
                )),
                Err(Unwrap::Failed(reason)) => reasons.push(reason),
            }
        }
        match self.command_identities(&key.recipient) {
            Some(Ok(ids)) => match decrypt_with(&ids, key) {
                Ok(out) => return Ok(out),
                Err(Unwrap::Invalid(reason)) => return Err(reason),
                Err(Unwrap::NoMatch) => {
                    reasons.push("the identities printed by SOPS_AGE_KEY_CMD do not match this recipient".into())
                }
                Err(Unwrap::Failed(reason)) => reasons.push(reason),
            },
            Some(Err(reason)) => reasons.push(reason),
            None => {}
        }
        if self.identities.is_empty() && self.key_cmd.is_none() {
            reasons.push(
                "no age identity available: set SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or SOPS_AGE_KEY_CMD, or put the key in ~/.config/sops/age/keys.txt".into(),
            );
        }
        reasons.extend(self.problems.iter().cloned());
        Err(reasons.join("; "))
    }
}

enum Unwrap {
    /// The stored data key is not an age file: no identity will help.
    Invalid(String),
    NoMatch,
    Failed(String),
}

fn decrypt_with(identities: &[BoxedIdentity], key: &AgeKey) -> std::result::Result<Zeroizing<Vec<u8>>, Unwrap> {
    let reader = age::armor::ArmoredReader::new(key.enc.as_bytes());
    let decryptor = age::Decryptor::new(reader)
        .map_err(|e| Unwrap::Invalid(format!("the encrypted data key is not a valid age file: {e}")))?;
    let mut out = Zeroizing::new(Vec::new());
    let mut stream =
        decryptor.decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity)).map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => Unwrap::NoMatch,
            e => Unwrap::Failed(format!("age decryption failed: {e}")),
        })?;
    stream.read_to_end(&mut out).map_err(|e| Unwrap::Failed(format!("age decryption failed: {e}")))?;
    Ok(out)
}

fn default_keys_file() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(x) => PathBuf::from(x),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".config"),
    };
    Some(base.join("sops/age/keys.txt"))
}

/// The identities found in a keys text, and the lines skipped.
struct ParsedIdentities {
    identities: Vec<BoxedIdentity>,
    warnings: Vec<String>,
}

impl ParsedIdentities {
    /// Why nothing usable was found: `"{subject} no age identity"`, plus the skipped lines.
    fn none_usable(&self, subject: &str) -> String {
        match self.warnings.len() {
            0 => format!("{subject} no age identity"),
            1 => format!("{subject} no usable age identity (1 line skipped: {})", self.warnings[0]),
            n => format!("{subject} no usable age identity ({n} lines skipped: {})", self.warnings.join("; ")),
        }
    }
}

/// Reads an age identity file as age does (`#` comments and blank lines allowed; surrounding
/// white space and CR line ends tolerated), one identity a line. Unlike age, a line it cannot use
/// is skipped with a warning rather than failing the whole file: a key file shared with other
/// tools (an `AGE-PLUGIN-…` identity for a YubiKey, a newer key type) must not lock out the
/// classic keys beside it. Warnings name the line, never its content beyond the public type.
fn parse_identities(text: &str, source: &str) -> ParsedIdentities {
    let mut identities: Vec<BoxedIdentity> = Vec::new();
    let mut warnings = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // Upper case to match the type prefixes; it may hold a key, so it is wiped too.
        let upper = Zeroizing::new(line.to_ascii_uppercase());
        let skipped = |why: String| format!("line {} of {source} skipped: {why}", n + 1);
        if upper.starts_with(age_pq::IDENTITY_PREFIX) {
            match HybridIdentity::parse(line) {
                Ok(id) => identities.push(Box::new(id)),
                Err(e) => warnings.push(skipped(format!("malformed post-quantum age identity ({e})"))),
            }
        } else if let Ok(id) = age::x25519::Identity::from_str(line) {
            identities.push(Box::new(id));
        } else if let Some(rest) = upper.strip_prefix("AGE-PLUGIN-") {
            // The plugin name is the public part before Bech32's last `1`: `AGE-PLUGIN-YUBIKEY-1…`.
            let name = rest.rsplit_once('1').map(|(name, _)| name.trim_end_matches('-')).unwrap_or("");
            let name = if name.is_empty() || name.len() > 40 { "?" } else { name };
            warnings.push(skipped(format!("age plugin identity (AGE-PLUGIN-{name}-…): ssp does not run age plugins")));
        } else if upper.starts_with("AGE-SECRET-KEY-1") {
            warnings.push(skipped("malformed age identity (AGE-SECRET-KEY-1…)".into()));
        } else if upper.starts_with("AGE-") {
            warnings.push(skipped("an age identity of a type ssp does not know".into()));
        } else {
            warnings.push(skipped("not an age identity".into()));
        }
    }
    ParsedIdentities { identities, warnings }
}

/// A recipient ssp can encrypt to: classic X25519 (`age1…`) or hybrid post-quantum (`age1pq1…`).
#[derive(Clone, Debug)]
pub enum AgeRecipient {
    X25519(age::x25519::Recipient),
    Hybrid(Box<HybridRecipient>),
}

impl std::fmt::Display for AgeRecipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgeRecipient::X25519(r) => r.fmt(f),
            AgeRecipient::Hybrid(r) => r.fmt(f),
        }
    }
}

/// Checks an age recipient (`age1…` or `age1pq1…`).
pub fn parse_recipient(r: &str) -> Result<AgeRecipient> {
    let trimmed = r.trim();
    let invalid = |reason: String| SopsError::InvalidRecipient { kind: "age", key: r.to_string(), reason };
    if trimmed.to_ascii_lowercase().starts_with(age_pq::RECIPIENT_PREFIX) {
        HybridRecipient::parse(trimmed).map(|r| AgeRecipient::Hybrid(Box::new(r))).map_err(|e| invalid(e.to_string()))
    } else {
        age::x25519::Recipient::from_str(trimmed).map(AgeRecipient::X25519).map_err(|e| invalid(e.to_string()))
    }
}

/// Wraps a data key (or Shamir part) for an age recipient, armored as sops stores it.
pub fn encrypt(recipient: &str, data: &[u8]) -> std::result::Result<String, String> {
    let armored = match parse_recipient(recipient).map_err(|e| e.to_string())? {
        AgeRecipient::X25519(r) => age::encrypt_and_armor(&r, data),
        AgeRecipient::Hybrid(r) => age::encrypt_and_armor(r.as_ref(), data),
    };
    armored.map_err(|e| format!("age encryption failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;

    #[test]
    fn wraps_and_unwraps_a_data_key() {
        let id = age::x25519::Identity::generate();
        let recipient = id.to_public().to_string();
        let enc = encrypt(&recipient, b"0123456789abcdef0123456789abcdef").unwrap();
        assert!(enc.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        let ids = AgeIdentities::from_keys_text(id.to_string().expose_secret(), "test");
        assert_eq!(ids.len(), 1);
        let key = AgeKey { recipient, enc };
        assert_eq!(&ids.decrypt(&key).unwrap()[..], b"0123456789abcdef0123456789abcdef");
        let other =
            AgeIdentities::from_keys_text(age::x25519::Identity::generate().to_string().expose_secret(), "other");
        assert!(other.decrypt(&key).unwrap_err().contains("matches"));
        assert!(AgeIdentities::none().decrypt(&key).unwrap_err().contains("SOPS_AGE_KEY_FILE"));
        assert!(parse_recipient("age1nope").is_err());
    }

    #[test]
    fn a_keys_text_mixing_types_loads_what_it_can_and_names_the_lines_it_skips() {
        let classic = age::x25519::Identity::generate();
        let pq = HybridIdentity::generate();
        let text = format!(
            "# keys\r\n  {}  \r\n\r\nAGE-PLUGIN-YUBIKEY-1QXZQQQQ\n{}\nnot a key\nAGE-SECRET-KEY-1QQQ\nAGE-FUTURE-1QQ\n",
            classic.to_string().expose_secret(),
            pq.to_secret_string().as_str(),
        );
        let ids = AgeIdentities::from_keys_text(&text, "keys.txt");
        assert_eq!(ids.len(), 2, "the classic and the post-quantum identity");
        assert_eq!(
            ids.warnings(),
            [
                "line 4 of keys.txt skipped: age plugin identity (AGE-PLUGIN-YUBIKEY-…): ssp does not run age plugins",
                "line 6 of keys.txt skipped: not an age identity",
                "line 7 of keys.txt skipped: malformed age identity (AGE-SECRET-KEY-1…)",
                "line 8 of keys.txt skipped: an age identity of a type ssp does not know",
            ]
        );
        for (recipient, what) in [(classic.to_public().to_string(), "classic"), (pq.to_public().to_string(), "pq")] {
            let key = AgeKey { enc: encrypt(&recipient, b"k").unwrap(), recipient };
            assert_eq!(&ids.decrypt(&key).unwrap()[..], b"k", "{what}");
        }
        let none = AgeIdentities::from_keys_text("garbage\n", "SOPS_AGE_KEY");
        assert!(none.is_empty());
        let key = AgeKey { enc: encrypt(&classic.to_public().to_string(), b"k").unwrap(), recipient: String::new() };
        let err = none.decrypt(&key).unwrap_err();
        assert!(err.contains("SOPS_AGE_KEY holds no usable age identity (1 line skipped"), "{err}");
        assert!(!err.contains("garbage"), "{err}");
    }

    struct Counting {
        secret: String,
        calls: std::sync::atomic::AtomicUsize,
    }

    impl AgeKeyCommand for Counting {
        fn run(&self, argv: &[String], recipient: &str) -> std::result::Result<Zeroizing<Vec<u8>>, String> {
            assert_eq!(argv, ["pass", "show", "age key"]);
            assert!(recipient.starts_with("age1"));
            self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Zeroizing::new(self.secret.clone().into_bytes()))
        }
    }

    #[test]
    fn the_key_command_runs_only_when_an_age_key_needs_it_and_once_per_recipient() {
        let id = age::x25519::Identity::generate();
        let recipient = id.to_public().to_string();
        let cmd = Arc::new(Counting {
            secret: id.to_string().expose_secret().to_string(),
            calls: std::sync::atomic::AtomicUsize::new(0),
        });
        let ids = AgeIdentities::none().with_key_command("pass show 'age key'", cmd.clone());
        assert_eq!(cmd.calls.load(std::sync::atomic::Ordering::SeqCst), 0, "not run while loading");
        let key = AgeKey { recipient: recipient.clone(), enc: encrypt(&recipient, b"k").unwrap() };
        assert_eq!(&ids.decrypt(&key).unwrap()[..], b"k");
        assert_eq!(&ids.decrypt(&key).unwrap()[..], b"k");
        assert_eq!(cmd.calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        // A key the loaded identities already open never runs the command.
        let direct = AgeIdentities::from_keys_text(id.to_string().expose_secret(), "file")
            .with_key_command("pass show 'age key'", cmd.clone());
        assert_eq!(&direct.decrypt(&key).unwrap()[..], b"k");
        assert_eq!(cmd.calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
