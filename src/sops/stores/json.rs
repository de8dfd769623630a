//! JSON as sops' `stores/json` reads and writes it: key order kept, numbers as int when they fit,
//! written like Go's `json.Marshal` + `json.Indent` (tab indentation by default, `": "` after keys,
//! `<`, `>` and `&` escaped).

use crate::sops::cipher::format_float_go;
use crate::sops::error::{Result, SopsError};
use crate::sops::tree::{Branch, MapItem, SeqItem, Value};

fn from_json(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::Str(s),
        serde_json::Value::Array(a) => Value::Seq(a.into_iter().map(|v| SeqItem::Value(from_json(v))).collect()),
        serde_json::Value::Object(o) => {
            Value::Map(o.into_iter().map(|(k, v)| MapItem::Entry(k, from_json(v))).collect())
        }
    }
}

/// Parses a JSON document whose top level is an object.
pub fn parse(text: &str) -> Result<Branch> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| SopsError::parse("JSON", e))?;
    match from_json(v) {
        Value::Map(m) => Ok(m),
        _ => Err(SopsError::parse(
            "JSON",
            "sops only supports JSON files with a top-level object; wrap the data in an object, e.g. {\"data\": [...]}",
        )),
    }
}

/// Go's `encoding/json` string encoding.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `json.Marshal` of a float64.
fn float(f: f64) -> Result<String> {
    if !f.is_finite() {
        return Err(SopsError::Emit { format: "JSON", reason: "NaN and infinite numbers have no JSON form".into() });
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let e = format!("{f:e}");
        let (mant, exp) = e.split_once('e').expect("exponent form");
        let exp: i32 = exp.parse().expect("exponent");
        let sign = if exp < 0 { '-' } else { '+' };
        Ok(format!("{mant}e{sign}{}", exp.abs()))
    } else {
        Ok(format_float_go(f))
    }
}

struct Writer {
    out: String,
    indent: String,
}

impl Writer {
    fn nl(&mut self, depth: usize) {
        self.out.push('\n');
        for _ in 0..depth {
            self.out.push_str(&self.indent.clone());
        }
    }

    fn value(&mut self, v: &Value, depth: usize) -> Result<()> {
        match v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => self.out.push_str(&i.to_string()),
            Value::Float(f) => self.out.push_str(&float(*f)?),
            Value::Str(s) | Value::Time(s) => self.out.push_str(&quote(s)),
            Value::Bytes(b) => {
                use base64::Engine as _;
                self.out.push_str(&quote(&base64::engine::general_purpose::STANDARD.encode(b)))
            }
            Value::Map(m) => self.map(m, &[], depth)?,
            Value::Seq(s) => {
                let items: Vec<&Value> = s
                    .iter()
                    .filter_map(|i| match i {
                        SeqItem::Value(v) => Some(v),
                        SeqItem::Comment(_) => None,
                    })
                    .collect();
                if items.is_empty() {
                    self.out.push_str("[]");
                    return Ok(());
                }
                self.out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.nl(depth + 1);
                    self.value(v, depth + 1)?;
                }
                self.nl(depth);
                self.out.push(']');
            }
        }
        Ok(())
    }

    /// A mapping's entries: `m`'s, then `tail`'s (an encrypted file's `sops` entry).
    fn map(&mut self, m: &[MapItem], tail: &[MapItem], depth: usize) -> Result<()> {
        let entries: Vec<(&String, &Value)> = m
            .iter()
            .chain(tail)
            .filter_map(|i| match i {
                MapItem::Entry(k, v) => Some((k, v)),
                MapItem::Comment(_) => None,
            })
            .collect();
        if entries.is_empty() {
            self.out.push_str("{}");
            return Ok(());
        }
        self.out.push('{');
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.nl(depth + 1);
            self.out.push_str(&quote(k));
            self.out.push_str(": ");
            self.value(v, depth + 1)?;
        }
        self.nl(depth);
        self.out.push('}');
        Ok(())
    }
}

/// Writes a branch as sops does: indented (a tab unless `indent` spaces are configured), with a
/// trailing newline. Comments have no JSON form and are dropped, as sops drops them.
pub fn emit(b: &Branch, indent: Option<usize>) -> Result<String> {
    emit_with_tail(b, &[], indent)
}

/// [`emit`] with `tail`'s items written after the branch's own (an encrypted file's `sops` entry).
pub fn emit_with_tail(b: &[MapItem], tail: &[MapItem], indent: Option<usize>) -> Result<String> {
    let mut w = Writer { out: String::new(), indent: indent.map_or_else(|| "\t".to_string(), |n| " ".repeat(n)) };
    w.map(b, tail, 0)?;
    w.out.push('\n');
    Ok(w.out)
}

/// Writes one value (for `--extract`).
pub fn emit_value(v: &Value, indent: Option<usize>) -> Result<String> {
    let mut w = Writer { out: String::new(), indent: indent.map_or_else(|| "\t".to_string(), |n| " ".repeat(n)) };
    w.value(v, 0)?;
    Ok(w.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_sops_layout() {
        let src = "{\n\t\"a\": \"x<y\",\n\t\"n\": 1,\n\t\"f\": 1.5,\n\t\"o\": {\n\t\t\"l\": [\n\t\t\t1,\n\t\t\t\"two\"\n\t\t],\n\t\t\"e\": {},\n\t\t\"z\": []\n\t},\n\t\"nil\": null\n}\n";
        let b = parse(src).unwrap();
        assert_eq!(b[1], MapItem::Entry("n".into(), Value::Int(1)));
        let out = emit(&b, None).unwrap();
        assert_eq!(out, src.replace("x<y", "x\\u003cy"));
        assert_eq!(parse(&out).unwrap(), b);
    }

    #[test]
    fn floats_like_go() {
        assert_eq!(float(1e21).unwrap(), "1e+21");
        assert_eq!(float(1e-7).unwrap(), "1e-7");
        assert_eq!(float(0.5).unwrap(), "0.5");
        assert!(float(f64::NAN).is_err());
    }

    #[test]
    fn refuses_non_object_documents() {
        assert!(parse("[1,2]").is_err());
        assert!(parse("{").is_err());
    }
}
