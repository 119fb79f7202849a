//! `YYMMDD` dates and the century rules.
//!
//! A zone carries two-digit years, so the century comes from the date of
//! inspection (the reference): a date of birth is never in the future, and a
//! date of expiry lies within 50 years either side of the reference.

use crate::time::Date;

use super::charset::FILLER;

/// Why a date field could not be read: the 0-based offset of the offending
/// part (year 0, month 2, day 4) or character within the six.
pub(crate) type BadOffset = u8;

/// A date of birth. Parts given as `<<` are unknown (Doc 9303 Part 3);
/// the date is then `None`, which is not an error.
pub(crate) fn read_birth(field: &[u8], reference: Date) -> Result<Option<Date>, BadOffset> {
    let (year, month, day) = read_parts(field, true)?;
    let (Some(yy), Some(month), Some(day)) = (year, month, day) else {
        return Ok(None);
    };
    let mut year = century_base(reference) + yy;
    if (year, month, day) > ymd(reference) {
        year -= 100;
    }
    Date::new(year, month, day).map(Some).ok_or(4)
}

/// A date of expiry; every part must be known.
pub(crate) fn read_expiry(field: &[u8], reference: Date) -> Result<Date, BadOffset> {
    let (Some(yy), Some(month), Some(day)) = read_parts(field, false)? else {
        return Err(0);
    };
    let mut year = century_base(reference) + yy;
    let (ref_year, ref_month, ref_day) = ymd(reference);
    if (year, month, day) > (ref_year + 50, ref_month, ref_day) {
        year -= 100;
    } else if (year, month, day) <= (ref_year - 50, ref_month, ref_day) {
        year += 100;
    }
    Date::new(year, month, day).ok_or(4)
}

/// Writes `date` as `YYMMDD`.
pub(crate) fn write(date: Date, out: &mut [u8]) {
    let parts = [date.year().rem_euclid(100) as u32, date.month(), date.day()];
    for (chunk, part) in out.chunks_exact_mut(2).zip(parts) {
        chunk[0] = b'0' + (part / 10) as u8;
        chunk[1] = b'0' + (part % 10) as u8;
    }
}

type Parts = (Option<i32>, Option<u32>, Option<u32>);

/// Splits `YYMMDD` into its parts, `None` for a part of two fillers when
/// `unknown_ok`; checks month and day ranges of the known parts.
fn read_parts(field: &[u8], unknown_ok: bool) -> Result<Parts, BadOffset> {
    let mut parts = [None; 3];
    for (index, part) in parts.iter_mut().enumerate() {
        let offset = 2 * index;
        let (a, b) = (field[offset], field[offset + 1]);
        if unknown_ok && a == FILLER && b == FILLER {
            continue;
        }
        if !a.is_ascii_digit() {
            return Err(offset as u8);
        }
        if !b.is_ascii_digit() {
            return Err(offset as u8 + 1);
        }
        *part = Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'));
    }
    let [year, month, day] = parts;
    if month.is_some_and(|m| !(1..=12).contains(&m)) {
        return Err(2);
    }
    if day.is_some_and(|d| !(1..=31).contains(&d)) {
        return Err(4);
    }
    Ok((year.map(|y| y as i32), month, day))
}

fn century_base(reference: Date) -> i32 {
    reference.year() - reference.year().rem_euclid(100)
}

fn ymd(date: Date) -> (i32, u32, u32) {
    (date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Date {
        Date::new(y, m, d).unwrap()
    }

    #[test]
    fn birth_dates_are_never_in_the_future() {
        let reference = date(2025, 5, 4);
        assert_eq!(
            read_birth(b"740812", reference),
            Ok(Some(date(1974, 8, 12)))
        );
        assert_eq!(read_birth(b"250504", reference), Ok(Some(date(2025, 5, 4))));
        assert_eq!(read_birth(b"250505", reference), Ok(Some(date(1925, 5, 5))));
        assert_eq!(read_birth(b"260101", reference), Ok(Some(date(1926, 1, 1))));
        assert_eq!(
            read_birth(b"000229", reference),
            Ok(Some(date(2000, 2, 29)))
        );
        // 1900 was not a leap year.
        assert_eq!(read_birth(b"000229", date(1999, 12, 31)), Err(4));
    }

    #[test]
    fn unknown_birth_parts_are_allowed() {
        let reference = date(2025, 5, 4);
        assert_eq!(read_birth(b"<<<<<<", reference), Ok(None));
        assert_eq!(read_birth(b"74<<<<", reference), Ok(None));
        assert_eq!(read_birth(b"7408<<", reference), Ok(None));
        assert_eq!(read_birth(b"7413<<", reference), Err(2));
        assert_eq!(read_birth(b"7<0812", reference), Err(1));
    }

    #[test]
    fn expiry_dates_stay_within_fifty_years() {
        let reference = date(2025, 5, 4);
        assert_eq!(read_expiry(b"120415", reference), Ok(date(2012, 4, 15)));
        assert_eq!(read_expiry(b"350101", reference), Ok(date(2035, 1, 1)));
        assert_eq!(read_expiry(b"750504", reference), Ok(date(2075, 5, 4)));
        assert_eq!(read_expiry(b"750505", reference), Ok(date(1975, 5, 5)));
        assert_eq!(read_expiry(b"961210", reference), Ok(date(1996, 12, 10)));
        // Late in a century the next one is near.
        assert_eq!(
            read_expiry(b"050101", date(2098, 1, 1)),
            Ok(date(2105, 1, 1))
        );
    }

    #[test]
    fn bad_expiry_dates_point_at_the_part() {
        let reference = date(2025, 5, 4);
        assert_eq!(read_expiry(b"<<<<<<", reference), Err(0));
        assert_eq!(read_expiry(b"2A0101", reference), Err(1));
        assert_eq!(read_expiry(b"250001", reference), Err(2));
        assert_eq!(read_expiry(b"250100", reference), Err(4));
        assert_eq!(read_expiry(b"250231", reference), Err(4));
        assert_eq!(read_expiry(b"250132", reference), Err(4));
    }

    #[test]
    fn writes_two_digit_years() {
        let mut out = [0; 6];
        write(date(1974, 8, 12), &mut out);
        assert_eq!(&out, b"740812");
        write(date(2005, 1, 9), &mut out);
        assert_eq!(&out, b"050109");
    }
}
