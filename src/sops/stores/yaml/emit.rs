//! Sops branches into YAML text, as yaml.v3's emitter writes the node shapes sops builds.

use super::style::{Analysis, analyze, resolves_to_non_string};
use crate::sops::cipher::format_float_go;
use crate::sops::tree::{Branch, Comment, MapItem, SeqItem, Value};

struct Emitter {
    out: String,
    indent: usize,
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

    /// `n` spaces of indentation, without a string of them made for each line.
    fn spaces(&mut self, mut n: usize) {
        const SPACES: &str = "                                ";
        while n > 0 {
            let k = n.min(SPACES.len());
            self.out.push_str(&SPACES[..k]);
            n -= k;
        }
    }

    fn comment_line(&mut self, col: usize, text: &str) {
        self.spaces(col);
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
                self.spaces(block_indent);
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
    /// A mapping's items: `b`'s, then `tail`'s (the sops metadata of an encrypted file's document,
    /// written after its data without a copy of the data to append it to).
    fn map(&mut self, b: &[MapItem], tail: &[MapItem], col: usize, first_written: bool) {
        let mut head: Vec<String> = Vec::new();
        let mut inline: Vec<String> = Vec::new();
        let mut first = true;
        for item in b.iter().chain(tail) {
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
                            self.spaces(col);
                        }
                    } else {
                        for c in comments {
                            self.comment_line(col, &c);
                        }
                        self.spaces(col);
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
                self.map(m, &[], c, false);
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
                    self.spaces(col);
                    self.out.push('-');
                    match v {
                        Value::Map(m) if has_entries_map(m) => {
                            self.line_comments(&mut inline);
                            self.out.push(' ');
                            self.map(m, &[], col + 2, true);
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

/// A scalar as yaml.v3 writes it: plain (as it is, no copy), single- or double-quoted.
fn quote<'s>(s: &'s str, a: &Analysis) -> std::borrow::Cow<'s, str> {
    if resolves_to_non_string(s) || s.is_empty() {
        return double_quoted(s).into();
    }
    if a.block_plain {
        return s.into();
    }
    if a.single_quoted && !s.contains('\n') {
        return format!("'{}'", s.replace('\'', "''")).into();
    }
    double_quoted(s).into()
}

fn has_entries_map(m: &[MapItem]) -> bool {
    m.iter().any(|i| matches!(i, MapItem::Entry(..)))
}

fn has_values(s: &[SeqItem]) -> bool {
    s.iter().any(|i| matches!(i, SeqItem::Value(_)))
}

/// Writes branches as yaml.v3 does for sops, documents separated by `---`.
pub fn emit(branches: &[Branch], indent: usize) -> String {
    emit_with_tail(branches, &[], indent)
}

/// [`emit`] with `tail`'s items written after each document's own (an encrypted file's `sops`
/// entry).
pub fn emit_with_tail(branches: &[Branch], tail: &[MapItem], indent: usize) -> String {
    let mut e = Emitter { out: String::new(), indent: indent.max(2) };
    for (i, b) in branches.iter().enumerate() {
        if i > 0 {
            e.out.push_str("---\n");
        }
        if !has_entries_map(b) && !has_entries_map(tail) {
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
        e.map(b, tail, 0, false);
    }
    e.out
}

/// Writes a single value (for `--extract`): scalars as their YAML text, collections as blocks.
pub fn emit_value(v: &Value, indent: usize) -> String {
    let mut e = Emitter { out: String::new(), indent: indent.max(2) };
    match v {
        Value::Map(m) => e.map(m, &[], 0, false),
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
    use super::*;

    #[test]
    fn quoting_follows_yaml_v3() {
        let q = |s: &str| quote(s, &analyze(s)).into_owned();
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
}
