//! The tool manifest: which tools ssp installs, at which version, from where, and the SHA-256 each
//! asset must have on this platform. Built from `[tools]` in the configuration.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::{ToolConfig, ToolsConfig};

/// A tool ssp knows how to install and ask for its version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum ToolName {
    K3d,
    Helm,
    Kubectl,
}

impl ToolName {
    pub const ALL: [ToolName; 3] = [ToolName::K3d, ToolName::Helm, ToolName::Kubectl];

    pub fn as_str(self) -> &'static str {
        match self {
            ToolName::K3d => "k3d",
            ToolName::Helm => "helm",
            ToolName::Kubectl => "kubectl",
        }
    }

    /// The arguments that make the tool print its version.
    pub fn version_args(self) -> &'static [&'static str] {
        match self {
            ToolName::K3d => &["version"],
            ToolName::Helm => &["version", "--template", "{{.Version}}"],
            ToolName::Kubectl => &["version", "--client", "-o", "json"],
        }
    }

    /// The version in the output of [`ToolName::version_args`]: `k3d version v5.8.3` (first line),
    /// `v3.19.0`, or kubectl's `{"clientVersion": {"gitVersion": "v1.34.3", …}}`.
    pub fn parse_version(self, stdout: &str) -> Option<String> {
        match self {
            ToolName::K3d => {
                let line = stdout.lines().next()?.trim();
                let version = line.strip_prefix("k3d version ")?.trim();
                (version.starts_with('v') && !version.contains(char::is_whitespace)).then(|| version.to_string())
            }
            ToolName::Helm => {
                let first = stdout.split_whitespace().next()?;
                // `--short` style `v3.19.0+g3d8990f` is accepted too.
                let version = first.split('+').next()?;
                version.starts_with('v').then(|| version.to_string())
            }
            ToolName::Kubectl => {
                let json: serde_json::Value = serde_json::from_str(stdout).ok()?;
                json["clientVersion"]["gitVersion"].as_str().map(str::to_string)
            }
        }
    }

    fn config(self, tools: &ToolsConfig) -> &ToolConfig {
        match self {
            ToolName::K3d => &tools.k3d,
            ToolName::Helm => &tools.helm,
            ToolName::Kubectl => &tools.kubectl,
        }
    }
}

impl fmt::Display for ToolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `{os}-{arch}` pair in the vocabulary of the release assets (`linux-amd64`, `darwin-arm64`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub arch: String,
}

impl Platform {
    /// This machine, mapped to the assets' names; an error for an OS or CPU the tools don't ship for.
    pub fn host() -> Result<Platform, ManifestError> {
        Self::from_rust(std::env::consts::OS, std::env::consts::ARCH)
    }

    fn from_rust(os: &str, arch: &str) -> Result<Platform, ManifestError> {
        let mapped_os = match os {
            "linux" => Some("linux"),
            "macos" => Some("darwin"),
            _ => None,
        };
        let mapped_arch = match arch {
            "x86_64" => Some("amd64"),
            "aarch64" => Some("arm64"),
            _ => None,
        };
        match (mapped_os, mapped_arch) {
            (Some(os), Some(arch)) => Ok(Platform { os: os.to_string(), arch: arch.to_string() }),
            _ => Err(ManifestError::UnknownHost { os: os.to_string(), arch: arch.to_string() }),
        }
    }

    /// `tools.platform` when set, else this machine.
    pub fn resolve(configured: &str) -> Result<Platform, ManifestError> {
        let configured = configured.trim();
        if configured.is_empty() {
            return Self::host();
        }
        match configured.split_once('-') {
            Some((os, arch)) if !os.is_empty() && !arch.is_empty() && !arch.contains('-') => {
                Ok(Platform { os: os.to_string(), arch: arch.to_string() })
            }
            _ => Err(ManifestError::BadPlatform(configured.to_string())),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.os, self.arch)
    }
}

/// Why the manifest cannot say what to install. Configuration problems: exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error(
        "this machine ({os}/{arch}) is not a platform ssp has pinned tools for\nhint: set `[tools] platform = \"<os>-<arch>\"` in ssp.toml and add the SHA-256 of each tool's asset for it, e.g. `[tools.k3d] sha256 = {{ \"<os>-<arch>\" = \"…\" }}`"
    )]
    UnknownHost { os: String, arch: String },
    #[error(
        "`tools.platform` = {0:?} is not of the form <os>-<arch>\nhint: use the names of the release assets, e.g. \"linux-amd64\" or \"darwin-arm64\", or leave it empty for this machine"
    )]
    BadPlatform(String),
    #[error(
        "{tool} {version} has no pinned SHA-256 for platform {platform}\nhint: add it to ssp.toml: [tools.{tool}] sha256 = {{ \"{platform}\" = \"<sha256 of {url}>\" }}"
    )]
    NoChecksum { tool: ToolName, version: String, platform: Platform, url: String },
}

/// One tool, resolved for a platform: what to fetch and what it must hash to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolSpec {
    pub name: ToolName,
    pub version: String,
    /// The download URL, mirror applied.
    pub url: String,
    /// Lower-case hex SHA-256 of the asset.
    pub sha256: String,
    /// The member to extract from a .tar.gz asset; `None` for a raw binary.
    pub archive_path: Option<String>,
}

/// The configured tools for one platform.
#[derive(Clone, Debug)]
pub struct ToolManifest {
    tools: ToolsConfig,
    pub platform: Platform,
    /// Absolute tools dir.
    pub dir: PathBuf,
}

impl ToolManifest {
    /// `root` is the project root (the tools dir is relative to it).
    pub fn new(tools: &ToolsConfig, root: &Path) -> Result<ToolManifest, ManifestError> {
        let platform = Platform::resolve(&tools.platform)?;
        Ok(ToolManifest { tools: tools.clone(), platform, dir: root.join(&tools.dir) })
    }

    /// The tools installed when none is named: those with `enabled = true`.
    pub fn enabled(&self) -> Vec<ToolName> {
        ToolName::ALL.into_iter().filter(|t| t.config(&self.tools).enabled).collect()
    }

    /// The pinned version of a tool (for checks that need no URL or checksum).
    pub fn version(&self, tool: ToolName) -> &str {
        &tool.config(&self.tools).version
    }

    /// Where the tool lives once installed.
    pub fn install_path(&self, tool: ToolName) -> PathBuf {
        self.dir.join(tool.as_str())
    }

    /// The tool resolved for this manifest's platform.
    pub fn spec(&self, tool: ToolName) -> Result<ToolSpec, ManifestError> {
        let config = tool.config(&self.tools);
        let fill = |template: &str| {
            template
                .replace("{version}", &config.version)
                .replace("{os}", &self.platform.os)
                .replace("{arch}", &self.platform.arch)
        };
        let url = apply_mirror(&fill(&config.url), &self.tools.mirror);
        let key = self.platform.to_string();
        let Some(sha256) = config.sha256.get(&key) else {
            return Err(ManifestError::NoChecksum {
                tool,
                version: config.version.clone(),
                platform: self.platform.clone(),
                url,
            });
        };
        let archive_path = (!config.archive_path.trim().is_empty()).then(|| fill(config.archive_path.trim()));
        Ok(ToolSpec {
            name: tool,
            version: config.version.clone(),
            url,
            sha256: sha256.to_ascii_lowercase(),
            archive_path,
        })
    }
}

/// Replaces `scheme://host[:port]` of `url` with `mirror` (which may carry a path prefix).
pub fn apply_mirror(url: &str, mirror: &str) -> String {
    let mirror = mirror.trim().trim_end_matches('/');
    if mirror.is_empty() {
        return url.to_string();
    }
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let after = &url[scheme_end + 3..];
    let path = after.find('/').map(|i| &after[i..]).unwrap_or("/");
    format!("{mirror}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_layers;

    fn manifest(platform: &str, mirror: &str) -> ToolManifest {
        let project = load_layers(Path::new("/p"), None, None, &[], &|_| None).unwrap();
        let mut tools = project.config.tools;
        tools.platform = platform.to_string();
        tools.mirror = mirror.to_string();
        ToolManifest::new(&tools, Path::new("/p")).unwrap()
    }

    #[test]
    fn defaults_resolve_to_the_researched_pins() {
        let m = manifest("linux-amd64", "");
        let k3d = m.spec(ToolName::K3d).unwrap();
        assert_eq!(k3d.url, "https://github.com/k3d-io/k3d/releases/download/v5.8.3/k3d-linux-amd64");
        assert_eq!(k3d.sha256, "dbaa79a76ace7f4ca230a1ff41dc7d8a5036a8ad0309e9c54f9bf3836dbe853e");
        assert_eq!(k3d.archive_path, None);
        let helm = manifest("darwin-arm64", "").spec(ToolName::Helm).unwrap();
        assert_eq!(helm.url, "https://get.helm.sh/helm-v3.19.0-darwin-arm64.tar.gz");
        assert_eq!(helm.archive_path.as_deref(), Some("darwin-arm64/helm"));
        assert_eq!(helm.sha256, "31513e1193da4eb4ae042eb5f98ef9aca7890cfa136f4707c8d4f70e2115bef6");
        let kubectl = m.spec(ToolName::Kubectl).unwrap();
        assert_eq!(kubectl.url, "https://dl.k8s.io/release/v1.34.3/bin/linux/amd64/kubectl");
        assert_eq!(m.enabled(), vec![ToolName::K3d, ToolName::Helm]);
        assert_eq!(m.install_path(ToolName::Helm), Path::new("/p/.ssp/bin/helm"));
    }

    #[test]
    fn mirror_replaces_scheme_and_host_only() {
        let url = "https://github.com/k3d-io/k3d/releases/download/v5.8.3/k3d-linux-amd64";
        assert_eq!(apply_mirror(url, ""), url);
        assert_eq!(
            apply_mirror(url, "http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/k3d-io/k3d/releases/download/v5.8.3/k3d-linux-amd64"
        );
        assert_eq!(
            apply_mirror("https://get.helm.sh/helm-v3.19.0-linux-amd64.tar.gz", "https://m.example/helm"),
            "https://m.example/helm/helm-v3.19.0-linux-amd64.tar.gz"
        );
    }

    #[test]
    fn unknown_platforms_name_the_platform_and_the_key() {
        let err = manifest("freebsd-riscv64", "").spec(ToolName::K3d).unwrap_err().to_string();
        assert!(err.contains("k3d v5.8.3 has no pinned SHA-256 for platform freebsd-riscv64"), "{err}");
        assert!(err.contains("[tools.k3d] sha256 = { \"freebsd-riscv64\" = "), "{err}");
        let err = Platform::from_rust("windows", "x86_64").unwrap_err().to_string();
        assert!(err.contains("windows/x86_64") && err.contains("[tools] platform"), "{err}");
        assert!(matches!(Platform::resolve("linux"), Err(ManifestError::BadPlatform(_))));
        assert_eq!(Platform::from_rust("macos", "aarch64").unwrap().to_string(), "darwin-arm64");
    }

    #[test]
    fn version_lines_parse() {
        assert_eq!(
            ToolName::K3d.parse_version("k3d version v5.8.3\nk3s version v1.31.5-k3s1 (default)\n").as_deref(),
            Some("v5.8.3")
        );
        assert_eq!(ToolName::Helm.parse_version("v3.19.0").as_deref(), Some("v3.19.0"));
        assert_eq!(ToolName::Helm.parse_version("v3.19.0+g3d8990f\n").as_deref(), Some("v3.19.0"));
        assert_eq!(
            ToolName::Kubectl
                .parse_version(r#"{"clientVersion":{"gitVersion":"v1.34.3"},"kustomizeVersion":"v5.7.1"}"#)
                .as_deref(),
            Some("v1.34.3")
        );
        assert_eq!(ToolName::K3d.parse_version("garbage"), None);
    }
}
