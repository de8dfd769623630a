//! Installing pinned tools: skip what is already there at the pinned version, download the rest in
//! parallel into temp files inside the tools dir, verify each SHA-256 before anything is extracted
//! or made executable, extract the one archive member, `chmod 0755`, confirm the version by running
//! the new binary, and only then rename it into place. A failure at any step leaves no file behind.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempPath;

use super::download::{DownloadError, Downloader};
use super::lock::{InstallLock, LockError};
use super::manifest::{ToolManifest, ToolName, ToolSpec};
use crate::platform::output::Output;
use crate::platform::runner::{ProgramCall, RunError, Runner};

/// How long a version command may take.
const VERSION_TIMEOUT: Duration = Duration::from_secs(20);

/// Why installing failed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Download(#[from] DownloadError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(
        "SHA-256 mismatch for {tool} {version} downloaded from {url}\n  expected {expected}\n  actual   {actual}\nThe download was deleted; nothing was installed.\nhint: if the mirror serves a rebuilt asset, do not trust it; if the pin in [tools.{tool}] sha256 is wrong, correct it from the release's published checksums"
    )]
    ChecksumMismatch { tool: ToolName, version: String, url: String, expected: String, actual: String },
    #[error(
        "{url} holds no `{member}`; its entries start with: {entries}\nhint: correct [tools.{tool}] archive_path in ssp.toml"
    )]
    MemberMissing { tool: ToolName, url: String, member: String, entries: String },
    #[error("cannot extract `{member}` from the download of {url}: {error}")]
    Extract { url: String, member: String, error: std::io::Error },
    #[error("cannot write {}: {error}\nhint: check that the tools dir is writable (tools.dir in ssp.toml)", .path.display())]
    Io { path: PathBuf, error: std::io::Error },
    #[error("the downloaded {tool} does not run: {error}\nNothing was installed.")]
    DoesNotRun { tool: ToolName, error: Box<RunError> },
    #[error(
        "the downloaded {tool} from {url} reports {found}, but {expected} is pinned\nNothing was installed.\nhint: check [tools.{tool}] version and url in ssp.toml"
    )]
    WrongVersion { tool: ToolName, url: String, expected: String, found: String },
}

/// What became of one tool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Installed {
    /// Already there at the pinned version: nothing downloaded.
    AlreadyThere,
    /// Downloaded, verified and installed now.
    Fresh,
    /// `--dry-run`: would be downloaded and installed.
    WouldInstall,
}

/// What the tools dir holds for one tool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    Missing,
    /// Runs and reports this version.
    Version(String),
    /// Present but its version command fails or prints something else.
    Broken(String),
}

/// Installs tools from a manifest into its tools dir.
pub struct Installer {
    manifest: ToolManifest,
    runner: Runner,
    output: Output,
    downloader: Downloader,
    force: bool,
}

/// A tool downloaded, verified, extracted and executable, not yet in place.
struct Staged {
    spec: ToolSpec,
    file: TempPath,
}

impl Installer {
    pub fn new(manifest: ToolManifest, runner: Runner, downloader: Downloader, force: bool) -> Installer {
        let output = runner.output().clone();
        Installer { manifest, runner, output, downloader, force }
    }

    /// Installs each of `specs` (skipping those already installed unless `force`).
    pub async fn install(&self, specs: &[ToolSpec]) -> Result<Vec<(ToolName, Installed)>, InstallError> {
        let mut results = Vec::new();
        let mut pending = Vec::new();
        for spec in specs {
            if !self.force && self.is_current(spec, true).await {
                results.push((spec.name, Installed::AlreadyThere));
            } else {
                pending.push(spec.clone());
            }
        }
        if pending.is_empty() {
            return Ok(results);
        }
        let dir = &self.manifest.dir;
        if self.runner.dry_run() {
            for spec in &pending {
                self.output.note(format!(
                    "would download {} (sha256 {}){} and install {} {} as {}",
                    spec.url,
                    spec.sha256,
                    spec.archive_path.as_ref().map(|m| format!(", extract {m}")).unwrap_or_default(),
                    spec.name,
                    spec.version,
                    self.manifest.install_path(spec.name).display()
                ));
                results.push((spec.name, Installed::WouldInstall));
            }
            return Ok(results);
        }

        std::fs::create_dir_all(dir).map_err(|error| InstallError::Io { path: dir.clone(), error })?;
        let _lock = InstallLock::acquire(dir, &self.output).await?;
        // Another run may have installed some while we waited for the lock.
        let mut to_fetch = Vec::new();
        for spec in pending {
            if !self.force && self.is_current(&spec, false).await {
                self.output.done(format!("{} {} was installed meanwhile by another ssp run", spec.name, spec.version));
                results.push((spec.name, Installed::AlreadyThere));
            } else {
                to_fetch.push(spec);
            }
        }

        // Download, verify and extract in parallel; the first failure cancels the others, whose
        // temp files are removed as their futures are dropped.
        let staged = futures::future::try_join_all(to_fetch.into_iter().map(|spec| self.stage(spec))).await?;

        // Confirm every new binary runs at the pinned version before any of them is moved into place.
        for item in &staged {
            self.confirm(&item.spec, &item.file).await?;
        }
        for item in staged {
            let target = self.manifest.install_path(item.spec.name);
            item.file.persist(&target).map_err(|e| InstallError::Io { path: target.clone(), error: e.error })?;
            self.output.done(format!("{} {} installed as {}", item.spec.name, item.spec.version, target.display()));
            results.push((item.spec.name, Installed::Fresh));
        }
        Ok(results)
    }

    /// What the tools dir holds for `tool` (runs its version command; no network).
    pub async fn found(&self, tool: ToolName) -> Found {
        probe(&self.runner, tool, &self.manifest.install_path(tool)).await
    }

    /// True when the tools dir holds the pinned version; `announce` says so on the output.
    async fn is_current(&self, spec: &ToolSpec, announce: bool) -> bool {
        let path = self.manifest.install_path(spec.name);
        match self.found(spec.name).await {
            Found::Version(v) if v == spec.version => {
                if announce {
                    self.output.done(format!("{} {} already installed ({})", spec.name, spec.version, path.display()));
                }
                true
            }
            Found::Version(v) => {
                if announce {
                    self.output.note(format!("{} is {v}, pinned {}: replacing it", path.display(), spec.version));
                }
                false
            }
            Found::Broken(why) => {
                if announce {
                    self.output.warn(format!("{} does not report its version ({why}): replacing it", path.display()));
                }
                false
            }
            Found::Missing => false,
        }
    }

    /// Downloads, verifies, extracts and chmods one tool into a temp file in the tools dir.
    async fn stage(&self, spec: ToolSpec) -> Result<Staged, InstallError> {
        let dir = &self.manifest.dir;
        let io_error = |error| InstallError::Io { path: dir.clone(), error };
        let download = tempfile::Builder::new()
            .prefix(&format!(".{}-", spec.name))
            .suffix(".download")
            .tempfile_in(dir)
            .map_err(io_error)?
            .into_temp_path();
        let what = format!("{} {}", spec.name, spec.version);
        self.output.step(format!("downloading {what} from {}", spec.url));
        let fetched = self.downloader.fetch(&spec.url, &download, &what).await?;
        if !fetched.sha256.eq_ignore_ascii_case(&spec.sha256) {
            return Err(InstallError::ChecksumMismatch {
                tool: spec.name,
                version: spec.version.clone(),
                url: spec.url.clone(),
                expected: spec.sha256.clone(),
                actual: fetched.sha256,
            });
        }
        self.output.verbose(format!("{what}: sha256 {} verified", fetched.sha256));
        let file = match &spec.archive_path {
            None => download,
            Some(member) => {
                let (tool, url, member, dir) = (spec.name, spec.url.clone(), member.clone(), dir.clone());
                crate::platform::blocking::run(move || extract_member(&download, &member, tool, &url, &dir)).await?
            }
        };
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755))
            .map_err(|error| InstallError::Io { path: file.to_path_buf(), error })?;
        Ok(Staged { spec, file })
    }

    async fn confirm(&self, spec: &ToolSpec, file: &Path) -> Result<(), InstallError> {
        let call =
            ProgramCall::new(file).args(spec.name.version_args().iter().copied()).read_only().timeout(VERSION_TIMEOUT);
        let done = self
            .runner
            .run_async(call)
            .await
            .map_err(|error| InstallError::DoesNotRun { tool: spec.name, error: Box::new(error) })?;
        let text = done.stdout_text();
        match spec.name.parse_version(&text) {
            Some(found) if found == spec.version => Ok(()),
            found => Err(InstallError::WrongVersion {
                tool: spec.name,
                url: spec.url.clone(),
                expected: spec.version.clone(),
                found: found.unwrap_or_else(|| format!("no version ({:?})", text.trim())),
            }),
        }
    }
}

/// The version a tool binary reports, by running its version command through the runner.
pub async fn probe(runner: &Runner, tool: ToolName, path: &Path) -> Found {
    if !path.is_file() {
        return Found::Missing;
    }
    let call = ProgramCall::new(path).args(tool.version_args().iter().copied()).read_only().timeout(VERSION_TIMEOUT);
    match runner.run_async(call).await {
        Ok(done) => {
            let text = done.stdout_text();
            match tool.parse_version(&text) {
                Some(version) => Found::Version(version),
                None => Found::Broken(format!("unexpected output {:?}", text.trim())),
            }
        }
        Err(err) => Found::Broken(err.to_string()),
    }
}

/// Copies the one member of a .tar.gz into a new temp file beside it.
fn extract_member(
    archive: &Path,
    member: &str,
    tool: ToolName,
    url: &str,
    dir: &Path,
) -> Result<TempPath, InstallError> {
    let extract_error = |error| InstallError::Extract { url: url.to_string(), member: member.to_string(), error };
    let file = std::fs::File::open(archive).map_err(extract_error)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    let mut seen = Vec::new();
    for entry in tar.entries().map_err(extract_error)? {
        let mut entry = entry.map_err(extract_error)?;
        let path = entry.path().map_err(extract_error)?.to_string_lossy().into_owned();
        let normalized = path.trim_start_matches("./");
        if normalized == member && entry.header().entry_type().is_file() {
            let mut out = tempfile::Builder::new()
                .prefix(&format!(".{tool}-"))
                .suffix(".extract")
                .tempfile_in(dir)
                .map_err(|error| InstallError::Io { path: dir.to_path_buf(), error })?;
            std::io::copy(&mut entry, out.as_file_mut()).map_err(extract_error)?;
            out.as_file().sync_all().map_err(extract_error)?;
            return Ok(out.into_temp_path());
        }
        if seen.len() < 5 {
            seen.push(path);
        }
    }
    Err(InstallError::MemberMissing {
        tool,
        url: url.to_string(),
        member: member.to_string(),
        entries: seen.join(", "),
    })
}
