//! UTC timestamps as Unix seconds, without a date-time dependency.
//!
//! CloudTrail writes `eventTime` as `YYYY-MM-DDTHH:MM:SSZ`; the CLI takes `--since/--until` as a
//! date (`2024-08-01`) or such a timestamp. The S3 layout names date folders `YYYY/MM/DD`. Those
//! are the only shapes we need, so a few lines of civil-calendar arithmetic (Howard Hinnant's
//! `days_from_civil`) replace a date crate.

/// Seconds per day.
pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn num(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses `YYYY-MM-DD` to its midnight, or `YYYY-MM-DDTHH:MM[:SS[.fff]]Z` (also with a space
/// instead of `T`, or a `+00:00` offset) to Unix seconds. `None` for anything else.
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = match text.find(['T', ' ']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let (y, m, d) = (
        num(parts.next()?)?,
        num(parts.next()?)?,
        num(parts.next()?)?,
    );
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let day = days_from_civil(y, m as u32, d as u32);
    let Some(rest) = rest else {
        return Some(day * DAY);
    };
    let rest = rest
        .strip_suffix('Z')
        .or_else(|| rest.strip_suffix("+00:00"))?;
    let rest = rest.split('.').next()?;
    let mut hms = rest.split(':');
    let h = num(hms.next()?)?;
    let mi = num(hms.next()?)?;
    let s = match hms.next() {
        Some(s) => num(s)?,
        None => 0,
    };
    if hms.next().is_some() || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(day * DAY + h * 3600 + mi * 60 + s)
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(DAY));
    let s = secs.rem_euclid(DAY);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_shapes() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("2024-08-01T12:01:00Z"), Some(1_722_513_660));
        assert_eq!(parse("2024-08-01T12:01Z"), Some(1_722_513_660));
        assert_eq!(parse("2024-08-01 12:01:00.123+00:00"), Some(1_722_513_660));
        assert_eq!(format(1_722_513_660), "2024-08-01T12:01:00Z");
        assert_eq!(
            parse("2024-02-29"),
            Some(days_from_civil(2024, 2, 29) * DAY)
        );
        assert_eq!(
            civil_from_days(days_from_civil(2024, 3, 1) - 1),
            (2024, 2, 29)
        );
        assert_eq!(
            civil_from_days(days_from_civil(2023, 12, 31) + 1),
            (2024, 1, 1)
        );
        for bad in [
            "",
            "2024-13-01",
            "2024-08",
            "yesterday",
            "2024-08-01T25:00:00Z",
            "2024-08-01T12:00:00+02:00",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
