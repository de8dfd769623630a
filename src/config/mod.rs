//! The one typed configuration every command uses, and where each value came from.
//!
//! Layers, lowest first: the embedded `defaults.toml` (parsed by the same code as user files),
//! `ssp.toml` at the project root, `--config FILE`, `SSP_<SECTION>_<KEY>` environment variables,
//! command-line flags. Paths in the configuration are relative to the project root.

mod layers;
mod project;
mod render;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use layers::{FlagOverride, LineIndex, Origin, Origins, Pos, env_var_for, leaf_keys};
pub use project::{ProjectRoot, find_project_root};

use layers::{Layer, Merged, parse_env_value, parse_layer};

/// The embedded defaults: the Support Sphere layout.
pub const DEFAULTS_TOML: &str = include_str!("defaults.toml");

/// The file name that marks a project root and holds its settings.
pub const PROJECT_FILE: &str = "ssp.toml";

/// The resolved configuration.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub cluster: ClusterConfig,
    pub chart: ChartConfig,
    pub values: ValuesConfig,
    pub registry: RegistryConfig,
    pub images: ImagesConfig,
    pub tools: ToolsConfig,
    pub seed: SeedConfig,
}

/// `[cluster]`: the Kubernetes cluster ssp deploys to.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    pub name: String,
    pub provider: Provider,
    pub context: String,
    pub ports: Vec<PortMapping>,
    pub k3s_image: String,
    pub update_kubeconfig: bool,
}

/// The kube context k3d gives cluster `name` (its kubeconfig's context, user and cluster entry).
pub fn k3d_context(name: &str) -> String {
    format!("k3d-{name}")
}

impl ClusterConfig {
    /// The kube context ssp talks to: `k3d-<name>` for k3d, `context` for an existing cluster.
    pub fn kube_context(&self) -> String {
        match self.provider {
            Provider::K3d => k3d_context(&self.name),
            Provider::Existing => self.context.clone(),
        }
    }
}

/// Who manages the cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// A local k3d cluster that ssp creates.
    K3d,
    /// A cluster that already exists, reached through `cluster.context`.
    Existing,
}

/// `[chart]`: the Supabase Helm chart and the release made from it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChartConfig {
    pub path: PathBuf,
    pub checkout: PathBuf,
    pub repo: String,
    pub rev: String,
    pub release: String,
    pub namespace: String,
}

/// `[values]`: a values file per environment.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ValuesConfig {
    pub dev: PathBuf,
    pub cloud: PathBuf,
}

/// `[registry]`: the image registry `SSP_REGISTRY_USER` / `SSP_REGISTRY_TOKEN` belong to.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryConfig {
    /// The only host the environment credentials are given to (`ghcr.io`).
    pub host: String,
}

/// `[images]`: the release's images kept across cluster re-creation.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImagesConfig {
    /// `setup-infra` pulls the release's images into the host's Docker and imports into the k3d
    /// cluster what its nodes lack, before the helm install (what `ssp images pull` does).
    pub preload: bool,
}

/// `[tools]`: where pinned tools are installed.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ToolsConfig {
    pub dir: PathBuf,
    pub mirror: String,
    /// `{os}-{arch}`; empty means this machine.
    pub platform: String,
    pub k3d: ToolConfig,
    pub helm: ToolConfig,
    pub kubectl: ToolConfig,
}

/// `[tools.<name>]`: one pinned tool.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ToolConfig {
    /// Installed when `install-tools` names no tool.
    pub enabled: bool,
    pub version: String,
    /// URL template: `{version}`, `{os}`, `{arch}`.
    pub url: String,
    /// The member to extract from a .tar.gz asset (same placeholders); empty for a raw binary.
    pub archive_path: String,
    /// SHA-256 of the asset per `{os}-{arch}`.
    pub sha256: std::collections::BTreeMap<String, String>,
}

/// `[seed]`: the populate-db image and Job.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedConfig {
    pub dockerfile: PathBuf,
    pub context: PathBuf,
    pub image: String,
    pub job: PathBuf,
    pub configmap: String,
    pub build: bool,
    /// A duration such as `10m` or `90s`.
    pub timeout: String,
    pub build_args: std::collections::BTreeMap<String, String>,
    pub configmap_data: std::collections::BTreeMap<String, String>,
}

impl SeedConfig {
    /// `timeout` as a duration (checked by [`crate::platform::duration::parse`] when the configuration loads).
    pub fn timeout(&self) -> std::time::Duration {
        crate::platform::duration::parse(&self.timeout).unwrap_or(std::time::Duration::from_secs(600))
    }
}

/// A k3d port mapping `[IP:]HOST:CONTAINER[/PROTOCOL][@NODEFILTER]`, e.g. `80:80@loadbalancer`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct PortMapping {
    pub host_ip: Option<String>,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: Option<String>,
    pub node_filter: Option<String>,
}

impl PortMapping {
    /// The host address the port is published on: the given host IP, else loopback. A mapping
    /// without an IP never opens the port to the network; `0.0.0.0:80:80` does so on purpose.
    pub fn bind_ip(&self) -> std::net::IpAddr {
        self.host_ip
            .as_deref()
            .and_then(|ip| ip.trim_start_matches('[').trim_end_matches(']').parse().ok())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
    }

    /// True when the port answers beyond this machine (any host IP but a loopback one).
    pub fn beyond_loopback(&self) -> bool {
        !self.bind_ip().is_loopback()
    }
}

impl FromStr for PortMapping {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            format!(
                "bad port mapping {s:?}: {why}; expected HOST:CONTAINER[@NODEFILTER], e.g. \"8080:80@loadbalancer\""
            )
        };
        let (ports, node_filter) = match s.split_once('@') {
            Some((p, f)) if !f.is_empty() => (p, Some(f.to_string())),
            Some(_) => return Err(bad("empty node filter after `@`")),
            None => (s, None),
        };
        let (ports, protocol) = match ports.split_once('/') {
            Some((p, proto @ ("tcp" | "udp" | "sctp"))) => (p, Some(proto.to_string())),
            Some((_, proto)) => return Err(bad(&format!("unknown protocol `{proto}`"))),
            None => (ports, None),
        };
        let parts: Vec<&str> = ports.split(':').collect();
        let (host_ip, host, container) = match parts.as_slice() {
            [host, container] => (None, *host, *container),
            [ip, host, container] => (Some(ip.to_string()), *host, *container),
            _ => return Err(bad("a host port and a container port are needed")),
        };
        let port = |p: &str, which: &str| -> Result<u16, String> {
            match p.parse::<u16>() {
                Ok(0) | Err(_) => Err(bad(&format!("{which} port `{p}` is not a number from 1 to 65535"))),
                Ok(n) => Ok(n),
            }
        };
        Ok(PortMapping {
            host_ip,
            host_port: port(host, "host")?,
            container_port: port(container, "container")?,
            protocol,
            node_filter,
        })
    }
}

impl TryFrom<String> for PortMapping {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<PortMapping> for String {
    fn from(p: PortMapping) -> String {
        p.to_string()
    }
}

impl fmt::Display for PortMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ip) = &self.host_ip {
            write!(f, "{ip}:")?;
        }
        write!(f, "{}:{}", self.host_port, self.container_port)?;
        if let Some(proto) = &self.protocol {
            write!(f, "/{proto}")?;
        }
        if let Some(filter) = &self.node_filter {
            write!(f, "@{filter}")?;
        }
        Ok(())
    }
}

/// Why the configuration could not be loaded. All of these exit with status 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no project found: neither {PROJECT_FILE} nor a deployment/ folder in {} or any folder above it\nhint: run ssp inside the Support Sphere repository, or pass -C <project dir>",
        .start.display()
    )]
    NoProject { start: PathBuf },
    #[error("{message}")]
    UnsafeProjectFile { path: PathBuf, message: String },
    #[error("project directory {} (from -C) does not exist or is not a folder", .0.display())]
    ProjectDirMissing(PathBuf),
    // `error`, not `source`: the message already ends with it, and a `source` would print it twice.
    #[error("cannot read config file {}: {error}\nhint: check the path given to --config", .path.display())]
    Read { path: PathBuf, error: std::io::Error },
    #[error("{}:{}:{}: the file is not valid UTF-8\nhint: save it as UTF-8 text", .path.display(), .pos.line, .pos.column)]
    NotUtf8 { path: PathBuf, pos: Pos },
    #[error("{}: the file is empty\nhint: add settings to it (see `ssp config` for every key) or drop --config", .path.display())]
    Empty { path: PathBuf },
    #[error("{}:{}:{}: invalid TOML: {message}", .path.display(), .pos.line, .pos.column)]
    Syntax { path: PathBuf, pos: Pos, message: String },
    #[error("{location}: unknown key `{key}`{}", suggestion_hint(.suggestion))]
    UnknownKey { location: String, key: String, suggestion: Option<String> },
    #[error("{location}: `{key}`: {message}")]
    Invalid { location: String, key: String, message: String },
}

fn suggestion_hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!("\nhint: did you mean `{s}`?"),
        None => "\nhint: `ssp config` lists every key ssp knows".to_string(),
    }
}

/// What the loader needs besides the files.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `-C`: the project root, taken as given.
    pub project_dir: Option<PathBuf>,
    /// `--config FILE`, applied over `ssp.toml`.
    pub config_file: Option<PathBuf>,
    /// Values set by flags (highest layer).
    pub overrides: Vec<FlagOverride>,
}

/// A loaded project: its root, its configuration and where each value came from.
#[derive(Clone, Debug)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    /// The resolved values as a TOML table (what `ssp config` prints).
    pub table: toml::Table,
    pub origins: Origins,
    /// Things that did not stop the load but are probably mistakes (a misspelled `SSP_` variable,
    /// an `ssp.toml` that is a folder), for the command to show as warnings.
    pub warnings: Vec<String>,
}

impl Project {
    /// Finds the project root from the working directory (or `-C`) and loads every layer.
    pub fn load(options: &LoadOptions) -> Result<Project, ConfigError> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let root = match &options.project_dir {
            Some(dir) => {
                let dir = cwd.join(dir);
                if !dir.is_dir() {
                    return Err(ConfigError::ProjectDirMissing(dir));
                }
                ProjectRoot { dir: dir.canonicalize().unwrap_or(dir), has_project_file: false }
            }
            None => find_project_root(&cwd).ok_or(ConfigError::NoProject { start: cwd.clone() })?,
        };
        let project_file = root.dir.join(PROJECT_FILE);
        let mut warnings = Vec::new();
        if project_file.exists() && !project_file.is_file() {
            warnings.push(format!(
                "{} is not a regular file (a folder?): it is ignored, so the defaults apply\nhint: ssp reads its settings from a file named {PROJECT_FILE}",
                project_file.display()
            ));
        }
        let project_file = project_file.is_file().then_some(project_file);
        if let Some(path) = &project_file {
            project::check_project_file(path)
                .map_err(|why| ConfigError::UnsafeProjectFile { path: path.clone(), message: why.describe(path) })?;
        }
        let config_file = options.config_file.as_ref().map(|f| cwd.join(f));
        let mut project =
            load_layers(&root.dir, project_file.as_deref(), config_file.as_deref(), &options.overrides, &|var| {
                std::env::var(var).ok()
            })?;
        let set: Vec<String> = std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .filter(|n| n.starts_with("SSP_"))
            .collect();
        warnings.extend(unknown_env_vars(&project.table, &set));
        project.warnings = warnings;
        Ok(project)
    }

    /// A path from the configuration, made absolute against the project root.
    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.root.join(relative)
    }

    /// Where the value of a dotted key came from.
    pub fn origin(&self, key: &str) -> Option<&Origin> {
        self.origins.get(key)
    }

    /// The resolved configuration as annotated TOML (each value with its origin).
    pub fn render_toml(&self) -> String {
        render::annotated_toml(&self.table, &self.origins)
    }

    /// The resolved configuration and origins as JSON.
    pub fn render_json(&self) -> serde_json::Value {
        render::json(&self.table, &self.origins, &self.root)
    }
}

/// Loads the layers; `env` reads an environment variable (injectable for tests).
pub fn load_layers(
    root: &Path,
    project_file: Option<&Path>,
    config_file: Option<&Path>,
    overrides: &[FlagOverride],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Project, ConfigError> {
    let defaults = parse_layer(DEFAULTS_TOML, None).expect("the embedded defaults.toml is valid TOML");
    let known = Merged::new(parse_layer(DEFAULTS_TOML, None).expect("valid defaults"));
    let mut merged = Merged::new(defaults);

    for (path, required) in [(project_file, false), (config_file, true)] {
        let Some(path) = path else { continue };
        let shown = path.strip_prefix(root).unwrap_or(path);
        let layer = read_layer(path, shown, required)?;
        check_known_keys(&layer, &known)?;
        merged.apply(layer);
    }

    // Environment: every key ssp knows at this point, by its SSP_ name.
    let leaves: Vec<(String, toml::Value)> = merged.leaves().into_iter().map(|(k, v)| (k, v.clone())).collect();
    for (key, like) in leaves {
        let var = env_var_for(&key);
        if let Some(raw) = env(&var) {
            let value = parse_env_value(&raw, &like).map_err(|message| ConfigError::Invalid {
                location: format!("environment variable {var}"),
                key: key.clone(),
                message,
            })?;
            merged.set(&key, value, Origin::Env(var));
        }
    }

    for flag in overrides {
        merged.set(&flag.key, flag.value.clone(), Origin::Flag(flag.flag.clone()));
    }

    let config = typed(&merged)?;
    validate(&config, &merged.origins)?;
    Ok(Project { root: root.to_path_buf(), config, table: merged.table, origins: merged.origins, warnings: Vec::new() })
}

/// `SSP_` variables ssp reads that are not configuration keys, and prefixes of its tests and benches.
const OTHER_SSP_VARS: &[&str] = &["SSP_REGISTRY_USER", "SSP_REGISTRY_TOKEN", "SSP_SHARED_FIXTURES", "SSP_BLESS"];
const OTHER_SSP_PREFIXES: &[&str] = &["SSP_TEST_", "SSP_BENCH_"];

/// Warnings for set `SSP_` variables that name no setting (so they do nothing), with the closest
/// name when one is near, as for misspelled keys in files.
pub fn unknown_env_vars(table: &toml::Table, set: &[String]) -> Vec<String> {
    let known: Vec<String> = layers::leaf_keys(table).iter().map(|k| env_var_for(k)).collect();
    let mut warnings = Vec::new();
    for var in set {
        if known.contains(var)
            || OTHER_SSP_VARS.contains(&var.as_str())
            || OTHER_SSP_PREFIXES.iter().any(|p| var.starts_with(p))
        {
            continue;
        }
        let closest = known
            .iter()
            .map(String::as_str)
            .chain(OTHER_SSP_VARS[..2].iter().copied())
            .map(|k| (strsim::jaro_winkler(var, k), k))
            .filter(|(score, _)| *score >= 0.9)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| k);
        let hint = match closest {
            Some(k) => format!("\nhint: did you mean {k}?"),
            None => "\nhint: `ssp config` lists every setting; its variable is SSP_<SECTION>_<KEY>".to_string(),
        };
        warnings.push(format!("environment variable {var} is not a setting ssp knows; it is ignored{hint}"));
    }
    warnings
}

fn read_layer(path: &Path, shown: &Path, required: bool) -> Result<Layer, ConfigError> {
    let bytes = std::fs::read(path).map_err(|error| ConfigError::Read { path: path.to_path_buf(), error })?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&err.as_bytes()[..valid]).into_owned();
            return Err(ConfigError::NotUtf8 { path: shown.to_path_buf(), pos: Pos::at(&prefix, prefix.len()) });
        }
    };
    // An empty ssp.toml is a fine project marker; an empty file named by --config is a mistake.
    if required && text.trim().is_empty() {
        return Err(ConfigError::Empty { path: shown.to_path_buf() });
    }
    parse_layer(&text, Some(shown))
}

/// Tables whose keys are free-form (names chosen by the user), below which any key is allowed.
fn is_open_table(key: &str) -> bool {
    // Filled in by the sections that need them (tool checksums per platform, ConfigMap data, …).
    const OPEN: &[&str] =
        &["seed.build_args", "seed.configmap_data", "tools.k3d.sha256", "tools.helm.sha256", "tools.kubectl.sha256"];
    OPEN.iter().any(|open| key == *open || key.starts_with(&format!("{open}.")))
}

/// Every key in a user file must be one ssp knows (else a "did you mean").
fn check_known_keys(layer: &Layer, known: &Merged) -> Result<(), ConfigError> {
    for (key, origin) in &layer.origins {
        if key.contains('[') {
            continue; // array elements: checked by type
        }
        let (parent, leaf) = match key.rsplit_once('.') {
            Some((p, l)) => (p, l),
            None => ("", key.as_str()),
        };
        if is_open_table(parent) || known.get(key).is_some() {
            continue;
        }
        // Report only the outermost unknown key.
        if !parent.is_empty() && known.get(parent).is_none() && !is_open_table(parent) {
            continue;
        }
        let siblings: Vec<String> =
            match if parent.is_empty() { Some(&known.table) } else { known.get(parent).and_then(|v| v.as_table()) } {
                Some(table) => table.keys().cloned().collect(),
                None => Vec::new(),
            };
        let suggestion = siblings
            .iter()
            .map(|s| (strsim::jaro_winkler(leaf, s), s))
            .filter(|(score, _)| *score >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, s)| layers::join(parent, s));
        return Err(ConfigError::UnknownKey { location: origin.locate_key(), key: key.clone(), suggestion });
    }
    Ok(())
}

/// Deserializes the merged table into [`Config`]; a type error names the key and its origin.
fn typed(merged: &Merged) -> Result<Config, ConfigError> {
    let value = toml::Value::Table(merged.table.clone());
    serde_path_to_error::deserialize(value).map_err(|err| {
        let key = err.path().to_string();
        // toml adds "in `key`" on a line of its own: the key is already in front of the message.
        let inner = err.inner().to_string();
        let message: Vec<&str> = inner.lines().filter(|l| !l.starts_with("in `")).collect();
        let message = toml_type_names(message.join(" ").trim());
        let location = locate(&merged.origins, &key);
        ConfigError::Invalid { location, key, message }
    })
}

/// serde's words for types (`struct ClusterConfig`, `a sequence`, `map`) in TOML's (`a table`,
/// `an array`), the words a user editing ssp.toml knows.
fn toml_type_names(message: &str) -> String {
    static STRUCT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let strukt = STRUCT.get_or_init(|| regex::Regex::new(r"\bstruct [A-Za-z0-9_]+").expect("valid regex"));
    let message = strukt.replace_all(message, "a table");
    message
        .replace("a sequence", "an array")
        .replace("sequence", "array")
        .replace("a map", "a table")
        .replace("type: map", "type: table")
}

/// The origin of `key` or, failing that, of its nearest recorded parent.
fn locate(origins: &Origins, key: &str) -> String {
    let mut probe = key.to_string();
    loop {
        if let Some(origin) = origins.get(&probe) {
            return origin.locate_value();
        }
        match probe.rfind(['.', '[']) {
            Some(i) => probe.truncate(i),
            None => return "configuration".to_string(),
        }
    }
}

/// Rules that span keys, and values whose type is right but whose content is not.
fn validate(config: &Config, origins: &Origins) -> Result<(), ConfigError> {
    let invalid = |key: &str, message: String| ConfigError::Invalid {
        location: locate(origins, key),
        key: key.to_string(),
        message,
    };
    let name = &config.cluster.name;
    let valid_name = !name.is_empty()
        && name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-');
    if !valid_name {
        return Err(invalid(
            "cluster.name",
            format!(
                "{name:?} is not a valid cluster name: use 1 to 32 lowercase letters, digits and `-`, starting with a letter"
            ),
        ));
    }
    if config.cluster.provider == Provider::Existing && config.cluster.context.trim().is_empty() {
        return Err(invalid(
            "cluster.provider",
            "provider \"existing\" needs `cluster.context`, the kube context to deploy to (see `kubectl config get-contexts`)"
                .to_string(),
        ));
    }
    let mut seen = std::collections::BTreeMap::new();
    for (i, port) in config.cluster.ports.iter().enumerate() {
        if let Some(previous) = seen.insert(port.host_port, i) {
            return Err(invalid(
                &format!("cluster.ports[{i}]"),
                format!("host port {} is already mapped by cluster.ports[{previous}]", port.host_port),
            ));
        }
    }
    if let Err(message) = crate::platform::duration::parse(&config.seed.timeout) {
        return Err(invalid("seed.timeout", message));
    }
    let tools = &config.tools;
    for (name, tool) in [("k3d", &tools.k3d), ("helm", &tools.helm), ("kubectl", &tools.kubectl)] {
        if tool.version.trim().is_empty() {
            return Err(invalid(&format!("tools.{name}.version"), "must not be empty".to_string()));
        }
        for (platform, digest) in &tool.sha256 {
            if digest.len() != 64 || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(invalid(
                    &layers::join(&format!("tools.{name}.sha256"), platform),
                    format!("{digest:?} is not a SHA-256 digest: expected 64 hexadecimal characters"),
                ));
            }
        }
    }
    let mirror = tools.mirror.trim();
    if !(mirror.is_empty() || mirror.starts_with("http://") || mirror.starts_with("https://")) {
        return Err(invalid(
            "tools.mirror",
            format!("{mirror:?} is not an http:// or https:// URL (e.g. \"https://mirror.example.org\")"),
        ));
    }
    for (key, value) in [
        ("chart.release", &config.chart.release),
        ("chart.namespace", &config.chart.namespace),
        ("chart.rev", &config.chart.rev),
    ] {
        if value.trim().is_empty() {
            return Err(invalid(key, "must not be empty".to_string()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_mappings_parse_and_print_back() {
        for text in ["80:80@loadbalancer", "127.0.0.1:8080:80/tcp@server:0", "5432:5432"] {
            let parsed: PortMapping = text.parse().unwrap();
            assert_eq!(parsed.to_string(), text);
        }
        let p: PortMapping = "80:8080@loadbalancer".parse().unwrap();
        assert_eq!((p.host_port, p.container_port, p.node_filter.as_deref()), (80, 8080, Some("loadbalancer")));
        for bad in ["80", "x:80", "80:0", "80:80@", "80:80/icmp", "1:2:3:4", "70000:80"] {
            let err = bad.parse::<PortMapping>().unwrap_err();
            assert!(err.contains("bad port mapping"), "{bad}: {err}");
        }
    }

    #[test]
    fn tool_checksums_are_an_open_table_of_digests() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(PROJECT_FILE);
        let digest = "ab".repeat(32);
        std::fs::write(&file, format!("[tools.k3d]\nsha256 = {{ \"freebsd-amd64\" = \"{digest}\" }}\n")).unwrap();
        let project = load_layers(dir.path(), Some(&file), None, &[], &|_| None).unwrap();
        let sums = &project.config.tools.k3d.sha256;
        assert_eq!(sums.get("freebsd-amd64"), Some(&digest));
        assert_eq!(sums.len(), 5, "the pinned platforms stay: {sums:?}");
        std::fs::write(&file, "[tools.helm]\nsha256 = { \"linux-amd64\" = \"nope\" }\n").unwrap();
        let err = load_layers(dir.path(), Some(&file), None, &[], &|_| None).unwrap_err().to_string();
        assert!(err.contains("tools.helm.sha256.linux-amd64") && err.contains("64 hexadecimal"), "{err}");
        std::fs::write(&file, "[tools.helm]\nchecksum = \"x\"\n").unwrap();
        let err = load_layers(dir.path(), Some(&file), None, &[], &|_| None).unwrap_err().to_string();
        assert!(err.contains("unknown key `tools.helm.checksum`"), "{err}");
    }

    #[test]
    fn defaults_load_alone() {
        let project = load_layers(Path::new("/p"), None, None, &[], &|_| None).unwrap();
        assert_eq!(project.config.cluster.name, "pdc-cluster");
        assert_eq!(project.config.cluster.kube_context(), "k3d-pdc-cluster");
        assert_eq!(project.config.cluster.ports.len(), 2);
        assert_eq!(project.config.chart.rev, "7963191d71eb2f9b9390bc7ecd396833f37d4365");
        assert_eq!(project.origin("cluster.name"), Some(&Origin::Default));
    }
}
