//! Finding the project root: the nearest folder, walking up, that holds `ssp.toml` or `deployment/`,
//! and checking that its `ssp.toml` is safe to obey.
//!
//! Discovery stops at the nearest marker of either kind: an `ssp.toml` further up (a home folder, a
//! shared `/srv`) must not take over a project found by its `deployment/` folder, since `tools.dir`
//! decides which `k3d`, `helm`, `git` and editor run, with the user's secrets in reach. For the same
//! reason, like git's `safe.directory`, an `ssp.toml` owned by another user or lying in a folder
//! anyone may write to is refused.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::PROJECT_FILE;

/// A project root and how it was recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectRoot {
    pub dir: PathBuf,
    /// True when the root holds `ssp.toml` (else it was found by its `deployment/` folder).
    pub has_project_file: bool,
}

/// Walks up from `start` to the nearest folder holding `ssp.toml` or `deployment/`.
pub fn find_project_root(start: &Path) -> Option<ProjectRoot> {
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    start.ancestors().find_map(|dir| {
        let has_project_file = dir.join(PROJECT_FILE).is_file();
        (has_project_file || dir.join("deployment").is_dir())
            .then(|| ProjectRoot { dir: dir.to_path_buf(), has_project_file })
    })
}

/// Why a project file is not obeyed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsafe {
    /// Owned by another user: `owner` is its uid, `me` the effective uid of ssp.
    ForeignOwner { owner: u32, me: u32 },
    /// Its folder (or the file itself) may be written by anyone.
    WorldWritable { path: PathBuf },
}

/// Refuses a project file that another user could have written.
pub fn check_project_file(path: &Path) -> Result<(), Unsafe> {
    check_project_file_as(path, nix::unistd::geteuid().as_raw(), std::env::var("SUDO_UID").ok())
}

/// [`check_project_file`] for the effective uid `me`. Under `sudo` (root with `SUDO_UID`) a file of
/// the user who ran sudo is accepted too, as git does.
fn check_project_file_as(path: &Path, me: u32, sudo_uid: Option<String>) -> Result<(), Unsafe> {
    let Ok(meta) = std::fs::metadata(path) else { return Ok(()) };
    let sudo_user = sudo_uid.filter(|_| me == 0).and_then(|uid| uid.parse::<u32>().ok());
    if meta.uid() != me && Some(meta.uid()) != sudo_user {
        return Err(Unsafe::ForeignOwner { owner: meta.uid(), me });
    }
    if meta.mode() & 0o002 != 0 {
        return Err(Unsafe::WorldWritable { path: path.to_path_buf() });
    }
    let dir = path.parent().unwrap_or(Path::new("/"));
    if std::fs::metadata(dir).is_ok_and(|m| m.mode() & 0o002 != 0) {
        return Err(Unsafe::WorldWritable { path: dir.to_path_buf() });
    }
    Ok(())
}

impl Unsafe {
    /// The sentence and hint of the error, for `path`.
    pub fn describe(&self, path: &Path) -> String {
        let shown = path.display();
        match self {
            Unsafe::ForeignOwner { owner, me } => format!(
                "{shown} is owned by another user (uid {owner}, you are uid {me}); ssp does not obey it, since it chooses the programs ssp runs\nhint: if you trust it, take it over (`chown {me} {shown}`), or run ssp in a project of your own (`-C <dir>`)"
            ),
            Unsafe::WorldWritable { path } => format!(
                "{shown} can be changed by any user ({} is world-writable); ssp does not obey it, since it chooses the programs ssp runs\nhint: `chmod o-w {}`, or move the project to a folder of your own",
                path.display(),
                path.display()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_nearest_marker_wins_over_an_ssp_toml_further_up() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::write(root.join(PROJECT_FILE), "[tools]\ndir = \"/evil\"\n").unwrap();
        let nested = root.join("a/b");
        std::fs::create_dir_all(nested.join("deployment")).unwrap();
        std::fs::create_dir_all(nested.join("src/deep")).unwrap();
        let found = find_project_root(&nested.join("src/deep")).unwrap();
        assert_eq!(found, ProjectRoot { dir: nested.clone(), has_project_file: false });
        // Above the nested project, the ssp.toml marks its own folder.
        let found = find_project_root(&root.join("a")).unwrap();
        assert_eq!(found, ProjectRoot { dir: root.clone(), has_project_file: true });
    }

    #[test]
    fn deployment_folder_marks_the_root_without_ssp_toml() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("deployment")).unwrap();
        std::fs::create_dir_all(root.join("src/deep")).unwrap();
        let found = find_project_root(&root.join("src/deep")).unwrap();
        assert_eq!(found.dir, root);
        assert!(!found.has_project_file);
    }

    #[test]
    fn a_project_file_anyone_can_write_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join(PROJECT_FILE);
        std::fs::write(&file, "").unwrap();
        assert_eq!(check_project_file(&file), Ok(()));
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(check_project_file(&file), Err(Unsafe::WorldWritable { path: tmp.path().to_path_buf() }));
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(check_project_file(&file), Err(Unsafe::WorldWritable { path: file.clone() }));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        // Another owner: refused, unless root runs ssp through sudo for that very user.
        let owner = std::fs::metadata(&file).unwrap().uid();
        let other = owner.wrapping_add(4242);
        assert_eq!(check_project_file_as(&file, other, None), Err(Unsafe::ForeignOwner { owner, me: other }));
        assert!(check_project_file_as(&file, 0, Some(owner.to_string())).is_ok());
        assert!(check_project_file_as(&file, other, Some(owner.to_string())).is_err());
    }
}
