//! How yaml.v3 would write a scalar: its `analyzeScalar` (which styles the text allows) and the
//! plain texts it would read back as something other than a string (so they must be quoted).

use super::parse::plain_is_non_string;

/// What yaml.v3's analyzer decides about a scalar.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Analysis {
    pub(super) block_plain: bool,
    pub(super) single_quoted: bool,
    pub(super) block: bool,
}

pub(super) fn analyze(s: &str) -> Analysis {
    let mut a = Analysis { block_plain: true, single_quoted: true, block: true };
    if s.is_empty() {
        a.block = false;
        return a;
    }
    // Fast path for the common scalar of an encrypted file (`ENC[…]` envelopes, base64, names):
    // printable ASCII without spaces, not starting with an indicator or "...", not ending in ':'.
    // Nothing below can clear a flag for such a string, and this skips a char-by-char pass.
    let b = s.as_bytes();
    if all_visible_ascii(b)
        // A `match`, not a search of a byte table: the table's search went out of line to memchr
        // and cost 55 to 118 instructions a call depending on where the linker put the table.
        && !matches!(
            b[0],
            b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b'?' | b':' | b'-'
        )
        && b[b.len() - 1] != b':'
        && !s.starts_with("...")
    {
        return a;
    }
    analyze_slow(s)
}

/// Whether every byte is printable ASCII other than the space (0x21..=0x7e). Checked 16 bytes
/// at a time without an early exit, which the compiler turns into vector instructions: the
/// byte-by-byte `all` took ~10 instructions a byte, 6 % of encrypting a 10,000-leaf file (whose
/// `ENC[…]` envelopes are most of its bytes).
fn all_visible_ascii(b: &[u8]) -> bool {
    let visible = |c: u8| c.wrapping_sub(0x21) < 0x5e;
    let mut chunks = b.chunks_exact(16);
    for chunk in &mut chunks {
        if !chunk.iter().fold(true, |all, &c| all & visible(c)) {
            return false;
        }
    }
    chunks.remainder().iter().all(|&c| visible(c))
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
pub(super) fn resolves_to_non_string(s: &str) -> bool {
    plain_is_non_string(s) || is_timestamp(s) || is_old_bool(s) || is_base60_float(s)
}

fn is_old_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF"
    )
}

/// YAML 1.1's sexagesimal float, `[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?`, read by hand:
/// the regex cost its compilation (~1 ms of a small file's whole decrypt) in every process that
/// wrote YAML. Checked against that regex by the property tests below.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let run = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        // One digit, or two of which the first is 0-5; a longer run cannot be followed by
        // what may come next (`:`, `.` or the end).
        if !(run == 1 || (run == 2 && b[i] <= b'5')) {
            return false;
        }
        i += run;
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// YAML 1.1's timestamp, `[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}` with an optional time
/// (`([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?`),
/// read by hand for the same reason as [`is_base60_float`]; checked against the regex below.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    // `n` digits, at least `min`: a longer run than `max` never matches what follows each field.
    let digits = |i: &mut usize, min: usize, max: usize| {
        let run = b[*i..].iter().take_while(|c| c.is_ascii_digit()).count();
        *i += run;
        (min..=max).contains(&run)
    };
    let byte = |i: &mut usize, want: u8| {
        let ok = b.get(*i) == Some(&want);
        *i += usize::from(ok);
        ok
    };
    if !(digits(&mut i, 4, 4)
        && byte(&mut i, b'-')
        && digits(&mut i, 1, 2)
        && byte(&mut i, b'-')
        && digits(&mut i, 1, 2))
    {
        return false;
    }
    if i == b.len() {
        return true;
    }
    match b[i] {
        b'T' | b't' => i += 1,
        b' ' | b'\t' => {
            while matches!(b.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
        }
        _ => return false,
    }
    if !(digits(&mut i, 1, 2)
        && byte(&mut i, b':')
        && digits(&mut i, 2, 2)
        && byte(&mut i, b':')
        && digits(&mut i, 2, 2))
    {
        return false;
    }
    if byte(&mut i, b'.') {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    if i == b.len() {
        return true;
    }
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    match b.get(i) {
        Some(b'Z') => i += 1,
        Some(b'-' | b'+') => {
            i += 1;
            if !digits(&mut i, 1, 2) {
                return false;
            }
            if byte(&mut i, b':') && !digits(&mut i, 2, 2) {
                return false;
            }
        }
        _ => return false,
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sops::tree::Value;

    /// The regexes the hand readers replaced: the oracles they are checked against.
    fn by_regex(pattern: &str, s: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(s)
    }
    const BASE60: &str = r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$";
    const TIMESTAMP: &str = r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$";

    #[test]
    fn the_hand_readers_know_yaml_1_1_timestamps_and_sexagesimals() {
        for yes in ["190:20:30.15", "-1:30", "+12_3:5:09.", "1:59", "2001-12-14", "2001-12-14t21:59:43.10-05:00"] {
            assert!(is_base60_float(yes) || is_timestamp(yes), "{yes}");
        }
        for yes in ["2001-12-14 21:59:43.10 -5", "2001-1-2T3:04:05Z", "2001-12-14\t\t21:59:43 +05:30"] {
            assert!(is_timestamp(yes), "{yes}");
        }
        for no in
            ["1:60", "1:", ":1", "1:2:", "1:2.3:4", "1:234", "_1:2", "2001-12-14 ", "2001-12-14 Z", "2001-12-14T1:2:03"]
        {
            assert!(!is_base60_float(no) && !is_timestamp(no), "{no}");
        }
        for no in ["2001-12-14T21:59:43 ", "2001-12-14T21:59:43+123", "2001-12-14T21:59:43+1:2", "12001-12-14"] {
            assert!(!is_timestamp(no), "{no}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]

        #[test]
        fn the_sexagesimal_reader_agrees_with_the_regex(
            s in "[-+]?[0-9]{1,3}(:[0-9]{1,3}){1,3}(\\.[0-9_]{0,2})?|[-+_]?[0-9_]{0,4}(:[0-9_]{0,3}){0,3}(\\.[0-9_]{0,3})?[:.x]?"
        ) {
            proptest::prop_assert_eq!(is_base60_float(&s), by_regex(BASE60, &s), "{:?}", s);
        }

        #[test]
        fn the_timestamp_reader_agrees_with_the_regex(
            s in "[0-9]{3,5}-[0-9]{0,3}-[0-9]{0,3}([Tt \t]{0,2}[0-9]{0,3}:[0-9]{1,3}:[0-9]{1,3}(\\.[0-9]{0,3})?[ \t]{0,2}([Zz]|[-+][0-9]{0,3}(:[0-9]{0,3})?)?)?[ x]?"
        ) {
            proptest::prop_assert_eq!(is_timestamp(&s), by_regex(TIMESTAMP, &s), "{:?}", s);
        }

        #[test]
        fn the_readers_agree_with_the_regexes_on_any_text(s in "[0-9:._Tt Zz+-]{0,24}|\\PC{0,10}") {
            proptest::prop_assert_eq!(is_base60_float(&s), by_regex(BASE60, &s), "{:?}", s);
            proptest::prop_assert_eq!(is_timestamp(&s), by_regex(TIMESTAMP, &s), "{:?}", s);
        }

        /// The writer's allocation-free question gives what the reader's resolution gives.
        #[test]
        fn plain_is_non_string_agrees_with_resolve_plain(s in "[-+.0-9eE_:TtZ ~]{0,12}|(true|True|NULL|null|~|.inf|.NaN|-.Inf|0x1F|0o17)|\\PC{0,8}") {
            let resolved = !matches!(super::super::parse::resolve_plain(s.clone()), Value::Str(_));
            proptest::prop_assert_eq!(plain_is_non_string(&s), resolved, "{:?}", s);
        }
    }

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

    #[test]
    fn the_visible_ascii_check_agrees_with_the_byte_by_byte_one() {
        let by_byte = |b: &[u8]| b.iter().all(|c| (0x21..=0x7e).contains(c));
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 100] {
            let base: Vec<u8> = (0..len).map(|i| b'!' + (i % 94) as u8).collect();
            assert!(all_visible_ascii(&base) && by_byte(&base), "{len}");
            for at in 0..len {
                for bad in [b' ', 0x20, 0x7f, 0x80, 0xff, 0x00, b'\n', b'\t'] {
                    let mut v = base.clone();
                    v[at] = bad;
                    assert_eq!(all_visible_ascii(&v), by_byte(&v), "{len} {at} {bad:#x}");
                    assert!(!all_visible_ascii(&v));
                }
            }
        }
    }
}
