//! Values files checked against the pinned chart's `values.yaml` before helm runs: keys the chart
//! does not have are reported, so a values file written for another chart layout (the 0.7 line moved
//! many keys) does not deploy silently wrong.

use serde_json::Value;

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

/// Keys in `values` that `chart` does not have. Free-form maps in the chart (declared empty, such
/// as `environment: {}` or `podAnnotations: {}`) and lists accept anything below them.
pub fn unknown_keys(chart: &Value, values: &Value) -> Vec<UnknownKey> {
    let mut out = Vec::new();
    walk(chart, values, "", &mut out);
    out
}

fn walk(chart: &Value, values: &Value, prefix: &str, out: &mut Vec<UnknownKey>) {
    let (Value::Object(declared), Value::Object(given)) = (chart, values) else { return };
    if declared.is_empty() {
        return; // a free-form map
    }
    for (key, value) in given {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match declared.get(key) {
            Some(Value::Object(inner)) if !inner.is_empty() => walk(&Value::Object(inner.clone()), value, &path, out),
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

    const CHART: &str = "db:\n  enabled: true\n  image:\n    repository: supabase/postgres\n    tag: \"15\"\n  environment: {}\n  service:\n    type: ClusterIP\n    port: 5432\nkong:\n  ingress:\n    enabled: false\n";

    #[test]
    fn reports_keys_the_chart_lacks_with_a_suggestion() {
        let chart = parse(CHART).unwrap();
        let values = parse("db:\n  enabeld: true\n  environment:\n    ANYTHING: x\n  service:\n    type: LoadBalancer\nstudio:\n  x: 1\n").unwrap();
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
