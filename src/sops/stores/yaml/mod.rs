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
//!
//! The store API is this module's: [`parse`] (in `parse.rs`), [`emit`] and [`emit_value`] (in
//! `emit.rs`). Round trips through both are tested here.

mod emit;
mod parse;
mod style;

pub(crate) use emit::go_format_g;
pub use emit::{emit, emit_value, emit_with_tail};
pub use parse::parse;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sops::tree::{MapItem, SeqItem, Value};

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
    use crate::sops::tree::MapItem;

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

    /// An encrypted file's documents are written with the metadata after each one's data, without
    /// the copy that appending it would take: the text is the same as with the copy.
    #[test]
    fn a_tail_is_written_as_if_appended_to_each_document() {
        let docs = parse("a: 1\n# foot of the first\n---\n# only a comment\n{}\n---\nb:\n    - x # inline\n").unwrap();
        let tail = parse("sops:\n    mac: ENC[x]\n    lastmodified: \"2020-01-01T00:00:00Z\"\n").unwrap().remove(0);
        let joined: Vec<_> = docs.iter().map(|d| d.iter().chain(&tail).cloned().collect::<Vec<_>>()).collect();
        assert_eq!(docs.len(), 3);
        for indent in [2, 4] {
            let written = emit_with_tail(&docs, &tail, indent);
            assert_eq!(written, emit(&joined, indent));
            assert_eq!(written.matches("sops:").count(), 3, "{written}");
        }
        assert_eq!(emit_with_tail(&docs, &[], 4), emit(&docs, 4));
    }
}
