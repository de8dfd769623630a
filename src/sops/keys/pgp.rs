//! PGP master keys through the user's `gpg`, so agents, pinentry and smartcards work. The call goes
//! through [`GpgProgram`], so the command layer can route it through its process runner.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use zeroize::Zeroizing;

use crate::sops::metadata::PgpKey;

/// What a gpg run produced.
pub struct GpgOutput {
    pub success: bool,
    pub stdout: Zeroizing<Vec<u8>>,
    pub stderr: String,
}

/// Runs gpg with arguments and stdin. The default is [`SystemGpg`].
pub trait GpgProgram: Send + Sync {
    fn run(&self, args: &[&str], stdin: &[u8]) -> std::io::Result<GpgOutput>;
}

/// `gpg` (or `$SOPS_GPG_EXEC`) found on `PATH`, inheriting the environment (`GNUPGHOME`,
/// `GPG_TTY`, the agent socket).
#[derive(Clone, Debug)]
pub struct SystemGpg {
    pub program: PathBuf,
    /// Passed as `--homedir` when set; otherwise gpg honours `GNUPGHOME` itself.
    pub homedir: Option<PathBuf>,
}

impl SystemGpg {
    pub fn from_env() -> Self {
        SystemGpg {
            program: std::env::var_os("SOPS_GPG_EXEC")
                .filter(|v| !v.is_empty())
                .map_or_else(|| PathBuf::from("gpg"), PathBuf::from),
            homedir: None,
        }
    }
}

impl GpgProgram for SystemGpg {
    fn run(&self, args: &[&str], stdin: &[u8]) -> std::io::Result<GpgOutput> {
        let mut cmd = Command::new(&self.program);
        if let Some(h) = &self.homedir {
            cmd.arg("--homedir").arg(h);
        }
        let mut child = cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        let mut input = child.stdin.take().expect("stdin is piped");
        let data = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
            let mut data = data;
            zeroize::Zeroize::zeroize(&mut data);
        });
        let out = child.wait_with_output()?;
        let _ = writer.join();
        Ok(GpgOutput {
            success: out.status.success(),
            stdout: Zeroizing::new(out.stdout),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

fn explain(stderr: &str) -> String {
    let mut msg = format!("gpg failed: {}", last_lines(stderr));
    if stderr.contains("Inappropriate ioctl for device") {
        msg.push_str("; hint: gpg needs a terminal for the passphrase: run `export GPG_TTY=$(tty)` and try again");
    } else if stderr.contains("No secret key") || stderr.contains("no secret key") {
        msg.push_str("; the secret key for this fingerprint is not in your keyring (GNUPGHOME)");
    }
    msg
}

fn last_lines(s: &str) -> String {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(3);
    lines[start..].join(" / ")
}

/// Unwraps a PGP-encrypted data key with one `gpg --batch --decrypt`: no version probe, no
/// `--status-fd` to read, so the cost is gpg's own. `--batch` only stops gpg itself from asking on
/// the terminal; a passphrase or smartcard PIN still comes through the agent's pinentry (checked
/// with GnuPG 2.2.40).
pub fn decrypt(gpg: &dyn GpgProgram, key: &PgpKey) -> Result<Zeroizing<Vec<u8>>, String> {
    let out = gpg
        .run(&["--batch", "--decrypt"], key.enc.as_bytes())
        .map_err(|e| format!("could not run gpg: {e}; install GnuPG or set SOPS_GPG_EXEC"))?;
    if !out.success {
        return Err(explain(&out.stderr));
    }
    if out.stdout.is_empty() {
        return Err("gpg returned zero bytes (a newer cipher this gpg does not support?)".into());
    }
    Ok(out.stdout)
}

/// Wraps a data key for a fingerprint with `gpg --encrypt -a`, as sops calls it.
pub fn encrypt(gpg: &dyn GpgProgram, fingerprint: &str, data: &[u8]) -> Result<String, String> {
    let short = if fingerprint.len() > 16 { &fingerprint[fingerprint.len() - 16..] } else { fingerprint };
    let out = gpg
        .run(
            &[
                "--batch",
                "--no-default-recipient",
                "--yes",
                "--encrypt",
                "-a",
                "-r",
                fingerprint,
                "--trusted-key",
                short,
                "--no-encrypt-to",
            ],
            data,
        )
        .map_err(|e| format!("could not run gpg: {e}"))?;
    if !out.success {
        return Err(explain(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake(bool, &'static str);
    impl GpgProgram for Fake {
        fn run(&self, _args: &[&str], _stdin: &[u8]) -> std::io::Result<GpgOutput> {
            Ok(GpgOutput {
                success: self.0,
                stdout: Zeroizing::new(if self.0 { b"k".to_vec() } else { Vec::new() }),
                stderr: self.1.to_string(),
            })
        }
    }

    fn key() -> PgpKey {
        PgpKey {
            fingerprint: "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4".into(),
            created_at: String::new(),
            enc: "-----BEGIN PGP MESSAGE-----".into(),
        }
    }

    #[test]
    fn tty_problem_gets_the_gpg_tty_hint() {
        let err = decrypt(&Fake(false, "gpg: public key decryption failed: Inappropriate ioctl for device"), &key())
            .unwrap_err();
        assert!(err.contains("export GPG_TTY=$(tty)"), "{err}");
    }

    /// Records the arguments of each run.
    struct Recording(std::sync::Mutex<Vec<String>>);
    impl GpgProgram for Recording {
        fn run(&self, args: &[&str], _stdin: &[u8]) -> std::io::Result<GpgOutput> {
            self.0.lock().unwrap().push(args.join(" "));
            Ok(GpgOutput { success: true, stdout: Zeroizing::new(b"k".to_vec()), stderr: String::new() })
        }
    }

    #[test]
    fn one_batch_decrypt_and_nothing_else() {
        let gpg = Recording(std::sync::Mutex::new(Vec::new()));
        decrypt(&gpg, &key()).unwrap();
        assert_eq!(*gpg.0.lock().unwrap(), vec!["--batch --decrypt".to_string()]);
    }

    #[test]
    fn success_returns_stdout() {
        assert_eq!(&decrypt(&Fake(true, ""), &key()).unwrap()[..], b"k");
    }

    #[test]
    fn missing_program_is_explained() {
        let gpg = SystemGpg { program: "/nonexistent/gpg".into(), homedir: None };
        assert!(decrypt(&gpg, &key()).unwrap_err().contains("could not run gpg"));
    }
}
