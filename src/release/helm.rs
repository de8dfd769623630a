//! The Helm release, through the helm binary: `helm upgrade --install` with values from files or,
//! for decrypted secrets, from memory on stdin (`--values -`), so no plaintext file ever exists.
//!
//! `--set` values never reach helm's argv (`/proc/<pid>/cmdline` is readable by every user): ssp
//! reads them as helm does ([`apply_set`]) into the values tree it sends on stdin.

use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::platform::duration::go_duration;
use crate::platform::runner::{Finished, ProgramCall, RunError, Runner, Stream};

/// Where one `--values` comes from.
#[derive(Clone)]
pub enum ValuesSource {
    File(PathBuf),
    /// Plaintext held in memory, handed to helm on stdin. `label` names it in logs.
    Memory {
        bytes: Zeroizing<Vec<u8>>,
        label: String,
    },
}

/// A release of the chart into a namespace of an explicit kube context.
#[derive(Clone, Debug)]
pub struct Release {
    pub name: String,
    pub chart: PathBuf,
    pub namespace: String,
    pub context: String,
    /// A kubeconfig file to use instead of the user's (when the cluster's context is not merged).
    pub kubeconfig: Option<PathBuf>,
}

impl Release {
    /// The release `[chart]` describes (name, chart checkout, namespace), in `context`; `kubeconfig`
    /// from [`crate::cluster::access::ClusterAccess::helm_kubeconfig`].
    pub fn for_project(project: &crate::config::Project, context: &str, kubeconfig: Option<PathBuf>) -> Release {
        let chart = &project.config.chart;
        Release {
            name: chart.release.clone(),
            chart: project.path(&chart.path),
            namespace: chart.namespace.clone(),
            context: context.to_string(),
            kubeconfig,
        }
    }

    /// The label selector of every object of the release (Helm's standard instance label).
    pub fn selector(&self) -> String {
        format!("app.kubernetes.io/instance={}", self.name)
    }

    fn target_args(&self, call: ProgramCall) -> ProgramCall {
        let call = call.args(["--namespace", &self.namespace, "--kube-context", &self.context]);
        match &self.kubeconfig {
            Some(path) => call.arg("--kubeconfig").arg(path),
            None => call,
        }
    }

    /// The `helm upgrade --install` call. At most one source may be in memory (helm reads one stdin).
    /// `--set` values are not taken here: merge them into the in-memory source ([`apply_set`]).
    pub fn upgrade_install(&self, values: Vec<ValuesSource>, timeout: Duration) -> ProgramCall {
        let mut call = ProgramCall::new("helm").args(["upgrade", "--install"]).arg(&self.name).arg(&self.chart);
        call = self
            .target_args(call)
            .args(["--create-namespace", "--cleanup-on-fail", "--timeout"])
            .arg(go_duration(timeout));
        call = with_values(call, values);
        // helm's own waiting is replaced by ssp's watch; give the install itself room to finish.
        call.timeout(timeout.saturating_add(Duration::from_secs(60)))
    }

    /// `helm template` of the release with these values (read-only, no cluster contacted): the
    /// manifests an install would apply, on stdout. At most one source may be in memory.
    pub fn template(&self, values: Vec<ValuesSource>) -> ProgramCall {
        let call = ProgramCall::new("helm")
            .arg("template")
            .arg(&self.name)
            .arg(&self.chart)
            .args(["--namespace", &self.namespace])
            // Test hooks (`helm test` pods) are not part of what the release runs.
            .arg("--skip-tests");
        with_values(call, values).read_only().timeout(Duration::from_secs(120))
    }

    pub fn uninstall(&self) -> ProgramCall {
        let call = ProgramCall::new("helm").arg("uninstall").arg(&self.name);
        self.target_args(call).arg("--wait")
    }

    /// `helm status -o json` (read-only).
    pub fn status(&self) -> ProgramCall {
        let call = ProgramCall::new("helm").arg("status").arg(&self.name);
        self.target_args(call).args(["-o", "json"]).read_only()
    }
}

/// `--values` for each source in order; the one in memory goes on stdin (`--values -`).
fn with_values(mut call: ProgramCall, values: Vec<ValuesSource>) -> ProgramCall {
    let mut stdin = None;
    for source in values {
        match source {
            ValuesSource::File(path) => call = call.arg("--values").arg(path),
            ValuesSource::Memory { bytes, label } => {
                call = call.args(["--values", "-"]);
                stdin = Some((bytes, label));
            }
        }
    }
    match stdin {
        Some((bytes, label)) => call.stdin(bytes, label),
        None => call,
    }
}

/// Why a `--set` could not be read. Never quotes the value (it may be a password).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("--set {key}: {why}")]
pub struct SetError {
    /// The key part, or `…` when none could be read.
    pub key: String,
    pub why: String,
}

/// Applies one `--set` argument to `values` the way helm's `strvals.ParseInto` does: comma-separated
/// `KEY=VALUE` pairs, dotted keys, `name[0]` list indices, `{a,b}` lists, `\` escapes, and typed
/// values (`true`/`false`, `null`, integers without a leading zero; everything else a string).
///
/// Hand-written because no crate reads Helm's `--set` syntax; the values then travel on stdin.
pub fn apply_set(values: &mut serde_json::Value, set: &str) -> Result<(), SetError> {
    let chars: Vec<char> = set.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // KEY up to an unescaped `=`; errors name all of it (never the value).
        let whole_key: String = chars[i..].iter().take_while(|c| **c != '=' && **c != ',').collect();
        let mut key = String::new();
        let mut path = Vec::new();
        let mut segment = String::new();
        loop {
            let Some(&c) = chars.get(i) else {
                return Err(SetError { key: shown_key(&key), why: "the key has no value (KEY=VALUE)".into() });
            };
            i += 1;
            match c {
                '\\' => {
                    if let Some(&next) = chars.get(i) {
                        segment.push(next);
                        key.push(next);
                        i += 1;
                    }
                }
                '=' => break,
                ',' => {
                    return Err(SetError { key: shown_key(&key), why: "the key has no value (KEY=VALUE)".into() });
                }
                '.' => {
                    key.push('.');
                    push_segment(&mut path, std::mem::take(&mut segment), &whole_key)?;
                }
                _ => {
                    key.push(c);
                    segment.push(c);
                }
            }
        }
        push_segment(&mut path, segment, &key)?;
        // VALUE: a `{…}` list, or text up to an unescaped `,`.
        let value = if chars.get(i) == Some(&'{') {
            let close = chars[i..]
                .iter()
                .position(|c| *c == '}')
                .map(|p| p + i)
                .ok_or_else(|| SetError { key: key.clone(), why: "a list `{` has no closing `}`".into() })?;
            let inner: String = chars[i + 1..close].iter().collect();
            i = close + 1;
            match chars.get(i) {
                None => {}
                Some(',') => i += 1,
                Some(_) => return Err(SetError { key, why: "text after the list's `}`".into() }),
            }
            let items = if inner.is_empty() { Vec::new() } else { split_unescaped(&inner) };
            serde_json::Value::Array(items.iter().map(|v| typed(v)).collect())
        } else {
            let mut text = String::new();
            while let Some(&c) = chars.get(i) {
                i += 1;
                match c {
                    '\\' => {
                        if let Some(&next) = chars.get(i) {
                            text.push(next);
                            i += 1;
                        }
                    }
                    ',' => break,
                    _ => text.push(c),
                }
            }
            let value = typed(&text);
            zeroize::Zeroize::zeroize(&mut text);
            value
        };
        set_path(values, &path, value).map_err(|why| SetError { key: key.clone(), why })?;
    }
    Ok(())
}

fn shown_key(key: &str) -> String {
    if key.is_empty() { "…".to_string() } else { key.to_string() }
}

/// One part of a dotted key: a name, then any `[N]` indices.
#[derive(Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// Helm refuses list indices above this (`strvals` `MaxIndex`).
const MAX_INDEX: usize = 65536;

fn push_segment(path: &mut Vec<Step>, segment: String, key: &str) -> Result<(), SetError> {
    let bad = |why: &str| SetError { key: key.trim_end_matches('.').to_string(), why: why.to_string() };
    let (name, mut rest) = match segment.find('[') {
        Some(open) => (segment[..open].to_string(), &segment[open..]),
        None => (segment.clone(), ""),
    };
    if name.is_empty() {
        return Err(bad("a key part is empty"));
    }
    path.push(Step::Key(name));
    while !rest.is_empty() {
        let close = rest.find(']').ok_or_else(|| bad("a `[` has no closing `]`"))?;
        let index: usize = rest[1..close].parse().map_err(|_| bad("a list index is not a number"))?;
        if index > MAX_INDEX {
            return Err(bad("a list index is above 65536"));
        }
        path.push(Step::Index(index));
        rest = &rest[close + 1..];
        if !rest.is_empty() && !rest.starts_with('[') {
            return Err(bad("text after a `]`"));
        }
    }
    Ok(())
}

fn split_unescaped(text: &str) -> Vec<String> {
    let mut items = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    items.last_mut().unwrap().push(next);
                }
            }
            ',' => items.push(String::new()),
            _ => items.last_mut().unwrap().push(c),
        }
    }
    items
}

/// helm's `typedVal`.
fn typed(text: &str) -> serde_json::Value {
    use serde_json::Value;
    if text.eq_ignore_ascii_case("true") {
        Value::Bool(true)
    } else if text.eq_ignore_ascii_case("false") {
        Value::Bool(false)
    } else if text.eq_ignore_ascii_case("null") {
        Value::Null
    } else if text == "0" {
        Value::from(0)
    } else if !text.starts_with('0')
        && let Ok(n) = text.parse::<i64>()
    {
        Value::from(n)
    } else {
        Value::String(text.to_string())
    }
}

fn set_path(target: &mut serde_json::Value, path: &[Step], value: serde_json::Value) -> Result<(), String> {
    use serde_json::Value;
    let Some((step, rest)) = path.split_first() else {
        scrub_values(target);
        *target = value;
        return Ok(());
    };
    match step {
        Step::Key(name) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            let map = target.as_object_mut().expect("an object");
            let slot = map.entry(name.clone()).or_insert(Value::Null);
            set_path(slot, rest, value)
        }
        Step::Index(index) => {
            if !target.is_array() {
                *target = Value::Array(Vec::new());
            }
            let list = target.as_array_mut().expect("an array");
            if list.len() <= *index {
                list.resize(index + 1, Value::Null);
            }
            set_path(&mut list[*index], rest, value)
        }
    }
}

/// Merges `overlay` into `base` as helm merges its `--values` files: maps key by key, recursively;
/// anything else (lists, scalars, null) replaces what was there (scrubbed first: it may be a secret).
pub fn merge_values(base: &mut serde_json::Value, overlay: serde_json::Value) {
    use serde_json::Value;
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing @ Value::Object(_)) if value.is_object() => merge_values(existing, value),
                    _ => {
                        if let Some(mut replaced) = base.insert(key, value) {
                            scrub_values(&mut replaced);
                        }
                    }
                }
            }
        }
        (base, overlay) => {
            scrub_values(base);
            *base = overlay;
        }
    }
}

/// Overwrites every string of a values tree (decrypted values) before it is dropped.
pub fn scrub_values(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(text) => zeroize::Zeroize::zeroize(text),
        Value::Array(items) => items.iter_mut().for_each(scrub_values),
        Value::Object(map) => map.values_mut().for_each(scrub_values),
        _ => {}
    }
}

/// A values tree as the YAML helm reads on stdin (JSON is YAML), in one zeroized buffer.
pub fn values_bytes(values: &serde_json::Value) -> Zeroizing<Vec<u8>> {
    // Sized once (a counting pass) so growing the buffer never leaves a copy behind.
    let mut count = ByteCount(0);
    serde_json::to_writer(&mut count, values).expect("a JSON value serialises");
    let mut bytes = Zeroizing::new(Vec::with_capacity(count.0 + 1));
    serde_json::to_writer(&mut *bytes, values).expect("a JSON value serialises");
    bytes.push(b'\n');
    bytes
}

/// A writer that only counts.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `helm upgrade --install`, streaming its output to `on_line` (progress region / log lines).
/// The values on its stdin are zeroized once helm has read them, not when it exits.
pub fn install(
    runner: &Runner,
    call: ProgramCall,
    on_line: impl Fn(Stream, &str) + Send + Sync + 'static,
) -> Result<Finished, RunError> {
    runner.run_once(call.stream(on_line))
}

/// What `helm status -o json` says about a release.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
pub struct ReleaseStatus {
    pub name: String,
    pub version: u32,
    pub status: String,
}

/// Parses `helm status -o json` (`{"name":…,"info":{"status":"deployed",…},"version":3,…}`).
pub fn parse_status(stdout: &[u8]) -> Option<ReleaseStatus> {
    let value: serde_json::Value = serde_json::from_slice(stdout).ok()?;
    Some(ReleaseStatus {
        name: value.get("name")?.as_str()?.to_string(),
        version: value.get("version")?.as_u64()? as u32,
        status: value.get("info")?.get("status")?.as_str()?.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release() -> Release {
        Release {
            name: "supabase".into(),
            chart: PathBuf::from("/p/vendors/supabase-kubernetes/charts/supabase"),
            namespace: "default".into(),
            context: "k3d-pdc-cluster".into(),
            kubeconfig: None,
        }
    }

    #[test]
    fn dev_release_reads_values_from_the_file() {
        let call = release().upgrade_install(
            vec![ValuesSource::File("/p/deployment/values.dev.yaml".into())],
            Duration::from_secs(600),
        );
        assert_eq!(
            call.display(),
            "helm upgrade --install supabase /p/vendors/supabase-kubernetes/charts/supabase --namespace default \
             --kube-context k3d-pdc-cluster --create-namespace --cleanup-on-fail --timeout 600s \
             --values /p/deployment/values.dev.yaml"
        );
    }

    #[test]
    fn cloud_release_reads_plaintext_from_stdin() {
        let secret = Zeroizing::new(b"secret:\n  db:\n    password: hunter2\n".to_vec());
        let call = release().upgrade_install(
            vec![ValuesSource::Memory { bytes: secret, label: "decrypted deployment/values.cloud.yaml".into() }],
            Duration::from_secs(300),
        );
        let shown = call.display();
        assert!(shown.ends_with("--values - < (decrypted deployment/values.cloud.yaml)"), "{shown}");
        assert!(!shown.contains("hunter2"));
    }

    fn set(values: &str, sets: &[&str]) -> Result<serde_json::Value, SetError> {
        let mut tree: serde_json::Value = serde_json::from_str(values).unwrap();
        for s in sets {
            apply_set(&mut tree, s)?;
        }
        Ok(tree)
    }

    #[test]
    fn sets_are_read_as_helm_reads_them() {
        use serde_json::json;
        let tree = set(
            r#"{"secret":{"db":{"username":"u","password":"old"}},"kong":{"enabled":true}}"#,
            &["secret.db.password=hunter2", "kong.enabled=false,replicas=3,tag=012,n=null"],
        )
        .unwrap();
        assert_eq!(
            tree,
            json!({"secret":{"db":{"username":"u","password":"hunter2"}},"kong":{"enabled":false},"replicas":3,"tag":"012","n":null})
        );
        assert_eq!(
            set("{}", &[r"a\.b=x\,y", "list={1,two,}", "arr[1].name=z", "e="]).unwrap(),
            json!({
                "a.b": "x,y", "list": [1, "two", ""], "arr": [null, {"name": "z"}], "e": ""
            })
        );
        assert_eq!(set("{}", &["empty={}"]).unwrap(), json!({"empty": []}));
        // Errors name the key, never the value.
        let err = set("{}", &["password"]).unwrap_err();
        assert_eq!(err.to_string(), "--set password: the key has no value (KEY=VALUE)");
        let err = set("{}", &["a..b=hunter2"]).unwrap_err().to_string();
        assert!(err.contains("a key part is empty") && !err.contains("hunter2"), "{err}");
        let err = set("{}", &["a[x]=hunter2"]).unwrap_err().to_string();
        assert!(err.contains("not a number") && !err.contains("hunter2"), "{err}");
    }

    #[test]
    fn values_merge_as_helm_merges_files() {
        use serde_json::json;
        let mut base = json!({"a":{"b":1,"c":[1,2]},"d":"x"});
        merge_values(&mut base, json!({"a":{"c":[3],"e":null},"d":{"f":1}}));
        assert_eq!(base, json!({"a":{"b":1,"c":[3],"e":null},"d":{"f":1}}));
        let bytes = values_bytes(&base);
        assert_eq!(bytes.len(), bytes.capacity());
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(), base);
        scrub_values(&mut base);
        assert_eq!(base, json!({"a":{"b":1,"c":[3],"e":null},"d":{"f":1}}));
        let mut secret = json!({"p":"hunter2","l":["x"]});
        scrub_values(&mut secret);
        assert_eq!(secret, json!({"p":"","l":[""]}));
    }

    #[test]
    fn status_json_is_read() {
        let status = parse_status(br#"{"name":"supabase","info":{"status":"deployed","description":"Upgrade complete"},"version":3,"namespace":"default"}"#).unwrap();
        assert_eq!((status.name.as_str(), status.version, status.status.as_str()), ("supabase", 3, "deployed"));
        assert!(parse_status(b"Error: release: not found").is_none());
    }
}
