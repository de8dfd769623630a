//! Values files checked against the pinned chart's `values.yaml` before helm runs: keys the chart
//! does not have are reported, so a values file written for another chart layout (the 0.7 line moved
//! many keys) does not deploy silently wrong.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::exit::UsageError;
use crate::platform::output::Output;
use crate::platform::runner::Runner;
use crate::release::helm::{self, ValuesSource};
use crate::sops;

/// The values of one deploy, in helm's order: what helm gets (`sources`: files by path, decrypted
/// ones in memory) and their parsed trees, named, for the checks before anything changes. The trees
/// are scrubbed when the set is turned into its sources or dropped.
#[derive(Default)]
pub struct ValuesSet {
    sources: Vec<ValuesSource>,
    trees: Vec<(String, Value)>,
}

impl ValuesSet {
    /// A values file helm reads itself; `shown` names it in messages, `hint` says where the path came
    /// from.
    pub fn add_file(&mut self, path: PathBuf, shown: String, hint: &str) -> Result<(), UsageError> {
        let tree = read_file(&path, hint)?;
        self.trees.push((shown, tree));
        self.sources.push(ValuesSource::File(path));
        Ok(())
    }

    /// A SOPS-encrypted values file: decrypted in memory (the key commands go through `runner`),
    /// checked without quoting the plaintext in any error, handed to helm on stdin.
    pub fn add_encrypted(&mut self, path: &Path, shown: String, runner: &Runner) -> anyhow::Result<()> {
        let plaintext = decrypt(path, runner)?;
        let text = std::str::from_utf8(&plaintext)
            .map_err(|_| UsageError(format!("the decrypted {shown} is not UTF-8 text")))?;
        // Parse errors must not quote the plaintext.
        let tree = parse(text).map_err(|_| UsageError(format!("the decrypted {shown} is not valid YAML")))?;
        check_top_level(text, &tree).map_err(|why| UsageError(format!("the decrypted {shown}: {why}")))?;
        self.sources.push(ValuesSource::Memory { bytes: plaintext, label: format!("decrypted {shown}") });
        self.trees.push((shown, tree));
        Ok(())
    }

    /// `--set` values go to helm inside the values on its stdin, never on its command line (readable
    /// by every user in `/proc/<pid>/cmdline`): every source merged in order, as helm merges its
    /// `--values`, then the `--set`s applied as helm applies them. The `--set` keys join the trees
    /// for the chart check.
    pub fn apply_sets(&mut self, sets: &[String]) -> Result<(), UsageError> {
        if sets.is_empty() {
            return Ok(());
        }
        let mut merged = Value::Object(Default::default());
        for (_, tree) in &self.trees {
            helm::merge_values(&mut merged, tree.clone());
        }
        let mut only_sets = Value::Object(Default::default());
        for set in sets {
            let applied = helm::apply_set(&mut merged, set).and_then(|()| helm::apply_set(&mut only_sets, set));
            if let Err(err) = applied {
                helm::scrub_values(&mut merged);
                helm::scrub_values(&mut only_sets);
                return Err(UsageError(format!(
                    "{err}\nhint: helm's --set syntax is KEY=VALUE[,KEY=VALUE], keys dotted (a.b), lists as {{x,y}} or a[0]"
                )));
            }
        }
        let names: Vec<&str> = self.trees.iter().map(|(name, _)| name.as_str()).collect();
        let label = format!("{} with {} --set value(s)", names.join(", "), sets.len());
        let bytes = helm::values_bytes(&merged);
        helm::scrub_values(&mut merged);
        self.trees.push(("--set".to_string(), only_sets));
        self.sources = vec![ValuesSource::Memory { bytes, label }];
        Ok(())
    }

    /// Warns (or, with `strict`, fails) about keys the chart at `chart_dir` does not declare. A dry
    /// run of a fresh clone has no checkout yet: it says the check would follow the fetch.
    pub fn check_against_chart(
        &self,
        chart_dir: &Path,
        rev: &str,
        strict: bool,
        output: &Output,
        dry_run: bool,
    ) -> anyhow::Result<()> {
        if !chart_dir.join("Chart.yaml").is_file() {
            if dry_run {
                output.note(format!(
                    "would check the values against the chart's values.yaml after the fetch ({})",
                    chart_dir.display()
                ));
                return Ok(());
            }
            bail!(
                "the chart is not checked out: {} is missing\nhint: run `ssp fetch-chart` (pinned at {rev})",
                chart_dir.join("Chart.yaml").display()
            );
        }
        let chart = ChartSchema::load(chart_dir).map_err(|e| anyhow::anyhow!(e))?;
        let mut problems = 0;
        for (name, tree) in &self.trees {
            for unknown in unknown_keys(&chart, tree) {
                problems += 1;
                let suggestion = unknown.suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
                output.warn(format!("{name}: `{}` is not a value of the pinned chart{suggestion}", unknown.path));
            }
        }
        if problems > 0 && strict {
            return Err(UsageError(format!(
                "{problems} values key(s) unknown to the chart at {rev} (--strict)\nhint: the values may be written for another chart version"
            ))
            .into());
        }
        Ok(())
    }

    /// The image registries the values pull from (for the pull secret).
    pub fn registries(&self) -> Vec<String> {
        let mut all: Vec<String> = self.trees.iter().flat_map(|(_, t)| image_registries(t)).collect();
        all.sort();
        all.dedup();
        all
    }

    /// The values every source and `--set` add up to, as helm merges them (scrub it after use).
    pub fn merged(&self) -> Value {
        let mut merged = Value::Object(Default::default());
        for (_, tree) in &self.trees {
            helm::merge_values(&mut merged, tree.clone());
        }
        merged
    }

    /// For the chart's own images (`ssp images --upstream`): one source in memory, every source
    /// merged with each component's `image` removed, so the chart's defaults apply to the same
    /// components the values enable.
    pub fn drop_images(&mut self) {
        let mut merged = self.merged();
        remove_images(&mut merged);
        let bytes = helm::values_bytes(&merged);
        helm::scrub_values(&mut merged);
        self.sources = vec![ValuesSource::Memory { bytes, label: "the values without their images".to_string() }];
    }

    /// A copy of what helm gets, for a `helm template` before the install (in-memory sources are
    /// zeroized copies).
    pub fn sources(&self) -> Vec<ValuesSource> {
        self.sources.clone()
    }

    /// What helm gets; the parsed trees (the decrypted one among them) are scrubbed here.
    pub fn into_sources(mut self) -> Vec<ValuesSource> {
        std::mem::take(&mut self.sources)
    }
}

impl Drop for ValuesSet {
    fn drop(&mut self) {
        for (_, tree) in &mut self.trees {
            helm::scrub_values(tree);
        }
    }
}

/// Decrypts a SOPS file to YAML in memory.
fn decrypt(path: &Path, runner: &Runner) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let bytes = std::fs::read(path).map_err(|e| {
        UsageError(format!(
            "cannot read the cloud values {}: {e}\nhint: set [values] cloud in ssp.toml",
            path.display()
        ))
    })?;
    let format = sops::Format::from_path(path);
    // Key sources whose gpg and age key commands go through the runner (logged, stoppable).
    let keys = crate::secrets::keys::key_sources(runner);
    sops::decrypt_bytes(
        &bytes,
        format,
        sops::Format::Yaml,
        &keys,
        sops::DecryptOptions::default(),
        sops::StoreOptions::default(),
    )
    .with_context(|| format!("cannot decrypt {}", path.display()))
}

/// A key path in a values file that the chart does not declare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownKey {
    pub path: String,
    /// A sibling the chart does declare, when one is close.
    pub suggestion: Option<String>,
}

/// Parses YAML text into a JSON-like tree (maps, lists, scalars).
pub fn parse(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_saphyr::from_str::<Value>(text).map_err(|e| e.to_string())
}

/// Reads a values file for helm. Every way it can be unusable — missing, a folder, not UTF-8, not
/// YAML, empty, a top level that is not a mapping — is a configuration error (exit 2), found before
/// anything changes. `hint` says where the path came from.
pub fn read_file(path: &Path, hint: &str) -> Result<Value, UsageError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read the values file {}: {e}\nhint: {hint}", path.display())))?;
    let tree = parse(&text).map_err(|e| UsageError(format!("{}: invalid YAML: {e}", path.display())))?;
    check_top_level(&text, &tree).map_err(|why| UsageError(format!("{}: {why}", path.display())))?;
    Ok(tree)
}

/// Helm merges values files as maps: anything else at the top level is refused, an empty file too
/// (a truncated or unsaved file, more likely than a wish for no values; `{}` says that on purpose).
/// The message never quotes the content (it may be decrypted secrets).
pub fn check_top_level(text: &str, tree: &Value) -> Result<(), String> {
    let found = match tree {
        Value::Object(_) if !text.trim().is_empty() => return Ok(()),
        Value::Object(_) | Value::Null => "the file is empty (no YAML document, or only comments)",
        Value::Array(_) => "the top level is a list",
        _ => "the top level is a single value",
    };
    Err(format!(
        "{found}; the top level must be a mapping of chart values, e.g. `db:` with settings below it\nhint: write `{{}}` for a file that deliberately sets no values"
    ))
}

/// What the chart accepts: its `values.yaml` and the `.Values.…` paths its templates read.
pub struct ChartSchema {
    pub values: Value,
    /// Dotted paths read by templates (`.Values.vector.volumeMounts`, `.Values.secret.smtp`); everything
    /// below such a path is consumed as a whole (ranged over, passed to `toYaml`).
    pub references: BTreeSet<String>,
}

impl ChartSchema {
    /// Reads `values.yaml` and every template of the chart directory.
    pub fn load(chart_dir: &Path) -> Result<ChartSchema, String> {
        let path = chart_dir.join("values.yaml");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let values = parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut references = BTreeSet::new();
        let mut pending = vec![chart_dir.join("templates")];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    references.extend(template_references(&text));
                }
            }
        }
        Ok(ChartSchema { values, references })
    }
}

/// `.Values.a.b` paths in template text, as `a.b`.
pub fn template_references(text: &str) -> BTreeSet<String> {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let pattern = PATTERN.get_or_init(|| regex::Regex::new(r"\.Values((?:\.[A-Za-z0-9_]+)+)").expect("valid regex"));
    pattern.captures_iter(text).map(|c| c[1].trim_start_matches('.').to_string()).collect()
}

/// Keys in `values` that the chart does not have. Free-form maps in `values.yaml` (declared empty, such
/// as `podAnnotations: {}`), lists, and anything below a path the templates read whole accept any key.
pub fn unknown_keys(chart: &ChartSchema, values: &Value) -> Vec<UnknownKey> {
    let mut out = Vec::new();
    walk(&chart.values, values, "", &chart.references, &mut out);
    out
}

fn walk(chart: &Value, values: &Value, prefix: &str, refs: &BTreeSet<String>, out: &mut Vec<UnknownKey>) {
    let (Value::Object(declared), Value::Object(given)) = (chart, values) else { return };
    if declared.is_empty() {
        return; // a free-form map
    }
    for (key, value) in given {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        if refs.contains(&path) {
            continue; // read whole by a template: what is below is the template's business
        }
        match declared.get(key) {
            Some(Value::Object(inner)) if !inner.is_empty() => {
                walk(&Value::Object(inner.clone()), value, &path, refs, out)
            }
            Some(_) => {}
            None => {
                let suggestion = declared
                    .keys()
                    .map(|k| (strsim::jaro_winkler(key, k), k))
                    .filter(|(score, _)| *score >= 0.85)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, k)| if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") });
                out.push(UnknownKey { path, suggestion });
            }
        }
    }
}

/// Container image repositories named in a values tree (`image.repository`), for registry auth.
pub fn image_registries(values: &Value) -> Vec<String> {
    let mut registries = Vec::new();
    collect_registries(values, &mut registries);
    registries.sort();
    registries.dedup();
    registries
}

fn collect_registries(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(image)) = map.get("image")
                && let Some(Value::String(repo)) = image.get("repository")
                && let Some((host, _)) = repo.split_once('/')
                && (host.contains('.') || host.contains(':') || host == "localhost")
            {
                out.push(host.to_string());
            }
            for v in map.values() {
                collect_registries(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_registries(v, out)),
        _ => {}
    }
}

/// `image` mappings (those holding `repository`) removed wherever they are.
fn remove_images(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("image").is_some_and(|i| i.get("repository").is_some()) {
                map.remove("image");
            }
            map.values_mut().for_each(remove_images);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_images),
        _ => {}
    }
}

/// Every `image.repository` of a values tree with its dotted path (`db.image.repository`), in
/// document order: the keys a mirror changes.
pub fn image_repository_paths(values: &Value) -> Vec<(String, String)> {
    fn walk(value: &Value, path: &str, out: &mut Vec<(String, String)>) {
        if let Value::Object(map) = value {
            if let Some(Value::String(repo)) = map.get("image").and_then(|i| i.get("repository")) {
                let key =
                    if path.is_empty() { "image.repository".to_string() } else { format!("{path}.image.repository") };
                out.push((key, repo.clone()));
            }
            for (k, v) in map {
                walk(v, &if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(values, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHART: &str = "secret:\n  smtp:\n    secretRefKey:\n      username: username\ndb:\n  enabled: true\n  image:\n    repository: supabase/postgres\n    tag: \"15\"\n  environment: {}\n  service:\n    type: ClusterIP\n    port: 5432\nkong:\n  ingress:\n    enabled: false\n";

    #[test]
    fn reports_keys_the_chart_lacks_with_a_suggestion() {
        let refs = template_references("{{ range $k, $v := .Values.secret.smtp }}{{ .Values.db.image.tag }}");
        let chart = ChartSchema { values: parse(CHART).unwrap(), references: refs };
        let values = parse(
            "db:\n  enabeld: true\n  environment:\n    ANYTHING: x\n  service:\n    type: LoadBalancer\nstudio:\n  x: 1\nsecret:\n  smtp:\n    username: u\n",
        )
        .unwrap();
        let unknown = unknown_keys(&chart, &values);
        assert_eq!(
            unknown,
            vec![
                UnknownKey { path: "db.enabeld".into(), suggestion: Some("db.enabled".into()) },
                UnknownKey { path: "studio".into(), suggestion: None },
            ]
        );
    }

    #[test]
    fn image_repositories_with_their_paths_and_dropped() {
        let mut values = parse(
            "db:\n  image:\n    repository: ghcr.io/uw-thinklab/supabase-db\n    tag: \"1\"\n  enabled: true\nkong:\n  image:\n    repository: kong\n",
        )
        .unwrap();
        assert_eq!(
            image_repository_paths(&values),
            vec![
                ("db.image.repository".to_string(), "ghcr.io/uw-thinklab/supabase-db".to_string()),
                ("kong.image.repository".to_string(), "kong".to_string())
            ]
        );
        remove_images(&mut values);
        assert_eq!(values, parse("db:\n  enabled: true\nkong: {}\n").unwrap());
    }

    #[test]
    fn registries_from_image_repositories() {
        let values = parse(
            "db:\n  image:\n    repository: ghcr.io/uw-thinklab/supabase-db\nkong:\n  image:\n    repository: kong\n",
        )
        .unwrap();
        assert_eq!(image_registries(&values), vec!["ghcr.io".to_string()]);
    }
}
