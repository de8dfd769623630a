//! Editing a SOPS file in the user's editor with `sops edit` semantics (`cmd/sops/edit.go`), for
//! `ssp sops edit` and `ssp edit-cloud-values`:
//!
//! 1. decrypt (the file's own data key is kept for re-encryption);
//! 2. say which of the file's master keys this machine can use;
//! 3. write the plaintext to a 0600 file inside a fresh 0700 directory, on a memory filesystem when
//!    there is one (`$XDG_RUNTIME_DIR`, else `/dev/shm`, else the system temp dir);
//! 4. run `$SOPS_EDITOR`, else `$EDITOR`, else `vi` (split shell-style, `--wait` added for GUI
//!    editors that otherwise return at once) through the runner;
//! 5. unchanged → nothing is written; invalid → the parse error, and on a terminal an offer to
//!    re-open the editor (elsewhere: fail, the file untouched); otherwise re-encrypt with the same
//!    data key — unchanged values keep their ciphertext (Go sops' IV stash), changed ones get fresh
//!    IVs; new MAC and `lastmodified` — and replace the file atomically (through a symlink: its
//!    target, the link kept).
//!
//! The plaintext directory is removed on every exit path: its guard's `Drop` runs on success,
//! errors, panics and after Ctrl-C/SIGTERM (the runner stops the editor, the command unwinds); a
//! second Ctrl-C, which exits at once, removes it through [`crate::platform::interrupt::CleanupGuard`].

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::platform::interrupt::{self, CleanupGuard};
use crate::platform::output::Output;
use crate::platform::prompt::{self, PromptError};
use crate::platform::runner::{ProgramCall, RunError, Runner};
use crate::secrets::keys::{self, KeyUsability};
use crate::sops::cipher::Stash;
use crate::sops::{
    ChangedPaths, DecryptOptions, EncryptionSpec, Format, SopsError, SopsFile, StoreOptions, changed_paths, stores,
};

/// Editors that return at once unless told to wait, and the flag that makes them wait.
const WAIT_FLAGS: &[(&str, &str)] = &[
    ("code", "--wait"),
    ("code-insiders", "--wait"),
    ("codium", "--wait"),
    ("cursor", "--wait"),
    ("windsurf", "--wait"),
    ("subl", "--wait"),
    ("sublime_text", "--wait"),
    ("zed", "--wait"),
    ("atom", "--wait"),
    ("gedit", "--wait"),
    ("mate", "-w"),
];

/// A fresh 0700 directory for one plaintext file, removed (its files overwritten first) on drop.
pub struct PlaintextDir {
    dir: Option<tempfile::TempDir>,
    _cleanup: CleanupGuard,
}

impl PlaintextDir {
    /// Creates the directory on a memory filesystem when one is available.
    pub fn create() -> std::io::Result<PlaintextDir> {
        let mut last_error = None;
        for base in base_dirs() {
            match tempfile::Builder::new().prefix("ssp-edit-").tempdir_in(&base) {
                Ok(dir) => {
                    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
                    let cleanup = CleanupGuard::register(dir.path());
                    return Ok(PlaintextDir { dir: Some(dir), _cleanup: cleanup });
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| std::io::Error::other("no temporary directory available")))
    }

    pub fn path(&self) -> &Path {
        self.dir.as_ref().expect("present until drop").path()
    }

    /// Writes a new 0600 file named `name` (a bare file name) in the directory.
    pub fn write_new(&self, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let path = self.path().join(name);
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        Ok(path)
    }
}

impl Drop for PlaintextDir {
    fn drop(&mut self) {
        let Some(dir) = self.dir.take() else { return };
        // Best effort: overwrite what the editor left (the file, swap or backup files) first.
        if let Ok(entries) = std::fs::read_dir(dir.path()) {
            for entry in entries.flatten() {
                if let Ok(meta) = entry.metadata()
                    && meta.is_file()
                    && let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(entry.path())
                {
                    let _ = f.write_all(&vec![0u8; meta.len() as usize]);
                    let _ = f.sync_all();
                }
            }
        }
        let _ = dir.close();
    }
}

/// Where plaintext directories go, best first: `$XDG_RUNTIME_DIR`, `/dev/shm`, the temp dir.
pub fn base_dirs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()).map(PathBuf::from)
        && run.is_dir()
    {
        out.push(run);
    }
    let shm = PathBuf::from("/dev/shm");
    if shm.is_dir() {
        out.push(shm);
    }
    out.push(std::env::temp_dir());
    out
}

/// The editor command line: `$SOPS_EDITOR`, else `$EDITOR`, else `vi`, split shell-style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditorCommand {
    pub argv: Vec<String>,
    /// Where it came from (`SOPS_EDITOR`, `EDITOR`, or the default).
    pub source: &'static str,
}

impl EditorCommand {
    pub fn from_env() -> Result<EditorCommand, EditError> {
        let pick = |var: &'static str| std::env::var(var).ok().filter(|v| !v.trim().is_empty()).map(|v| (var, v));
        match pick("SOPS_EDITOR").or_else(|| pick("EDITOR")) {
            Some((var, line)) => Self::parse(&line, var),
            None => Ok(EditorCommand { argv: vec!["vi".into()], source: "the default" }),
        }
    }

    /// Splits an editor setting shell-style and adds the wait flag GUI editors need.
    pub fn parse(line: &str, source: &'static str) -> Result<EditorCommand, EditError> {
        let mut argv =
            shell_words::split(line).map_err(|e| EditError::BadEditor { var: source, reason: e.to_string() })?;
        if argv.is_empty() {
            return Err(EditError::BadEditor { var: source, reason: "it is empty".into() });
        }
        let name = Path::new(&argv[0]).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let name = name.strip_suffix(".exe").unwrap_or(&name).to_string();
        if let Some((_, flag)) = WAIT_FLAGS.iter().find(|(n, _)| *n == name)
            && !argv[1..].iter().any(|a| a == flag || a == "--wait" || a == "-w")
        {
            argv.push((*flag).to_string());
        }
        Ok(EditorCommand { argv, source })
    }

    pub fn call(&self, file: &Path) -> ProgramCall {
        ProgramCall::new(&self.argv[0]).args(&self.argv[1..]).arg(file).interactive()
    }
}

/// Why an edit did not save.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("cannot edit {0}: the file does not exist (create it with `ssp sops encrypt`)")]
    Missing(PathBuf),
    #[error("could not read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("could not create the private temporary file for the plaintext: {0}")]
    TempFile(std::io::Error),
    #[error("invalid ${var}: {reason}")]
    BadEditor { var: &'static str, reason: String },
    #[error("could not run the editor: {0}")]
    Editor(RunError),
    #[error(
        "the edited file is not valid {format}: {message}\nhint: nothing was written; run the edit again on a terminal to get the chance to fix it"
    )]
    Invalid { format: &'static str, message: String },
    #[error("the edit was abandoned after an invalid save; nothing was written")]
    Abandoned,
    #[error("could not write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error(
        "cannot edit {path}: its folder does not take new files ({source}), so the edited file could not be saved; nothing was decrypted\nhint: make the folder writable, or copy the file to a writable folder and edit the copy"
    )]
    NotReplaceable { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Sops(#[from] SopsError),
    #[error("interrupted")]
    Interrupted,
}

impl EditError {
    /// sops' exit statuses (`cmd/sops/codes`).
    pub fn exit_code(&self) -> i32 {
        match self {
            EditError::Missing(_) => 100,
            EditError::Read { .. } => 2,
            EditError::TempFile(_) | EditError::Write { .. } | EditError::NotReplaceable { .. } => 3,
            EditError::BadEditor { .. } | EditError::Editor(_) => 201,
            EditError::Invalid { .. } | EditError::Abandoned => 1,
            EditError::Sops(e) => e.exit_code(),
            EditError::Interrupted => interrupt::EXIT_INTERRUPTED,
        }
    }
}

/// What to edit.
pub struct EditTarget {
    pub path: PathBuf,
    pub format: Format,
    pub store_options: StoreOptions,
    pub ignore_mac: bool,
    /// When the file does not exist: the recipients to create it for (sops opens an example
    /// document). `None`: a missing file is an error.
    pub create: Option<EncryptionSpec>,
}

/// What an edit did.
#[derive(Debug, PartialEq, Eq)]
pub enum EditOutcome {
    /// The editor left the file as it was: nothing written.
    Unchanged,
    /// The file was re-encrypted and replaced; the key paths that changed (never values).
    Saved(ChangedPaths),
}

/// Runs the whole edit. `interactive`: stdin is a terminal, so an invalid save can be re-opened.
pub fn edit_file(
    target: &EditTarget,
    runner: &Runner,
    output: &Output,
    interactive: bool,
) -> Result<EditOutcome, EditError> {
    // An edit that cannot be saved would be thrown away: refuse before the plaintext exists, rather
    // than keep it anywhere (even in the private tmpfs dir) after the editor closes.
    if target.path.exists() || target.create.is_some() {
        crate::platform::atomic_write::check_replaceable(&target.path)
            .map_err(|source| EditError::NotReplaceable { path: target.path.clone(), source })?;
    }
    let sources = keys::key_sources(runner);
    let (file, data_key, before, plain, stash) = match std::fs::read(&target.path) {
        Ok(bytes) => {
            let file = SopsFile::load(&bytes, target.format)?.with_store_options(target.store_options);
            // With each value's ciphertext remembered: unchanged values are written back as they
            // were (Go sops' IV stash), so the file's diff shows only what the edit changed.
            let mut decrypted = file.decrypt_for_edit(&sources, DecryptOptions { ignore_mac: target.ignore_mac })?;
            report_keys(output, &keys::key_usability(&file.metadata, &sources));
            let plain = file.emit_plain(&decrypted.document, target.format)?;
            let document = std::mem::take(&mut decrypted.document);
            (file, decrypted.data_key, document, plain, decrypted.stash)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let Some(spec) = &target.create else {
                return Err(EditError::Missing(target.path.clone()));
            };
            // As sops: the data key is made and wrapped first, then the editor opens an example.
            let (file, key) = SopsFile::create(target.format, spec, &sources)?;
            let file = file.with_store_options(target.store_options);
            let keys: Vec<String> = file.metadata.key_groups.iter().flatten().map(|k| k.describe()).collect();
            output.note(format!(
                "{} does not exist: creating it, encrypted to {}",
                target.path.display(),
                keys.join(", ")
            ));
            let plain = Zeroizing::new(crate::sops::stores::example(target.format));
            (file, key, crate::sops::Document::new(Vec::new()), plain, Stash::default())
        }
        Err(source) => return Err(EditError::Read { path: target.path.clone(), source }),
    };
    let dir = PlaintextDir::create().map_err(EditError::TempFile)?;
    let name = target.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "values".into());
    let temp = dir.write_new(&name, &plain).map_err(EditError::TempFile)?;
    let original_hash = Sha256::digest(&plain[..]);
    drop(plain);
    let editor = EditorCommand::from_env()?;
    output.step(format!("Opening {} in {}", target.path.display(), editor.argv.join(" ")));

    let edited = loop {
        runner.run(&editor.call(&temp)).map_err(|e| match e {
            RunError::Interrupted { .. } => EditError::Interrupted,
            e => EditError::Editor(e),
        })?;
        if interrupt::is_interrupted() {
            return Err(EditError::Interrupted);
        }
        let now =
            Zeroizing::new(std::fs::read(&temp).map_err(|source| EditError::Read { path: temp.clone(), source })?);
        if Sha256::digest(&now[..]) == original_hash {
            return Ok(EditOutcome::Unchanged);
        }
        let problem = match stores::parse_plain(target.format, &now) {
            Ok(branches) if stores::has_metadata(target.format, &branches) => {
                "the top-level `sops` key is reserved for sops metadata".to_string()
            }
            Ok(branches) => break crate::sops::Document::new(branches),
            Err(e) => e.to_string(),
        };
        if !interactive {
            return Err(EditError::Invalid { format: target.format.name(), message: problem });
        }
        output.fail(format!("The edited file is not valid {}: {problem}", target.format.name()));
        if !ask_to_reopen()? {
            return Err(EditError::Abandoned);
        }
    };

    let changes = changed_paths(&before, &edited);
    let encrypted = file.reencrypt_keeping(&edited, &data_key, &stash)?.to_bytes()?;
    crate::platform::atomic_write::replace(&target.path, &encrypted, 0o600)
        .map_err(|source| EditError::Write { path: target.path.clone(), source })?;
    Ok(EditOutcome::Saved(changes))
}

fn report_keys(output: &Output, keys: &[KeyUsability]) {
    let usable = keys.iter().filter(|k| k.usable).count();
    output.note(format!("{usable} of the file's {} master keys can be used on this machine:", keys.len()));
    for k in keys {
        let mark = if k.usable { "usable" } else { "not usable" };
        output.note(format!("  {} — {mark}: {}", k.key, k.detail));
    }
}

/// Asks on the terminal whether to re-open the editor. Enter: yes; `q` or the end of input: no.
/// Ctrl-C stops.
fn ask_to_reopen() -> Result<bool, EditError> {
    eprint!("Press Enter to re-open the editor, or type q and Enter to give up (nothing is written): ");
    let _ = std::io::stderr().flush();
    match prompt::read_line() {
        Ok(Some(line)) => Ok(!line.trim().eq_ignore_ascii_case("q")),
        Ok(None) | Err(PromptError::Io(_)) => Ok(false),
        Err(PromptError::Interrupted) => Err(EditError::Interrupted),
    }
}

/// The redacted summary of an edit: key paths only.
pub fn summary_lines(changes: &ChangedPaths) -> Vec<String> {
    let mut out = Vec::new();
    for p in &changes.added {
        out.push(format!("  + {p}"));
    }
    for p in &changes.removed {
        out.push(format!("  - {p}"));
    }
    for p in &changes.changed {
        out.push(format!("  ~ {p}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_lines_split_shell_style_and_gui_editors_wait() {
        let e = EditorCommand::parse("code", "EDITOR").unwrap();
        assert_eq!(e.argv, ["code", "--wait"]);
        let e = EditorCommand::parse("code --wait", "EDITOR").unwrap();
        assert_eq!(e.argv, ["code", "--wait"]);
        let e = EditorCommand::parse("'/opt/Sublime Text/subl' -n", "SOPS_EDITOR").unwrap();
        assert_eq!(e.argv, ["/opt/Sublime Text/subl", "-n", "--wait"]);
        let e = EditorCommand::parse("mate", "EDITOR").unwrap();
        assert_eq!(e.argv, ["mate", "-w"]);
        let e = EditorCommand::parse("vim -u NONE", "EDITOR").unwrap();
        assert_eq!(e.argv, ["vim", "-u", "NONE"]);
        assert!(matches!(EditorCommand::parse("vim 'unclosed", "EDITOR"), Err(EditError::BadEditor { .. })));
    }

    #[test]
    fn plaintext_dir_is_private_and_removed_on_drop() {
        let dir = PlaintextDir::create().unwrap();
        let path = dir.write_new("values.yaml", b"secret: x\n").unwrap();
        assert_eq!(std::fs::metadata(dir.path()).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let base = dir.path().parent().unwrap().to_path_buf();
        assert_eq!(base, base_dirs()[0]);
        let root = dir.path().to_path_buf();
        drop(dir);
        assert!(!root.exists());
    }

    #[test]
    fn plaintext_dir_is_removed_when_a_panic_unwinds_through_it() {
        let seen = std::sync::Mutex::new(PathBuf::new());
        let result = std::panic::catch_unwind(|| {
            let dir = PlaintextDir::create().unwrap();
            dir.write_new("values.yaml", b"secret: x\n").unwrap();
            *seen.lock().unwrap() = dir.path().to_path_buf();
            panic!("editor flow bug");
        });
        assert!(result.is_err());
        let path = seen.lock().unwrap().clone();
        assert!(!path.as_os_str().is_empty() && !path.exists(), "{path:?} survived the panic");
    }

    #[test]
    fn summary_names_paths_only() {
        let c = ChangedPaths { added: vec!["a.b".into()], removed: vec!["c".into()], changed: vec!["d[0]".into()] };
        assert_eq!(summary_lines(&c), ["  + a.b", "  - c", "  ~ d[0]"]);
    }
}
