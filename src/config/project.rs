//! Finding the project root: the first folder, walking up, that holds `ssp.toml`, else the first
//! that holds `deployment/`.

use std::path::{Path, PathBuf};

use super::PROJECT_FILE;

/// A project root and how it was recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectRoot {
    pub dir: PathBuf,
    /// True when the root holds `ssp.toml` (else it was found by its `deployment/` folder).
    pub has_project_file: bool,
}

/// Walks up from `start`; `ssp.toml` anywhere above wins over a nearer `deployment/`.
pub fn find_project_root(start: &Path) -> Option<ProjectRoot> {
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    if let Some(dir) = start.ancestors().find(|dir| dir.join(PROJECT_FILE).is_file()) {
        return Some(ProjectRoot { dir: dir.to_path_buf(), has_project_file: true });
    }
    start
        .ancestors()
        .find(|dir| dir.join("deployment").is_dir())
        .map(|dir| ProjectRoot { dir: dir.to_path_buf(), has_project_file: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_file_wins_over_a_nearer_deployment_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::write(root.join(PROJECT_FILE), "").unwrap();
        let nested = root.join("a/b");
        std::fs::create_dir_all(nested.join("deployment")).unwrap();
        let found = find_project_root(&nested).unwrap();
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
}
