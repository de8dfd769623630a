//! Layered configuration with provenance: every leaf value remembers where it came from.
//!
//! Sources are parsed with `toml_edit` (which keeps spans, so errors and `ssp config` can name
//! file:line:column) into plain `toml::Value`s and deep-merged: tables merge key by key, any other
//! value (arrays included) replaces the one below.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::ConfigError;

/// A line and column, both 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// The position of byte `offset` in `text`; columns count characters. Scans `text` once: for
    /// many positions in one text use a [`LineIndex`].
    pub fn at(text: &str, offset: usize) -> Pos {
        LineIndex::new(text).pos(offset)
    }
}

/// The start of every line of a text, so a byte offset becomes a line and column in O(log lines +
/// line length) instead of a scan from the start (which made a 40k-key file take half a minute).
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineIndex { text, starts }
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|start| *start <= offset);
        let line_start = self.starts[line - 1];
        Pos { line, column: self.text[line_start..offset].chars().count() + 1 }
    }
}

/// Where a configuration value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// ssp's embedded `defaults.toml`.
    Default,
    /// A TOML file: where the key and where its value start.
    File { path: PathBuf, key: Pos, value: Pos },
    /// An `SSP_…` environment variable.
    Env(String),
    /// A command-line flag.
    Flag(String),
}

impl Origin {
    /// `file:line:column` of the value, or the env var / flag; for error messages.
    pub fn locate_value(&self) -> String {
        match self {
            Origin::File { path, value, .. } => format!("{}:{}:{}", path.display(), value.line, value.column),
            other => other.describe(),
        }
    }

    /// `file:line:column` of the key; for unknown-key errors.
    pub fn locate_key(&self) -> String {
        match self {
            Origin::File { path, key, .. } => format!("{}:{}:{}", path.display(), key.line, key.column),
            other => other.describe(),
        }
    }

    /// The long form for messages: `environment variable SSP_SEED_TIMEOUT`, `flag --mirror`.
    fn describe(&self) -> String {
        match self {
            Origin::Env(var) => format!("environment variable {var}"),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Origin {
    /// The short form `ssp config` prints: `default`, `ssp.toml:12`, `env SSP_CLUSTER_NAME`, `flag --mirror`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { path, value, .. } => write!(f, "{}:{}", path.display(), value.line),
            Origin::Env(var) => write!(f, "env {var}"),
            Origin::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// Dotted key paths (`cluster.ports[1]`) → origin.
pub type Origins = BTreeMap<String, Origin>;

/// A configuration value set by a command-line flag.
#[derive(Clone, Debug)]
pub struct FlagOverride {
    /// Dotted key path, e.g. `tools.mirror`.
    pub key: String,
    pub value: Value,
    /// The flag as the user typed it, e.g. `--mirror`.
    pub flag: String,
}

/// One parsed source: its values and where each came from.
pub struct Layer {
    pub table: Table,
    pub origins: Origins,
}

/// Parses TOML text. `shown_path` is how messages name the file.
pub fn parse_layer(text: &str, shown_path: Option<&Path>) -> Result<Layer, ConfigError> {
    let doc = toml_edit::Document::parse(text).map_err(|err| {
        let pos = Pos::at(text, err.span().map(|s| s.start).unwrap_or(0));
        ConfigError::Syntax {
            path: shown_path.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("<defaults>")),
            pos,
            message: err.message().trim().to_string(),
        }
    })?;
    let mut layer = Layer { table: Table::new(), origins: Origins::new() };
    let walker = Walker { lines: LineIndex::new(text), path: shown_path };
    walker.table(doc.as_table(), "", &mut layer.table, &mut layer.origins);
    Ok(layer)
}

struct Walker<'a> {
    lines: LineIndex<'a>,
    /// `None` for the embedded defaults.
    path: Option<&'a Path>,
}

impl Walker<'_> {
    fn origin(&self, key_span: Option<std::ops::Range<usize>>, value_span: Option<std::ops::Range<usize>>) -> Origin {
        match self.path {
            None => Origin::Default,
            Some(path) => {
                let key = self.lines.pos(key_span.clone().map(|s| s.start).unwrap_or(0));
                let value = value_span.map(|s| self.lines.pos(s.start)).unwrap_or(key);
                Origin::File { path: path.to_path_buf(), key, value }
            }
        }
    }

    fn table(&self, table: &toml_edit::Table, prefix: &str, out: &mut Table, origins: &mut Origins) {
        for (key, item) in table.iter() {
            let key_span = table.key(key).and_then(|k| k.span());
            let path = join(prefix, key);
            match item {
                toml_edit::Item::None => {}
                toml_edit::Item::Value(value) => {
                    let converted = self.value(value, &path, origins);
                    origins.insert(path, self.origin(key_span, value.span()));
                    out.insert(key.to_string(), converted);
                }
                toml_edit::Item::Table(sub) => {
                    let mut inner = Table::new();
                    self.table(sub, &path, &mut inner, origins);
                    origins.insert(path, self.origin(key_span.clone(), key_span));
                    out.insert(key.to_string(), Value::Table(inner));
                }
                toml_edit::Item::ArrayOfTables(array) => {
                    let mut items = Vec::new();
                    for (i, sub) in array.iter().enumerate() {
                        let mut inner = Table::new();
                        let element = format!("{path}[{i}]");
                        self.table(sub, &element, &mut inner, origins);
                        origins.insert(element, self.origin(sub.span(), sub.span()));
                        items.push(Value::Table(inner));
                    }
                    origins.insert(path, self.origin(key_span.clone(), key_span));
                    out.insert(key.to_string(), Value::Array(items));
                }
            }
        }
    }

    fn value(&self, value: &toml_edit::Value, path: &str, origins: &mut Origins) -> Value {
        match value {
            toml_edit::Value::String(s) => Value::String(s.value().clone()),
            toml_edit::Value::Integer(i) => Value::Integer(*i.value()),
            toml_edit::Value::Float(f) => Value::Float(*f.value()),
            toml_edit::Value::Boolean(b) => Value::Boolean(*b.value()),
            toml_edit::Value::Datetime(d) => Value::Datetime(*d.value()),
            toml_edit::Value::Array(array) => Value::Array(
                array
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let element = format!("{path}[{i}]");
                        let converted = self.value(v, &element, origins);
                        origins.insert(element, self.origin(v.span(), v.span()));
                        converted
                    })
                    .collect(),
            ),
            toml_edit::Value::InlineTable(table) => {
                let mut out = Table::new();
                for (key, v) in table.iter() {
                    let element = join(path, key);
                    let key_span = table.key(key).and_then(|k| k.span());
                    let converted = self.value(v, &element, origins);
                    origins.insert(element, self.origin(key_span, v.span()));
                    out.insert(key.to_string(), converted);
                }
                Value::Table(out)
            }
        }
    }
}

/// `a.b` joined; keys that are not bare TOML keys are quoted.
pub fn join(prefix: &str, key: &str) -> String {
    let bare = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare { key.to_string() } else { format!("{key:?}") };
    if prefix.is_empty() { key } else { format!("{prefix}.{key}") }
}

/// The merged result of all layers so far.
pub struct Merged {
    pub table: Table,
    pub origins: Origins,
}

impl Merged {
    pub fn new(base: Layer) -> Self {
        Merged { table: base.table, origins: base.origins }
    }

    /// Merges `layer` over what is here.
    pub fn apply(&mut self, layer: Layer) {
        let Layer { table, origins } = layer;
        merge_tables(&mut self.table, table, "", &mut self.origins);
        self.origins.extend(origins);
    }

    /// Sets one dotted key (env vars and flags); parent tables must exist.
    pub fn set(&mut self, key: &str, value: Value, origin: Origin) {
        let mut table = &mut self.table;
        let parts: Vec<&str> = key.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            let entry = table.entry(part.to_string()).or_insert_with(|| Value::Table(Table::new()));
            let Value::Table(next) = entry else { return };
            table = next;
        }
        forget_below(&mut self.origins, key);
        table.insert(parts[parts.len() - 1].to_string(), value);
        self.origins.insert(key.to_string(), origin);
    }

    /// The value at a dotted key path.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let mut current: Option<&Value> = None;
        let mut table = &self.table;
        for part in key.split('.') {
            let value = table.get(part)?;
            current = Some(value);
            if let Value::Table(next) = value {
                table = next;
            }
        }
        current
    }

    /// Every leaf (non-table value) with its dotted path, in order.
    pub fn leaves(&self) -> Vec<(String, &Value)> {
        let mut out = Vec::new();
        collect_leaves(&self.table, "", &mut out);
        out
    }
}

/// The dotted path of every leaf (non-table value) of `table`.
pub fn leaf_keys(table: &Table) -> Vec<String> {
    let mut out = Vec::new();
    collect_leaves(table, "", &mut out);
    out.into_iter().map(|(key, _)| key).collect()
}

fn collect_leaves<'a>(table: &'a Table, prefix: &str, out: &mut Vec<(String, &'a Value)>) {
    for (key, value) in table {
        let path = join(prefix, key);
        match value {
            Value::Table(sub) => collect_leaves(sub, &path, out),
            other => out.push((path, other)),
        }
    }
}

/// Drops the origins of everything below `path` (`path.x`, `path[0]`): two range scans of the
/// sorted map, not a pass over every origin per key.
fn forget_below(origins: &mut Origins, path: &str) {
    for prefix in [format!("{path}."), format!("{path}[")] {
        let below: Vec<String> =
            origins.range(prefix.clone()..).map(|(k, _)| k).take_while(|k| k.starts_with(&prefix)).cloned().collect();
        for key in below {
            origins.remove(&key);
        }
    }
}

fn merge_tables(base: &mut Table, layer: Table, prefix: &str, origins: &mut Origins) {
    for (key, value) in layer {
        let path = join(prefix, &key);
        match (base.get_mut(&key), value) {
            (Some(Value::Table(existing)), Value::Table(incoming)) => merge_tables(existing, incoming, &path, origins),
            (_, value) => {
                forget_below(origins, &path);
                base.insert(key, value);
            }
        }
    }
}

/// `SSP_CLUSTER_NAME` for `cluster.name`, `SSP_TOOLS_K3D_SHA256_LINUX_AMD64` for
/// `tools.k3d.sha256.linux-amd64`.
pub fn env_var_for(key: &str) -> String {
    let mut name = String::from("SSP_");
    for c in key.chars() {
        match c {
            '.' | '-' => name.push('_'),
            '"' => {}
            c => name.push(c.to_ascii_uppercase()),
        }
    }
    name
}

/// Parses an environment value as the type of the value it replaces.
pub fn parse_env_value(raw: &str, like: &Value) -> Result<Value, String> {
    match like {
        Value::String(_) => Ok(Value::String(raw.to_string())),
        Value::Integer(_) => {
            raw.trim().parse().map(Value::Integer).map_err(|_| format!("expected an integer, found {raw:?}"))
        }
        Value::Float(_) => {
            raw.trim().parse().map(Value::Float).map_err(|_| format!("expected a number, found {raw:?}"))
        }
        Value::Boolean(_) => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Value::Boolean(true)),
            "false" | "0" | "no" | "off" => Ok(Value::Boolean(false)),
            _ => Err(format!("expected true or false, found {raw:?}")),
        },
        Value::Array(_) => Ok(Value::Array(
            raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.to_string())).collect(),
        )),
        Value::Datetime(_) | Value::Table(_) => Err("cannot be set from the environment".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(Pos::at(text, 0), Pos { line: 1, column: 1 });
        let offset = text.find('=').unwrap();
        assert_eq!(Pos::at(text, offset), Pos { line: 1, column: 3 });
        let offset = text.find('"').unwrap();
        assert_eq!(Pos::at(text, offset), Pos { line: 2, column: 6 });
    }

    #[test]
    fn line_index_agrees_with_a_scan_from_the_start_at_every_offset() {
        let text = "a = 1\n\nbé = \"ü\"\r\n  [t]\nlast";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            let clamped = (0..=offset.min(text.len())).rev().find(|o| text.is_char_boundary(*o)).unwrap();
            let before = &text[..clamped];
            let line = before.matches('\n').count() + 1;
            let column = before[before.rfind('\n').map(|i| i + 1).unwrap_or(0)..].chars().count() + 1;
            assert_eq!(index.pos(offset), Pos { line, column }, "offset {offset}");
        }
    }

    #[test]
    fn forgetting_below_a_key_keeps_its_neighbours() {
        let mut origins = Origins::new();
        for key in ["a", "a.b", "a.b.c", "a[0]", "a[1].x", "ab", "a-b", "b"] {
            origins.insert(key.to_string(), Origin::Default);
        }
        forget_below(&mut origins, "a");
        assert_eq!(origins.keys().map(String::as_str).collect::<Vec<_>>(), ["a", "a-b", "ab", "b"]);
    }

    #[test]
    fn merge_replaces_arrays_and_merges_tables() {
        let base = parse_layer("[c]\nname = \"a\"\nports = [\"1\", \"2\"]\n", None).unwrap();
        let mut merged = Merged::new(base);
        let over = parse_layer("[c]\nports = [\"3\"]\n", Some(Path::new("ssp.toml"))).unwrap();
        merged.apply(over);
        assert_eq!(merged.get("c.name"), Some(&Value::String("a".into())));
        assert_eq!(merged.get("c.ports"), Some(&Value::Array(vec![Value::String("3".into())])));
        assert_eq!(merged.origins["c.name"], Origin::Default);
        assert_eq!(merged.origins["c.ports"].to_string(), "ssp.toml:2");
        assert_eq!(merged.origins["c.ports[0]"].locate_value(), "ssp.toml:2:10");
        assert!(!merged.origins.contains_key("c.ports[1]"), "stale element origin kept");
    }

    #[test]
    fn env_names_and_values() {
        assert_eq!(env_var_for("cluster.name"), "SSP_CLUSTER_NAME");
        assert_eq!(env_var_for("tools.k3d.sha256.linux-amd64"), "SSP_TOOLS_K3D_SHA256_LINUX_AMD64");
        assert_eq!(parse_env_value("no", &Value::Boolean(true)), Ok(Value::Boolean(false)));
        assert!(parse_env_value("maybe", &Value::Boolean(true)).is_err());
        assert_eq!(
            parse_env_value("80:80@loadbalancer, 443:443@loadbalancer", &Value::Array(vec![])).unwrap(),
            Value::Array(vec![
                Value::String("80:80@loadbalancer".into()),
                Value::String("443:443@loadbalancer".into())
            ])
        );
    }
}
