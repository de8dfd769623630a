//! age master keys, in-process with the `age` crate. Identities come from where sops looks:
//! `SOPS_AGE_KEY` (the keys themselves), `SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY_CMD` (a command
//! printing keys) and `$XDG_CONFIG_HOME/sops/age/keys.txt` (default `~/.config/sops/age/keys.txt`).

use std::io::Read;
use std::path::PathBuf;
use std::str::FromStr;

use zeroize::Zeroizing;

use crate::sops::error::{Result, SopsError};
use crate::sops::metadata::AgeKey;

type BoxedIdentity = Box<dyn age::Identity + Send + Sync>;

/// The age identities available for decryption, and what went wrong while loading them (named by
/// source only, never by content).
#[derive(Default)]
pub struct AgeIdentities {
    identities: Vec<BoxedIdentity>,
    problems: Vec<String>,
    sources: Vec<String>,
}

impl std::fmt::Debug for AgeIdentities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgeIdentities").field("count", &self.identities.len()).field("sources", &self.sources).finish()
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

    /// Loads identities from every place sops looks.
    pub fn from_env() -> Self {
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
            match std::process::Command::new("sh")
                .arg("-c")
                .arg(&cmd)
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::inherit())
                .output()
            {
                Ok(out) if out.status.success() => {
                    let text = Zeroizing::new(String::from_utf8_lossy(&out.stdout).into_owned());
                    let mut stdout = out.stdout;
                    zeroize::Zeroize::zeroize(&mut stdout);
                    me.add_text(&text, "SOPS_AGE_KEY_CMD");
                }
                Ok(out) => me.problems.push(format!("SOPS_AGE_KEY_CMD exited with {}", out.status)),
                Err(e) => me.problems.push(format!("SOPS_AGE_KEY_CMD could not be run: {e}")),
            }
        }
        if let Some(path) = default_keys_file()
            && path.exists()
        {
            me.add_file(path, "the default age keys file");
        }
        me
    }

    fn add_file(&mut self, path: PathBuf, source: &str) {
        let mut text = Zeroizing::new(String::new());
        match std::fs::File::open(&path).and_then(|mut f| f.read_to_string(&mut text)) {
            Ok(_) => self.add_text(&text, &format!("{source} ({})", path.display())),
            Err(e) => self.problems.push(format!("{source} ({}) could not be read: {e}", path.display())),
        }
    }

    fn add_text(&mut self, text: &str, source: &str) {
        match age::IdentityFile::from_buffer(text.as_bytes())
            .and_then(|f| f.into_identities().map_err(|e| std::io::Error::other(e.to_string())))
        {
            Ok(ids) if !ids.is_empty() => {
                self.identities.extend(ids);
                self.sources.push(source.to_string());
            }
            Ok(_) => self.problems.push(format!("{source} holds no age identity")),
            Err(_) => self.problems.push(format!("{source} does not hold valid age identities")),
        }
    }

    pub fn len(&self) -> usize {
        self.identities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.identities.is_empty()
    }

    /// Unwraps an age-encrypted data key.
    pub fn decrypt(&self, key: &AgeKey) -> std::result::Result<Zeroizing<Vec<u8>>, String> {
        if self.identities.is_empty() {
            let mut msg = String::from(
                "no age identity available: set SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or SOPS_AGE_KEY_CMD, or put the key in ~/.config/sops/age/keys.txt",
            );
            for p in &self.problems {
                msg.push_str("; ");
                msg.push_str(p);
            }
            return Err(msg);
        }
        let reader = age::armor::ArmoredReader::new(key.enc.as_bytes());
        let decryptor =
            age::Decryptor::new(reader).map_err(|e| format!("the encrypted data key is not a valid age file: {e}"))?;
        let mut out = Zeroizing::new(Vec::new());
        let mut stream = decryptor.decrypt(self.identities.iter().map(|i| i.as_ref() as &dyn age::Identity)).map_err(
            |e| match e {
                age::DecryptError::NoMatchingKeys => format!(
                    "none of the {} age identities loaded (from {}) matches this recipient",
                    self.identities.len(),
                    self.sources.join(", ")
                ),
                e => format!("age decryption failed: {e}"),
            },
        )?;
        stream.read_to_end(&mut out).map_err(|e| format!("age decryption failed: {e}"))?;
        Ok(out)
    }
}

fn default_keys_file() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(x) => PathBuf::from(x),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".config"),
    };
    Some(base.join("sops/age/keys.txt"))
}

/// Checks an age recipient (`age1…`).
pub fn parse_recipient(r: &str) -> Result<age::x25519::Recipient> {
    age::x25519::Recipient::from_str(r.trim()).map_err(|e| SopsError::InvalidRecipient {
        kind: "age",
        key: r.to_string(),
        reason: e.to_string(),
    })
}

/// Wraps a data key (or Shamir part) for an age recipient, armored as sops stores it.
pub fn encrypt(recipient: &str, data: &[u8]) -> std::result::Result<String, String> {
    let r = parse_recipient(recipient).map_err(|e| e.to_string())?;
    age::encrypt_and_armor(&r, data).map_err(|e| format!("age encryption failed: {e}"))
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
}
