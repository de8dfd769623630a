//! `ssp config` output: the resolved values as TOML annotated with their origins, or JSON.

use std::path::Path;

use toml::{Table, Value};

use super::layers::{Origins, join};

/// `[section]` headers, then `key = value  # origin`; a section's sub-tables get their own headers
/// (`[tools.k3d]`), deeper tables are dotted keys (`sha256.linux-amd64 = …`). Comments are aligned
/// per section.
pub fn annotated_toml(table: &Table, origins: &Origins) -> String {
    let mut out = String::new();
    for (section, value) in table {
        match value {
            Value::Table(inner) => {
                let name = join("", section);
                let leaves: Table =
                    inner.iter().filter(|(_, v)| !is_section(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
                push_section(&mut out, &name, &leaves, origins);
                for (key, sub) in inner {
                    if let Value::Table(sub) = sub
                        && !sub.is_empty()
                    {
                        push_section(&mut out, &join(&name, key), sub, origins);
                    }
                }
            }
            other => out.push_str(&format!("{} = {}\n", join("", section), other)),
        }
    }
    out
}

fn is_section(value: &Value) -> bool {
    matches!(value, Value::Table(t) if !t.is_empty())
}

fn push_section(out: &mut String, name: &str, table: &Table, origins: &Origins) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!("[{name}]\n"));
    let mut rows = Vec::new();
    rows_of(table, name, "", origins, &mut rows);
    let width = rows.iter().map(|(line, _)| line.chars().count()).max().unwrap_or(0);
    for (line, origin) in rows {
        let pad = width - line.chars().count();
        out.push_str(&format!("{line}{}  # {origin}\n", " ".repeat(pad)));
    }
}

fn rows_of(table: &Table, full_prefix: &str, local_prefix: &str, origins: &Origins, rows: &mut Vec<(String, String)>) {
    for (key, value) in table {
        let full = join(full_prefix, key);
        let local = join(local_prefix, key);
        match value {
            Value::Table(inner) if !inner.is_empty() => rows_of(inner, &full, &local, origins, rows),
            other => {
                let origin = origins.get(&full).map(ToString::to_string).unwrap_or_else(|| "default".to_string());
                rows.push((format!("{local} = {other}"), origin));
            }
        }
    }
}

/// `{"root": …, "config": {…}, "origins": {"cluster.name": "default", …}}`.
pub fn json(table: &Table, origins: &Origins, root: &Path) -> serde_json::Value {
    let config = serde_json::to_value(table).unwrap_or(serde_json::Value::Null);
    let mut leaves = serde_json::Map::new();
    collect(table, "", origins, &mut leaves);
    serde_json::json!({
        "root": root.display().to_string(),
        "config": config,
        "origins": leaves,
    })
}

fn collect(table: &Table, prefix: &str, origins: &Origins, out: &mut serde_json::Map<String, serde_json::Value>) {
    for (key, value) in table {
        let full = join(prefix, key);
        match value {
            Value::Table(inner) => collect(inner, &full, origins, out),
            _ => {
                let origin = origins.get(&full).map(ToString::to_string).unwrap_or_else(|| "default".to_string());
                out.insert(full, serde_json::Value::String(origin));
            }
        }
    }
}
