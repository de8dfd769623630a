//! Pre-flight checks: what `ssp doctor` reports and what long commands verify before they start.
//! Each check returns a [`Check`] with a status and, when it is not ok, a hint saying what to do.

use std::net::TcpListener;
use std::path::Path;

use serde::Serialize;

use crate::config::{PortMapping, Project};
use crate::platform::docker::Engine;
use crate::platform::runner::{ProgramCall, Runner};
use crate::tools::{Found, ToolManifest, ToolName};

/// The verdict of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

/// One line of the doctor table.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Check {
    pub fn ok(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check { name: name.into(), status: Status::Ok, detail: detail.into(), hint: None }
    }

    pub fn warn(name: impl Into<String>, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Check { name: name.into(), status: Status::Warn, detail: detail.into(), hint: Some(hint.into()) }
    }

    pub fn fail(name: impl Into<String>, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Check { name: name.into(), status: Status::Fail, detail: detail.into(), hint: Some(hint.into()) }
    }
}

/// Docker reachable, with its version and API version.
pub async fn docker() -> (Check, Option<Engine>) {
    match Engine::connect().await {
        Ok(engine) => {
            let detail =
                format!("Docker {} (API {}) at {}", engine.info.version, engine.info.api_version, engine.info.host);
            (Check::ok("docker", detail), Some(engine))
        }
        Err(err) => (Check::fail("docker", err.to_string(), err.hint()), None),
    }
}

/// A program ssp runs, how to ask its version, and whether setup needs it.
pub struct Program {
    pub name: &'static str,
    pub version_args: &'static [&'static str],
    pub required: bool,
    /// Hint when it is missing.
    pub install_hint: &'static str,
}

/// The external programs doctor looks for besides the pinned tools (see [`pinned_tool`]).
pub const PROGRAMS: &[Program] = &[
    Program {
        name: "git",
        version_args: &["--version"],
        required: true,
        install_hint: "install git (e.g. `sudo apt-get install git`); ssp uses it to fetch the Supabase chart",
    },
    Program {
        name: "gpg",
        version_args: &["--version"],
        required: false,
        install_hint: "install GnuPG only if your SOPS files use PGP keys (`sudo apt-get install gnupg`)",
    },
];

/// Present on PATH or in the tools dir, and its version line.
pub fn program(runner: &Runner, program: &Program) -> Check {
    let name = program.name;
    let path = match runner.resolve(name.as_ref()) {
        Ok(path) => path,
        Err(err) => {
            let detail = err.to_string();
            return if program.required {
                Check::fail(name, detail, program.install_hint)
            } else {
                Check::warn(name, detail, program.install_hint)
            };
        }
    };
    let call = ProgramCall::new(&path)
        .args(program.version_args.iter().copied())
        .read_only()
        .timeout(std::time::Duration::from_secs(10));
    match runner.run(&call) {
        Ok(done) => {
            let text = done.stdout_text();
            let version = text.lines().next().unwrap_or("").trim().to_string();
            Check::ok(name, format!("{version} ({})", path.display()))
        }
        Err(err) => Check::fail(name, format!("{} does not run: {err}", path.display()), "reinstall it"),
    }
}

/// A pinned tool (k3d, helm, kubectl): the one ssp would run (tools dir, then PATH), and whether its
/// version is the pinned one.
pub async fn pinned_tool(runner: &Runner, manifest: &ToolManifest, tool: ToolName) -> Check {
    let name = tool.as_str();
    let pinned = manifest.version(tool);
    let install_hint = format!(
        "`ssp install-tools {name}` installs the pinned {name} {pinned} into {} (searched before PATH)",
        manifest.dir.display()
    );
    let installed = manifest.install_path(tool);
    let path = if installed.is_file() {
        installed
    } else {
        match runner.resolve(name.as_ref()) {
            Ok(path) => path,
            Err(err) => return Check::warn(name, err.to_string(), install_hint),
        }
    };
    match crate::tools::probe(runner, tool, &path).await {
        Found::Version(version) if version == pinned => {
            Check::ok(name, format!("{version} (pinned) ({})", path.display()))
        }
        Found::Version(version) => {
            Check::warn(name, format!("{version}, pinned {pinned} ({})", path.display()), install_hint)
        }
        Found::Broken(why) => Check::fail(
            name,
            format!("{} does not run: {why}", path.display()),
            format!("reinstall it: `ssp install-tools --force {name}`"),
        ),
        Found::Missing => Check::warn(name, format!("{} is missing", path.display()), install_hint),
    }
}

/// Whether a host port is free, held by this cluster's load balancer, or held by something else.
pub async fn port(mapping: &PortMapping, cluster: &str, engine: Option<&Engine>) -> Check {
    let port = mapping.host_port;
    let name = format!("port {port}");
    // Where k3d will publish it (loopback unless the mapping names an IP): the same bind here.
    let bind_ip = mapping.bind_ip();
    match TcpListener::bind((bind_ip, port)) {
        Ok(listener) => {
            drop(listener);
            return Check::ok(name, "free");
        }
        Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => {
            // A privileged port for this user; Docker's proxy binds it as root, so it is usable.
            return Check::ok(name, "free (privileged; Docker binds it)");
        }
        Err(_) => {}
    }
    let ours = format!("k3d-{cluster}-serverlb");
    if let Some(engine) = engine
        && let Ok(holders) = engine.containers_publishing(port).await
        && !holders.is_empty()
    {
        if holders.contains(&ours) {
            return Check::ok(name, format!("held by this cluster's load balancer ({ours})"));
        }
        return Check::fail(name, format!("in use by Docker container {}", holders.join(", ")), remap_hint(mapping));
    }
    let holder = process_listening_on(port)
        .map(|p| format!("in use by {p}"))
        .unwrap_or_else(|| "in use by another process".to_string());
    Check::fail(name, holder, remap_hint(mapping))
}

fn remap_hint(mapping: &PortMapping) -> String {
    let mut alternative = mapping.clone();
    alternative.host_port = if mapping.host_port < 1024 { 8000 + mapping.host_port } else { mapping.host_port + 1 };
    format!("stop what holds it, or map another host port in ssp.toml: [cluster] ports = [..., \"{alternative}\", ...]")
}

/// `comm (pid N)` of the process listening on a TCP port, from /proc (Linux; own processes unless root).
pub fn process_listening_on(port: u16) -> Option<String> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // fields: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            if fields.len() < 10 || fields[3] != "0A" {
                continue;
            }
            let local_port = fields[1].rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
            if local_port == Some(port) {
                inodes.push(format!("socket:[{}]", fields[9]));
            }
        }
    }
    if inodes.is_empty() {
        return None;
    }
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path())
                && inodes.iter().any(|i| target.as_os_str() == i.as_str())
            {
                let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
                return Some(format!("{} (pid {pid})", comm.trim()));
            }
        }
    }
    None
}

/// The chart checkout at the pinned revision.
pub fn chart(runner: &Runner, project: &Project) -> Check {
    let chart = &project.config.chart;
    let checkout = project.path(&chart.checkout);
    let chart_yaml = project.path(&chart.path).join("Chart.yaml");
    let fetch_hint = "`ssp fetch-chart` checks out the pinned chart (setup-infra does it when needed)";
    if !chart_yaml.is_file() {
        return Check::warn("chart", format!("{} is missing", chart_yaml.display()), fetch_hint);
    }
    let call = ProgramCall::new("git").arg("-C").arg(&checkout).args(["rev-parse", "HEAD"]).read_only();
    match runner.run(&call) {
        Ok(done) => {
            let head = done.stdout_text().trim().to_string();
            if head.starts_with(&chart.rev) || chart.rev.starts_with(&head) && !head.is_empty() {
                Check::ok("chart", format!("{} at {}", chart.checkout.display(), short(&head)))
            } else {
                Check::warn(
                    "chart",
                    format!("{} is at {}, pinned {}", chart.checkout.display(), short(&head), short(&chart.rev)),
                    fetch_hint,
                )
            }
        }
        Err(_) => Check::ok("chart", format!("{} present (not a git checkout)", chart_yaml.display())),
    }
}

fn short(rev: &str) -> &str {
    &rev[..rev.len().min(12)]
}

/// Free disk space where the project lives: k3s and the Supabase images need several GiB.
pub fn disk(root: &Path) -> Check {
    const GIB: u64 = 1 << 30;
    match nix::sys::statvfs::statvfs(root) {
        Ok(stat) => {
            // fsblkcnt_t and c_ulong are u32 on some platforms.
            #[allow(clippy::unnecessary_cast)]
            let free = stat.blocks_available() as u64 * stat.fragment_size() as u64;
            let detail = format!("{} free on {}", indicatif::HumanBytes(free), root.display());
            if free < GIB {
                Check::fail("disk", detail, "free at least 5 GiB: the k3s node and Supabase images need it")
            } else if free < 5 * GIB {
                Check::warn("disk", detail, "the k3s node and Supabase images need about 5 GiB")
            } else {
                Check::ok("disk", detail)
            }
        }
        Err(err) => Check::warn("disk", format!("cannot read free space: {err}"), "check `df -h`"),
    }
}
