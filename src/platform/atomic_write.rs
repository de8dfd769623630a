//! Replacing a file atomically: write a temp file beside it, fsync, rename over it, fsync the
//! directory. Readers see the old or the new content, never a torn file; a failure leaves the
//! original untouched.
//!
//! A symbolic link is followed: its final target is replaced and the link stays a link (as
//! `sops` writing through `os.Create` does). Something that is not a regular file — a device such
//! as `/dev/stdout` or `/dev/null`, a FIFO, anything under `/dev` or `/proc` — is never renamed
//! over: the bytes are written into it.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

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
    fn a_failed_write_leaves_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir/values.yaml");
        assert!(replace(&path, b"new", 0o600).is_err());
    }
}
