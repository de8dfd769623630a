//! The fake `k3d`, the recording shim around the real `helm`, and the handle tests use to drive
//! and inspect them.
//!
//! No k3d binary can run here (it needs a real cluster; see `../shared/TESTING.md`), so
//! [`FakeTools::install`] writes one Python 3 script (`fake_tool.py`, beside this file) under
//! both names into `<root>/bin`. Called as `k3d` it answers like k3d v5.8.3 (outputs and error
//! texts taken from its sources, documented in the script); called as `helm` it records the call
//! and runs the real helm v3.19.0 ([`FakeTools::use_real_helm`], `support::tools::helm`). Each
//! call appends a JSON line to `<root>/fake-calls.jsonl` (argv, the stdin the real tool would
//! read — helm's `--values -` —, the contents of files it was pointed at, selected environment:
//! `KUBECONFIG`, `HELM_*`, `K3D_*`, `SSP_*`, …, the exit code). Fake cluster state is the JSON
//! file `<root>/fake-state.json`, read and written here and by the script under a file lock.
//!
//! Python is used because it is on every machine of this project's kind (CPython 3.11) and makes
//! exact JSON recording trivial; the interpreter's absolute path goes into the shebang so tests
//! can run ssp with a minimal `PATH`, with `-S`: the script needs only the standard library, and
//! `site` (with the `.pth` files of whatever is installed, e.g. certifi) cost ~35 ms per call here,
//! time a real k3d would not spend and that the benches would charge to ssp.
//!
//! ```ignore
//! let fakes = FakeTools::install(tmp.path()).expect("python3");
//! fakes.set_kubeconfig(&api.kubeconfig_yaml("k3d-pdc-cluster"));
//! fakes.fail("k3d", &["cluster", "create"], 1, "FATA[0000] Failed to create cluster\n");
//! Command::new(ssp).env("PATH", fakes.path_env()).args(["setup-infra"]).status()?;
//! assert_eq!(fakes.calls_of("k3d")[0].args(), ["cluster", "list", "-o", "json"]);
//! ```

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::{Value, json};

use super::Need;

const SCRIPT: &str = include_str!("fake_tool.py");

/// One recorded invocation of a fake tool.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ToolCall {
    /// `k3d` or `helm`.
    pub tool: String,
    /// Arguments after the program name.
    pub argv: Vec<String>,
    /// What the tool read from stdin (`None` when the real tool would not have read it).
    pub stdin: Option<String>,
    /// Contents of the files it was pointed at (`--config`, `--values`), by the path given.
    pub files: BTreeMap<String, String>,
    /// Selected environment variables.
    pub env: BTreeMap<String, String>,
    pub cwd: String,
    /// The fake's process id.
    pub pid: u32,
    /// `None` for a call that hangs ([`FakeTools::hang`]) and was recorded before hanging.
    pub exit_code: Option<i32>,
}

impl ToolCall {
    /// The arguments as `&str`s, for `assert_eq!(call.args(), [..])`.
    pub fn args(&self) -> Vec<&str> {
        self.argv.iter().map(String::as_str).collect()
    }

    /// The command line as a shell would show it (`helm upgrade --install supabase …`).
    pub fn command_line(&self) -> String {
        let mut words = vec![self.tool.clone()];
        words.extend(self.argv.iter().cloned());
        shell_words::join(words)
    }

    /// All values of a flag (`--values a --values=b` → `["a", "b"]`).
    pub fn flag_values(&self, flag: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut it = self.argv.iter().peekable();
        while let Some(a) = it.next() {
            if a == flag {
                if let Some(v) = it.next() {
                    out.push(v.as_str());
                }
            } else if let Some(v) = a.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
                out.push(v);
            }
        }
        out
    }
}

/// State of a fake k3d cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterState {
    Running,
    Stopped,
}

/// The installed fakes under one root directory.
pub struct FakeTools {
    root: PathBuf,
}

/// The absolute path of a working Python 3 (not a pyenv shim), if any.
fn python() -> Option<PathBuf> {
    let out = Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().ok()?;
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    (out.status.success() && path.is_absolute()).then_some(path)
}

impl FakeTools {
    /// Writes `<root>/bin/k3d` and `<root>/bin/helm` and empty state. `None` when no Python 3
    /// is available (the caller skips or fails through [`super::prerequisite`]).
    pub fn install(root: &Path) -> Option<FakeTools> {
        let python = python()?;
        let bin = root.join("bin");
        std::fs::create_dir_all(&bin).expect("create fake bin dir");
        for tool in ["k3d", "helm"] {
            super::write_executable(bin.join(tool), format!("#!{} -S\n{SCRIPT}", python.display()));
        }
        let fakes = FakeTools { root: root.to_path_buf() };
        fakes.write_state(&json!({"clusters": {}, "releases": {}, "failures": []}));
        std::fs::write(fakes.log_path(), "").expect("create call log");
        Some(fakes)
    }

    /// [`FakeTools::install`], or the skip/fail of [`super::prerequisite`] when Python 3 is
    /// missing.
    pub fn install_or_skip(root: &Path) -> Option<FakeTools> {
        let fakes = FakeTools::install(root);
        if !super::prerequisite(Need::Other, "python3", fakes.is_some(), "the fake k3d/helm are Python 3 scripts") {
            return None;
        }
        fakes
    }

    /// The directory the fakes keep everything in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory holding `k3d` and `helm`.
    pub fn bin_dir(&self) -> PathBuf {
        self.root.join("bin")
    }

    /// `PATH` with the fakes first, for `Command::env("PATH", …)`.
    pub fn path_env(&self) -> OsString {
        let mut paths = vec![self.bin_dir()];
        if let Some(existing) = std::env::var_os("PATH") {
            paths.extend(std::env::split_paths(&existing));
        }
        std::env::join_paths(paths).expect("join PATH")
    }

    pub fn log_path(&self) -> PathBuf {
        self.root.join("fake-calls.jsonl")
    }

    pub fn state_path(&self) -> PathBuf {
        self.root.join("fake-state.json")
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<ToolCall> {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad call record {l:?}: {e}")))
            .collect()
    }

    /// The calls of one tool.
    pub fn calls_of(&self, tool: &str) -> Vec<ToolCall> {
        self.calls().into_iter().filter(|c| c.tool == tool).collect()
    }

    /// Every call as its command line.
    pub fn command_lines(&self) -> Vec<String> {
        self.calls().iter().map(ToolCall::command_line).collect()
    }

    /// The raw state document.
    pub fn state(&self) -> Value {
        let text = std::fs::read_to_string(self.state_path()).expect("read fake state");
        serde_json::from_str(&text).expect("fake state is JSON")
    }

    fn write_state(&self, state: &Value) {
        let tmp = self.root.join("fake-state.json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(state).expect("json")).expect("write state");
        std::fs::rename(&tmp, self.state_path()).expect("replace state");
    }

    /// Read-modify-write of the state (tests run the fakes as children, so no lock is needed
    /// while no child runs; calls made while one runs still go through the script's lock file).
    pub fn edit_state(&self, f: impl FnOnce(&mut Value)) {
        let mut state = self.state();
        f(&mut state);
        self.write_state(&state);
    }

    /// What `k3d kubeconfig get` prints (e.g. [`super::kube_api::KubeApi::kubeconfig_yaml`]).
    /// Also what `k3d cluster create` merges into the default kubeconfig.
    pub fn set_kubeconfig(&self, yaml: &str) {
        let parsed: Value = serde_saphyr::from_str(yaml).expect("kubeconfig YAML");
        self.edit_state(|s| {
            s["kubeconfig"] = json!(yaml);
            s["kubeconfig_json"] = parsed;
        });
    }

    /// Makes a cluster exist in `state` (1 server, 0 agents).
    pub fn add_cluster(&self, name: &str, state: ClusterState) {
        let st = match state {
            ClusterState::Running => "running",
            ClusterState::Stopped => "stopped",
        };
        self.edit_state(|s| {
            s["clusters"][name] = json!({"state": st, "servers": 1, "agents": 0, "images": []});
        });
    }

    /// The state of a cluster, `None` when it does not exist.
    pub fn cluster(&self, name: &str) -> Option<ClusterState> {
        match self.state()["clusters"][name]["state"].as_str()? {
            "running" => Some(ClusterState::Running),
            _ => Some(ClusterState::Stopped),
        }
    }

    /// The `k3d image …` calls, oldest first (`image import` is the only such verb ssp runs).
    pub fn k3d_image_calls(&self) -> Vec<ToolCall> {
        self.calls_of("k3d").into_iter().filter(|c| c.argv.first().is_some_and(|a| a == "image")).collect()
    }

    /// Images imported into a cluster with `k3d image import`.
    pub fn imported_images(&self, cluster: &str) -> Vec<String> {
        self.state()["clusters"][cluster]["images"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// Makes every later call of `tool` whose arguments start with `args_prefix` exit with
    /// `exit_code` and print `stderr` (e.g. `"Error: UPGRADE FAILED: …\n"`), changing nothing.
    pub fn fail(&self, tool: &str, args_prefix: &[&str], exit_code: i32, stderr: &str) {
        self.push_failure(tool, args_prefix, exit_code, stderr, None);
    }

    /// [`FakeTools::fail`] for the next `times` matching calls only.
    pub fn fail_times(&self, tool: &str, args_prefix: &[&str], exit_code: i32, stderr: &str, times: u32) {
        self.push_failure(tool, args_prefix, exit_code, stderr, Some(times));
    }

    fn push_failure(&self, tool: &str, args_prefix: &[&str], exit_code: i32, stderr: &str, times: Option<u32>) {
        self.edit_state(|s| {
            let rule = json!({"tool": tool, "args_prefix": args_prefix, "exit_code": exit_code, "stderr": stderr, "times": times});
            match s["failures"].as_array_mut() {
                Some(rules) => rules.push(rule),
                None => s["failures"] = json!([rule]),
            }
        });
    }

    /// Makes `helm` run the real helm at `path` after recording the call (argv, stdin,
    /// `--values` files; the exit code once it ends). Signals to the shim reach helm.
    pub fn use_real_helm(&self, path: &Path) {
        self.edit_state(|s| s["real_helm"] = json!(path));
    }

    /// Makes later calls of `tool` whose arguments start with `args_prefix` print `stdout`, get
    /// recorded, and then hang until killed — to interrupt the caller while it waits on a tool.
    pub fn hang(&self, tool: &str, args_prefix: &[&str], stdout: &str) {
        self.edit_state(|s| {
            let rule = json!({"tool": tool, "args_prefix": args_prefix, "hang": true, "stdout": stdout, "times": null});
            match s["failures"].as_array_mut() {
                Some(rules) => rules.push(rule),
                None => s["failures"] = json!([rule]),
            }
        });
    }

    /// Waits until a call of `tool` with arguments starting with `args_prefix` is recorded and
    /// returns it; panics after `timeout` (a safety net: the log file is re-read every 10 ms).
    pub fn wait_for_call(&self, tool: &str, args_prefix: &[&str], timeout: std::time::Duration) -> ToolCall {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let found = self.calls().into_iter().find(|c| {
                c.tool == tool
                    && c.argv.len() >= args_prefix.len()
                    && c.argv.iter().zip(args_prefix).all(|(a, p)| a == p)
            });
            if let Some(call) = found {
                return call;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no `{tool} {}` call within {timeout:?}",
                args_prefix.join(" ")
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// NOTES text the fake helm prints after an install/upgrade.
    pub fn set_release_notes(&self, notes: &str) {
        self.edit_state(|s| s["release_notes"] = json!(notes));
    }
}
