//! The `sops` metadata section: master keys and key groups, MAC, `lastmodified`, the
//! encryption-rule options and the version, read and written as sops' `stores/stores.go` does
//! (keys sorted by name, empty key lists left out, one group flat, several as `key_groups`).
//! Key types ssp cannot use are kept field by field and written back untouched.

use std::collections::BTreeMap;

use super::error::{Result, SopsError};
use super::tree::{Branch, MapItem, SeqItem, Value};

/// The sops version ssp writes into new metadata (the 3.x format it is compatible with).
pub const SOPS_FORMAT_VERSION: &str = "3.10.2";

/// sops' default when a file names no encryption rule.
pub const DEFAULT_UNENCRYPTED_SUFFIX: &str = "_unencrypted";

/// An age recipient with the data key encrypted (armored) to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgeKey {
    pub recipient: String,
    pub enc: String,
}

/// A PGP key (by fingerprint) with the data key encrypted (armored) to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgpKey {
    pub fingerprint: String,
    pub created_at: String,
    pub enc: String,
}

/// A master key kept as its fields: AWS KMS (usable through a [`super::keys::KmsService`]) and the
/// types ssp cannot use (gcp_kms, azure_kv, hc_vault, hckms), carried through edits untouched.
#[derive(Clone, Debug, PartialEq)]
pub struct OpaqueKey {
    /// The metadata list the key lives in: `kms`, `gcp_kms`, `azure_kv`, `hc_vault`, `hckms`.
    pub kind: String,
    /// Its fields in file order; none of them is secret (the data key in `enc` is encrypted).
    pub fields: Vec<(String, String)>,
}

impl OpaqueKey {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn set_field(&mut self, name: &str, value: String) {
        match self.fields.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value,
            None => self.fields.push((name.to_string(), value)),
        }
    }

    /// The identifier sops prints for the key (ARN, resource id, vault URL, …).
    pub fn identifier(&self) -> String {
        let main = match self.kind.as_str() {
            "kms" => "arn",
            "gcp_kms" => "resource_id",
            "azure_kv" => "vault_url",
            "hc_vault" => "vault_address",
            "hckms" => "key_id",
            _ => "",
        };
        let mut id = self.field(main).unwrap_or("?").to_string();
        if self.kind == "azure_kv" || self.kind == "hc_vault" {
            for extra in ["engine_path", "key_name", "name", "version"] {
                if let Some(v) = self.field(extra) {
                    id.push('/');
                    id.push_str(v);
                }
            }
        }
        if let Some(role) = self.field("role").filter(|r| !r.is_empty()) {
            id.push_str(&format!(" (role {role})"));
        }
        id
    }
}

/// One master key of a key group.
#[derive(Clone, Debug, PartialEq)]
pub enum MasterKey {
    Age(AgeKey),
    Pgp(PgpKey),
    Opaque(OpaqueKey),
}

impl MasterKey {
    /// How the key is named in messages: `age age1…`, `pgp FBC7…`, `kms arn:…`.
    pub fn describe(&self) -> String {
        match self {
            MasterKey::Age(k) => format!("age {}", k.recipient),
            MasterKey::Pgp(k) => format!("pgp {}", k.fingerprint),
            MasterKey::Opaque(k) => format!("{} {}", k.kind, k.identifier()),
        }
    }

    /// Whether two entries name the same master key: the same age recipient, PGP fingerprint
    /// (ignoring case), or key of another type with the same identifier (a KMS ARN and role).
    pub fn same_key(&self, other: &MasterKey) -> bool {
        match (self, other) {
            (MasterKey::Age(a), MasterKey::Age(b)) => a.recipient == b.recipient,
            (MasterKey::Pgp(a), MasterKey::Pgp(b)) => a.fingerprint.eq_ignore_ascii_case(&b.fingerprint),
            (MasterKey::Opaque(a), MasterKey::Opaque(b)) => a.kind == b.kind && a.identifier() == b.identifier(),
            _ => false,
        }
    }

    /// sops' decryption order: age first, then pgp, then everything else.
    fn priority(&self) -> u8 {
        match self {
            MasterKey::Age(_) => 0,
            MasterKey::Pgp(_) => 1,
            MasterKey::Opaque(_) => 2,
        }
    }

    pub fn encrypted_data_key(&self) -> &str {
        match self {
            MasterKey::Age(k) => &k.enc,
            MasterKey::Pgp(k) => &k.enc,
            MasterKey::Opaque(k) => k.field("enc").unwrap_or(""),
        }
    }
}

/// Which values (and comments) are encrypted; at most one of the regex/suffix rules is set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptionRules {
    pub unencrypted_suffix: Option<String>,
    pub encrypted_suffix: Option<String>,
    pub unencrypted_regex: Option<String>,
    pub encrypted_regex: Option<String>,
    pub unencrypted_comment_regex: Option<String>,
    pub encrypted_comment_regex: Option<String>,
    /// The MAC covers only the values that end up encrypted.
    pub mac_only_encrypted: bool,
}

impl EncryptionRules {
    fn count(&self) -> usize {
        [
            &self.unencrypted_suffix,
            &self.encrypted_suffix,
            &self.unencrypted_regex,
            &self.encrypted_regex,
            &self.unencrypted_comment_regex,
            &self.encrypted_comment_regex,
        ]
        .iter()
        .filter(|o| o.as_deref().is_some_and(|s| !s.is_empty()))
        .count()
    }

    /// Checks that at most one rule is set, and falls back to sops' default
    /// (`unencrypted_suffix: _unencrypted`) when none is.
    pub fn normalized(mut self) -> Result<Self> {
        if self.count() > 1 {
            return Err(SopsError::InvalidMetadata(
                "cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex".into(),
            ));
        }
        if self.count() == 0 {
            self.unencrypted_suffix = Some(DEFAULT_UNENCRYPTED_SUFFIX.into());
        }
        for re in [
            &self.unencrypted_regex,
            &self.encrypted_regex,
            &self.unencrypted_comment_regex,
            &self.encrypted_comment_regex,
        ]
        .into_iter()
        .flatten()
        {
            regex::Regex::new(re)
                .map_err(|e| SopsError::InvalidMetadata(format!("invalid regular expression {re:?}: {e}")))?;
        }
        Ok(self)
    }
}

/// The parsed `sops` section of a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Metadata {
    pub key_groups: Vec<Vec<MasterKey>>,
    /// Shares needed when there are several key groups (`None`: all of them).
    pub shamir_threshold: Option<usize>,
    /// RFC 3339 as written in the file.
    pub last_modified: String,
    /// The encrypted MAC (`ENC[…]`), empty when the file has none.
    pub mac: String,
    pub rules: EncryptionRules,
    pub version: String,
}

impl Metadata {
    /// The number of key-group shares needed to rebuild the data key.
    pub fn threshold(&self) -> usize {
        if self.key_groups.len() <= 1 {
            1
        } else {
            match self.shamir_threshold {
                Some(t) if t > 0 => t,
                _ => self.key_groups.len(),
            }
        }
    }

    /// Indices of a group's keys in the order sops tries them (age, pgp, others).
    pub fn decryption_order(group: &[MasterKey]) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..group.len()).collect();
        idx.sort_by_key(|&i| group[i].priority());
        idx
    }

    /// Reads the metadata from the value of the `sops` key.
    pub fn from_value(v: &Value) -> Result<Self> {
        let Value::Map(m) = v else {
            return Err(SopsError::InvalidMetadata("the sops entry is not a mapping".into()));
        };
        let get = |k: &str| entry(m, k);
        let string = |k: &str| get(k).and_then(scalar_string).filter(|s| !s.is_empty());
        let last_modified =
            string("lastmodified").ok_or_else(|| SopsError::InvalidMetadata("lastmodified is missing".into()))?;
        canonical_rfc3339(&last_modified)?;
        let rules = EncryptionRules {
            unencrypted_suffix: string("unencrypted_suffix"),
            encrypted_suffix: string("encrypted_suffix"),
            unencrypted_regex: string("unencrypted_regex"),
            encrypted_regex: string("encrypted_regex"),
            unencrypted_comment_regex: string("unencrypted_comment_regex"),
            encrypted_comment_regex: string("encrypted_comment_regex"),
            mac_only_encrypted: get("mac_only_encrypted")
                .and_then(scalar_string)
                .is_some_and(|s| s == "true" || s == "True"),
        }
        .normalized()?;
        let shamir_threshold = match string("shamir_threshold") {
            None => None,
            Some(s) => Some(
                s.parse::<usize>()
                    .map_err(|_| SopsError::InvalidMetadata("shamir_threshold is not a number".into()))?,
            ),
        };
        let flat_group = read_group(m)?;
        let key_groups = if !flat_group.is_empty() {
            vec![flat_group]
        } else if let Some(Value::Seq(groups)) = get("key_groups") {
            let mut out = Vec::new();
            for g in groups {
                match g {
                    SeqItem::Value(Value::Map(gm)) => out.push(read_group(gm)?),
                    SeqItem::Comment(_) => {}
                    _ => {
                        return Err(SopsError::InvalidMetadata("a key group is not a mapping".into()));
                    }
                }
            }
            out
        } else {
            Vec::new()
        };
        if key_groups.is_empty() {
            return Err(SopsError::InvalidMetadata("no keys found in file".into()));
        }
        Ok(Metadata {
            key_groups,
            shamir_threshold,
            last_modified,
            mac: string("mac").unwrap_or_default(),
            rules,
            version: string("version").unwrap_or_default(),
        })
    }

    /// Writes the metadata as sops 3.10+ does: keys sorted, empty lists and options left out.
    pub fn to_value(&self) -> Value {
        let mut m: BTreeMap<&str, Value> = BTreeMap::new();
        if self.key_groups.len() == 1 {
            for (k, v) in group_lists(&self.key_groups[0], false) {
                m.insert(k, v);
            }
        } else {
            let groups = self
                .key_groups
                .iter()
                .map(|g| {
                    SeqItem::Value(Value::Map(
                        group_lists(g, true).into_iter().map(|(k, v)| MapItem::Entry(k.to_string(), v)).collect(),
                    ))
                })
                .collect();
            m.insert("key_groups", Value::Seq(groups));
        }
        if let Some(t) = self.shamir_threshold.filter(|t| *t > 0) {
            m.insert("shamir_threshold", Value::Int(t as i64));
        }
        m.insert("lastmodified", Value::Str(self.last_modified.clone()));
        m.insert("mac", Value::Str(self.mac.clone()));
        let r = &self.rules;
        for (k, v) in [
            ("unencrypted_suffix", &r.unencrypted_suffix),
            ("encrypted_suffix", &r.encrypted_suffix),
            ("unencrypted_regex", &r.unencrypted_regex),
            ("encrypted_regex", &r.encrypted_regex),
            ("unencrypted_comment_regex", &r.unencrypted_comment_regex),
            ("encrypted_comment_regex", &r.encrypted_comment_regex),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                m.insert(k, Value::Str(v.clone()));
            }
        }
        if r.mac_only_encrypted {
            m.insert("mac_only_encrypted", Value::Bool(true));
        }
        m.insert("version", Value::Str(self.version.clone()));
        Value::Map(m.into_iter().map(|(k, v)| MapItem::Entry(k.to_string(), v)).collect())
    }
}

fn entry<'a>(m: &'a Branch, k: &str) -> Option<&'a Value> {
    m.iter().find_map(|i| match i {
        MapItem::Entry(key, v) if key == k => Some(v),
        _ => None,
    })
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        // An unquoted `lastmodified`/`created_at` reads as a timestamp: its canonical text.
        Value::Str(s) | Value::Time(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(super::cipher::format_float_go(*f)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// sops' load order within a group: kms, gcp_kms, hckms, azure_kv, hc_vault, pgp, age.
const OPAQUE_KINDS: [&str; 5] = ["kms", "gcp_kms", "hckms", "azure_kv", "hc_vault"];

fn list_items<'a>(m: &'a Branch, k: &str) -> Vec<&'a Branch> {
    match entry(m, k) {
        Some(Value::Seq(s)) => s
            .iter()
            .filter_map(|i| match i {
                SeqItem::Value(Value::Map(b)) => Some(b),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn read_group(m: &Branch) -> Result<Vec<MasterKey>> {
    let mut out = Vec::new();
    let field = |b: &Branch, k: &str| entry(b, k).and_then(scalar_string).unwrap_or_default();
    for kind in OPAQUE_KINDS {
        for b in list_items(m, kind) {
            let mut fields = Vec::new();
            for item in b {
                if let MapItem::Entry(k, v) = item {
                    match v {
                        Value::Map(ctx) => {
                            // KMS encryption context: keep as "context.<key>" fields.
                            for c in ctx {
                                if let MapItem::Entry(ck, cv) = c {
                                    fields.push((format!("context.{ck}"), scalar_string(cv).unwrap_or_default()));
                                }
                            }
                        }
                        other => fields.push((k.clone(), scalar_string(other).unwrap_or_default())),
                    }
                }
            }
            // sops writes key fields sorted by name; keep them so, whatever the input order.
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            out.push(MasterKey::Opaque(OpaqueKey { kind: kind.to_string(), fields }));
        }
    }
    for b in list_items(m, "pgp") {
        out.push(MasterKey::Pgp(PgpKey {
            fingerprint: field(b, "fp"),
            created_at: field(b, "created_at"),
            enc: field(b, "enc"),
        }));
    }
    for b in list_items(m, "age") {
        let recipient = field(b, "recipient");
        if recipient.is_empty() {
            return Err(SopsError::InvalidMetadata("an age key has no recipient".into()));
        }
        out.push(MasterKey::Age(AgeKey { recipient, enc: field(b, "enc") }));
    }
    Ok(out)
}

fn map_of(fields: Vec<(String, Value)>) -> Value {
    let mut sorted = fields;
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Map(sorted.into_iter().map(|(k, v)| MapItem::Entry(k, v)).collect())
}

fn opaque_value(k: &OpaqueKey) -> Value {
    let mut fields: Vec<(String, Value)> = Vec::new();
    let mut context: Vec<(String, Value)> = Vec::new();
    for (name, v) in &k.fields {
        if let Some(ck) = name.strip_prefix("context.") {
            context.push((ck.to_string(), Value::Str(v.clone())));
        } else {
            fields.push((name.clone(), Value::Str(v.clone())));
        }
    }
    if !context.is_empty() {
        fields.push(("context".into(), map_of(context)));
    }
    map_of(fields)
}

fn group_lists(group: &[MasterKey], in_key_groups: bool) -> Vec<(&'static str, Value)> {
    let mut lists: BTreeMap<&'static str, Vec<SeqItem>> = BTreeMap::new();
    if in_key_groups {
        // sops' keygroup struct has no omitempty on these two.
        lists.insert("age", Vec::new());
        lists.insert("hc_vault", Vec::new());
    }
    for key in group {
        let (list, v) = match key {
            MasterKey::Age(a) => (
                "age",
                map_of(vec![
                    ("recipient".into(), Value::Str(a.recipient.clone())),
                    ("enc".into(), Value::Str(a.enc.clone())),
                ]),
            ),
            MasterKey::Pgp(p) => (
                "pgp",
                map_of(vec![
                    ("created_at".into(), Value::Str(p.created_at.clone())),
                    ("enc".into(), Value::Str(p.enc.clone())),
                    ("fp".into(), Value::Str(p.fingerprint.clone())),
                ]),
            ),
            MasterKey::Opaque(o) => {
                let list = OPAQUE_KINDS.iter().find(|k| **k == o.kind).copied().unwrap_or("kms");
                (list, opaque_value(o))
            }
        };
        lists.entry(list).or_default().push(SeqItem::Value(v));
    }
    lists.into_iter().map(|(k, v)| (k, Value::Seq(v))).collect()
}

/// Go's `time.Time.Format(time.RFC3339)` of a parsed RFC 3339 timestamp: whole seconds, `Z` for
/// UTC, else the offset. This string is the MAC's additional data.
pub fn canonical_rfc3339(s: &str) -> Result<String> {
    let bad = || SopsError::InvalidMetadata(format!("lastmodified {s:?} is not an RFC 3339 time"));
    let _: jiff::Timestamp = s.parse().map_err(|_| bad())?;
    if s.len() < 20 || !s.is_char_boundary(19) {
        return Err(bad());
    }
    let (head, rest) = s.split_at(19);
    let rest = match rest.strip_prefix('.') {
        Some(r) => r.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    let offset = match rest {
        "Z" | "z" | "+00:00" | "-00:00" => "Z",
        o => o,
    };
    Ok(format!("{}{}", head.replacen('t', "T", 1), offset))
}

/// Now, as sops writes `lastmodified`.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

// ---- flattening, for the dotenv and INI stores (sops' stores/flatten.go) ----

const MAP_SEP: &str = "__map_";
const LIST_SEP: &str = "__list_";

/// Flattens a metadata mapping into `key__map_sub__list_0…` entries.
pub fn flatten(v: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Map(m) => {
            for item in m {
                if let MapItem::Entry(k, v) = item {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}{MAP_SEP}{k}") };
                    flatten(v, &key, out);
                }
            }
        }
        Value::Seq(s) => {
            let mut i = 0;
            for item in s {
                if let SeqItem::Value(v) = item {
                    flatten(v, &format!("{prefix}{LIST_SEP}{i}"), out);
                    i += 1;
                }
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

#[derive(Default)]
struct FlatNode {
    value: Option<Value>,
    keys: BTreeMap<String, FlatNode>,
    indices: BTreeMap<usize, FlatNode>,
}

/// Rebuilds a metadata mapping from flattened entries.
pub fn unflatten(items: Vec<(String, Value)>) -> Result<Value> {
    let mut root = FlatNode::default();
    for (key, value) in items {
        let mut node = &mut root;
        for token in tokenize(&key) {
            node = match token {
                Token::Key(k) => node.keys.entry(k).or_default(),
                Token::Index(i) => node.indices.entry(i).or_default(),
            };
        }
        if node.value.is_some() {
            return Err(SopsError::InvalidMetadata(format!("duplicate metadata entry {key}")));
        }
        node.value = Some(value);
    }
    convert(root)
}

enum Token {
    Key(String),
    Index(usize),
}

fn tokenize(path: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut rest = path;
    let mut is_list = false;
    loop {
        let next_map = rest.find(MAP_SEP);
        let next_list = rest.find(LIST_SEP);
        let (end, sep_len, next_is_list) = match (next_map, next_list) {
            (Some(m), Some(l)) if l < m => (l, LIST_SEP.len(), true),
            (Some(m), _) => (m, MAP_SEP.len(), false),
            (None, Some(l)) => (l, LIST_SEP.len(), true),
            (None, None) => (rest.len(), 0, false),
        };
        let part = &rest[..end];
        out.push(if is_list { Token::Index(part.parse().unwrap_or(0)) } else { Token::Key(part.to_string()) });
        if sep_len == 0 {
            break;
        }
        rest = &rest[end + sep_len..];
        is_list = next_is_list;
    }
    out
}

fn convert(node: FlatNode) -> Result<Value> {
    let kinds = node.value.is_some() as u8 + !node.keys.is_empty() as u8 + !node.indices.is_empty() as u8;
    if kinds > 1 {
        return Err(SopsError::InvalidMetadata("flattened metadata mixes values, maps and lists".into()));
    }
    if let Some(v) = node.value {
        return Ok(v);
    }
    if !node.indices.is_empty() {
        let mut out = Vec::new();
        for (_, n) in node.indices {
            out.push(SeqItem::Value(convert(n)?));
        }
        return Ok(Value::Seq(out));
    }
    let mut out = Vec::new();
    for (k, n) in node.keys {
        out.push(MapItem::Entry(k, convert(n)?));
    }
    Ok(Value::Map(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_reformatted_like_go() {
        assert_eq!(canonical_rfc3339("2019-08-29T22:23:01Z").unwrap(), "2019-08-29T22:23:01Z");
        assert_eq!(canonical_rfc3339("2019-08-29T22:23:01.123456Z").unwrap(), "2019-08-29T22:23:01Z");
        assert_eq!(canonical_rfc3339("2019-08-29T22:23:01+02:00").unwrap(), "2019-08-29T22:23:01+02:00");
        assert!(canonical_rfc3339("yesterday").is_err());
    }

    #[test]
    fn flatten_and_unflatten_are_inverse() {
        let md = Metadata {
            key_groups: vec![vec![MasterKey::Pgp(PgpKey {
                fingerprint: "FP".into(),
                created_at: "2020-01-01T00:00:00Z".into(),
                enc: "x".into(),
            })]],
            shamir_threshold: None,
            last_modified: "2020-01-01T00:00:00Z".into(),
            mac: "m".into(),
            rules: EncryptionRules::default().normalized().unwrap(),
            version: "3.10.2".into(),
        };
        let mut flat = Vec::new();
        flatten(&md.to_value(), "", &mut flat);
        assert!(flat.iter().any(|(k, _)| k == "pgp__list_0__map_fp"));
        let back = Metadata::from_value(&unflatten(flat).unwrap()).unwrap();
        assert_eq!(back, md);
    }

    #[test]
    fn more_than_one_rule_is_refused() {
        let r = EncryptionRules {
            encrypted_regex: Some("^a".into()),
            unencrypted_suffix: Some("_u".into()),
            ..Default::default()
        };
        assert!(r.normalized().is_err());
    }
}
