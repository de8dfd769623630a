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
