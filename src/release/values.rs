//! Values files checked against the pinned chart's `values.yaml` before helm runs: keys the chart
//! does not have are reported, so a values file written for another chart layout (the 0.7 line moved
//! many keys) does not deploy silently wrong.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::exit::UsageError;

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
    fn registries_from_image_repositories() {
        let values = parse(
            "db:\n  image:\n    repository: ghcr.io/uw-thinklab/supabase-db\nkong:\n  image:\n    repository: kong\n",
        )
        .unwrap();
        assert_eq!(image_registries(&values), vec!["ghcr.io".to_string()]);
    }
}
