//! The document tree: ordered mappings, sequences, scalars and comments, as sops models them.
//!
//! Comments are items of their own (a mapping item or a sequence item), exactly like sops'
//! `TreeItem{Key: Comment}` and `[]interface{}{Comment}`: that is what lets them be encrypted with
//! the path of their enclosing collection as additional data.
//!
//! Plaintext lives in these types after a decryption, so none of them prints its content through
//! `Debug`, and [`Document`] zeroizes everything when dropped.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::error::{Result, SopsError};

/// A comment line (the text after `#`). `inline` marks a comment that stood at the end of a value's
/// line (`key: value # comment`).
#[derive(Clone, PartialEq)]
pub struct Comment {
    pub text: String,
    pub inline: bool,
}

/// One item of a mapping: an entry, or a comment between entries.
#[derive(Clone, PartialEq)]
pub enum MapItem {
    Entry(String, Value),
    Comment(Comment),
}

/// One item of a sequence: a value, or a comment between values.
#[derive(Clone, PartialEq)]
pub enum SeqItem {
    Value(Value),
    Comment(Comment),
}

/// A mapping with its key order and comments.
pub type Branch = Vec<MapItem>;

/// A value of the tree. The scalar kinds are sops' value types (`str`, `int`, `float`, `bool`,
/// `bytes`); `Null` is never encrypted.
#[derive(Clone, PartialEq)]
pub enum Value {
    Null,
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Bytes(Vec<u8>),
    /// A timestamp (sops' `type:time`), as its canonical RFC 3339 text (see [`super::time`]).
    Time(String),
    Map(Branch),
    Seq(Vec<SeqItem>),
}

impl fmt::Debug for Value {
    // Deliberately shows only the shape: values may be plaintext secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Str(_) => f.write_str("Str(<redacted>)"),
            Value::Int(_) => f.write_str("Int(<redacted>)"),
            Value::Float(_) => f.write_str("Float(<redacted>)"),
            Value::Bool(_) => f.write_str("Bool(<redacted>)"),
            Value::Bytes(_) => f.write_str("Bytes(<redacted>)"),
            Value::Time(_) => f.write_str("Time(<redacted>)"),
            Value::Map(m) => write!(f, "Map({} items)", m.len()),
            Value::Seq(s) => write!(f, "Seq({} items)", s.len()),
        }
    }
}

impl fmt::Debug for Comment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Comment(<redacted>, inline: {})", self.inline)
    }
}

impl fmt::Debug for MapItem {
    // Keys are not secret (sops keeps them in clear text); values and comments may be.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapItem::Entry(k, v) => write!(f, "{k:?}: {v:?}"),
            MapItem::Comment(c) => c.fmt(f),
        }
    }
}

impl fmt::Debug for SeqItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeqItem::Value(v) => v.fmt(f),
            SeqItem::Comment(c) => c.fmt(f),
        }
    }
}

/// Zeroizes a string's whole buffer at memset speed: cleared first, all of its allocation is spare
/// capacity, which the zeroize crate wipes in bulk (`String::zeroize` on a full string writes its
/// bytes one by one: ~5 instructions a byte, ~2 % of a 10,000-leaf decrypt).
fn wipe(s: &mut String) {
    s.clear();
    s.zeroize();
}

// By hand rather than derived, for `wipe` (the derive zeroizes each string byte by byte).
impl Zeroize for Comment {
    fn zeroize(&mut self) {
        wipe(&mut self.text);
        self.inline.zeroize();
    }
}

impl Zeroize for MapItem {
    fn zeroize(&mut self) {
        match self {
            MapItem::Entry(key, value) => {
                wipe(key);
                value.zeroize();
            }
            MapItem::Comment(c) => c.zeroize(),
        }
    }
}

impl Zeroize for SeqItem {
    fn zeroize(&mut self) {
        match self {
            SeqItem::Value(v) => v.zeroize(),
            SeqItem::Comment(c) => c.zeroize(),
        }
    }
}

impl Zeroize for Value {
    fn zeroize(&mut self) {
        match self {
            Value::Null => {}
            Value::Str(s) | Value::Time(s) => wipe(s),
            Value::Int(i) => i.zeroize(),
            Value::Float(f) => f.zeroize(),
            Value::Bool(b) => b.zeroize(),
            Value::Bytes(b) => {
                b.clear();
                b.zeroize();
            }
            Value::Map(m) => m.zeroize(),
            Value::Seq(items) => items.zeroize(),
        }
    }
}

/// The documents of a file (YAML may hold several; the other formats hold one), zeroized on drop.
#[derive(Clone, PartialEq, Default, Zeroize, ZeroizeOnDrop)]
pub struct Document {
    pub branches: Vec<Branch>,
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Document({} branches, <redacted>)", self.branches.len())
    }
}

impl Document {
    pub fn new(branches: Vec<Branch>) -> Self {
        Document { branches }
    }
}

/// One step of a tree path: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

impl fmt::Display for PathSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathSegment::Key(k) => write!(f, "[{k:?}]"),
            PathSegment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// Formats a path the way sops' `--extract`/`set` syntax writes it: `["a"][0]["b"]`.
pub fn format_path(path: &[PathSegment]) -> String {
    path.iter().map(ToString::to_string).collect()
}

/// Parses sops' index syntax `["key"][0]['other']` (as used by `--extract`, `set`, `unset`).
pub fn parse_path(input: &str) -> Result<Vec<PathSegment>> {
    let err = |reason: &str| SopsError::InvalidTreePath { path: input.to_string(), reason: reason.to_string() };
    let mut out = Vec::new();
    let mut chars = input.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c != '[' {
            return Err(err("expected '[' to start a path component"));
        }
        match chars.peek() {
            Some(&q) if q == '"' || q == '\'' => {
                chars.next();
                let mut key = String::new();
                loop {
                    match chars.next() {
                        Some('\\') if q == '"' => match chars.next() {
                            Some(e) => key.push(e),
                            None => return Err(err("unterminated escape")),
                        },
                        Some(ch) if ch == q => break,
                        Some(ch) => key.push(ch),
                        None => return Err(err("unterminated quoted key")),
                    }
                }
                if chars.next() != Some(']') {
                    return Err(err("expected ']' after a quoted key"));
                }
                out.push(PathSegment::Key(key));
            }
            _ => {
                let mut digits = String::new();
                loop {
                    match chars.next() {
                        Some(']') => break,
                        Some(ch) => digits.push(ch),
                        None => return Err(err("expected ']'")),
                    }
                }
                let index = digits
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| err("an unquoted component must be a non-negative integer index"))?;
                out.push(PathSegment::Index(index));
            }
        }
    }
    if out.is_empty() {
        return Err(err("the path is empty"));
    }
    Ok(out)
}

/// Looks up a value by path in a branch.
pub fn get<'a>(branch: &'a Branch, path: &[PathSegment]) -> Result<&'a Value> {
    let not_found = || SopsError::PathNotFound { path: format_path(path) };
    let (first, rest) = path.split_first().ok_or_else(not_found)?;
    let PathSegment::Key(k) = first else {
        return Err(not_found());
    };
    let mut current = branch
        .iter()
        .find_map(|i| match i {
            MapItem::Entry(key, v) if key == k => Some(v),
            _ => None,
        })
        .ok_or_else(not_found)?;
    for seg in rest {
        current = match (seg, current) {
            (PathSegment::Key(k), Value::Map(m)) => m
                .iter()
                .find_map(|i| match i {
                    MapItem::Entry(key, v) if key == k => Some(v),
                    _ => None,
                })
                .ok_or_else(not_found)?,
            (PathSegment::Index(i), Value::Seq(s)) => s
                .iter()
                .filter_map(|i| match i {
                    SeqItem::Value(v) => Some(v),
                    SeqItem::Comment(_) => None,
                })
                .nth(*i)
                .ok_or_else(not_found)?,
            _ => return Err(not_found()),
        };
    }
    Ok(current)
}

fn value_from_path(path: &[PathSegment], leaf: Value) -> Value {
    match path.split_first() {
        None => leaf,
        Some((PathSegment::Index(_), rest)) => Value::Seq(vec![SeqItem::Value(value_from_path(rest, leaf))]),
        Some((PathSegment::Key(k), rest)) => Value::Map(vec![MapItem::Entry(k.clone(), value_from_path(rest, leaf))]),
    }
}

/// Sets a value at a path, creating missing mappings/sequences like sops' `TreeBranch.Set`.
/// Returns whether anything changed.
///
/// Unlike Go sops (which silently drops an index into a mapping, panics on a key into a list and
/// replaces a scalar on the way by a new mapping), a path element whose kind does not match the
/// value already there is refused with [`SopsError::PathTypeMismatch`] naming that element: `set`
/// never changes the shape of what is already in the file. A null on the way is replaced.
pub fn set(branch: &mut Branch, path: &[PathSegment], value: Value) -> Result<bool> {
    let Some((first, rest)) = path.split_first() else {
        return Err(SopsError::InvalidTreePath { path: format_path(path), reason: "the path is empty".into() });
    };
    let PathSegment::Key(k) = first else {
        return Err(SopsError::PathTypeMismatch {
            path: format_path(path),
            element: first.to_string(),
            found: "mapping".into(),
        });
    };
    for item in branch.iter_mut() {
        if let MapItem::Entry(key, v) = item
            && key == k
        {
            return set_value(v, path, 1, value);
        }
    }
    branch.push(MapItem::Entry(k.clone(), value_from_path(rest, value)));
    Ok(true)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Map(_) => "mapping",
        Value::Seq(_) => "list",
        Value::Null => "null",
        _ => "scalar",
    }
}

/// Sets `path[depth..]` inside `target` (which `path[..depth]` leads to).
fn set_value(target: &mut Value, path: &[PathSegment], depth: usize, value: Value) -> Result<bool> {
    let Some((first, rest)) = path[depth..].split_first() else {
        let changed = *target != value;
        *target = value;
        return Ok(changed);
    };
    match (first, &mut *target) {
        (PathSegment::Key(k), Value::Map(m)) => {
            for item in m.iter_mut() {
                if let MapItem::Entry(key, v) = item
                    && key == k
                {
                    return set_value(v, path, depth + 1, value);
                }
            }
            m.push(MapItem::Entry(k.clone(), value_from_path(rest, value)));
            Ok(true)
        }
        (PathSegment::Index(i), Value::Seq(s)) => {
            let mut values = s
                .iter_mut()
                .filter_map(|it| match it {
                    SeqItem::Value(v) => Some(v),
                    SeqItem::Comment(_) => None,
                })
                .skip(*i);
            if let Some(v) = values.next() {
                return set_value(v, path, depth + 1, value);
            }
            s.push(SeqItem::Value(value_from_path(rest, value)));
            Ok(true)
        }
        (_, Value::Null) => {
            *target = value_from_path(&path[depth..], value);
            Ok(true)
        }
        (first, other) => Err(SopsError::PathTypeMismatch {
            path: format_path(&path[..depth]),
            element: first.to_string(),
            found: kind(other).into(),
        }),
    }
}

/// Removes the value at a path, like sops' `TreeBranch.Unset`.
pub fn unset(branch: &mut Branch, path: &[PathSegment]) -> Result<()> {
    let not_found = || SopsError::PathNotFound { path: format_path(path) };
    let Some((PathSegment::Key(k), rest)) = path.split_first() else {
        return Err(not_found());
    };
    let pos = branch.iter().position(|i| matches!(i, MapItem::Entry(key, _) if key == k)).ok_or_else(not_found)?;
    if rest.is_empty() {
        branch.remove(pos);
        return Ok(());
    }
    let MapItem::Entry(_, v) = &mut branch[pos] else {
        return Err(not_found());
    };
    unset_value(v, rest).ok_or_else(not_found)
}

fn unset_value(target: &mut Value, path: &[PathSegment]) -> Option<()> {
    let (first, rest) = path.split_first()?;
    match (first, target) {
        (PathSegment::Key(_), Value::Map(m)) => unset(m, path).ok(),
        (PathSegment::Index(i), Value::Seq(s)) => {
            let pos = s.iter().enumerate().filter(|(_, it)| matches!(it, SeqItem::Value(_))).nth(*i)?.0;
            if rest.is_empty() {
                s.remove(pos);
                Some(())
            } else if let SeqItem::Value(v) = &mut s[pos] {
                unset_value(v, rest)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Key paths that differ between two plaintext trees, for a redacted edit summary. Values are
/// compared but never returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangedPaths {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl ChangedPaths {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Compares two documents leaf by leaf; paths are written like `a.b[0].c`. Comments are ignored.
pub fn changed_paths(old: &Document, new: &Document) -> ChangedPaths {
    let mut out = ChangedPaths::default();
    let n = old.branches.len().max(new.branches.len());
    for i in 0..n {
        let prefix = if n > 1 { format!("doc{i}:") } else { String::new() };
        let empty = Vec::new();
        let a = old.branches.get(i).unwrap_or(&empty);
        let b = new.branches.get(i).unwrap_or(&empty);
        diff_branch(a, b, &prefix, &mut out);
    }
    out
}

fn join_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() || prefix.ends_with(':') { format!("{prefix}{key}") } else { format!("{prefix}.{key}") }
}

fn entries(b: &Branch) -> Vec<(&String, &Value)> {
    b.iter()
        .filter_map(|i| match i {
            MapItem::Entry(k, v) => Some((k, v)),
            MapItem::Comment(_) => None,
        })
        .collect()
}

fn diff_branch(a: &Branch, b: &Branch, prefix: &str, out: &mut ChangedPaths) {
    let ea = entries(a);
    let eb = entries(b);
    for (k, va) in &ea {
        let p = join_key(prefix, k);
        match eb.iter().find(|(kb, _)| kb == k) {
            None => out.removed.push(p),
            Some((_, vb)) => diff_value(va, vb, &p, out),
        }
    }
    for (k, _) in &eb {
        if !ea.iter().any(|(ka, _)| ka == k) {
            out.added.push(join_key(prefix, k));
        }
    }
}

fn diff_value(a: &Value, b: &Value, path: &str, out: &mut ChangedPaths) {
    match (a, b) {
        (Value::Map(ma), Value::Map(mb)) => diff_branch(ma, mb, path, out),
        (Value::Seq(sa), Value::Seq(sb)) => {
            let va: Vec<&Value> = seq_values(sa);
            let vb: Vec<&Value> = seq_values(sb);
            for i in 0..va.len().max(vb.len()) {
                let p = format!("{path}[{i}]");
                match (va.get(i), vb.get(i)) {
                    (Some(x), Some(y)) => diff_value(x, y, &p, out),
                    (Some(_), None) => out.removed.push(p),
                    (None, Some(_)) => out.added.push(p),
                    (None, None) => {}
                }
            }
        }
        _ => {
            if a != b {
                out.changed.push(path.to_string());
            }
        }
    }
}

fn seq_values(s: &[SeqItem]) -> Vec<&Value> {
    s.iter()
        .filter_map(|i| match i {
            SeqItem::Value(v) => Some(v),
            SeqItem::Comment(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    /// Each kind of item zeroes its strings over their whole buffers (left allocated and empty);
    /// a collection zeroizes its items so before it drops them (the zeroize crate's `Vec`).
    #[test]
    fn zeroizing_zeroes_every_strings_whole_buffer() {
        fn zeroed(s: &String) -> bool {
            // SAFETY: the string still owns its allocation of `capacity` bytes, all written (by
            // the secret, then by zeroize).
            let buffer = unsafe { std::slice::from_raw_parts(s.as_ptr(), s.capacity()) };
            s.is_empty() && s.capacity() >= 64 && buffer.iter().all(|&b| b == 0)
        }
        let secret = |t: &str| {
            let mut s = String::with_capacity(64);
            s.push_str(t);
            s
        };
        let mut entry = MapItem::Entry(secret("key"), Value::Str(secret("password")));
        entry.zeroize();
        let MapItem::Entry(k, Value::Str(v)) = &entry else { panic!("the shape stays") };
        assert!(zeroed(k) && zeroed(v));
        let mut comment = MapItem::Comment(Comment { text: secret("# a comment"), inline: true });
        comment.zeroize();
        let MapItem::Comment(c) = &comment else { panic!() };
        assert!(zeroed(&c.text) && !c.inline);
        let mut time = SeqItem::Value(Value::Time(secret("2020-01-01T00:00:00Z")));
        time.zeroize();
        let SeqItem::Value(Value::Time(t)) = &time else { panic!() };
        assert!(zeroed(t));
        let mut bytes = Value::Bytes(secret("raw").into_bytes());
        bytes.zeroize();
        let Value::Bytes(b) = &bytes else { panic!() };
        // SAFETY: as above.
        assert!(
            b.is_empty() && unsafe { std::slice::from_raw_parts(b.as_ptr(), b.capacity()) }.iter().all(|&x| x == 0)
        );
        let mut map = Value::Map(vec![entry.clone(), comment.clone()]);
        map.zeroize();
        assert_eq!(map, Value::Map(vec![]));
    }

    #[test]
    fn parses_sops_index_syntax() {
        let p = parse_path(r#"["a"][0]['b c']"#).unwrap();
        assert_eq!(p, vec![PathSegment::Key("a".into()), PathSegment::Index(0), PathSegment::Key("b c".into())]);
        assert!(parse_path("a.b").is_err());
        assert!(parse_path(r#"["a""#).is_err());
        assert!(parse_path("[x]").is_err());
    }

    #[test]
    fn set_creates_missing_levels_and_reports_change() {
        let mut b: Branch = vec![MapItem::Entry("a".into(), s("1"))];
        assert!(set(&mut b, &parse_path(r#"["b"]["c"][0]"#).unwrap(), s("x")).unwrap());
        assert_eq!(get(&b, &parse_path(r#"["b"]["c"][0]"#).unwrap()).unwrap(), &s("x"));
        assert!(!set(&mut b, &parse_path(r#"["a"]"#).unwrap(), s("1")).unwrap());
        assert!(set(&mut b, &parse_path(r#"["a"]"#).unwrap(), s("2")).unwrap());
        unset(&mut b, &parse_path(r#"["b"]["c"][0]"#).unwrap()).unwrap();
        assert!(get(&b, &parse_path(r#"["b"]["c"][0]"#).unwrap()).is_err());
        assert!(unset(&mut b, &parse_path(r#"["zz"]"#).unwrap()).is_err());
    }

    #[test]
    fn set_refuses_a_path_element_whose_kind_does_not_match() {
        let list = Value::Seq(vec![SeqItem::Value(Value::Map(vec![MapItem::Entry("name".into(), s("a"))]))]);
        let mut b: Branch = vec![
            MapItem::Entry("db".into(), Value::Map(vec![MapItem::Entry("user".into(), s("admin"))])),
            MapItem::Entry("pulls".into(), list),
            MapItem::Entry("empty".into(), Value::Null),
        ];
        let before = b.clone();
        let err = set(&mut b, &parse_path(r#"["db"][0]"#).unwrap(), s("1")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot set [0] under [\"db\"]: [\"db\"] is a mapping, not a list; set [\"db\"] itself to replace it"
        );
        let err = set(&mut b, &parse_path(r#"["pulls"]["name"]"#).unwrap(), s("x")).unwrap_err();
        assert!(err.to_string().contains("[\"pulls\"] is a list, not a mapping"), "{err}");
        let err = set(&mut b, &parse_path(r#"["db"]["user"]["x"]"#).unwrap(), s("x")).unwrap_err();
        assert!(err.to_string().contains("[\"db\"][\"user\"] is a scalar, not a mapping"), "{err}");
        assert!(set(&mut b, &parse_path(r#"[0]"#).unwrap(), s("x")).is_err());
        assert!(b == before, "nothing changed");
        // Within a list item, and through a null: allowed.
        assert!(set(&mut b, &parse_path(r#"["pulls"][0]["name"]"#).unwrap(), s("b")).unwrap());
        assert!(set(&mut b, &parse_path(r#"["empty"]["k"]"#).unwrap(), s("v")).unwrap());
        assert_eq!(get(&b, &parse_path(r#"["empty"]["k"]"#).unwrap()).unwrap(), &s("v"));
    }

    #[test]
    fn changed_paths_reports_paths_only() {
        let old = Document::new(vec![vec![
            MapItem::Entry("a".into(), s("1")),
            MapItem::Entry("m".into(), Value::Map(vec![MapItem::Entry("x".into(), s("secret"))])),
            MapItem::Entry("gone".into(), s("g")),
        ]]);
        let new = Document::new(vec![vec![
            MapItem::Entry("a".into(), s("1")),
            MapItem::Entry("m".into(), Value::Map(vec![MapItem::Entry("x".into(), s("other"))])),
            MapItem::Entry("new".into(), s("n")),
        ]]);
        let c = changed_paths(&old, &new);
        assert_eq!(c.changed, vec!["m.x"]);
        assert_eq!(c.removed, vec!["gone"]);
        assert_eq!(c.added, vec!["new"]);
        assert!(!format!("{c:?}").contains("secret"));
    }

    #[test]
    fn debug_never_shows_values() {
        let v = Value::Str("hunter2".into());
        assert!(!format!("{v:?}").contains("hunter2"));
    }
}
