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
}
