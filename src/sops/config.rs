//! `.sops.yaml`: discovery (walking up from a directory like sops' `FindConfigFile`), creation
//! rules (first rule whose `path_regex` matches the file path relative to the config's directory,
//! or a rule without `path_regex`), and the `stores` indentation settings.

use std::path::{Path, PathBuf};

use super::EncryptionSpec;
use super::error::{Result, SopsError};
use super::keys::{KmsRecipient, RecipientGroup};
use super::metadata::EncryptionRules;
use super::stores::{self, StoreOptions};
use super::tree::{Branch, MapItem, SeqItem, Value};

const CONFIG_NAME: &str = ".sops.yaml";
const MAX_DEPTH: usize = 100;

/// One creation rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreationRule {
    pub path_regex: Option<String>,
    pub groups: Vec<RecipientGroup>,
    pub shamir_threshold: Option<usize>,
    pub rules: EncryptionRules,
}

impl CreationRule {
    /// What a new file (or `updatekeys`) under this rule is encrypted with.
    pub fn spec(&self) -> EncryptionSpec {
        EncryptionSpec {
            groups: self.groups.clone(),
            shamir_threshold: self.shamir_threshold,
            rules: self.rules.clone(),
        }
    }
}

/// A parsed `.sops.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SopsConfig {
    /// Where it was read from (rules match paths relative to its directory).
    pub path: PathBuf,
    pub creation_rules: Vec<CreationRule>,
    pub stores: StoreOptions,
}

fn cfg_err(path: &Path, msg: impl std::fmt::Display) -> SopsError {
    SopsError::Config(format!("{}: {msg}", path.display()))
}

fn entry<'a>(m: &'a Branch, k: &str) -> Option<&'a Value> {
    m.iter().find_map(|i| match i {
        MapItem::Entry(key, v) if key == k => Some(v),
        _ => None,
    })
}

fn string_of(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// sops' `parseKeyField`: a comma-separated string or a list of strings.
fn key_list(v: Option<&Value>, path: &Path, field: &str) -> Result<Vec<String>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Str(s)) => Ok(s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()),
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|i| match i {
                SeqItem::Value(v) => Some(v),
                SeqItem::Comment(_) => None,
            })
            .map(|v| {
                string_of(v)
                    .map(|s| s.trim().to_string())
                    .ok_or_else(|| cfg_err(path, format!("{field} entries must be strings")))
            })
            .collect(),
        Some(_) => Err(cfg_err(path, format!("{field} must be a string or a list of strings"))),
    }
}

fn usize_of(v: Option<&Value>, path: &Path, field: &str) -> Result<Option<usize>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(i)) if *i >= 0 => Ok(Some(*i as usize).filter(|n| *n > 0)),
        Some(_) => Err(cfg_err(path, format!("{field} must be a non-negative integer"))),
    }
}

fn opt_string(m: &Branch, k: &str) -> Option<String> {
    entry(m, k).and_then(string_of).filter(|s| !s.is_empty())
}

fn parse_rule(m: &Branch, path: &Path) -> Result<CreationRule> {
    let aws_profile = opt_string(m, "aws_profile");
    // As sops: an empty `key_groups` list falls back to the rule's top-level keys.
    let groups = match entry(m, "key_groups") {
        Some(Value::Seq(gs)) if gs.iter().any(|g| matches!(g, SeqItem::Value(_))) => {
            let mut out = Vec::new();
            for g in gs {
                let SeqItem::Value(Value::Map(g)) = g else {
                    continue;
                };
                let mut kms = Vec::new();
                if let Some(Value::Seq(ks)) = entry(g, "kms") {
                    for k in ks {
                        if let SeqItem::Value(Value::Map(k)) = k {
                            let context = match entry(k, "context") {
                                Some(Value::Map(c)) => c
                                    .iter()
                                    .filter_map(|i| match i {
                                        MapItem::Entry(ck, cv) => Some((ck.clone(), string_of(cv).unwrap_or_default())),
                                        MapItem::Comment(_) => None,
                                    })
                                    .collect(),
                                _ => Vec::new(),
                            };
                            kms.push(KmsRecipient {
                                arn: opt_string(k, "arn").ok_or_else(|| cfg_err(path, "a kms key needs an arn"))?,
                                role: opt_string(k, "role"),
                                aws_profile: opt_string(k, "aws_profile"),
                                context,
                            });
                        }
                    }
                }
                out.push(RecipientGroup {
                    age: key_list(entry(g, "age"), path, "age")?,
                    pgp: key_list(entry(g, "pgp"), path, "pgp")?,
                    kms,
                });
            }
            out
        }
        _ => {
            let group = RecipientGroup {
                age: key_list(entry(m, "age"), path, "age")?,
                pgp: key_list(entry(m, "pgp"), path, "pgp")?,
                kms: key_list(entry(m, "kms"), path, "kms")?
                    .into_iter()
                    .map(|arn| KmsRecipient { aws_profile: aws_profile.clone(), ..KmsRecipient::from_arn_string(&arn) })
                    .collect(),
            };
            if group.is_empty() { Vec::new() } else { vec![group] }
        }
    };
    let rules = EncryptionRules {
        unencrypted_suffix: opt_string(m, "unencrypted_suffix"),
        encrypted_suffix: opt_string(m, "encrypted_suffix"),
        unencrypted_regex: opt_string(m, "unencrypted_regex"),
        encrypted_regex: opt_string(m, "encrypted_regex"),
        unencrypted_comment_regex: opt_string(m, "unencrypted_comment_regex"),
        encrypted_comment_regex: opt_string(m, "encrypted_comment_regex"),
        mac_only_encrypted: matches!(entry(m, "mac_only_encrypted"), Some(Value::Bool(true))),
    }
    .normalized()
    .map_err(|e| cfg_err(path, e))?;
    let path_regex = opt_string(m, "path_regex");
    if let Some(re) = &path_regex {
        regex::Regex::new(re).map_err(|e| cfg_err(path, format!("path_regex {re:?} is invalid: {e}")))?;
    }
    Ok(CreationRule {
        path_regex,
        groups,
        shamir_threshold: usize_of(entry(m, "shamir_threshold"), path, "shamir_threshold")?,
        rules,
    })
}

impl SopsConfig {
    /// Finds `.sops.yaml` in `start` or its parents, as sops does from the working directory.
    pub fn find(start: &Path) -> Result<PathBuf> {
        let mut dir = Some(start);
        for _ in 0..MAX_DEPTH {
            let Some(d) = dir else { break };
            let candidate = d.join(CONFIG_NAME);
            if candidate.is_file() {
                return Ok(candidate);
            }
            dir = d.parent();
        }
        Err(SopsError::ConfigNotFound(start.display().to_string()))
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| SopsError::Io { context: format!("could not read {}", path.display()), source })?;
        Self::parse(&text, path)
    }

    /// Parses config text; `path` locates it for relative rule matching and messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let branches = stores::yaml::parse(text).map_err(|e| cfg_err(path, e))?;
        let empty = Vec::new();
        let root = branches.first().unwrap_or(&empty);
        let mut creation_rules = Vec::new();
        if let Some(Value::Seq(rules)) = entry(root, "creation_rules") {
            for r in rules {
                if let SeqItem::Value(Value::Map(m)) = r {
                    creation_rules.push(parse_rule(m, path)?);
                }
            }
        }
        let mut stores = StoreOptions::default();
        if let Some(Value::Map(s)) = entry(root, "stores") {
            let indent = |name: &str| -> Option<i64> {
                match entry(s, name) {
                    Some(Value::Map(m)) => match entry(m, "indent") {
                        Some(Value::Int(i)) => Some(*i),
                        _ => None,
                    },
                    _ => None,
                }
            };
            if let Some(i) = indent("yaml") {
                if i < 0 {
                    return Err(cfg_err(path, "YAML negative indentation is not accepted"));
                }
                if i > 0 {
                    stores.yaml_indent = i as usize;
                }
            }
            if let Some(i) = indent("json") {
                stores.json_indent = usize::try_from(i).ok();
            }
            if let Some(i) = indent("json_binary") {
                stores.json_binary_indent = usize::try_from(i).ok();
            }
        }
        Ok(SopsConfig { path: path.to_path_buf(), creation_rules, stores })
    }

    /// The creation rule for a file: the first whose `path_regex` matches the file's path relative
    /// to the config's directory (or the first rule without `path_regex`).
    pub fn rule_for(&self, file: &Path) -> Result<&CreationRule> {
        let abs = if file.is_absolute() {
            file.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|source| SopsError::Io { context: "could not read the current directory".into(), source })?
                .join(file)
        };
        let dir =
            self.path
                .parent()
                .map(|p| {
                    if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) }
                })
                .unwrap_or_default();
        let rel = abs.strip_prefix(&dir).map_or_else(|_| abs.clone(), Path::to_path_buf);
        let rel = rel.to_string_lossy();
        for rule in &self.creation_rules {
            match &rule.path_regex {
                None => return Ok(rule),
                Some(re) => {
                    let re = regex::Regex::new(re).map_err(|e| cfg_err(&self.path, e))?;
                    if re.is_match(&rel) {
                        return Ok(rule);
                    }
                }
            }
        }
        Err(cfg_err(&self.path, format!("no creation rule matches {rel}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: &str = r#"
stores:
    yaml:
        indent: 2
creation_rules:
    - path_regex: deployment/values\.cloud\.yaml$
      age: age1aaa, age1bbb
      pgp:
        - FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4
      kms: arn:aws:kms:us-west-2:1:key/x+arn:aws:iam::1:role/r
      encrypted_regex: ^(data|stringData)$
    - path_regex: groups\.yaml$
      shamir_threshold: 2
      key_groups:
        - age: [age1aaa]
        - pgp: [ABCDEF]
          kms:
            - arn: arn:aws:kms:eu-west-1:1:key/y
              context:
                app: ssp
    - age: age1ccc
"#;

    #[test]
    fn parses_rules_and_stores() {
        let c = SopsConfig::parse(CFG, Path::new("/repo/.sops.yaml")).unwrap();
        assert_eq!(c.stores.yaml_indent, 2);
        let r = c.rule_for(Path::new("/repo/deployment/values.cloud.yaml")).unwrap();
        assert_eq!(r.groups[0].age, vec!["age1aaa", "age1bbb"]);
        assert_eq!(r.groups[0].kms[0].role.as_deref(), Some("arn:aws:iam::1:role/r"));
        assert_eq!(r.rules.encrypted_regex.as_deref(), Some("^(data|stringData)$"));
        assert_eq!(r.rules.unencrypted_suffix, None);
        let g = c.rule_for(Path::new("/repo/x/groups.yaml")).unwrap();
        assert_eq!(g.groups.len(), 2);
        assert_eq!(g.shamir_threshold, Some(2));
        assert_eq!(g.groups[1].kms[0].context, vec![("app".to_string(), "ssp".to_string())]);
        let d = c.rule_for(Path::new("/repo/other.json")).unwrap();
        assert_eq!(d.groups[0].age, vec!["age1ccc"]);
    }

    #[test]
    fn finds_the_config_in_a_parent_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".sops.yaml"), CFG).unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        assert_eq!(SopsConfig::find(&nested).unwrap(), dir.path().join(".sops.yaml"));
        let other = tempfile::tempdir().unwrap();
        // Only fails if no .sops.yaml exists above the temp dir either.
        if SopsConfig::find(other.path()).is_err() {
            assert!(matches!(SopsConfig::find(other.path()), Err(SopsError::ConfigNotFound(_))));
        }
    }

    #[test]
    fn unmatched_files_and_bad_regexes_are_errors() {
        let c = SopsConfig::parse(
            "creation_rules:\n    - path_regex: ^only$\n      age: age1x\n",
            Path::new("/r/.sops.yaml"),
        )
        .unwrap();
        assert!(c.rule_for(Path::new("/r/else")).is_err());
        assert!(SopsConfig::parse("creation_rules:\n    - path_regex: '('\n", Path::new("/r/.sops.yaml")).is_err());
    }
}
