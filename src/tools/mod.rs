//! The pinned tools (k3d, helm, optionally kubectl): the [`manifest`] says what to install, the
//! [`download`]er streams and hashes assets, the [`install`]er verifies and puts them in place under
//! the [`lock`].

pub mod download;
pub mod install;
pub mod lock;
pub mod manifest;

pub use download::{Downloader, RetryPolicy};
pub use install::{Found, InstallError, Installed, Installer, probe};
pub use manifest::{ManifestError, Platform, ToolManifest, ToolName, ToolSpec};

use anyhow::Context as _;

use crate::config::ToolsConfig;
use crate::exit::UsageError;
use crate::platform::output::Output;
use crate::platform::runner::Runner;

/// Installs `specs` (those at their pin already are only version-checked; `force` re-downloads)
/// and says how many were installed fresh.
pub async fn install_specs(
    manifest: ToolManifest,
    specs: &[ToolSpec],
    runner: &Runner,
    output: &Output,
    force: bool,
) -> anyhow::Result<()> {
    let downloader = Downloader::new(output.clone(), RetryPolicy::default())?;
    let installer = Installer::new(manifest, runner.clone(), downloader, force);
    let results = installer.install(specs).await.context("installing the tools failed")?;
    let fresh = results.iter().filter(|(_, r)| *r == Installed::Fresh).count();
    if fresh > 0 {
        output.done(format!("{fresh} tool{} installed", if fresh == 1 { "" } else { "s" }));
    }
    Ok(())
}

/// The specs of `tools` in the `[tools]` manifest (a bad pin is a usage error).
pub fn specs_of(manifest: &ToolManifest, tools: &[ToolName]) -> Result<Vec<ToolSpec>, UsageError> {
    tools.iter().map(|tool| manifest.spec(*tool)).collect::<Result<Vec<_>, _>>().map_err(|e| UsageError(e.to_string()))
}

/// The `[tools]` manifest of the project at `root`.
pub fn manifest(config: &ToolsConfig, root: &std::path::Path) -> Result<ToolManifest, UsageError> {
    ToolManifest::new(config, root).map_err(|e| UsageError(e.to_string()))
}

/// Makes sure `tools` are installed at their pins (what `setup-infra` needs before it starts):
/// those already there are only version-checked, no network.
pub async fn ensure(
    config: &ToolsConfig,
    root: &std::path::Path,
    tools: &[ToolName],
    runner: &Runner,
    output: &Output,
) -> anyhow::Result<()> {
    let manifest = manifest(config, root)?;
    let specs = specs_of(&manifest, tools)?;
    install_specs(manifest, &specs, runner, output, false).await
}
