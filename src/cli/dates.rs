//! The dates `--since` and `--until` accept: `YYYY-MM-DD` (a whole UTC day),
//! `YYYY-MM-DDTHH:MM[:SS]` with an optional `Z` or `±HH:MM` offset (UTC when absent), and
//! `@SECONDS` since the epoch, as in git's raw dates. Relative dates ("2 weeks ago") are not
//! accepted: an audit report should say the same thing whenever it is re-run.

/// Seconds since the epoch for `text`; a bare day means its first second, or its last one
/// when `end_of_day` (so `--until 2026-01-31` includes that day).
pub fn parse(text: &str, end_of_day: bool) -> Result<i64, String> {
    let bad = || {
        format!("`{text}` is not a date: use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[Z|+HH:MM] or @SECONDS")
    };
    let t = text.trim();
    if let Some(secs) = t.strip_prefix('@') {
        return secs.parse().map_err(|_| bad());
    }
    let (day, time) = match t.split_once(['T', ' ']) {
        Some((d, rest)) => (d, Some(rest)),
        None => (t, None),
    };
    let mut parts = day.splitn(3, '-');
    let mut num = |max: i64| -> Result<i64, String> {
        let n: i64 = parts.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
        if n < 0 || n > max {
            return Err(bad());
        }
        Ok(n)
    };
    let (y, m, d) = (num(9999)?, num(12)?, num(31)?);
    if m == 0 || d == 0 {
        return Err(bad());
    }
    let midnight = days_from_civil(y, m, d) * 86_400;
    let Some(time) = time else {
        return Ok(if end_of_day {
            midnight + 86_399
        } else {
            midnight
        });
    };
    let (clock, offset) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let (c, o) = time.split_at(i);
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let (oh, om) = o[1..].split_once(':').unwrap_or((&o[1..], "0"));
        let oh: i64 = oh.parse().map_err(|_| bad())?;
        let om: i64 = om.parse().map_err(|_| bad())?;
        (c, sign * (oh * 3600 + om * 60))
    } else {
        (time, 0)
    };
    let mut hms = clock.split(':');
    let mut field = |max: i64, required: bool| -> Result<i64, String> {
        match hms.next() {
            None if !required => Ok(0),
            None => Err(bad()),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (0..=max).contains(&n) => Ok(n),
                _ => Err(bad()),
            },
        }
    };
    let (h, mi, s) = (field(23, true)?, field(59, true)?, field(60, false)?);
    Ok(midnight + h * 3600 + mi * 60 + s - offset)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
        assert_eq!(parse("2000-03-01T02:00+02:00", false), Ok(951_868_800));
        assert_eq!(parse("@1234", true), Ok(1234));
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in ["yesterday", "2026-13-01", "2026-01-01T25:00", "", "2026-1"] {
            assert!(parse(bad, false).is_err(), "{bad}");
        }
    }
}
