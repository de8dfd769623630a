//! dotenv as sops' `stores/dotenv` reads and writes it: `KEY=value` lines, `#` comment lines,
//! newlines in values written as `\n`.

use crate::sops::cipher::format_float_go;
use crate::sops::error::{Result, SopsError};
use crate::sops::tree::{Branch, Comment, MapItem, Value};

pub fn parse(text: &str) -> Result<Branch> {
    let mut out = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        if let Some(c) = line.strip_prefix('#') {
            out.push(MapItem::Comment(Comment { text: c.to_string(), inline: false }));
            continue;
        }
        // The message names the line only: its text may be a secret.
        let (k, v) =
            line.split_once('=').ok_or_else(|| SopsError::parse("dotenv", format!("line {} has no '='", n + 1)))?;
        out.push(MapItem::Entry(k.to_string(), Value::Str(v.replace("\\n", "\n"))));
    }
    Ok(out)
}

/// sops' `stores.ValToString`.
pub(crate) fn val_to_string(v: &Value) -> Result<String> {
    Ok(match v {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => {
            let g = super::yaml::go_format_g(*f).to_uppercase();
            if !g.contains('.') && !g.contains('E') { format!("{}.0", format_float_go(*f)) } else { g }
        }
        Value::Bool(b) => b.to_string(),
        Value::Null => "<nil>".into(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Time(t) => crate::sops::time::without_fraction(t),
        Value::Map(_) | Value::Seq(_) => {
            return Err(SopsError::Emit { format: "dotenv/INI", reason: "nested values are not supported".into() });
        }
    })
}

pub fn emit(b: &Branch) -> Result<String> {
    emit_with_tail(b, &[])
}

/// [`emit`] with `tail`'s items written after the branch's own (an encrypted file's metadata).
pub fn emit_with_tail(b: &[MapItem], tail: &[MapItem]) -> Result<String> {
    let mut out = String::new();
    for item in b.iter().chain(tail) {
        match item {
            MapItem::Comment(c) => {
                out.push('#');
                out.push_str(&c.text);
                out.push('\n');
            }
            MapItem::Entry(k, v) => {
                let s = match v {
                    Value::Str(s) => s.replace('\n', "\\n"),
                    Value::Map(_) | Value::Seq(_) => {
                        return Err(SopsError::Emit {
                            format: "dotenv",
                            reason: format!("cannot use a nested value in a dotenv file (key {k})"),
                        });
                    }
                    other => val_to_string(other)?,
                };
                out.push_str(k);
                out.push('=');
                out.push_str(&s);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let src = "#c\nA=1\nB=two\\nlines\nC=\n";
        let b = parse(src).unwrap();
        assert_eq!(b[2], MapItem::Entry("B".into(), Value::Str("two\nlines".into())));
        assert_eq!(emit(&b).unwrap(), src);
        let err = parse("A=1\nhunter2\n").unwrap_err().to_string();
        assert!(err.contains("line 2") && !err.contains("hunter2"), "{err}");
    }
}
