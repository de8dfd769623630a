//! Timestamps as Go sops carries them: a YAML timestamp (yaml.v3 reads an unquoted
//! `2024-01-01` or `2006-01-02T15:04:05+07:06` as a `time.Time`) is encrypted as `type:time` with
//! Go's `MarshalText` bytes (RFC 3339 with nanoseconds, trailing zeros dropped, `Z` for UTC), and
//! written back unquoted in that form; INI and dotenv print RFC 3339 without the fraction (sops'
//! `ValToString`). The value is kept as that canonical text: ssp never computes with it.

use std::sync::OnceLock;

/// The parts of a parsed timestamp.
struct Parts<'a> {
    date: (i16, i8, i8),
    time: (i8, i8, i8),
    fraction: &'a str,
    /// `None`: UTC; else the offset text `+hh:mm` / `-hh:mm`.
    offset: Option<&'a str>,
}

fn build(p: Parts<'_>) -> Option<String> {
    let (y, mo, d) = p.date;
    jiff::civil::Date::new(y, mo, d).ok()?;
    let (h, mi, s) = p.time;
    if h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    let frac = p.fraction.get(..p.fraction.len().min(9)).unwrap_or("").trim_end_matches('0');
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    match p.offset {
        None | Some("+00:00") | Some("-00:00") => out.push('Z'),
        Some(o) => {
            let (hh, mm): (u8, u8) = (o[1..3].parse().ok()?, o[4..6].parse().ok()?);
            if hh > 23 || mm > 59 {
                return None;
            }
            out.push_str(o);
        }
    }
    Some(out)
}

/// A left-to-right reader of the ASCII timestamp grammar.
struct Scan<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.at).copied()
    }

    /// Consumes `c` if it is next.
    fn eat(&mut self, c: u8) -> bool {
        let found = self.peek() == Some(c);
        self.at += usize::from(found);
        found
    }

    /// `[0-9]{min,max}`, greedy, as text.
    fn digits(&mut self, min: usize, max: usize) -> Option<&'a str> {
        let start = self.at;
        while self.at - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        (self.at - start >= min).then(|| &self.s[start..self.at])
    }

    /// `[0-9]{min,max}` as a number (at most 4 digits are ever read: no overflow).
    fn number<T: std::str::FromStr>(&mut self, min: usize, max: usize) -> Option<T> {
        self.digits(min, max)?.parse().ok()
    }

    /// `h:m:s` with 1- or 2-digit fields, then an optional `.fraction` of 1 to 9 digits.
    fn clock(&mut self) -> Option<((i8, i8, i8), &'a str)> {
        let h = self.number(1, 2)?;
        self.eat(b':').then_some(())?;
        let m = self.number(1, 2)?;
        self.eat(b':').then_some(())?;
        let s = self.number(1, 2)?;
        let fraction = if self.eat(b'.') { self.digits(1, 9)? } else { "" };
        Some(((h, m, s), fraction))
    }
}

/// yaml.v3's `parseTimestamp` (its four accepted layouts: RFC 3339 with short fields and `T` or
/// `t`, a space-separated time without zone, a date alone), as the canonical text; `None` when
/// the scalar is not a timestamp. The grammar, read by hand (a regex's captures cost ten times as
/// much, and every plain scalar that starts with a digit but is no number, `10Gi`, `1.2.3`,
/// comes here, as does every timestamp-like string the YAML writer checks for quoting):
/// `YYYY-M-D`, optionally followed by `[Tt]h:m:s[.f](Z|±hh:mm)` or by ` h:m:s[.f]`, where M, D,
/// h, m, s have 1 or 2 digits and f 1 to 9.
pub fn from_yaml(s: &str) -> Option<String> {
    let mut sc = Scan { s, at: 0 };
    let y = sc.number(4, 4)?;
    sc.eat(b'-').then_some(())?;
    let mo = sc.number(1, 2)?;
    sc.eat(b'-').then_some(())?;
    let d = sc.number(1, 2)?;
    let (time, fraction, offset) = match sc.peek() {
        None => ((0, 0, 0), "", None),
        Some(b'T' | b't') => {
            sc.at += 1;
            let (time, fraction) = sc.clock()?;
            let offset = if sc.eat(b'Z') {
                None
            } else {
                let start = sc.at;
                (sc.eat(b'+') || sc.eat(b'-')).then_some(())?;
                sc.digits(2, 2)?;
                sc.eat(b':').then_some(())?;
                sc.digits(2, 2)?;
                Some(&s[start..sc.at])
            };
            (time, fraction, offset)
        }
        Some(b' ') => {
            sc.at += 1;
            let (time, fraction) = sc.clock()?;
            (time, fraction, None)
        }
        Some(_) => return None,
    };
    if sc.at != s.len() {
        return None;
    }
    build(Parts { date: (y, mo, d), time, fraction, offset })
}

/// Go's `time.UnmarshalText` (RFC 3339, fraction allowed), as the canonical text.
pub fn from_rfc3339(s: &str) -> Option<String> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?([Zz]|[+-][0-9]{2}:[0-9]{2})$",
        )
        .expect("valid regex")
    });
    let c = re.captures(s)?;
    let num = |i: usize| c.get(i).map(|m| m.as_str());
    let offset = num(8).filter(|o| !o.eq_ignore_ascii_case("z"));
    build(Parts {
        date: (num(1)?.parse().ok()?, num(2)?.parse().ok()?, num(3)?.parse().ok()?),
        time: (num(4)?.parse().ok()?, num(5)?.parse().ok()?, num(6)?.parse().ok()?),
        fraction: num(7).unwrap_or(""),
        offset,
    })
}

/// The canonical text without its fraction (Go's `Format(time.RFC3339)`), for INI and dotenv.
pub fn without_fraction(canonical: &str) -> String {
    match canonical.find('.') {
        Some(dot) => {
            let zone = canonical[dot..].find(['Z', '+', '-']).map_or("", |z| &canonical[dot + z..]);
            format!("{}{zone}", &canonical[..dot])
        }
        None => canonical.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_timestamps_become_go_marshal_text() {
        assert_eq!(from_yaml("2024-01-01").as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(from_yaml("2006-01-02T15:04:05+07:06").as_deref(), Some("2006-01-02T15:04:05+07:06"));
        assert_eq!(from_yaml("2001-12-14t21:59:43.10-05:00").as_deref(), Some("2001-12-14T21:59:43.1-05:00"));
        assert_eq!(from_yaml("2001-12-14 21:59:43.5").as_deref(), Some("2001-12-14T21:59:43.5Z"));
        assert_eq!(from_yaml("2002-1-2T3:04:05+00:00").as_deref(), Some("2002-01-02T03:04:05Z"));
        // The shortest timestamp (8 bytes) still passes the cheap check before the regex.
        assert_eq!(from_yaml("2024-1-2").as_deref(), Some("2024-01-02T00:00:00Z"));
        let not_times = ["2024-13-01", "2024-02-30", "2024-01-01T10:00:00", "20240101", "2024-01-01x", "v2024-01-01"];
        let digit_led = ["10Gi", "1.2.3", "0 3 * * *", "2024-1-", "202-01-01", "2024/01/01", "12345-01-01"];
        for not in not_times.into_iter().chain(digit_led) {
            assert_eq!(from_yaml(not), None, "{not}");
        }
    }

    /// The layouts as one regex: the oracle the hand-written reader is checked against.
    fn from_yaml_by_regex(s: &str) -> Option<String> {
        static RE: OnceLock<regex::Regex> = OnceLock::new();
        let re = RE.get_or_init(|| {
            regex::Regex::new(
                r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2}))|(?: ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.([0-9]{1,9}))?))?$",
            )
            .expect("valid regex")
        });
        let c = re.captures(s)?;
        let num = |i: usize| c.get(i).map(|m| m.as_str());
        let date = (num(1)?.parse().ok()?, num(2)?.parse().ok()?, num(3)?.parse().ok()?);
        let (time, fraction, offset) = if let Some(h) = num(4) {
            let off = num(8).filter(|o| *o != "Z");
            ((h.parse().ok()?, num(5)?.parse().ok()?, num(6)?.parse().ok()?), num(7).unwrap_or(""), off)
        } else if let Some(h) = num(9) {
            ((h.parse().ok()?, num(10)?.parse().ok()?, num(11)?.parse().ok()?), num(12).unwrap_or(""), None)
        } else {
            ((0, 0, 0), "", None)
        };
        build(Parts { date, time, fraction, offset })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// Near-timestamps (field widths one off, separators swapped, fractions too long, zones
        /// malformed, trailing text) read the same by hand as by the regex.
        #[test]
        fn the_reader_agrees_with_the_regex_on_near_timestamps(
            s in "[0-9]{3,5}[-/]?[0-9]{0,3}-[0-9]{0,3}([Tt _][0-9]{0,3}:[0-9]{0,3}[:.][0-9]{0,3}(\\.[0-9]{0,11})?(Z|z|[+-][0-9]{1,3}:?[0-9]{1,3})?)?[x ]?"
        ) {
            proptest::prop_assert_eq!(from_yaml(&s), from_yaml_by_regex(&s), "{:?}", s);
        }

        /// Well-formed timestamps of every layout (valid dates; times up to 99:99:99, which
        /// `build` refuses beyond 23:59:59) read the same both ways.
        #[test]
        fn the_reader_agrees_with_the_regex_on_timestamps(
            s in "[0-9]{4}-(0?[1-9]|1[0-2])-(0?[1-9]|1[0-9]|2[0-8])([Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})| [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]{1,9})?)?"
        ) {
            proptest::prop_assert_eq!(from_yaml(&s), from_yaml_by_regex(&s), "{:?}", s);
        }

        #[test]
        fn the_reader_agrees_with_the_regex_on_any_text(s in "[0-9:.Tt Zz+-]{0,30}|\\PC{0,12}") {
            proptest::prop_assert_eq!(from_yaml(&s), from_yaml_by_regex(&s), "{:?}", s);
        }
    }

    #[test]
    fn rfc3339_round_trips_and_loses_only_the_fraction_for_ini() {
        assert_eq!(from_rfc3339("2024-01-01T00:00:00Z").as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(from_rfc3339("2024-01-01T00:00:00.120+01:00").as_deref(), Some("2024-01-01T00:00:00.12+01:00"));
        assert_eq!(from_rfc3339("2024-01-01"), None);
        assert_eq!(without_fraction("2024-01-01T00:00:00.12+01:00"), "2024-01-01T00:00:00+01:00");
        assert_eq!(without_fraction("2024-01-01T00:00:00.5Z"), "2024-01-01T00:00:00Z");
        assert_eq!(without_fraction("2024-01-01T00:00:00Z"), "2024-01-01T00:00:00Z");
    }
}
