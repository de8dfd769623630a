//! The shared fixtures (`../shared/fixtures`, or `SSP_SHARED_FIXTURES`) and what tests build
//! from them, following the lookup rule of `../shared/TESTING.md`: a missing fixture is a skip
//! outside CI and a failure under `CI=true` (through [`super::prerequisite`]). Also a throwaway
//! GnuPG home holding the sops test key.
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Need;

/// The pinned commit of the community Supabase chart.
pub const CHART_COMMIT: &str = "7963191d71eb2f9b9390bc7ecd396833f37d4365";

/// The shared fixtures directory, or `None` (after the skip/fail rule) when absent.
pub fn shared_fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("SSP_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"));
    super::prerequisite(Need::Other, "shared fixtures", dir.is_dir(), &format!("{} does not exist", dir.display()))
        .then_some(dir)
}

/// `../shared/reference`, beside the fixtures (the original Support Sphere values files).
pub fn shared_reference() -> Option<PathBuf> {
    let dir = shared_fixtures()?.join("../reference");
    super::prerequisite(Need::Other, "shared reference", dir.is_dir(), &format!("{} does not exist", dir.display()))
        .then_some(dir)
}

/// The Support Sphere team's real encrypted `values.cloud.yaml` in the shared reference (its KMS
/// and PGP keys are not ours), or `None` (after the skip/fail rule) when absent.
pub fn team_values_file() -> Option<PathBuf> {
    let file = shared_reference()?.join("support-sphere/deployment/values.cloud.yaml");
    let why = format!("{} does not exist", file.display());
    super::prerequisite(Need::Other, "team file", file.is_file(), &why).then_some(file)
}

/// The community chart's git bundle (full history, holding [`CHART_COMMIT`]), or `None` (after
/// the skip/fail rule) when absent.
pub fn chart_bundle() -> Option<PathBuf> {
    let bundle = shared_fixtures()?.join("charts/supabase-kubernetes.bundle");
    let why = format!("{} does not exist", bundle.display());
    super::prerequisite(Need::Other, "chart bundle", bundle.is_file(), &why).then_some(bundle)
}

/// Clones the chart bundle into `dest` at [`CHART_COMMIT`] and returns `dest/charts/supabase`.
pub fn pinned_chart(dest: &Path) -> Option<PathBuf> {
    let bundle = chart_bundle()?;
    let repo = dest.join("supabase-kubernetes");
    let git = |args: &[&str], dir: &Path| {
        let out = Command::new("git").args(args).current_dir(dir).output().expect("run git");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(
        &[
            "clone",
            "--quiet",
            "--no-checkout",
            bundle.to_str().expect("utf-8 path"),
            repo.to_str().expect("utf-8 path"),
        ],
        dest,
    );
    git(&["-c", "advice.detachedHead=false", "checkout", "--quiet", CHART_COMMIT], &repo);
    Some(repo.join("charts/supabase"))
}

/// `<fixtures>/sops/getsops`.
pub fn getsops() -> Option<PathBuf> {
    shared_fixtures().map(|d| d.join("sops/getsops"))
}

/// A temporary GNUPGHOME (mode 0700) with the sops functional-test key imported; its agent is
/// stopped and the directory removed on drop.
pub struct GpgHome {
    pub dir: tempfile::TempDir,
}

impl GpgHome {
    pub fn with_sops_test_key(getsops: &Path) -> Option<GpgHome> {
        let gpg = Path::new("/usr/bin/gpg");
        if !super::prerequisite(Need::Other, "gpg", gpg.exists(), "/usr/bin/gpg is not installed") {
            return None;
        }
        let dir = tempfile::Builder::new().prefix("gh").tempdir_in("/tmp").expect("temp dir");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let status = Command::new(gpg)
            .arg("--homedir")
            .arg(dir.path())
            .args(["--batch", "--quiet", "--import"])
            .arg(getsops.join("pgp/sops_functional_tests_key.asc"))
            .status()
            .expect("run gpg --import");
        assert!(status.success(), "gpg --import of the sops test key failed");
        Some(GpgHome { dir })
    }

    pub fn gpg(&self) -> ssp::sops::SystemGpg {
        ssp::sops::SystemGpg { program: "/usr/bin/gpg".into(), homedir: Some(self.dir.path().to_path_buf()) }
    }
}

impl Drop for GpgHome {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf").arg("--homedir").arg(self.dir.path()).args(["--kill", "gpg-agent"]).status();
    }
}

/// A throwaway age identity: its secret (`AGE-SECRET-KEY-1…`) and recipient (`age1…`).
pub struct AgeKey {
    pub secret: String,
    pub recipient: String,
}

/// Generates a fresh [`AgeKey`].
pub fn age_key() -> AgeKey {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    AgeKey { secret: id.to_string().expose_secret().to_string(), recipient: id.to_public().to_string() }
}
