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

fn yaml_re() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2}))|(?: ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.([0-9]{1,9}))?))?$",
        )
        .expect("valid regex")
    })
}

/// yaml.v3's `parseTimestamp` (its four accepted layouts: RFC 3339 with short fields and `T` or
/// `t`, a space-separated time without zone, a date alone), as the canonical text; `None` when
/// the scalar is not a timestamp.
pub fn from_yaml(s: &str) -> Option<String> {
    let c = yaml_re().captures(s)?;
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
        for not in ["2024-13-01", "2024-02-30", "2024-01-01T10:00:00", "20240101", "2024-01-01x", "v2024-01-01"] {
            assert_eq!(from_yaml(not), None, "{not}");
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
