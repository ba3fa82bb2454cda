//! Jellyfin's time units on the wire: ticks (100 ns) and dates as
//! `yyyy-MM-ddTHH:mm:ss.fffffffZ` (always with a zone designator; Swift clients need it).

pub const TICKS_PER_MS: i64 = 10_000;

pub fn ms_to_ticks(ms: i64) -> i64 {
    ms.saturating_mul(TICKS_PER_MS)
}

pub fn ticks_to_ms(ticks: i64) -> i64 {
    ticks / TICKS_PER_MS
}

/// Milliseconds since the Unix epoch → `2024-05-01T10:03:17.1230000Z`.
pub fn format_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}0000Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        millis
    )
}

/// A date a client sends (`2024-05-01T10:03:17.123Z`, `2024-05-01T12:03:17+02:00`,
/// `2024-05-01T10:03:17`, `2024-05-01`) → milliseconds since the Unix epoch. A date without a
/// zone is read as UTC, as Jellyfin stores dates.
pub fn parse_date_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let num = |part: &str| -> Option<i64> {
        (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let (date, time) = s.split_once(['T', ' ']).unwrap_or((s, ""));
    let mut ymd = date.split('-');
    let (y, m, d) = (num(ymd.next()?)?, num(ymd.next()?)?, num(ymd.next()?)?);
    if ymd.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Split off the zone: `Z`, `+hh:mm`, `-hhmm`.
    let (clock, offset_min) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else if let Some(at) = time.rfind(['+', '-']) {
        let (c, zone) = time.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 {
            return None;
        }
        (c, sign * (num(&digits[..2])? * 60 + num(&digits[2..])?))
    } else {
        (time, 0)
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = hms.split(':');
    let h = parts
        .next()
        .filter(|p| !p.is_empty())
        .map_or(Some(0), num)?;
    let min = parts.next().map_or(Some(0), num)?;
    let sec = parts.next().map_or(Some(0), num)?;
    if parts.next().is_some() || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    let millis = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().take(3).collect();
        num(&digits)? * 10_i64.pow(3 - digits.len() as u32)
    };
    let days = days_from_civil(y, m, d);
    Some(((days * 86_400 + h * 3600 + min * 60 + sec) - offset_min * 60) * 1000 + millis)
}

/// Howard Hinnant's civil-to-days: (year, month, day) → days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-from-civil inverse: days since 1970-01-01 → (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_jellyfin() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.0000000Z");
        assert_eq!(format_ms(1_619_172_197_000), "2021-04-23T10:03:17.0000000Z");
        assert_eq!(format_ms(951_782_400_123), "2000-02-29T00:00:00.1230000Z");
        assert_eq!(ms_to_ticks(7_345_472), 73_454_720_000);
        assert_eq!(ticks_to_ms(73_454_720_000), 7_345_472);
    }

    #[test]
    fn parses_what_clients_send() {
        assert_eq!(
            parse_date_ms("2021-04-23T10:03:17.0000000Z"),
            Some(1_619_172_197_000)
        );
        assert_eq!(
            parse_date_ms("2021-04-23T12:03:17+02:00"),
            Some(1_619_172_197_000)
        );
        assert_eq!(
            parse_date_ms("2021-04-23T05:03:17-0500"),
            Some(1_619_172_197_000)
        );
        assert_eq!(
            parse_date_ms("2021-04-23T10:03:17"),
            Some(1_619_172_197_000)
        );
        assert_eq!(
            parse_date_ms("2000-02-29T00:00:00.123Z"),
            Some(951_782_400_123)
        );
        assert_eq!(parse_date_ms("1970-01-01"), Some(0));
        for ms in [0, 951_782_400_123, 1_619_172_197_000, 4_102_444_800_000] {
            assert_eq!(parse_date_ms(&format_ms(ms)), Some(ms));
        }
        for bad in [
            "",
            "yesterday",
            "2021-13-01",
            "2021-04-23T25:00:00Z",
            "2021-04-23T10:00+1",
        ] {
            assert_eq!(parse_date_ms(bad), None, "{bad}");
        }
    }
}
