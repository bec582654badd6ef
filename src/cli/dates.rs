//! The dates `--since` and `--until` accept: `YYYY-MM-DD` (a whole UTC day),
//! `YYYY-MM-DDTHH:MM[:SS]` with an optional `Z` or `±HH:MM` offset (UTC when absent), and
//! `@SECONDS` since the epoch, as in git's raw dates. Relative dates ("2 weeks ago") are not
//! accepted: an audit report should say the same thing whenever it is re-run.
//!
//! The calendar is jiff's: a day that does not exist (`2025-11-31`, `2025-02-29`) is an error,
//! and an offset is applied as an offset (`10:00+02:00` is `08:00Z`).

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Seconds since the epoch for `text`; a bare day means its first second, or its last one
/// when `end_of_day` (so `--until 2026-01-31` includes that day).
pub fn parse(text: &str, end_of_day: bool) -> Result<i64, String> {
    let t = text.trim();
    let bad = |why: &dyn std::fmt::Display| {
        format!("`{text}` is not a date ({why}): use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[Z|+HH:MM] or @SECONDS")
    };
    if let Some(secs) = t.strip_prefix('@') {
        return secs
            .parse()
            .map_err(|_| bad(&"not a whole number of seconds"));
    }
    if !t.contains(['T', 't', ' ']) {
        if t.len() != 10 {
            return Err(bad(&"a day is written YYYY-MM-DD"));
        }
        let day: Date = t.parse().map_err(|e| bad(&e))?;
        let time = if end_of_day {
            jiff::civil::time(23, 59, 59, 0)
        } else {
            jiff::civil::Time::midnight()
        };
        return utc_seconds(day.to_datetime(time)).map_err(|e| bad(&e));
    }
    if has_offset(t) {
        let ts: Timestamp = t.parse().map_err(|e| bad(&e))?;
        return Ok(ts.as_second());
    }
    let dt: DateTime = t.parse().map_err(|e| bad(&e))?;
    utc_seconds(dt).map_err(|e| bad(&e))
}

/// Whether the time part ends in `Z` or a `±HH[:MM]` offset.
fn has_offset(t: &str) -> bool {
    let time = t.split_once(['T', 't', ' ']).map_or("", |(_, time)| time);
    time.ends_with(['Z', 'z']) || time.contains(['+', '-'])
}

fn utc_seconds(dt: DateTime) -> Result<i64, jiff::Error> {
    Ok(dt.to_zoned(TimeZone::UTC)?.timestamp().as_second())
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn days_times_and_offsets() {
        assert_eq!(parse("1970-01-01", false), Ok(0));
        assert_eq!(parse("1970-01-01", true), Ok(86_399));
        assert_eq!(parse("2026-04-07", false), Ok(1_775_520_000));
        assert_eq!(parse("2000-03-01T00:00:00Z", false), Ok(951_868_800));
        assert_eq!(parse("2000-03-01T00:00", false), Ok(951_868_800));
        assert_eq!(parse("2000-03-01 00:00:00", false), Ok(951_868_800));
        assert_eq!(parse("@1234", true), Ok(1234));
    }

    #[test]
    fn offsets_are_read_as_offsets() {
        assert_eq!(parse("2000-03-01T02:00+02:00", false), Ok(951_868_800));
        assert_eq!(parse("2000-02-29T19:00:00-05:00", false), Ok(951_868_800));
        assert_eq!(parse("2000-03-01T05:30+05:30", false), Ok(951_868_800));
        assert_eq!(parse("2000-03-01T00:00:00+00:00", true), Ok(951_868_800));
    }

    #[test]
    fn impossible_days_are_refused() {
        for bad in [
            "2025-11-31",
            "2025-02-29",
            "2026-04-31",
            "2026-00-10",
            "2026-01-00",
        ] {
            let err = parse(bad, false).unwrap_err();
            assert!(
                err.starts_with(&format!("`{bad}` is not a date (")),
                "{err}"
            );
        }
        assert_eq!(parse("2024-02-29", false), Ok(1_709_164_800));
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-01-01T25:00",
            "2026-01-01T10:61",
            "2026-01-01T10:00+99:00",
            "",
            "2026-1",
            "2026-1-1",
            "@soon",
        ] {
            assert!(parse(bad, false).is_err(), "{bad}");
        }
    }
}
