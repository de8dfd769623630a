//! The Supabase chart checkout under `vendors/`: a git submodule when the project is a git work tree
//! that records one (the gitlink fixes the commit), a plain clone at `chart.rev` otherwise (an
//! unpacked tarball). Already at the right commit means no network. Every git call goes through the
//! runner, so the user's git configuration (`url.<mirror>.insteadOf`, proxies, credentials) applies.

use std::path::{Path, PathBuf};

use crate::config::ChartConfig;
use crate::platform::output::Output;
use crate::platform::runner::{ProgramCall, RunError, Runner};

/// Why the chart could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error(
        "cannot fetch the chart from {url}: {error}\nhint: without access to that host, point git at a mirror: git config --global url.<mirror URL>.insteadOf {url}\nhint: or put a pre-fetched checkout of the chart at {} (e.g. `git clone <mirror or bundle> {}`) and run `ssp fetch-chart` again",
        .checkout.display(), .checkout.display()
    )]
    Unreachable { url: String, checkout: PathBuf, error: Box<RunError> },
    #[error("revision `{rev}` is not in the chart repository {url}\nhint: use a commit, tag or branch of {url} (`git -C {} log --oneline` lists commits)", .checkout.display())]
    UnknownRev { rev: String, url: String, checkout: PathBuf },
    #[error("{} exists but is not a git checkout of the chart\nhint: move it elsewhere (it may hold work of yours) and run `ssp fetch-chart` again", .0.display())]
    NotACheckout(PathBuf),
    #[error(
        "git refuses to use the chart checkout {}: it belongs to another user\n{git_says}\nhint: if you trust that checkout, the command above lets git use it; or give it to yourself: sudo chown -R \"$(id -u):$(id -g)\" {}",
        .dir.display(), .dir.display()
    )]
    DubiousOwnership { dir: PathBuf, git_says: String },
    #[error("git failed in {}: {error}", .dir.display())]
    Git { dir: PathBuf, error: Box<RunError> },
    #[error(
        "chart.repo `{url}` is not a git URL ssp clones: {why}\nhint: set [chart] repo in ssp.toml to an https://, ssh://, git:// or file:// URL, a `user@host:path` address or an absolute path"
    )]
    BadRepoUrl { url: String, why: &'static str },
    #[error(
        "chart revision `{0}` starts with `-`, which git would read as an option\nhint: give a commit, tag or branch name"
    )]
    BadRev(String),
    #[error("{} is missing in the checkout at {commit}\nhint: check chart.path in ssp.toml (it must point at the chart folder inside chart.checkout)", .path.display())]
    NoChartYaml { path: PathBuf, commit: String },
}

/// How the checkout is managed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A submodule of the project's git work tree: `gitlink` is the commit the superproject records.
    Submodule { gitlink: String, url: String },
    /// A plain clone of `chart.repo` (no git work tree, or one that records no submodule there).
    Clone,
}

/// The chart once it is there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartReady {
    pub name: String,
    pub version: String,
    pub commit: String,
    /// False when the checkout was already at the commit (nothing fetched or checked out).
    pub changed: bool,
}

/// What [`ChartCheckout::ensure`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChartOutcome {
    Ready(ChartReady),
    /// `--dry-run`: the git commands that would run were printed.
    DryRun,
}

/// The chart checkout of one project.
pub struct ChartCheckout {
    root: PathBuf,
    /// Relative to the project root, as configured.
    checkout_rel: PathBuf,
    checkout: PathBuf,
    chart_dir: PathBuf,
    repo: String,
    pinned: String,
    runner: Runner,
    output: Output,
}

impl ChartCheckout {
    pub fn new(root: &Path, chart: &ChartConfig, runner: Runner) -> ChartCheckout {
        let output = runner.output().clone();
        ChartCheckout {
            root: root.to_path_buf(),
            checkout_rel: chart.checkout.clone(),
            checkout: root.join(&chart.checkout),
            chart_dir: root.join(&chart.path),
            repo: chart.repo.clone(),
            pinned: chart.rev.clone(),
            runner,
            output,
        }
    }

    /// Brings the checkout to `rev` (default: the gitlink, or `chart.rev` for a clone) and reads the
    /// chart's name and version. Blocking: call from a blocking thread.
    pub fn ensure(&self, rev: Option<&str>) -> Result<ChartOutcome, ChartError> {
        self.check_ownership()?;
        let mode = self.mode()?;
        let url = match &mode {
            Mode::Submodule { url, .. } => url.clone(),
            Mode::Clone => self.repo.clone(),
        };
        let wanted = match (&mode, rev) {
            (_, Some(rev)) => rev.to_string(),
            (Mode::Submodule { gitlink, .. }, None) => gitlink.clone(),
            (Mode::Clone, None) => self.pinned.clone(),
        };
        if wanted.starts_with('-') {
            return Err(ChartError::BadRev(wanted));
        }
        if let Mode::Submodule { gitlink, .. } = &mode
            && rev.is_none()
            && !gitlink.starts_with(&self.pinned)
        {
            self.output.warn(format!(
                "the gitlink of {} records {}, but chart.rev is {}; using the gitlink",
                self.checkout_rel.display(),
                short(gitlink),
                short(&self.pinned)
            ));
        }

        // Already there: no network.
        if let Some(head) = self.head()
            && self.resolve_local(&wanted).as_deref() == Some(head.as_str())
        {
            let named = if head.starts_with(&wanted) { String::new() } else { format!(" ({wanted})") };
            self.output.done(format!(
                "{} is already at {}{named}; nothing fetched",
                self.checkout_rel.display(),
                short(&head)
            ));
            return self.ready(head, false).map(ChartOutcome::Ready);
        }

        match &mode {
            Mode::Submodule { gitlink, .. } => {
                if self.head().is_none() || rev.is_none() {
                    self.output.step(format!("initialising submodule {} from {url}", self.checkout_rel.display()));
                    let call = self
                        .git(&self.root)
                        .args(["submodule", "update", "--init", "--"])
                        .arg(self.checkout_rel.as_os_str());
                    self.network(call, &url)?;
                    if self.runner.dry_run() {
                        return Ok(ChartOutcome::DryRun);
                    }
                }
                if rev.is_some() {
                    let commit = self.checkout_rev(&wanted, &url)?;
                    if commit.is_none() {
                        return Ok(ChartOutcome::DryRun);
                    }
                }
                let head = self.head().unwrap_or_default();
                if !head.is_empty() && head != *gitlink {
                    self.output.warn(format!(
                        "{} is now at {}, but the project's gitlink records {}; `git add {}` makes it the new pin",
                        self.checkout_rel.display(),
                        short(&head),
                        short(gitlink),
                        self.checkout_rel.display()
                    ));
                }
                self.ready(head, true).map(ChartOutcome::Ready)
            }
            Mode::Clone => {
                if self.head().is_none() {
                    let occupied = std::fs::read_dir(&self.checkout).is_ok_and(|mut d| d.next().is_some());
                    if occupied {
                        return Err(ChartError::NotACheckout(self.checkout.clone()));
                    }
                    self.output.step(format!("cloning {url} into {}", self.checkout_rel.display()));
                    check_repo_url(&url)?;
                    // `--` ends the options: a URL such as `--upload-pack=…` is never read as one.
                    let call = self
                        .git(&self.root)
                        .args(["clone", "--quiet", "--no-checkout", "--", &url])
                        .arg(self.checkout.as_os_str());
                    self.network(call, &url)?;
                }
                match self.checkout_rev(&wanted, &url)? {
                    Some(commit) => self.ready(commit, true).map(ChartOutcome::Ready),
                    None => Ok(ChartOutcome::DryRun),
                }
            }
        }
    }

    /// Submodule when the project is a git work tree whose index has a gitlink at the checkout path.
    pub fn mode(&self) -> Result<Mode, ChartError> {
        let top = self.git(&self.root).args(["rev-parse", "--show-toplevel"]).read_only();
        let Ok(top) = self.runner.run(&top) else { return Ok(Mode::Clone) };
        let top = PathBuf::from(top.stdout_text().trim());
        let listed =
            self.git(&self.root).args(["ls-files", "--stage", "--"]).arg(self.checkout_rel.as_os_str()).read_only();
        let listed = self
            .runner
            .run(&listed)
            .map_err(|error| ChartError::Git { dir: self.root.clone(), error: Box::new(error) })?;
        let text = listed.stdout_text();
        let gitlink = text.lines().find_map(|line| {
            let mut fields = line.split_whitespace();
            (fields.next() == Some("160000")).then(|| fields.next().map(str::to_string)).flatten()
        });
        let Some(gitlink) = gitlink else { return Ok(Mode::Clone) };
        let url = self.submodule_url(&top).unwrap_or_else(|| self.repo.clone());
        Ok(Mode::Submodule { gitlink, url })
    }

    /// The URL `.gitmodules` gives the submodule at the checkout path.
    fn submodule_url(&self, top: &Path) -> Option<String> {
        let gitmodules = top.join(".gitmodules");
        let root = self.root.canonicalize().ok()?;
        let top = top.canonicalize().ok()?;
        let relative = root.join(&self.checkout_rel).strip_prefix(&top).ok()?.to_string_lossy().into_owned();
        let call = ProgramCall::new("git")
            .args(["config", "--file"])
            .arg(&gitmodules)
            .args(["--get-regexp", r"^submodule\..*\.path$"])
            .read_only();
        let paths = self.runner.run(&call).ok()?.stdout_text();
        let name = paths.lines().find_map(|line| {
            let (key, path) = line.split_once(' ')?;
            (path.trim() == relative)
                .then(|| key.strip_prefix("submodule.")?.strip_suffix(".path").map(str::to_string))?
        })?;
        let call = ProgramCall::new("git")
            .args(["config", "--file"])
            .arg(&gitmodules)
            .arg("--get")
            .arg(format!("submodule.{name}.url"))
            .read_only();
        let url = self.runner.run(&call).ok()?.stdout_text().trim().to_string();
        (!url.is_empty()).then_some(url)
    }

    /// A checkout owned by another user: git refuses every command in it ("dubious ownership",
    /// CVE-2022-24765), which would otherwise look like "not a checkout" or a failed fetch. Its
    /// message, with the `safe.directory` command, is passed on.
    fn check_ownership(&self) -> Result<(), ChartError> {
        if !self.checkout.join(".git").exists() {
            return Ok(());
        }
        let call = self.git(&self.checkout).args(["rev-parse", "--git-dir"]).read_only();
        let Ok(done) = self.runner.run_unchecked(&call) else { return Ok(()) };
        let stderr = String::from_utf8_lossy(&done.stderr);
        if done.success() || !stderr.contains("dubious ownership") {
            return Ok(());
        }
        let git_says = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n  ");
        Err(ChartError::DubiousOwnership { dir: self.checkout.clone(), git_says: format!("  {git_says}") })
    }

    /// HEAD of the checkout, when it is a git repository of its own.
    fn head(&self) -> Option<String> {
        if !self.checkout.join(".git").exists() {
            return None; // an empty submodule folder: rev-parse would answer for the superproject
        }
        let call = self.git(&self.checkout).args(["rev-parse", "--verify", "--quiet", "HEAD"]).read_only();
        let head = self.runner.run(&call).ok()?.stdout_text().trim().to_string();
        (!head.is_empty()).then_some(head)
    }

    /// `rev` as a commit id, from what the checkout already has.
    fn resolve_local(&self, rev: &str) -> Option<String> {
        if !self.checkout.join(".git").exists() {
            return None;
        }
        let call = self
            .git(&self.checkout)
            .args(["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
            .read_only();
        let commit = self.runner.run(&call).ok()?.stdout_text().trim().to_string();
        (!commit.is_empty()).then_some(commit)
    }

    /// Checks out `rev` in the checkout, fetching only when it is not there yet. `None` under
    /// `--dry-run` once a fetch would be needed.
    fn checkout_rev(&self, rev: &str, url: &str) -> Result<Option<String>, ChartError> {
        let commit = match self.resolve_local(rev) {
            Some(commit) => commit,
            None if self.runner.dry_run() && !self.checkout.join(".git").exists() => {
                self.runner
                    .run(&self.git(&self.checkout).args(["checkout", "--quiet", "--detach", rev]))
                    .map_err(|error| ChartError::Git { dir: self.checkout.clone(), error: Box::new(error) })?;
                return Ok(None);
            }
            None => {
                self.output.step(format!("fetching {rev} from {url}"));
                self.network(self.git(&self.checkout).args(["fetch", "--quiet", "--tags", "origin"]), url)?;
                if self.runner.dry_run() {
                    return Ok(None);
                }
                if self.resolve_local(rev).is_none() {
                    // A commit no branch or tag points at: ask for it by name (servers may refuse).
                    let by_name = self.git(&self.checkout).args(["fetch", "--quiet", "origin", rev]);
                    let _ = self.runner.run(&by_name);
                }
                self.resolve_local(rev).ok_or_else(|| ChartError::UnknownRev {
                    rev: rev.to_string(),
                    url: url.to_string(),
                    checkout: self.checkout.clone(),
                })?
            }
        };
        let call = self.git(&self.checkout).args(["checkout", "--quiet", "--detach", &commit]);
        self.runner
            .run(&call)
            .map_err(|error| ChartError::Git { dir: self.checkout.clone(), error: Box::new(error) })?;
        if self.runner.dry_run() {
            return Ok(None);
        }
        self.output.done(format!("{} checked out at {} ({rev})", self.checkout_rel.display(), short(&commit)));
        Ok(Some(commit))
    }

    /// A git call that talks to the remote: a failure names the URL and the ways around it.
    fn network(&self, call: ProgramCall, url: &str) -> Result<(), ChartError> {
        self.runner.run(&call).map(|_| ()).map_err(|error| ChartError::Unreachable {
            url: url.to_string(),
            checkout: self.checkout_rel.clone(),
            error: Box::new(error),
        })
    }

    fn git(&self, dir: &Path) -> ProgramCall {
        // Never wait for a password prompt nobody will answer.
        ProgramCall::new("git").arg("-C").arg(dir).env("GIT_TERMINAL_PROMPT", "0")
    }

    fn ready(&self, commit: String, changed: bool) -> Result<ChartReady, ChartError> {
        let chart_yaml = self.chart_dir.join("Chart.yaml");
        let text = std::fs::read_to_string(&chart_yaml)
            .map_err(|_| ChartError::NoChartYaml { path: chart_yaml.clone(), commit: short(&commit).to_string() })?;
        let (name, version) = chart_identity(&text);
        Ok(ChartReady { name, version, commit, changed })
    }
}

/// The checkout at `rev` (default: the pin), made or confirmed, and said: `chart NAME VERSION at
/// PATH (COMMIT)`. Shared by `fetch-chart`, `install-tools` (which ends by fetching the chart) and
/// `setup-infra`.
pub async fn fetch(
    root: &Path,
    chart: &ChartConfig,
    runner: &Runner,
    output: &Output,
    rev: Option<String>,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let checkout = ChartCheckout::new(root, chart, runner.clone());
    let outcome = crate::platform::blocking::run(move || checkout.ensure(rev.as_deref()))
        .await
        .context("the chart is not ready")?;
    match outcome {
        ChartOutcome::Ready(ready) => output.done(format!(
            "chart {} {} at {} ({})",
            ready.name,
            ready.version,
            chart.path.display(),
            &ready.commit[..ready.commit.len().min(12)]
        )),
        ChartOutcome::DryRun => output.note(format!("dry run: would confirm {}/Chart.yaml", chart.path.display())),
    }
    Ok(())
}

/// Accepts the URL forms git clones over a transport ssp expects for a chart: `https://`, `http://`,
/// `ssh://`, `git://`, `file://`, scp-like `user@host:path`, or a local absolute path. Anything
/// starting with `-` (an option in disguise) and git's `<transport>::<address>` remote helpers
/// (`ext::sh -c …` runs a command) are refused.
pub fn check_repo_url(url: &str) -> Result<(), ChartError> {
    let bad = |why| Err(ChartError::BadRepoUrl { url: url.to_string(), why });
    if url.is_empty() {
        return bad("it is empty");
    }
    if url.starts_with('-') {
        return bad("it starts with `-`, which git would read as an option");
    }
    if url.chars().any(|c| c.is_control()) {
        return bad("it holds control characters");
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        return match scheme.to_ascii_lowercase().as_str() {
            "https" | "http" | "ssh" | "git" | "file" | "git+ssh" | "ssh+git" if !rest.is_empty() => Ok(()),
            "https" | "http" | "ssh" | "git" | "file" | "git+ssh" | "ssh+git" => bad("it names no host or path"),
            _ => bad("its scheme is not one of https, http, ssh, git, file"),
        };
    }
    if url.contains("::") {
        return bad("git would run a remote helper for `<transport>::<address>`");
    }
    if url.starts_with('/') {
        return Ok(());
    }
    // scp-like `[user@]host:path`: a colon before any slash.
    match url.split_once(':') {
        Some((host, path)) if !host.is_empty() && !host.contains('/') && !path.is_empty() => Ok(()),
        _ => bad("it is neither a URL nor a `user@host:path` address nor an absolute path"),
    }
}

/// `name:` and `version:` at the top level of a Chart.yaml.
pub fn chart_identity(text: &str) -> (String, String) {
    let field = |key: &str| {
        text.lines()
            .find_map(|line| {
                line.strip_prefix(key)?.strip_prefix(':').map(|v| v.trim().trim_matches(['"', '\'']).to_string())
            })
            .unwrap_or_else(|| "?".to_string())
    };
    (field("name"), field("version"))
}

fn short(rev: &str) -> &str {
    &rev[..rev.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_urls_git_would_read_as_options_or_helpers_are_refused() {
        for good in [
            "https://github.com/supabase-community/supabase-kubernetes",
            "ssh://git@github.com/x/y.git",
            "git@github.com:x/y.git",
            "file:///srv/mirror/chart.git",
            "/srv/mirror/chart.bundle",
        ] {
            assert!(check_repo_url(good).is_ok(), "{good}");
        }
        for bad in [
            "--upload-pack=touch /tmp/pwned",
            "-u",
            "ext::sh -c touch% /tmp/pwned",
            "fd::17",
            "gopher://example.com/x",
            "relative/path",
            "",
        ] {
            let err = check_repo_url(bad).unwrap_err().to_string();
            assert!(err.starts_with("chart.repo `"), "{bad}: {err}");
            assert!(err.contains("hint: set [chart] repo in ssp.toml"), "{err}");
        }
    }

    #[test]
    fn chart_yaml_name_and_version() {
        let text =
            "apiVersion: v2\nname: supabase\n# version: no\nversion: 0.1.2\nappVersion: \"1.0\"\n  name: nested\n";
        assert_eq!(chart_identity(text), ("supabase".to_string(), "0.1.2".to_string()));
    }
}
