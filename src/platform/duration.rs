//! Durations users give ssp (`--timeout`, `--grace`, `SSP_SEED_TIMEOUT`, `[seed] timeout`): one
//! parser with bounds, so `0`, `1ns` and `300000000000y` are refused where they are typed instead
//! of reaching helm (whose Go durations end at about 292 years) or overflowing a deadline.

use std::time::Duration;

/// The shortest duration ssp accepts: helm and k3d take whole seconds.
pub const MIN: Duration = Duration::from_secs(1);

/// The longest duration ssp accepts: a week. No wait of ssp's needs more, and every deadline
/// computed from it stays far inside what `Instant` and Go's `time.Duration` can hold.
pub const MAX: Duration = Duration::from_secs(7 * 24 * 3600);

/// Parses `90s`, `10m`, `1h 30m` (humantime's syntax) and checks the bounds. The error says what
/// is wrong and what a valid value looks like; callers add the flag, variable or file:line:col.
pub fn parse(text: &str) -> Result<Duration, String> {
    let example = "e.g. 90s, 10m or 1h";
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("a duration is needed ({example})"));
    }
    let duration =
        humantime::parse_duration(trimmed).map_err(|e| format!("{text:?} is not a duration: {e} ({example})"))?;
    if duration < MIN {
        return Err(format!("{text:?} is too short: the minimum is 1s"));
    }
    if duration > MAX {
        return Err(format!("{text:?} is too long: the maximum is 7d (one week)"));
    }
    Ok(duration)
}

/// `start + duration`, saturating: a deadline never overflows, whatever the duration.
pub fn deadline(start: tokio::time::Instant, duration: Duration) -> tokio::time::Instant {
    start.checked_add(duration).or_else(|| start.checked_add(MAX)).unwrap_or(start)
}

/// A duration as Go's `time.ParseDuration` reads it (`300s`), for helm's and k3d's `--timeout`.
pub fn go_duration(d: Duration) -> String {
    format!("{}s", d.as_secs().max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_forms() {
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse(" 1h 30m "), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("7d"), Ok(MAX));
    }

    #[test]
    fn refuses_zero_tiny_absurd_and_garbage() {
        for (text, why) in [
            ("0", "too short"),
            ("0s", "too short"),
            ("1ns", "too short"),
            ("999ms", "too short"),
            ("8d", "too long"),
            ("99999999999999h", "too long"),
            ("300000000000y", ""),
            ("forever", "not a duration"),
            ("abc", "not a duration"),
            ("", "a duration is needed"),
            ("-5m", "not a duration"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    #[test]
    fn deadlines_saturate() {
        let now = tokio::time::Instant::now();
        assert!(deadline(now, Duration::MAX) > now);
        assert_eq!(deadline(now, Duration::from_secs(5)), now + Duration::from_secs(5));
    }

    #[test]
    fn go_durations() {
        assert_eq!(super::go_duration(Duration::from_secs(300)), "300s");
        assert_eq!(super::go_duration(Duration::from_millis(10)), "1s");
    }
}
