//! `ssp sops exec-env` and `exec-file`, as Go sops' `cmd/sops/subcommand/exec` runs them: the
//! command goes to `/bin/sh -c` with ssp's stdin, stdout and stderr, in ssp's process group (so a
//! Ctrl-C on the terminal reaches it directly; a SIGINT/SIGTERM sent to ssp alone is passed on by
//! [`interrupt`]); its exit status becomes ssp's. `exec-file` hands the plaintext over through a
//! FIFO (or, with `--no-fifo`, a 0600 file) inside a private 0700 directory on a memory
//! filesystem, removed on every exit path (the directory guard's `Drop`, and the interrupt
//! module's clean-up list for a second Ctrl-C).

use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus};

use zeroize::Zeroizing;

use super::{CONFLICTING_PARAMETERS, ERROR_GENERIC, Sops, engine, format_of, read_input, status};
use crate::cli::sops::{SopsExecArgs, SopsExecEnvArgs, SopsExecFileArgs};
use crate::platform::interrupt::{self, ProcessGuard};
use crate::secrets::edit::PlaintextDir;
use crate::sops::{DecryptOptions, Format, MapItem, SopsFile, Value};

/// Go sops' `FallbackFilename`.
const FALLBACK_FILENAME: &str = "tmp-file";

/// The user to run as: ids and the environment sops sets for it.
struct RunAs {
    uid: u32,
    gid: u32,
    env: Vec<(String, String)>,
}

fn run_as(name: &str) -> anyhow::Result<RunAs> {
    let user = nix::unistd::User::from_name(name)
        .map_err(|e| status(format!("--user {name}: {e}"), ERROR_GENERIC))?
        .ok_or_else(|| status(format!("--user {name}: no such user"), ERROR_GENERIC))?;
    if !nix::unistd::geteuid().is_root() {
        return Err(status(format!("--user {name} needs ssp to run as root"), ERROR_GENERIC));
    }
    let home = user.dir.display().to_string();
    Ok(RunAs {
        uid: user.uid.as_raw(),
        gid: user.gid.as_raw(),
        env: vec![("HOME".into(), home), ("USER".into(), name.into()), ("LOGNAME".into(), name.into())],
    })
}

impl Sops {
    fn exec_decrypt(&self, a: &SopsExecArgs) -> anyhow::Result<(SopsFile, crate::sops::Decrypted)> {
        let bytes = read_input(Some(&a.file))?;
        let format = format_of(a.input.input_type).unwrap_or_else(|| Format::from_path(&a.file));
        let file = super::load(&bytes, format, self.store_options()?)?;
        let d = file.decrypt(&self.sources(), DecryptOptions { ignore_mac: a.mac.ignore_mac }).map_err(engine)?;
        Ok((file, d))
    }

    pub(super) fn exec_env(&self, a: &SopsExecEnvArgs) -> anyhow::Result<()> {
        if a.same_process && a.exec.background {
            return Err(status("the --same-process flag cannot be used with --background", CONFLICTING_PARAMETERS));
        }
        let user = a.exec.user.as_deref().map(run_as).transpose()?;
        let (_, d) = self.exec_decrypt(&a.exec)?;
        let mut vars: Vec<(String, Zeroizing<String>)> = Vec::new();
        for item in d.document.branches.first().map(Vec::as_slice).unwrap_or_default() {
            let MapItem::Entry(key, value) = item else { continue };
            if matches!(value, Value::Map(_) | Value::Seq(_)) {
                return Err(status(
                    format!("cannot use complex value in environment; offending key {key}"),
                    ERROR_GENERIC,
                ));
            }
            if key.contains('=') {
                return Err(status(format!("cannot use keys with '=' in environment: {key}"), ERROR_GENERIC));
            }
            let text = match value {
                Value::Str(s) => s.clone(),
                v => crate::sops::stores::dotenv::val_to_string(v).map_err(engine)?,
            };
            vars.push((key.clone(), Zeroizing::new(text)));
        }
        drop(d);
        let mut cmd = shell(&a.exec.command, a.pristine, user.as_ref());
        for (k, v) in &vars {
            cmd.env(k, v.as_str());
        }
        if a.same_process {
            let err = cmd.exec();
            return Err(status(format!("could not run /bin/sh: {err}"), ERROR_GENERIC));
        }
        run(cmd, a.exec.background, &a.exec.command)
    }

    pub(super) fn exec_file(&self, a: &SopsExecFileArgs) -> anyhow::Result<()> {
        if let Some(name) = &a.filename {
            let p = Path::new(name);
            let local = !name.is_empty()
                && p.components().all(|c| matches!(c, std::path::Component::Normal(_)))
                && p.components().count() == 1;
            if !local {
                return Err(status(
                    format!("--filename {name:?} is not a plain file name (no directories, no ..)"),
                    ERROR_GENERIC,
                ));
            }
        }
        if a.exec.background {
            return Err(status(
                "exec-file --background cannot keep the plaintext available after ssp exits; \
                 run ssp itself in the background (ssp sops exec-file … &)",
                CONFLICTING_PARAMETERS,
            ));
        }
        let user = a.exec.user.as_deref().map(run_as).transpose()?;
        let (file, d) = self.exec_decrypt(&a.exec)?;
        let output = format_of(a.output_type).unwrap_or_else(|| Format::from_path(&a.exec.file));
        let plain = file.emit_plain(&d.document, output).map_err(engine)?;
        drop(d);
        let dir = PlaintextDir::create()
            .map_err(|e| status(format!("could not create the private temporary directory: {e}"), ERROR_GENERIC))?;
        let name = a.filename.as_deref().unwrap_or(FALLBACK_FILENAME);
        let path = dir.path().join(name);
        let mut writer = None;
        if a.no_fifo {
            dir.write_new(name, &plain)
                .map_err(|e| status(format!("could not write {}: {e}", path.display()), ERROR_GENERIC))?;
        } else {
            nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600))
                .map_err(|e| status(format!("could not create the FIFO {}: {e}", path.display()), ERROR_GENERIC))?;
            // Opening for writing blocks until the command opens it for reading. A command that
            // never reads it leaves this thread blocked until ssp exits; nothing else waits on it.
            let (fifo, bytes) = (path.clone(), plain.clone());
            writer = Some(std::thread::spawn(move || {
                if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&fifo) {
                    let _ = f.write_all(&bytes);
                }
            }));
        }
        drop(plain);
        if let Some(u) = &user {
            for p in [dir.path(), path.as_path()] {
                nix::unistd::chown(p, Some(u.uid.into()), Some(u.gid.into()))
                    .map_err(|e| status(format!("could not hand {} to --user: {e}", p.display()), ERROR_GENERIC))?;
            }
        }
        let command = a.exec.command.replace("{}", &path.to_string_lossy());
        let result = run(shell(&command, false, user.as_ref()), false, &a.exec.command);
        drop(writer);
        drop(dir);
        result
    }
}

/// `/bin/sh -c COMMAND` with ssp's environment (none with `pristine`) and the user's settings.
fn shell(command: &str, pristine: bool, user: Option<&RunAs>) -> Command {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c").arg(command);
    if pristine {
        cmd.env_clear();
    }
    if let Some(u) = user {
        for (k, v) in &u.env {
            cmd.env(k, v);
        }
        cmd.uid(u.uid).gid(u.gid);
    }
    cmd
}

/// Runs the command to its end (or only starts it, `background`); its status becomes ssp's.
fn run(mut cmd: Command, background: bool, shown: &str) -> anyhow::Result<()> {
    interrupt::check().map_err(anyhow::Error::from)?;
    if background {
        cmd.stdin(std::process::Stdio::null());
    }
    let mut child = cmd.spawn().map_err(|e| status(format!("could not run /bin/sh: {e}"), ERROR_GENERIC))?;
    if background {
        return Ok(());
    }
    let guard = ProcessGuard::register(child.id() as i32);
    let waited = child.wait();
    drop(guard);
    let st: ExitStatus = waited.map_err(|e| status(format!("waiting for the command: {e}"), ERROR_GENERIC))?;
    if interrupt::is_interrupted() {
        return Err(interrupt::Interrupted.into());
    }
    match (st.code(), st.signal()) {
        (Some(0), _) => Ok(()),
        (Some(code), _) => Err(status(format!("the command exited with status {code}: {shown}"), code)),
        (None, Some(sig)) => Err(status(format!("the command was killed by signal {sig}: {shown}"), 128 + sig)),
        (None, None) => Err(status(format!("the command failed: {shown}"), ERROR_GENERIC)),
    }
}
