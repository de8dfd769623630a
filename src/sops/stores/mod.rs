//! File formats: parsing plaintext and encrypted files into branches and writing them back, and
//! where each format keeps the sops metadata (a `sops` key, a `[sops]` section, `sops_` lines).

pub mod dotenv;
pub mod ini;
pub mod json;
pub mod yaml;

use std::path::Path;

use super::error::{Result, SopsError};
use super::metadata::{self, Metadata};
use super::tree::{Branch, MapItem, Value};

/// The file formats sops knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Dotenv,
    Ini,
    /// Any other file: the whole content is one value under `data`; encrypted as JSON.
    Binary,
}

impl Format {
    /// sops' choice by extension: `.yaml`/`.yml`, `.json`, `.env`, `.ini`, else binary.
    pub fn from_path(path: &Path) -> Format {
        let name = path.to_string_lossy();
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            Format::Yaml
        } else if name.ends_with(".json") {
            Format::Json
        } else if name.ends_with(".env") {
            Format::Dotenv
        } else if name.ends_with(".ini") {
            Format::Ini
        } else {
            Format::Binary
        }
    }

    /// The names sops accepts for `--input-type`/`--output-type`.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "yaml" => Format::Yaml,
            "json" => Format::Json,
            "dotenv" => Format::Dotenv,
            "ini" => Format::Ini,
            "binary" => Format::Binary,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Dotenv => "dotenv",
            Format::Ini => "ini",
            Format::Binary => "binary",
        }
    }
}

/// Output settings from `.sops.yaml`'s `stores` section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// YAML indentation (sops' default 4).
    pub yaml_indent: usize,
    /// JSON indentation in spaces; `None` writes tabs (sops' default).
    pub json_indent: Option<usize>,
    /// The same for the JSON that holds an encrypted binary file.
    pub json_binary_indent: Option<usize>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { yaml_indent: 4, json_indent: None, json_binary_indent: None }
    }
}

fn text(format: Format, bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|_| SopsError::parse(format.name(), "the input is not UTF-8"))
}

/// Parses a plaintext file.
pub fn parse_plain(format: Format, bytes: &[u8]) -> Result<Vec<Branch>> {
    Ok(match format {
        Format::Yaml => yaml::parse(text(format, bytes)?)?,
        Format::Json => vec![json::parse(text(format, bytes)?)?],
        Format::Dotenv => vec![dotenv::parse(text(format, bytes)?)?],
        Format::Ini => vec![ini::parse(text(format, bytes)?)?],
        Format::Binary => {
            let v = match std::str::from_utf8(bytes) {
                Ok(s) => Value::Str(s.to_string()),
                Err(_) => Value::Bytes(bytes.to_vec()),
            };
            vec![vec![MapItem::Entry("data".into(), v)]]
        }
    })
}

/// The plaintext sops opens for `sops edit` of a file that does not exist yet (its stores'
/// `EmitExample`: the complex tree for YAML and JSON, the simple one for INI, the flat one for
/// dotenv, a line of text for binary), written the way this format writes plaintext.
pub fn example(format: Format) -> Vec<u8> {
    const HELLO: &str = "Welcome to SOPS! Edit this file as you please!";
    let source = match format {
        Format::Yaml => format!(
            "hello: {HELLO}\nexample_key: example_value\n# Example comment\nexample_array:\n    - example_value1\n    - example_value2\nexample_number: 1234.56789\nexample_booleans:\n    - true\n    - false\n"
        ),
        Format::Json => format!(
            "{{\"hello\": \"{HELLO}\", \"example_key\": \"example_value\", \"example_array\": [\"example_value1\", \"example_value2\"], \"example_number\": 1234.56789, \"example_booleans\": [true, false]}}"
        ),
        Format::Dotenv => {
            format!(
                "# This is an example file.\nhello={HELLO}\nexample_key=example_value\nexample_multiline=foo\\nbar\\nbaz\n"
            )
        }
        Format::Ini => {
            format!("[Welcome!]\n; This is an example file.\nhello = {HELLO}\nexample_key = example_value\n")
        }
        Format::Binary => return HELLO.as_bytes().to_vec(),
    };
    let branches = parse_plain(format, source.as_bytes()).expect("the example parses");
    emit_plain(format, &branches, &StoreOptions::default()).expect("the example emits")
}

/// Writes plaintext branches.
pub fn emit_plain(format: Format, branches: &[Branch], opts: &StoreOptions) -> Result<Vec<u8>> {
    let first = || branches.first().cloned().unwrap_or_default();
    Ok(match format {
        Format::Yaml => yaml::emit(branches, opts.yaml_indent).into_bytes(),
        Format::Json => json::emit(&first(), opts.json_indent)?.into_bytes(),
        Format::Dotenv => dotenv::emit(&first())?.into_bytes(),
        Format::Ini => ini::emit(&first())?.into_bytes(),
        Format::Binary => {
            let b = first();
            match b.iter().find_map(|i| match i {
                MapItem::Entry(k, v) if k == "data" => Some(v),
                _ => None,
            }) {
                Some(Value::Str(s)) => s.clone().into_bytes(),
                Some(Value::Bytes(b)) => b.clone(),
                _ => {
                    return Err(SopsError::Emit {
                        format: "binary",
                        reason: "the tree has no string 'data' key".into(),
                    });
                }
            }
        }
    })
}

/// Writes a single value, for `--extract`.
pub fn emit_value(format: Format, v: &Value, opts: &StoreOptions) -> Result<Vec<u8>> {
    Ok(match (format, v) {
        // Go sops' `extract`: a string is written as its raw bytes whatever the output format
        // (no quotes, no trailing newline); other values go through the store's `EmitValue`.
        (_, Value::Str(s)) => s.clone().into_bytes(),
        (Format::Yaml, v) => yaml::emit_value(v, opts.yaml_indent).into_bytes(),
        (_, v) => json::emit_value(v, opts.json_indent)?.into_bytes(),
    })
}

/// Splits the branches of an encrypted file into data and the raw metadata value.
pub fn split_metadata(format: Format, mut branches: Vec<Branch>) -> Result<(Vec<Branch>, Value)> {
    match format {
        Format::Dotenv => {
            let b = branches.first_mut().ok_or(SopsError::MetadataNotFound)?;
            let mut flat = Vec::new();
            b.retain(|i| match i {
                MapItem::Entry(k, v) if k.starts_with("sops_") => {
                    flat.push((k["sops_".len()..].to_string(), v.clone()));
                    false
                }
                _ => true,
            });
            if flat.is_empty() {
                return Err(SopsError::MetadataNotFound);
            }
            Ok((branches, metadata::unflatten(flat)?))
        }
        Format::Ini => {
            let b = branches.first_mut().ok_or(SopsError::MetadataNotFound)?;
            let pos = b
                .iter()
                .position(|i| matches!(i, MapItem::Entry(k, _) if k == "sops"))
                .ok_or(SopsError::MetadataNotFound)?;
            let MapItem::Entry(_, Value::Map(section)) = b.remove(pos) else {
                return Err(SopsError::InvalidMetadata("the [sops] section is not a section".into()));
            };
            let flat = section
                .into_iter()
                .filter_map(|i| match i {
                    MapItem::Entry(k, Value::Str(s)) => Some((k, Value::Str(s.replace("\\n", "\n")))),
                    MapItem::Entry(k, v) => Some((k, v)),
                    MapItem::Comment(_) => None,
                })
                .collect();
            Ok((branches, metadata::unflatten(flat)?))
        }
        Format::Yaml | Format::Json | Format::Binary => {
            let mut found = None;
            for (bi, b) in branches.iter_mut().enumerate() {
                let mut i = 0;
                while i < b.len() {
                    if matches!(&b[i], MapItem::Entry(k, _) if k == "sops") {
                        let MapItem::Entry(_, v) = b.remove(i) else { unreachable!() };
                        if bi == 0 {
                            if found.is_some() {
                                return Err(SopsError::InvalidMetadata("found a duplicate sops entry".into()));
                            }
                            found = Some(v);
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            Ok((branches, found.ok_or(SopsError::MetadataNotFound)?))
        }
    }
}

/// Does this plaintext tree already carry sops metadata?
pub fn has_metadata(format: Format, branches: &[Branch]) -> bool {
    branches.first().is_some_and(|b| {
        b.iter().any(|i| match i {
            MapItem::Entry(k, _) => match format {
                Format::Dotenv => k.starts_with("sops_"),
                _ => k == "sops",
            },
            MapItem::Comment(_) => false,
        })
    })
}

/// The items that carry the metadata in the format's layout, once no branch uses their keys.
fn metadata_items(format: Format, branches: &[Branch], md: &Metadata) -> Result<Vec<MapItem>> {
    let value = md.to_value();
    let mut extra: Vec<MapItem> = Vec::new();
    match format {
        Format::Dotenv | Format::Ini => {
            let mut flat = Vec::new();
            metadata::flatten(&value, "", &mut flat);
            if format == Format::Dotenv {
                extra.extend(flat.into_iter().map(|(k, v)| MapItem::Entry(format!("sops_{k}"), v)));
            } else {
                let section = flat
                    .into_iter()
                    .map(|(k, v)| match v {
                        Value::Str(s) => MapItem::Entry(k, Value::Str(s.replace('\n', "\\n"))),
                        v => MapItem::Entry(k, v),
                    })
                    .collect();
                extra.push(MapItem::Entry("sops".into(), Value::Map(section)));
            }
        }
        _ => extra.push(MapItem::Entry("sops".into(), value)),
    }
    for b in branches {
        for item in b {
            if let MapItem::Entry(k, _) = item {
                let reserved = match format {
                    Format::Dotenv => k.starts_with("sops_"),
                    _ => k == "sops",
                };
                if reserved {
                    return Err(SopsError::Emit {
                        format: format.name(),
                        reason: format!("the key {k:?} is reserved for the sops metadata"),
                    });
                }
            }
        }
    }
    Ok(extra)
}

/// The format an encrypted file is written in (binary files are stored as JSON).
pub fn encrypted_format(format: Format) -> Format {
    if format == Format::Binary { Format::Json } else { format }
}

/// Writes an encrypted file: each store writes the metadata's items after the data's, so the tree
/// is not copied to append them (a copy was ~10 % of a 10,000-leaf encrypt).
pub fn emit_encrypted(format: Format, branches: &[Branch], md: &Metadata, opts: &StoreOptions) -> Result<Vec<u8>> {
    let tail = metadata_items(format, branches, md)?;
    // The one-document formats write the first branch (none: an empty one, without metadata).
    let (first, first_tail) = match branches.first() {
        Some(b) => (b.as_slice(), tail.as_slice()),
        None => (&[][..], &[][..]),
    };
    Ok(match format {
        Format::Yaml => yaml::emit_with_tail(branches, &tail, opts.yaml_indent).into_bytes(),
        Format::Json => json::emit_with_tail(first, first_tail, opts.json_indent)?.into_bytes(),
        Format::Binary => json::emit_with_tail(first, first_tail, opts.json_binary_indent)?.into_bytes(),
        Format::Dotenv => dotenv::emit_with_tail(first, first_tail)?.into_bytes(),
        Format::Ini => ini::emit_with_tail(first, first_tail)?.into_bytes(),
    })
}

/// Parses an encrypted file into data branches and metadata.
pub fn parse_encrypted(format: Format, bytes: &[u8]) -> Result<(Vec<Branch>, Metadata)> {
    let branches = parse_plain(encrypted_format(format), bytes)?;
    let (branches, md) = split_metadata(format, branches)?;
    Ok((branches, Metadata::from_value(&md)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sops::EncryptionRules;

    /// Every format writes an encrypted file's metadata after its data without joining them into a
    /// copy of the tree first: the text is what writing the joined copy gives.
    #[test]
    fn the_metadata_is_written_as_if_appended_to_the_data() {
        let md = Metadata {
            key_groups: vec![vec![]],
            shamir_threshold: None,
            last_modified: "2020-01-01T00:00:00Z".into(),
            mac: "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]".into(),
            rules: EncryptionRules::default().normalized().unwrap(),
            version: "3.10.2".into(),
        };
        let opts = StoreOptions { yaml_indent: 2, json_indent: Some(3), json_binary_indent: None };
        for (format, plain) in [
            (Format::Yaml, &b"a: 1\n# c\nb: x\n---\nc: [1, 2]\n"[..]),
            (Format::Json, b"{\"a\": 1, \"b\": {\"c\": \"x\"}}"),
            (Format::Dotenv, b"# c\nA=1\nB=x\n"),
            (Format::Ini, b"[s]\nk = v\n"),
            (Format::Binary, b"raw bytes\n"),
        ] {
            let branches = parse_plain(format, plain).unwrap();
            let tail = metadata_items(format, &branches, &md).unwrap();
            let joined: Vec<Branch> = branches.iter().map(|b| b.iter().chain(&tail).cloned().collect()).collect();
            let expected = match format {
                Format::Binary => json::emit(&joined[0], opts.json_binary_indent).unwrap().into_bytes(),
                f => emit_plain(f, &joined, &opts).unwrap(),
            };
            let written = emit_encrypted(format, &branches, &md, &opts).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), String::from_utf8(expected).unwrap(), "{format:?}");
        }
        // A key the metadata uses is still refused.
        let taken = parse_plain(Format::Dotenv, b"sops_version=1\n").unwrap();
        assert!(matches!(emit_encrypted(Format::Dotenv, &taken, &md, &opts), Err(SopsError::Emit { .. })));
    }
}
