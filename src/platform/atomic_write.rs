//! Replacing a file atomically: write a temp file beside it, fsync, rename over it, fsync the
//! directory. Readers see the old or the new content, never a torn file; a failure leaves the
//! original untouched.
//!
//! A symbolic link is followed: its final target is replaced and the link stays a link (as
//! `sops` writing through `os.Create` does). Something that is not a regular file — a device such
//! as `/dev/stdout` or `/dev/null`, a FIFO, anything under `/dev` or `/proc` — is never renamed
//! over: the bytes are written into it.
//!
//! [`PendingFile`] does the same for bytes that arrive as a stream (a database dump): written to
//! disk as they come, never held in memory, renamed into place only once complete.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::platform::interrupt::CleanupGuard;

/// Replaces (or creates) `path` with `bytes`. An existing file keeps its permission bits; a new
/// one gets `new_mode`.
pub fn replace(path: &Path, bytes: &[u8], new_mode: u32) -> std::io::Result<()> {
    write_resolved(path, bytes, |existing| existing.unwrap_or(new_mode))
}

/// Like [`replace`], for plaintext secrets: the file is 0600, or the existing mode masked with
/// 0600 (never readable by group or others, whatever the file or a link's target had).
pub fn replace_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_resolved(path, bytes, |existing| existing.map_or(0o600, |m| m & 0o600))
}

/// Follows a chain of symbolic links to the path that is not one (which may not exist yet).
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&p)?;
                p = if target.is_absolute() { target } else { p.parent().unwrap_or(Path::new(".")).join(target) };
            }
            _ => return Ok(p),
        }
    }
    Err(std::io::Error::other(format!("{}: too many levels of symbolic links", path.display())))
}

/// Paths that name kernel objects rather than files: never renamed over.
fn special(path: &Path) -> bool {
    path.starts_with("/dev") || path.starts_with("/proc")
}

fn write_resolved(path: &Path, bytes: &[u8], mode_for: impl Fn(Option<u32>) -> u32) -> std::io::Result<()> {
    if special(path) {
        return write_into(path, bytes);
    }
    let target = resolve_links(path)?;
    let existing = match std::fs::symlink_metadata(&target) {
        Ok(m) if !m.file_type().is_file() => {
            if m.is_dir() {
                return Err(std::io::Error::other(format!("{} is a directory", target.display())));
            }
            return write_into(path, bytes);
        }
        Ok(m) => Some(m.permissions().mode() & 0o7777),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if special(&target) {
        return write_into(path, bytes);
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mode = mode_for(existing);
    let mut tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(dir)?;
    tmp.as_file().set_permissions(std::fs::Permissions::from_mode(mode))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Whether [`replace`] could replace `path`: a temp file can be created beside it (and is removed
/// at once). Asked before work that cannot be redone, such as an edit in the user's editor.
/// A symbolic link is followed, as [`replace`] follows it; a special file needs no check.
pub fn check_replaceable(path: &Path) -> std::io::Result<()> {
    if special(path) {
        return Ok(());
    }
    let target = resolve_links(path)?;
    if special(&target) || std::fs::symlink_metadata(&target).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return Ok(());
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::Builder::new().prefix(".ssp-write-check.").tempfile_in(dir).map(drop)
}

/// A file streamed into place: the bytes go to a file in a private temp folder beside `path`
/// (same filesystem), and [`PendingFile::commit`] fsyncs it and renames it over `path`. Dropped
/// without a commit (an error, Ctrl-C unwinding) the folder and the partial file are removed; a
/// second Ctrl-C, which exits without running destructors, removes the folder too
/// ([`CleanupGuard`]). A special file (`/dev/stdout`, a FIFO) is written into directly.
pub struct PendingFile {
    file: std::fs::File,
    /// `(temp file, final path, the temp folder)`; `None` for a special file.
    staged: Option<(PathBuf, PathBuf, tempfile::TempDir)>,
    _cleanup: Option<CleanupGuard>,
}

impl PendingFile {
    /// Starts replacing (or creating) `path`, as [`replace`] does: links followed, an existing
    /// file's permission bits kept, `new_mode` for a new one.
    pub fn create(path: &Path, new_mode: u32) -> std::io::Result<PendingFile> {
        let target = if special(path) { path.to_path_buf() } else { resolve_links(path)? };
        let existing = match std::fs::symlink_metadata(&target) {
            Ok(m) if m.is_dir() => return Err(std::io::Error::other(format!("{} is a directory", target.display()))),
            Ok(m) if !m.file_type().is_file() => None,
            Ok(m) => Some(m.permissions().mode() & 0o7777),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(new_mode),
            Err(e) => return Err(e),
        };
        let Some(mode) = existing.filter(|_| !special(&target)) else {
            let file = std::fs::OpenOptions::new().write(true).open(path)?;
            return Ok(PendingFile { file, staged: None, _cleanup: None });
        };
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let folder = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempdir_in(dir)?;
        let cleanup = CleanupGuard::register(folder.path());
        let temp = folder.path().join(&name);
        let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        Ok(PendingFile { file, staged: Some((temp, target, folder)), _cleanup: Some(cleanup) })
    }

    /// Where to write the bytes (a handle to the temp file).
    pub fn file(&self) -> &std::fs::File {
        &self.file
    }

    /// Makes the bytes written durable and puts them in place.
    pub fn commit(self) -> std::io::Result<()> {
        let Some((temp, target, _folder)) = &self.staged else {
            return Ok(());
        };
        self.file.sync_all()?;
        std::fs::rename(temp, target)?;
        if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty())
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// Writes into a device, FIFO or other special file in place.
fn write_into(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    f.write_all(bytes)?;
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

    #[test]
    fn replaces_content_keeps_mode_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("values.yaml");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        replace(&path, b"new", 0o600).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let fresh = dir.path().join("fresh.yaml");
        replace(&fresh, b"x", 0o600).unwrap();
        assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn plaintext_is_private_and_a_link_is_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.yaml");
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o666)).unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink("real.yaml", &link).unwrap();
        replace_private(&link, b"secret").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
        assert_eq!(std::fs::read(&real).unwrap(), b"secret");
        assert_eq!(std::fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o600);
        // 0640 masked with 0600; a new file 0600; a dangling link creates its target.
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        replace_private(&real, b"x").unwrap();
        assert_eq!(std::fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o600);
        let dangling = dir.path().join("dangling.yaml");
        std::os::unix::fs::symlink(dir.path().join("made.yaml"), &dangling).unwrap();
        replace_private(&dangling, b"y").unwrap();
        assert_eq!(std::fs::read(dir.path().join("made.yaml")).unwrap(), b"y");
        assert_eq!(std::fs::metadata(dir.path().join("made.yaml")).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn devices_and_fifos_are_written_into_not_replaced() {
        replace_private(Path::new("/dev/null"), b"secret").unwrap();
        assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        replace(&fifo, b"through", 0o600).unwrap();
        assert_eq!(reader.join().unwrap(), b"through");
        assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "still a FIFO");
    }

    #[test]
    fn a_pending_file_appears_only_on_commit_and_leaves_nothing_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.sql");
        std::fs::write(&path, "old").unwrap();
        let pending = PendingFile::create(&path, 0o600).unwrap();
        pending.file().write_all(b"partial").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"old", "the original stays until the commit");
        drop(pending);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temp folder left");

        let fresh = dir.path().join("fresh.sql");
        let pending = PendingFile::create(&fresh, 0o600).unwrap();
        pending.file().write_all(b"complete").unwrap();
        assert!(!fresh.exists());
        pending.commit().unwrap();
        assert_eq!(std::fs::read(&fresh).unwrap(), b"complete");
        assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        assert!(PendingFile::create(dir.path(), 0o600).is_err(), "a directory is refused");
        assert!(PendingFile::create(&dir.path().join("no/such/dir.sql"), 0o600).is_err());
    }

    #[test]
    fn a_failed_write_leaves_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir/values.yaml");
        assert!(replace(&path, b"new", 0o600).is_err());
    }
}
