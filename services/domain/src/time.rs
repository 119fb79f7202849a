//! Civil dates and epoch milliseconds, without a time-zone database.
//!
//! Event times travel as milliseconds since the Unix epoch (UTC). Dates are
//! proleptic Gregorian; conversions use Howard Hinnant's `days_from_civil`
//! algorithms, exact over the whole `i32` year range we care about.

use std::fmt;

use serde::{Deserialize, Serialize};

pub const MS_PER_SECOND: i64 = 1_000;
pub const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
pub const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// A civil date (year, month 1–12, day 1–31), always valid once constructed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, or `None` when the month or day does not exist.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01 (negative for earlier dates).
    pub fn from_days_since_epoch(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// The UTC date of an instant given in epoch milliseconds.
    pub fn from_epoch_ms(ms: i64) -> Self {
        Self::from_days_since_epoch(ms.div_euclid(MS_PER_DAY))
    }

    /// Midnight UTC at the start of this date, in epoch milliseconds.
    pub fn start_epoch_ms(self) -> i64 {
        self.days_since_epoch() * MS_PER_DAY
    }

    pub fn add_days(self, days: i64) -> Self {
        Self::from_days_since_epoch(self.days_since_epoch() + days)
    }

    /// Day of the week, Monday = 0 … Sunday = 6.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (self.days_since_epoch() + 3).rem_euclid(7) as u32
    }

    /// Completed years of age on `on` for someone born on `self`.
    pub fn age_on(self, on: Date) -> u32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age.max(0) as u32
    }
}

impl Date {
    /// Reads a calendar date written `YYYY-MM-DD`, as `Display` writes it.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !(digits(y) && digits(m) && digits(d)) {
            return None;
        }
        Self::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Start of the tumbling window of `size_ms` that contains `t_ms`, aligned to
/// the epoch.
pub fn window_start(t_ms: i64, size_ms: i64) -> i64 {
    t_ms - t_ms.rem_euclid(size_ms)
}

/// Formats epoch milliseconds as RFC 3339 UTC with millisecond precision.
pub fn format_rfc3339(ms: i64) -> String {
    let date = Date::from_epoch_ms(ms);
    let in_day = ms.rem_euclid(MS_PER_DAY);
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / MS_PER_HOUR,
        in_day % MS_PER_HOUR / MS_PER_MINUTE,
        in_day % MS_PER_MINUTE / MS_PER_SECOND,
        in_day % MS_PER_SECOND
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` or a bare `YYYY-MM-DD`
/// (midnight UTC) into epoch milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(range)?;
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = Date::new(num(0..4)? as i32, num(5..7)? as u32, num(8..10)? as u32)?;
    if b.len() == 10 {
        return Some(date.start_epoch_ms());
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, m, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<3}", &frac[..digits.min(3)]);
        millis = padded.parse::<i64>().ok()?;
        rest = &frac[digits..];
    }
    let offset_ms = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let oh: i64 = rest[1..3].parse().ok()?;
            let om: i64 = rest[4..6].parse().ok()?;
            sign * (oh * MS_PER_HOUR + om * MS_PER_MINUTE)
        }
        _ => return None,
    };
    Some(
        date.start_epoch_ms() + h * MS_PER_HOUR + m * MS_PER_MINUTE + s * MS_PER_SECOND + millis
            - offset_ms,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_days_over_centuries() {
        for days in (-800_000..800_000).step_by(7) {
            let date = Date::from_days_since_epoch(days);
            assert_eq!(date.days_since_epoch(), days, "{date}");
            assert!(Date::new(date.year(), date.month(), date.day()).is_some());
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().days_since_epoch(), 11_017);
        assert_eq!(Date::new(2014, 9, 11).unwrap().weekday(), 3);
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
    }

    #[test]
    fn dates_read_back_as_written() {
        let date = Date::new(2026, 3, 21).unwrap();
        assert_eq!(Date::parse(&date.to_string()), Some(date));
        for bad in [
            "2026-3-21",
            "2026-02-30",
            "2026-03-2x",
            "26-03-21",
            "2026-03-21-1",
            "",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn age_counts_completed_years() {
        let birth = Date::new(2008, 6, 15).unwrap();
        assert_eq!(birth.age_on(Date::new(2026, 6, 14).unwrap()), 17);
        assert_eq!(birth.age_on(Date::new(2026, 6, 15).unwrap()), 18);
    }

    #[test]
    fn rfc3339_round_trip() {
        let ms = parse_rfc3339("2026-05-04T08:30:15.250Z").unwrap();
        assert_eq!(format_rfc3339(ms), "2026-05-04T08:30:15.250Z");
        assert_eq!(
            parse_rfc3339("2026-05-04T10:30:15+02:00"),
            parse_rfc3339("2026-05-04T08:30:15Z")
        );
        assert_eq!(
            parse_rfc3339("2026-05-04"),
            Some(Date::new(2026, 5, 4).unwrap().start_epoch_ms())
        );
        assert_eq!(parse_rfc3339("2026-13-04T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn windows_align_to_the_epoch() {
        assert_eq!(window_start(61_001, 60_000), 60_000);
        assert_eq!(window_start(-1, 60_000), -60_000);
    }
}
