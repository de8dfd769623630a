//! YAML text into sops branches: granit-parser's events (comments included, with their source
//! positions) into nodes, then into branches with each comment placed where yaml.v3 puts it for
//! sops (the placement rules are in the `yaml` module's documentation).

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, Span, StructureStyle};

use crate::sops::error::{Result, SopsError};
use crate::sops::tree::{Branch, Comment, MapItem, SeqItem, Value};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Pos {
    line: u32,
    col: u32,
}

/// A line or column as the nodes keep it: 32 bits (saturating), so a node of a large file's tree
/// is 64 bytes, not 80 (a 10,000-leaf file: ~0.4 MB less at the parse's peak).
fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn pos(span: &Span) -> Pos {
    Pos { line: narrow(span.start.line()), col: narrow(span.start.col()) }
}

#[derive(Clone)]
enum Node {
    Scalar { value: String, style: ScalarStyle, tag: Option<Box<str>>, start: Pos, end_line: u32 },
    Map { entries: Vec<(Node, Node)>, start: Pos },
    Seq { items: Vec<Node>, start: Pos },
}

impl Node {
    /// Overwrites every string the node holds. The tree's own values move into the sops tree
    /// (zeroized there); this is for the copies the builder keeps (anchored nodes for aliases) and
    /// for nodes dropped on an error path.
    fn wipe(&mut self) {
        use zeroize::Zeroize as _;
        match self {
            Node::Scalar { value, tag, .. } => {
                value.zeroize();
                tag.zeroize();
            }
            Node::Map { entries, .. } => entries.iter_mut().for_each(|(k, v)| {
                k.wipe();
                v.wipe();
            }),
            Node::Seq { items, .. } => items.iter_mut().for_each(Node::wipe),
        }
    }

    fn start(&self) -> Pos {
        match self {
            Node::Scalar { start, .. } | Node::Map { start, .. } | Node::Seq { start, .. } => *start,
        }
    }
}

struct YamlComment {
    at: Pos,
    text: String,
}

struct RawDoc {
    root: Option<Node>,
    comments: Vec<YamlComment>,
}

fn perr(e: impl std::fmt::Display) -> SopsError {
    SopsError::parse("YAML", e)
}

/// Builds nodes from the event stream; resolves aliases by copying the anchored node like yaml.v3.
struct Builder<'a> {
    events: std::iter::Peekable<Parser<'a, granit_parser::StrInput<'a>>>,
    anchors: HashMap<usize, Node>,
    comments: Vec<YamlComment>,
}

/// The anchored copies and unclaimed comments may hold plaintext (the edited values file).
impl Drop for Builder<'_> {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        self.anchors.values_mut().for_each(Node::wipe);
        self.comments.iter_mut().for_each(|c| c.text.zeroize());
    }
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span)> {
        loop {
            match self.events.next() {
                None => return Err(perr("unexpected end of input")),
                Some(Err(e)) => return Err(perr(e)),
                Some(Ok((Event::Comment(text, _placement), span))) => {
                    self.comments.push(YamlComment { at: pos(&span), text: text.into_owned() });
                }
                Some(Ok(ev)) => return Ok(ev),
            }
        }
    }

    fn node(&mut self, ev: Event<'a>, span: Span) -> Result<Node> {
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                let n = Node::Scalar {
                    value: value.into_owned(),
                    style,
                    tag: tag.map(|t| t.suffix().into()),
                    start: pos(&span),
                    end_line: narrow(span.end.line()),
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, n.clone());
                }
                Ok(n)
            }
            Event::SequenceStart(style, anchor, _) => {
                let start = pos(&span);
                let mut items = Vec::new();
                loop {
                    let (ev, sp) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(ev, sp)?);
                }
                let start =
                    if style == StructureStyle::Block { start } else { items.first().map_or(start, Node::start) };
                let n = Node::Seq { items, start };
                if anchor > 0 {
                    self.anchors.insert(anchor, n.clone());
                }
                Ok(n)
            }
            Event::MappingStart(_, anchor, _) => {
                let mut entries = Vec::new();
                loop {
                    let (ev, sp) = self.next()?;
                    if matches!(ev, Event::MappingEnd) {
                        break;
                    }
                    let key = self.node(ev, sp)?;
                    let (ev, sp) = self.next()?;
                    let value = self.node(ev, sp)?;
                    entries.push((key, value));
                }
                let start = entries.first().map_or(pos(&span), |(k, _)| k.start());
                let n = Node::Map { entries, start };
                if anchor > 0 {
                    self.anchors.insert(anchor, n.clone());
                }
                Ok(n)
            }
            Event::Alias(id) => {
                let mut n = self.anchors.get(&id).cloned().ok_or_else(|| perr("alias to an unknown anchor"))?;
                // The copy sits where the alias is written (comments attach by position).
                set_start(&mut n, pos(&span));
                Ok(n)
            }
            _ => Err(perr("unexpected YAML event")),
        }
    }
}

fn set_start(n: &mut Node, p: Pos) {
    match n {
        Node::Scalar { start, end_line, .. } => {
            *start = p;
            *end_line = p.line;
        }
        Node::Map { start, .. } | Node::Seq { start, .. } => *start = p,
    }
}

fn parse_docs(text: &str) -> Result<Vec<RawDoc>> {
    let options = granit_parser::options! { emit_comments: true };
    let mut b = Builder {
        events: Parser::new_from_str_with_options(text, options).peekable(),
        anchors: HashMap::new(),
        comments: Vec::new(),
    };
    let mut docs = Vec::new();
    loop {
        let (ev, _) = b.next()?;
        match ev {
            Event::StreamStart => {}
            Event::StreamEnd => break,
            Event::DocumentStart(..) => {
                b.anchors.values_mut().for_each(Node::wipe);
                b.anchors.clear();
                let (ev, sp) = b.next()?;
                let root = if matches!(ev, Event::DocumentEnd) {
                    None
                } else {
                    let n = b.node(ev, sp)?;
                    let (end, _) = b.next()?;
                    if !matches!(end, Event::DocumentEnd) {
                        return Err(perr("expected the end of the document"));
                    }
                    Some(n)
                };
                docs.push(RawDoc { root, comments: std::mem::take(&mut b.comments) });
            }
            _ => return Err(perr("unexpected YAML event outside a document")),
        }
    }
    // Comments after the last document (they may arrive after DocumentEnd).
    if !b.comments.is_empty() {
        match docs.last_mut() {
            Some(d) => d.comments.append(&mut b.comments),
            None => docs.push(RawDoc { root: None, comments: std::mem::take(&mut b.comments) }),
        }
    }
    Ok(docs)
}

/// Hands out comments in source order to the collection they belong to.
struct CommentCursor {
    comments: Vec<YamlComment>,
    next: usize,
}

impl CommentCursor {
    fn peek(&self) -> Option<&YamlComment> {
        self.comments.get(self.next)
    }

    /// Own-line and same-line comments positioned before `p`.
    fn take_before(&mut self, p: Pos) -> Vec<Comment> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if c.at < p {
                out.push(Comment { text: c.text.clone(), inline: false });
                self.next += 1;
            } else {
                break;
            }
        }
        out
    }

    /// Same-line comments on `line` positioned before `bound`.
    fn take_on_line(&mut self, line: u32, bound: Option<Pos>, inline: bool) -> Vec<Comment> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if c.at.line == line && bound.is_none_or(|b| c.at < b) {
                out.push(Comment { text: c.text.clone(), inline });
                self.next += 1;
            } else {
                break;
            }
        }
        out
    }

    /// Comments after a collection's last item that are indented at least to `col`.
    fn take_foot(&mut self, col: u32, bound: Option<Pos>) -> Vec<Comment> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if bound.is_none_or(|b| c.at < b) && c.at.col >= col {
                out.push(Comment { text: c.text.clone(), inline: false });
                self.next += 1;
            } else {
                break;
            }
        }
        out
    }
}

fn scalar_value(value: String, style: ScalarStyle, tag: Option<&str>) -> Value {
    if let Some(t) = tag {
        match t {
            "str" => return Value::Str(value),
            "int" => {
                if let Some(i) = parse_int(&value) {
                    return Value::Int(i);
                }
            }
            "float" => {
                if let Some(f) = parse_float(&value).or_else(|| parse_int(&value).map(|i| i as f64)) {
                    return Value::Float(f);
                }
            }
            "bool" => {
                if let Some(b) = parse_bool(&value) {
                    return Value::Bool(b);
                }
            }
            "null" => return Value::Null,
            "timestamp" => {
                if let Some(t) = crate::sops::time::from_yaml(&value) {
                    return Value::Time(t);
                }
            }
            "binary" => {
                use base64::Engine as _;
                let compact: String = value.split_whitespace().collect();
                if let Ok(b) = base64::engine::general_purpose::STANDARD.decode(compact) {
                    return Value::Bytes(b);
                }
            }
            _ => {}
        }
    }
    if style != ScalarStyle::Plain {
        return Value::Str(value);
    }
    resolve_plain(value)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    // yaml.v3 tries a number only for a scalar that starts with a digit, a sign or a dot, and
    // drops every `_` before parsing (so `-_1` is -1, while `_1` is a string). Anything else is
    // rejected here without copying it: every plain scalar comes through here, most are strings
    // (in an encrypted file, each `ENC[…]` value).
    let first = *digits.as_bytes().first()?;
    if !(first.is_ascii_digit() || (first == b'_' && digits.len() < s.len())) {
        return None;
    }
    let digits: std::borrow::Cow<str> =
        if digits.contains('_') { digits.replace('_', "").into() } else { digits.into() };
    // Then Go's `strconv.ParseInt(s, 0, 64)`: `0x`/`0X` hex, `0o`/`0O` octal, `0b`/`0B` binary,
    // and a leading `0` octal too (YAML 1.1's `0777`, which yaml.v3 still reads as 511). A
    // leading zero with a digit octal does not take (`08`) is no int: yaml.v3 then reads a float.
    let (radix, body) = match digits.as_bytes() {
        [b'0', b'x' | b'X', ..] => (16, &digits[2..]),
        [b'0', b'o' | b'O', ..] => (8, &digits[2..]),
        [b'0', b'b' | b'B', ..] => (2, &digits[2..]),
        [b'0', _, ..] => (8, &digits[1..]),
        _ => (10, &digits[..]),
    };
    // `from_str_radix` would also take a sign here; Go's digits are digits only.
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i128::from_str_radix(body, radix).ok()?;
    i64::try_from(if neg { -v } else { v }).ok()
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // YAML 1.2 core schema float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - fs;
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == es {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse().ok()
}

/// yaml.v3's resolution of an untagged plain scalar, as Go sops sees it (a timestamp becomes a
/// `time.Time`).
pub(super) fn resolve_plain(s: String) -> Value {
    match s.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = parse_bool(&s) {
        return Value::Bool(b);
    }
    if let Some(i) = parse_int(&s) {
        return Value::Int(i);
    }
    if let Some(f) = parse_float(&s) {
        return Value::Float(f);
    }
    if s.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && let Some(t) = crate::sops::time::from_yaml(&s)
    {
        return Value::Time(t);
    }
    Value::Str(s)
}

/// Whether [`resolve_plain`] would give anything but a string, without building the value (the
/// YAML writer asks this of every string it writes).
pub(super) fn plain_is_non_string(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
        || parse_bool(s).is_some()
        || parse_int(s).is_some()
        || parse_float(s).is_some()
        || (s.as_bytes().first().is_some_and(u8::is_ascii_digit) && crate::sops::time::from_yaml(s).is_some())
}

fn key_string(n: &Node) -> Result<String> {
    match n {
        Node::Scalar { value, .. } => Ok(value.clone()),
        _ => Err(perr("mapping keys must be scalars")),
    }
}

fn convert_map(entries: Vec<(Node, Node)>, start: Pos, bound: Option<Pos>, cc: &mut CommentCursor) -> Result<Branch> {
    let mut out: Branch = Vec::new();
    let n = entries.len();
    let starts: Vec<Pos> = entries.iter().map(|(k, _)| k.start()).collect();
    for (i, (k, v)) in entries.into_iter().enumerate() {
        let next = if i + 1 < n { Some(starts[i + 1]) } else { bound };
        let key_pos = k.start();
        out.extend(cc.take_before(key_pos).into_iter().map(MapItem::Comment));
        let key = key_string(&k)?;
        if key == "<<" {
            // Merge key: yaml.v3 hands sops the merged entries.
            let merged = convert_value(v, next, cc)?;
            if let Value::Map(m) = merged {
                out.extend(m);
            }
            continue;
        }
        let value = match v {
            Node::Scalar { value, style, tag, end_line, .. } => {
                out.extend(cc.take_on_line(end_line, next, true).into_iter().map(MapItem::Comment));
                scalar_value(value, style, tag.as_deref())
            }
            other => {
                out.extend(
                    cc.take_on_line(key_pos.line, next.min(Some(other.start())).or(Some(other.start())), false)
                        .into_iter()
                        .map(MapItem::Comment),
                );
                convert_value(other, next, cc)?
            }
        };
        out.push(MapItem::Entry(key, value));
    }
    out.extend(cc.take_foot(start.col, bound).into_iter().map(MapItem::Comment));
    Ok(out)
}

fn convert_seq(items: Vec<Node>, start: Pos, bound: Option<Pos>, cc: &mut CommentCursor) -> Result<Vec<SeqItem>> {
    let mut out = Vec::new();
    let n = items.len();
    let starts: Vec<Pos> = items.iter().map(Node::start).collect();
    for (i, item) in items.into_iter().enumerate() {
        let next = if i + 1 < n { Some(starts[i + 1]) } else { bound };
        out.extend(cc.take_before(item.start()).into_iter().map(SeqItem::Comment));
        let value = match item {
            Node::Scalar { value, style, tag, end_line, .. } => {
                out.extend(cc.take_on_line(end_line, next, true).into_iter().map(SeqItem::Comment));
                scalar_value(value, style, tag.as_deref())
            }
            other => convert_value(other, next, cc)?,
        };
        out.push(SeqItem::Value(value));
    }
    out.extend(cc.take_foot(start.col, bound).into_iter().map(SeqItem::Comment));
    Ok(out)
}

fn convert_value(n: Node, bound: Option<Pos>, cc: &mut CommentCursor) -> Result<Value> {
    Ok(match n {
        Node::Scalar { value, style, tag, .. } => scalar_value(value, style, tag.as_deref()),
        Node::Map { entries, start } => Value::Map(convert_map(entries, start, bound, cc)?),
        Node::Seq { items, start } => Value::Seq(convert_seq(items, start, bound, cc)?),
    })
}

/// Parses YAML text into sops branches (one per document).
pub fn parse(text: &str) -> Result<Vec<Branch>> {
    let mut out = Vec::new();
    for doc in parse_docs(text)? {
        let mut cc = CommentCursor { comments: doc.comments, next: 0 };
        let branch = match doc.root {
            None => Vec::new(),
            Some(Node::Map { entries, start }) => convert_map(entries, start, None, &mut cc)?,
            Some(Node::Seq { .. }) => {
                return Err(perr("YAML documents that are sequences are not supported"));
            }
            Some(Node::Scalar { value, style, .. }) => {
                if style == ScalarStyle::Plain && matches!(value.as_str(), "" | "~" | "null") {
                    Vec::new()
                } else {
                    return Err(perr("YAML documents that are values are not supported"));
                }
            }
        };
        let mut branch = branch;
        while let Some(c) = cc.peek() {
            branch.push(MapItem::Comment(Comment { text: c.text.clone(), inline: false }));
            cc.next += 1;
        }
        check_unique_keys(&branch)?;
        out.push(branch);
    }
    Ok(out)
}

fn check_unique_keys(b: &Branch) -> Result<()> {
    let mut seen = std::collections::HashSet::with_capacity_and_hasher(b.len(), foldhash::fast::RandomState::default());
    for item in b {
        if let MapItem::Entry(k, v) = item {
            if !seen.insert(k.as_str()) {
                return Err(perr(format!("mapping key {k:?} is defined more than once")));
            }
            check_unique_value(v)?;
        }
    }
    Ok(())
}

fn check_unique_value(v: &Value) -> Result<()> {
    match v {
        Value::Map(m) => check_unique_keys(m),
        Value::Seq(s) => s.iter().try_for_each(|i| match i {
            SeqItem::Value(v) => check_unique_value(v),
            SeqItem::Comment(_) => Ok(()),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The builder's anchored copies (what aliases are resolved from) are wiped: every string of
    /// a nested node ends empty, keys and values alike.
    #[test]
    fn wipe_empties_every_string_of_a_node() {
        let text = "base: &b\n  password: s3cret-value\n  list: [one, two]\nother: *b\n";
        let options = granit_parser::options! { emit_comments: true };
        let mut b = Builder {
            events: Parser::new_from_str_with_options(text, options).peekable(),
            anchors: HashMap::new(),
            comments: Vec::new(),
        };
        let (ev, _) = b.next().unwrap();
        assert!(matches!(ev, Event::StreamStart));
        let (ev, _) = b.next().unwrap();
        assert!(matches!(ev, Event::DocumentStart(..)));
        let (ev, sp) = b.next().unwrap();
        let _root = b.node(ev, sp).unwrap();
        assert_eq!(b.anchors.len(), 1, "the anchored mapping is kept for the alias");
        let mut copy = b.anchors.values().next().unwrap().clone();
        fn strings(n: &Node, out: &mut Vec<String>) {
            match n {
                Node::Scalar { value, .. } => out.push(value.clone()),
                Node::Map { entries, .. } => entries.iter().for_each(|(k, v)| {
                    strings(k, out);
                    strings(v, out);
                }),
                Node::Seq { items, .. } => items.iter().for_each(|i| strings(i, out)),
            }
        }
        let mut before = Vec::new();
        strings(&copy, &mut before);
        assert!(before.iter().any(|s| s == "s3cret-value"), "{before:?}");
        copy.wipe();
        let mut after = Vec::new();
        strings(&copy, &mut after);
        assert_eq!(after.len(), before.len());
        assert!(after.iter().all(String::is_empty), "{after:?}");
    }

    #[test]
    fn integers_resolve_as_yaml_v3_does_without_copying_strings() {
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("-_1"), Some(-1));
        assert_eq!(parse_int("+12"), Some(12));
        assert_eq!(parse_int("0x_ff"), Some(255));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("0b101"), Some(5));
        // Go's base prefixes in either case, and YAML 1.1 octal (yaml.v3 reads `0777` as 511).
        assert_eq!(parse_int("0X1F"), Some(31));
        assert_eq!(parse_int("0O17"), Some(15));
        assert_eq!(parse_int("0B11"), Some(3));
        assert_eq!(parse_int("0777"), Some(511));
        assert_eq!(parse_int("-0777"), Some(-511));
        assert_eq!(parse_int("+0x10"), Some(16));
        assert_eq!(parse_int("-0b101"), Some(-5));
        assert_eq!(parse_int("0_7"), Some(7));
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("00"), Some(0));
        // Not Go ints: no digits after the prefix, a digit the base does not have, a sign after it.
        for s in ["0x", "0o", "0b2", "08", "0x+1", "0x-1", "1e3", "12a"] {
            assert_eq!(parse_int(s), None, "{s}");
        }
        // `08` is a yaml.v3 float; `0x` stays a string.
        assert!(matches!(resolve_plain("08".into()), Value::Float(f) if f == 8.0));
        assert!(matches!(resolve_plain("0777".into()), Value::Int(511)));
        assert!(matches!(resolve_plain("0x".into()), Value::Str(_)));
        // yaml.v3 tries no number for a scalar starting with `_` (or a letter).
        assert_eq!(parse_int("_1"), None);
        assert_eq!(parse_int("ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:int]"), None);
        assert_eq!(parse_int("-"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("12a"), None);
        assert!(matches!(resolve_plain("_1".into()), Value::Str(s) if s == "_1"));
        assert!(matches!(resolve_plain("1_0".into()), Value::Int(10)));
    }
}
