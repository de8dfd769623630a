//! INI as sops' `stores/ini` (through go-ini) reads and writes it: sections become mappings,
//! a comment above a section is the section's first item, a comment above a key follows the key,
//! keys are aligned within a section, multi-line values are written in `"""…"""`.

use crate::sops::error::{Result, SopsError};
use crate::sops::tree::{Branch, Comment, MapItem, Value};

use super::dotenv::val_to_string;

const DEFAULT_SECTION: &str = "DEFAULT";

fn strip_comment_char(c: &str) -> String {
    if c.starts_with(';') {
        c.trim_start_matches([';', ' ']).to_string()
    } else if c.starts_with('#') {
        c.trim_start_matches(['#', ' ']).to_string()
    } else {
        c.to_string()
    }
}

fn unquote_value(raw: &str, lines: &mut std::iter::Peekable<std::str::Lines<'_>>) -> Result<String> {
    let v = raw.trim();
    if let Some(rest) = v.strip_prefix("\"\"\"") {
        if let Some(body) = rest.strip_suffix("\"\"\"") {
            return Ok(body.to_string());
        }
        let mut body = rest.to_string();
        for line in lines.by_ref() {
            body.push('\n');
            if let Some(end) = line.strip_suffix("\"\"\"") {
                body.push_str(end);
                return Ok(body);
            }
            body.push_str(line);
        }
        return Err(SopsError::parse("INI", "unterminated \"\"\" value"));
    }
    if v.len() >= 2 && v.starts_with('`') && v.ends_with('`') {
        return Ok(v[1..v.len() - 1].to_string());
    }
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        return Ok(v[1..v.len() - 1].to_string());
    }
    // go-ini cuts inline comments from unquoted values.
    let cut = v.find(['#', ';']).map_or(v, |i| v[..i].trim());
    Ok(cut.to_string())
}

pub fn parse(text: &str) -> Result<Branch> {
    let mut sections: Vec<(String, Branch)> = vec![(DEFAULT_SECTION.to_string(), Vec::new())];
    let mut pending: Vec<String> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with(';') || t.starts_with('#') {
            pending.push(t.to_string());
            continue;
        }
        if let Some(name) = t.strip_prefix('[') {
            let name =
                name.strip_suffix(']').ok_or_else(|| SopsError::parse("INI", "a section header is missing its ']'"))?;
            let mut items = Vec::new();
            if !pending.is_empty() {
                items.push(MapItem::Comment(Comment { text: strip_comment_char(&pending.join("\n")), inline: false }));
                pending.clear();
            }
            sections.push((name.trim().to_string(), items));
            continue;
        }
        let split = t
            .find(['=', ':'])
            .ok_or_else(|| SopsError::parse("INI", "a line is neither a section, a comment nor key = value"))?;
        let key = t[..split].trim().trim_matches('`').to_string();
        let value = unquote_value(&t[split + 1..], &mut lines)?;
        let section = &mut sections.last_mut().expect("DEFAULT section exists").1;
        section.push(MapItem::Entry(key, Value::Str(value)));
        if !pending.is_empty() {
            section.push(MapItem::Comment(Comment { text: strip_comment_char(&pending.join("\n")), inline: false }));
            pending.clear();
        }
    }
    Ok(sections
        .into_iter()
        .filter(|(name, items)| name != DEFAULT_SECTION || !items.is_empty())
        .map(|(name, items)| MapItem::Entry(name, Value::Map(items)))
        .collect())
}

fn comment_lines(out: &mut String, c: &str) {
    for line in c.split('\n') {
        if line.starts_with(';') || line.starts_with('#') {
            out.push_str(line);
        } else {
            out.push_str("; ");
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn format_value(v: &str) -> String {
    if v.contains('\n') || v.contains('`') {
        format!("\"\"\"{v}\"\"\"")
    } else if v.contains('#') || v.contains(';') {
        format!("`{v}`")
    } else if v.trim() != v {
        format!("\"{v}\"")
    } else {
        v.to_string()
    }
}

fn format_key(k: &str) -> String {
    if k.contains('=') || k.contains(':') || k.contains('"') { format!("`{k}`") } else { k.to_string() }
}

pub fn emit(b: &Branch) -> Result<String> {
    emit_with_tail(b, &[])
}

/// [`emit`] with `tail`'s items written after the branch's own (an encrypted file's metadata).
pub fn emit_with_tail(b: &[MapItem], tail: &[MapItem]) -> Result<String> {
    let mut out = String::new();
    let mut first_section = true;
    for item in b.iter().chain(tail) {
        let MapItem::Entry(name, v) = item else {
            continue;
        };
        let Value::Map(items) = v else {
            return Err(SopsError::Emit {
                format: "INI",
                reason: format!("top-level key {name} is not a section (INI values must be inside sections)"),
            });
        };
        if !first_section {
            out.push('\n');
        }
        first_section = false;
        let mut rest = &items[..];
        if let Some(MapItem::Comment(c)) = items.first() {
            comment_lines(&mut out, &c.text);
            rest = &items[1..];
        }
        if name != DEFAULT_SECTION {
            out.push_str(&format!("[{name}]\n"));
        }
        // go-ini writes a key's comment above it; sops keeps it as the item after the key.
        let mut keys: Vec<(String, String, Option<String>)> = Vec::new();
        for it in rest {
            match it {
                MapItem::Entry(k, v) => keys.push((format_key(k), format_value(&val_to_string(v)?), None)),
                MapItem::Comment(c) => {
                    if let Some(last) = keys.last_mut() {
                        last.2 = Some(c.text.clone());
                    }
                }
            }
        }
        let width = keys.iter().map(|(k, _, _)| k.chars().count()).max().unwrap_or(0);
        for (k, v, c) in keys {
            if let Some(c) = c {
                comment_lines(&mut out, &c);
            }
            let pad = width - k.chars().count();
            out.push_str(&format!("{k}{} = {v}\n", " ".repeat(pad)));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_sections_comments_and_alignment() {
        let src =
            "; about name\n[name]\nfirst = a\nlast  = \"\"\"two\nlines\"\"\"\n; about last\n\n[other]\nk = `x;y`\n";
        let b = parse(src).unwrap();
        let MapItem::Entry(n, Value::Map(items)) = &b[0] else { panic!() };
        assert_eq!(n, "name");
        assert!(matches!(&items[0], MapItem::Comment(c) if c.text == "about name"));
        assert_eq!(items[2], MapItem::Entry("last".into(), Value::Str("two\nlines".into())));
        let out = emit(&b).unwrap();
        assert_eq!(parse(&out).unwrap(), b);
        assert!(out.starts_with("; about name\n[name]\nfirst = a\n"));
    }
}
