//! YAML as sops' `stores/yaml` reads and writes it (through yaml.v3).
//!
//! Parsing uses `granit-parser` (a maintained saphyr-parser fork already in the dependency tree
//! through serde-saphyr), whose event stream carries comments with source positions. yaml.v3
//! attaches comments to nodes as head/line/foot comments and sops turns them into comment items of
//! the enclosing mapping or sequence; the placement here follows the same shape: own-line comments
//! before an item belong to that item's collection, comments after a collection's last item
//! belong to it when indented at least as deep as its items, and same-line comments come before
//! the item they follow (inline for scalars).
//!
//! Writing reproduces yaml.v3's emitter for the node shapes sops builds: block style, the
//! configured indent (4 by default), sequences indented under their key, sequence-item mappings
//! starting after `- `, literal blocks for multi-line strings, and yaml.v3's choice between plain,
//! single- and double-quoted scalars.

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, Span, StructureStyle};

use crate::sops::cipher::format_float_go;
use crate::sops::error::{Result, SopsError};
use crate::sops::tree::{Branch, Comment, MapItem, SeqItem, Value};

// ------------------------------------------------------------------ parsing

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Pos {
    line: usize,
    col: usize,
}

fn pos(span: &Span) -> Pos {
    Pos { line: span.start.line(), col: span.start.col() }
}

#[derive(Clone)]
enum Node {
    Scalar { value: String, style: ScalarStyle, tag: Option<String>, start: Pos, end_line: usize },
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
                    tag: tag.map(|t| t.suffix().to_string()),
                    start: pos(&span),
                    end_line: span.end.line(),
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
    fn take_on_line(&mut self, line: usize, bound: Option<Pos>, inline: bool) -> Vec<Comment> {
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
    fn take_foot(&mut self, col: usize, bound: Option<Pos>) -> Vec<Comment> {
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
    let digits = digits.replace('_', "");
    let v = if let Some(h) = digits.strip_prefix("0x") {
        i128::from_str_radix(h, 16).ok()?
    } else if let Some(o) = digits.strip_prefix("0o") {
        i128::from_str_radix(o, 8).ok()?
    } else if let Some(b) = digits.strip_prefix("0b") {
        i128::from_str_radix(b, 2).ok()?
    } else {
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        digits.parse::<i128>().ok()?
    };
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
fn resolve_plain(s: String) -> Value {
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
    let mut seen = std::collections::HashSet::new();
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

// ------------------------------------------------------------------ emitting

struct Emitter {
    out: String,
    indent: usize,
}

/// What yaml.v3's analyzer decides about a scalar.
#[derive(Debug, PartialEq, Eq)]
struct Analysis {
    block_plain: bool,
    single_quoted: bool,
    block: bool,
}

fn analyze(s: &str) -> Analysis {
    let mut a = Analysis { block_plain: true, single_quoted: true, block: true };
    if s.is_empty() {
        a.block = false;
        return a;
    }
    // Fast path for the common scalar of an encrypted file (`ENC[…]` envelopes, base64, names):
    // printable ASCII without spaces, not starting with an indicator or "...", not ending in ':'.
    // Nothing below can clear a flag for such a string, and this skips a char-by-char pass.
    let b = s.as_bytes();
    if b.iter().all(|c| (0x21..=0x7e).contains(c))
        && !b"#,[]{}&*!|>'\"%@`?:-".contains(&b[0])
        && b[b.len() - 1] != b':'
        && !s.starts_with("...")
    {
        return a;
    }
    analyze_slow(s)
}

/// yaml.v3's `analyzeScalar`, character by character.
fn analyze_slow(s: &str) -> Analysis {
    let mut a = Analysis { block_plain: true, single_quoted: true, block: true };
    if s.is_empty() {
        a.block = false;
        return a;
    }
    let chars: Vec<char> = s.chars().collect();
    let mut block_ind = s.starts_with("---") || s.starts_with("...");
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) = (false, false, false, false);
    let (mut break_space, mut space_break, mut special, mut line_breaks, mut tabs) =
        (false, false, false, false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    let mut preceded_ws = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_ws =
            chars.get(i + 1).is_none_or(|n| matches!(n, ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'));
        let first = i == 0;
        let last = i + 1 == chars.len();
        if first {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => {
                    block_ind = true
                }
                '?' | ':' if followed_ws => block_ind = true,
                '-' if followed_ws => block_ind = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_ws => block_ind = true,
                '#' if preceded_ws => block_ind = true,
                _ => {}
            }
        }
        let printable = matches!(c, '\t' | '\n' | '\r' | '\u{85}')
            || (c >= ' '
                && c != '\u{7f}'
                && !('\u{80}'..='\u{9f}').contains(&c)
                && c != '\u{feff}'
                && c != '\u{fffe}'
                && c != '\u{ffff}');
        if !printable {
            special = true;
        }
        if c == '\t' {
            tabs = true;
        }
        let is_break = matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
        if is_break {
            line_breaks = true;
        }
        if c == ' ' {
            if first {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break {
            if first {
                leading_break = true;
            }
            if last {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_break = true;
            prev_space = false;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_ws = c == ' ' || c == '\t' || is_break;
    }
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || tabs || special {
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || special {
        a.block = false;
    }
    if line_breaks {
        a.block_plain = false;
    }
    if block_ind {
        a.block_plain = false;
    }
    a
}

/// Would yaml.v3 read this plain text as something other than a string?
fn resolves_to_non_string(s: &str) -> bool {
    !matches!(resolve_plain(s.to_string()), Value::Str(_)) || is_timestamp(s) || is_old_bool(s) || is_base60_float(s)
}

fn is_old_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF"
    )
}

fn is_base60_float(s: &str) -> bool {
    // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
    let re = regex_lite_base60();
    re.is_match(s)
}

fn regex_lite_base60() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$").expect("valid regex"))
}

fn is_timestamp(s: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$")
            .expect("valid regex")
    })
    .is_match(s)
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            '\u{feff}' => out.push_str("\\uFEFF"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c) => {
                out.push_str(&format!("\\x{:02X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Formats a float as yaml.v3 does (`strconv.FormatFloat(f, 'g', -1, 64)` plus `.inf`/`.nan`).
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf".into() } else { "-.inf".into() };
    }
    go_format_g(f)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
pub(crate) fn go_format_g(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let e = format!("{f:e}"); // like 1.5e-5
    let (mant, exp) = e.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("exponent");
    // Go: shortest %g switches to an exponent when exp < -4 || exp >= 6.
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        format_float_go(f)
    }
}

impl Emitter {
    /// yaml.v3's indentation step: align to the next multiple of the indent.
    fn child(&self, col: usize) -> usize {
        self.indent * ((col + self.indent) / self.indent)
    }

    fn comment_line(&mut self, col: usize, text: &str) {
        self.out.push_str(&" ".repeat(col));
        self.out.push('#');
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn line_comments(&mut self, inline: &mut Vec<String>) {
        if !inline.is_empty() {
            self.out.push_str(" #");
            self.out.push_str(&inline.join(" #"));
            inline.clear();
        }
    }

    /// Writes a scalar after `key:` or `- ` (the separator space included); `block_indent` is the
    /// column of literal-block content.
    fn scalar(&mut self, v: &Value, block_indent: usize, inline: &mut Vec<String>) {
        match v {
            Value::Null => self.out.push_str(" null"),
            Value::Bool(b) => self.out.push_str(if *b { " true" } else { " false" }),
            Value::Int(i) => {
                self.out.push(' ');
                self.out.push_str(&i.to_string());
            }
            Value::Float(f) => {
                self.out.push(' ');
                self.out.push_str(&yaml_float(*f));
            }
            Value::Time(t) => {
                self.out.push(' ');
                self.out.push_str(t);
            }
            Value::Bytes(b) => {
                use base64::Engine as _;
                self.out.push_str(" !!binary ");
                self.out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
            }
            Value::Str(s) => {
                let a = analyze(s);
                if s.contains('\n') && a.block {
                    self.out.push(' ');
                    self.literal(s, block_indent, inline);
                    return;
                }
                self.out.push(' ');
                self.out.push_str(&quote(s, &a));
            }
            Value::Map(_) | Value::Seq(_) => unreachable!("collections are not scalars"),
        }
        self.line_comments(inline);
        self.out.push('\n');
    }

    fn literal(&mut self, s: &str, block_indent: usize, inline: &mut Vec<String>) {
        self.out.push('|');
        if s.starts_with(' ') || s.starts_with('\n') {
            self.out.push_str(&self.indent.to_string());
        }
        let trailing = s.len() - s.trim_end_matches('\n').len();
        match trailing {
            0 => self.out.push('-'),
            1 => {}
            _ => self.out.push('+'),
        }
        self.line_comments(inline);
        self.out.push('\n');
        let body = s.strip_suffix('\n').unwrap_or(s);
        for line in body.split('\n') {
            if !line.is_empty() {
                self.out.push_str(&" ".repeat(block_indent));
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
    }

    fn key(&mut self, k: &str) {
        let a = analyze(k);
        if k.contains('\n') {
            self.out.push_str(&double_quoted(k));
        } else {
            self.out.push_str(&quote(k, &a));
        }
        self.out.push(':');
    }

    /// A block mapping whose keys sit at `col`; `first_written` when the first key's indentation
    /// was already written (after `- `).
    fn map(&mut self, b: &Branch, col: usize, first_written: bool) {
        let mut head: Vec<String> = Vec::new();
        let mut inline: Vec<String> = Vec::new();
        let mut first = true;
        for item in b {
            match item {
                MapItem::Comment(c) if c.inline => inline.push(c.text.clone()),
                MapItem::Comment(c) => head.push(c.text.clone()),
                MapItem::Entry(k, v) => {
                    let mut comments = std::mem::take(&mut head).into_iter();
                    if first && first_written {
                        // A comment before the first key of a sequence item goes on the `- ` line's
                        // predecessor; yaml.v3 writes it on its own line at the key column.
                        if let Some(c) = comments.next() {
                            self.out.push('#');
                            self.out.push_str(&c);
                            self.out.push('\n');
                            for c in comments {
                                self.comment_line(col, &c);
                            }
                            self.out.push_str(&" ".repeat(col));
                        }
                    } else {
                        for c in comments {
                            self.comment_line(col, &c);
                        }
                        self.out.push_str(&" ".repeat(col));
                    }
                    first = false;
                    self.key(k);
                    self.value(v, col, &mut inline);
                }
            }
        }
        head.append(&mut inline);
        if first && first_written {
            // An empty mapping as a sequence item.
            self.out.push_str("{}\n");
        }
        for c in head {
            self.comment_line(col, &c);
        }
    }

    /// The value after `key:` for a key at `col`.
    fn value(&mut self, v: &Value, col: usize, inline: &mut Vec<String>) {
        match v {
            Value::Map(m) if has_entries_map(m) => {
                self.line_comments(inline);
                self.out.push('\n');
                let c = self.child(col);
                self.map(m, c, false);
            }
            Value::Seq(s) if has_values(s) => {
                self.line_comments(inline);
                self.out.push('\n');
                let c = self.child(col);
                self.seq(s, c);
            }
            Value::Map(m) => {
                self.out.push_str(" {}");
                self.line_comments(inline);
                self.out.push('\n');
                for item in m {
                    if let MapItem::Comment(c) = item {
                        self.comment_line(self.child(col), &c.text);
                    }
                }
            }
            Value::Seq(s) => {
                self.out.push_str(" []");
                self.line_comments(inline);
                self.out.push('\n');
                for item in s {
                    if let SeqItem::Comment(c) = item {
                        self.comment_line(self.child(col), &c.text);
                    }
                }
            }
            scalar => {
                let bi = self.child(col);
                self.scalar(scalar, bi, inline)
            }
        }
    }

    /// A block sequence with its dashes at `col`.
    fn seq(&mut self, s: &[SeqItem], col: usize) {
        let mut head: Vec<String> = Vec::new();
        let mut inline: Vec<String> = Vec::new();
        for item in s {
            match item {
                SeqItem::Comment(c) if c.inline => inline.push(c.text.clone()),
                SeqItem::Comment(c) => head.push(c.text.clone()),
                SeqItem::Value(v) => {
                    for c in std::mem::take(&mut head) {
                        self.comment_line(col, &c);
                    }
                    self.out.push_str(&" ".repeat(col));
                    self.out.push('-');
                    match v {
                        Value::Map(m) if has_entries_map(m) => {
                            self.line_comments(&mut inline);
                            self.out.push(' ');
                            self.map(m, col + 2, true);
                        }
                        Value::Seq(inner) if has_values(inner) => {
                            self.out.push(' ');
                            // Nested sequence: its first dash follows this one.
                            let mut nested = Emitter { out: String::new(), indent: self.indent };
                            nested.seq(inner, col + 2);
                            self.out.push_str(nested.out.trim_start_matches(' '));
                        }
                        Value::Map(_) => {
                            self.out.push_str(" {}");
                            self.line_comments(&mut inline);
                            self.out.push('\n');
                        }
                        Value::Seq(_) => {
                            self.out.push_str(" []");
                            self.line_comments(&mut inline);
                            self.out.push('\n');
                        }
                        scalar => {
                            // yaml.v3: the item's content starts after "- ", block scalars
                            // indent one step further from there.
                            let bi = self.child(col + 2);
                            self.scalar(scalar, bi, &mut inline)
                        }
                    }
                }
            }
        }
        head.append(&mut inline);
        for c in head {
            self.comment_line(col, &c);
        }
    }
}

fn quote(s: &str, a: &Analysis) -> String {
    if resolves_to_non_string(s) || s.is_empty() {
        return double_quoted(s);
    }
    if a.block_plain {
        return s.to_string();
    }
    if a.single_quoted && !s.contains('\n') {
        return format!("'{}'", s.replace('\'', "''"));
    }
    double_quoted(s)
}

fn has_entries_map(m: &Branch) -> bool {
    m.iter().any(|i| matches!(i, MapItem::Entry(..)))
}

fn has_values(s: &[SeqItem]) -> bool {
    s.iter().any(|i| matches!(i, SeqItem::Value(_)))
}

/// Writes branches as yaml.v3 does for sops, documents separated by `---`.
pub fn emit(branches: &[Branch], indent: usize) -> String {
    let mut e = Emitter { out: String::new(), indent: indent.max(2) };
    for (i, b) in branches.iter().enumerate() {
        if i > 0 {
            e.out.push_str("---\n");
        }
        if !has_entries_map(b) {
            let comments: Vec<&Comment> = b
                .iter()
                .filter_map(|i| match i {
                    MapItem::Comment(c) => Some(c),
                    _ => None,
                })
                .collect();
            if comments.is_empty() {
                e.out.push_str("{}\n");
            } else {
                for c in comments {
                    e.comment_line(0, &c.text);
                }
                e.out.push_str("{}\n");
            }
            continue;
        }
        e.map(b, 0, false);
    }
    e.out
}

/// Writes a single value (for `--extract`): scalars as their YAML text, collections as blocks.
pub fn emit_value(v: &Value, indent: usize) -> String {
    let mut e = Emitter { out: String::new(), indent: indent.max(2) };
    match v {
        Value::Map(m) => e.map(m, 0, false),
        Value::Seq(s) => e.seq(s, 0),
        scalar => {
            let mut inline = Vec::new();
            e.scalar(scalar, e.indent, &mut inline);
            return e.out.trim_start_matches(' ').to_string();
        }
    }
    e.out
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_fast_analysis_agrees_with_yaml_v3s_for_every_short_printable_string() {
        let tricky = [
            "ENC[AES256_GCM,data:abc=,iv:x+/y==,tag:z,type:str]",
            "a:",
            "a: b",
            ":a",
            "-a",
            "- a",
            "-",
            "?",
            "?a",
            "...",
            "..a",
            "---",
            "#a",
            "a#b",
            "a #b",
            "[a]",
            "a[",
            "{",
            "a}",
            "'a",
            "\"a",
            "%a",
            "@a",
            "`a",
            "!a",
            "&a",
            "*a",
            "|a",
            ">a",
            ",a",
            "a,b",
            "a b",
            " a",
            "a ",
            "a\tb",
            "a\nb",
            "é",
            "a\u{7f}",
            "~",
            "null",
        ];
        for s in tricky {
            assert_eq!(analyze(s), analyze_slow(s), "{s:?}");
        }
        // Every string of up to 2 printable ASCII characters, and a space/colon/hash mix of 3.
        let printable: Vec<char> = (0x20u8..=0x7e).map(char::from).collect();
        for a in &printable {
            let one = a.to_string();
            assert_eq!(analyze(&one), analyze_slow(&one), "{one:?}");
            for b in &printable {
                let two = format!("{a}{b}");
                assert_eq!(analyze(&two), analyze_slow(&two), "{two:?}");
                for c in [' ', ':', '#', '-', '.'] {
                    let three = format!("{a}{b}{c}");
                    assert_eq!(analyze(&three), analyze_slow(&three), "{three:?}");
                }
            }
        }
    }
    use super::*;

    fn round(text: &str) -> String {
        emit(&parse(text).unwrap(), 4)
    }

    #[test]
    fn emits_like_yaml_v3_with_sequences_indented_under_keys() {
        let src = "a: 1\nb:\n    - |-\n        multi\n        line\n    - x\n    - k: v\n      k2: |-\n        line1\n        line2\nc:\n    d: true\n    e: \"2020-01-01T00:00:00Z\"\n    f: ''\n";
        let expected = "a: 1\nb:\n    - |-\n        multi\n        line\n    - x\n    - k: v\n      k2: |-\n        line1\n        line2\nc:\n    d: true\n    e: \"2020-01-01T00:00:00Z\"\n    f: \"\"\n";
        assert_eq!(round(src), expected);
    }

    #[test]
    fn keeps_comments_in_place() {
        let src = "# first comment in file\nlorem: ipsum\n# this-is-a-comment\ndolor: sit\n";
        let b = parse(src).unwrap();
        assert!(matches!(&b[0][0], MapItem::Comment(c) if c.text == " first comment in file"));
        assert!(matches!(&b[0][2], MapItem::Comment(c) if c.text == " this-is-a-comment"));
        assert_eq!(round(src), src);
        let list = "lorem:\n    - foo\n    #this-is-a-comment\n    - bar\n";
        let b = parse(list).unwrap();
        let MapItem::Entry(_, Value::Seq(s)) = &b[0][0] else { panic!() };
        assert!(matches!(&s[1], SeqItem::Comment(c) if c.text == "this-is-a-comment"));
        assert_eq!(round(list), list);
    }

    #[test]
    fn foot_and_inline_comments_round_trip() {
        let src = "a:\n    b: 1 # inline\n    # foot of a\nc: 2\n";
        let b = parse(src).unwrap();
        let MapItem::Entry(_, Value::Map(a)) = &b[0][0] else { panic!() };
        assert!(matches!(&a[0], MapItem::Comment(c) if c.inline && c.text == " inline"));
        assert!(matches!(&a[2], MapItem::Comment(c) if !c.inline && c.text == " foot of a"));
        assert_eq!(round(src), src);
    }

    #[test]
    fn scalar_types_resolve_like_yaml_v3() {
        let b = parse("i: 12\nf: 1.5\nt: true\nn: null\ns: '12'\nx: 0x1F\nts: 2020-01-01\nq: '2020-01-01'\n").unwrap();
        let vals: Vec<&Value> = b[0]
            .iter()
            .filter_map(|i| match i {
                MapItem::Entry(_, v) => Some(v),
                _ => None,
            })
            .collect();
        assert_eq!(vals[0], &Value::Int(12));
        assert_eq!(vals[1], &Value::Float(1.5));
        assert_eq!(vals[2], &Value::Bool(true));
        assert_eq!(vals[3], &Value::Null);
        assert_eq!(vals[4], &Value::Str("12".into()));
        assert_eq!(vals[5], &Value::Int(31));
        // Go sops' functional test `test_yaml_time`: an unquoted timestamp is a time.Time.
        assert_eq!(vals[6], &Value::Time("2020-01-01T00:00:00Z".into()));
        assert_eq!(vals[7], &Value::Str("2020-01-01".into()));
    }

    #[test]
    fn quoting_follows_yaml_v3() {
        let q = |s: &str| quote(s, &analyze(s));
        assert_eq!(q("plain"), "plain");
        assert_eq!(q("true"), "\"true\"");
        assert_eq!(q("123"), "\"123\"");
        assert_eq!(q("yes"), "\"yes\"");
        assert_eq!(q("a: b"), "'a: b'");
        assert_eq!(q("#x"), "'#x'");
        assert_eq!(q(" lead"), "' lead'");
        assert_eq!(q("tab\there"), "\"tab\\there\"");
        assert_eq!(q("ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]"), "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]");
        assert_eq!(yaml_float(1e21), "1e+21");
        assert_eq!(yaml_float(0.00001), "1e-05");
        assert_eq!(yaml_float(2.5), "2.5");
        assert_eq!(yaml_float(1234568000.0), "1.234568e+09");
        assert_eq!(yaml_float(100000.0), "100000");
    }

    #[test]
    fn rejects_duplicate_keys_and_non_mapping_documents() {
        assert!(parse("a: 1\na: 2\n").is_err());
        assert!(parse("- a\n").is_err());
        assert!(parse("a: [\n").is_err());
        for bad in ["a: 'hunter2\n", "a: hunter2\n b: c\n", "a: \"hunter2\n"] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn multiple_documents_and_aliases() {
        let b = parse("a: &x 1\nb: *x\n---\nc: 2\n").unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0][1], MapItem::Entry("b".into(), Value::Int(1)));
        assert_eq!(emit(&b, 4), "a: 1\nb: 1\n---\nc: 2\n");
        let bin = parse("b: !!binary AAEC\n").unwrap();
        assert_eq!(bin[0][0], MapItem::Entry("b".into(), Value::Bytes(vec![0, 1, 2])));
        assert_eq!(emit(&bin, 4), "b: !!binary AAEC\n");
    }
}

#[cfg(test)]
mod stability {
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

    /// After one normalisation, parse → emit is a fixed point and the tree is unchanged, so a
    /// decrypt → encrypt → decrypt cycle never moves comments or values.
    #[test]
    fn emit_parse_is_a_fixed_point_for_tricky_layouts() {
        let samples = [
            "a: # after key\n  b: 1\n  # foot of a\n# head of c\nc: [1, 2]\nd: {x: y}\n",
            "list:\n- a # after a\n-   b: 1\n    c: 2\n    # foot of item\n- - nested\n  - seq\n# end\n",
            "top:\n    inner:\n        - x\n        # foot of inner list\n    # foot of top map\n# foot of the document\n",
            "s: 'single '' quote'\nt: \"tab\\tand\\nnewline\"\nu: \"  lead\"\nv: \"trail  \"\nw: |+\n  keep\n\n",
            "# only comments\n",
            "k: &a {x: 1}\nl: *a\nm:\n  <<: *a\n  y: 2\n",
            "deep:\n  - x:\n      - y: |\n          text\n        z: 1\n",
        ];
        for src in samples {
            let once = emit(&parse(src).unwrap(), 4);
            let tree = parse(&once).unwrap_or_else(|e| panic!("re-parse of {once:?}: {e}"));
            assert_eq!(emit(&tree, 4), once, "not stable for {src:?}");
            assert_eq!(tree, parse(src).unwrap(), "tree changed for {src:?}:\n{once}");
        }
        let b = parse(samples[1]).unwrap();
        assert!(matches!(b[0].last(), Some(MapItem::Comment(c)) if c.text == " end"), "{b:?}");
        assert_eq!(emit(&parse(samples[2]).unwrap(), 4), samples[2]);
    }
}
