//! Durations as people write them, one grammar for flags and scenario files.
//!
//! A duration is one or more terms, each a decimal number and a unit:
//! `500ms`, `30s`, `5m`, `2h`, `1d`, `1.5h`, or compounds such as `1h30m`
//! and `1d 6h`. Units: `ms`; `s`, `second(s)`; `m`, `min`, `minute(s)`;
//! `h`, `hour(s)`; `d`, `day(s)`. Whitespace may stand between a number
//! and its unit and between terms (`2 days`, `1d 6h`), never inside a
//! number. A lone number without a unit is seconds (a flag given as `30`);
//! inside a compound every number needs its unit, so `1h30` is refused
//! rather than guessed.
//!
//! Numbers are read as exact decimals, not floats, so `0.1s` is exactly
//! 100 ms; fractions below a nanosecond are rounded.

use std::time::Duration;

const NANOS_PER_MS: u128 = 1_000_000;
const NANOS_PER_SECOND: u128 = 1_000 * NANOS_PER_MS;

/// Every unit and its length in nanoseconds.
const UNITS: [(&str, u128); 14] = [
    ("ms", NANOS_PER_MS),
    ("s", NANOS_PER_SECOND),
    ("second", NANOS_PER_SECOND),
    ("seconds", NANOS_PER_SECOND),
    ("m", 60 * NANOS_PER_SECOND),
    ("min", 60 * NANOS_PER_SECOND),
    ("minute", 60 * NANOS_PER_SECOND),
    ("minutes", 60 * NANOS_PER_SECOND),
    ("h", 3_600 * NANOS_PER_SECOND),
    ("hour", 3_600 * NANOS_PER_SECOND),
    ("hours", 3_600 * NANOS_PER_SECOND),
    ("d", 86_400 * NANOS_PER_SECOND),
    ("day", 86_400 * NANOS_PER_SECOND),
    ("days", 86_400 * NANOS_PER_SECOND),
];

/// Fraction digits read; more cannot change a result in nanoseconds.
const FRACTION_DIGITS: u32 = 18;

/// What is wrong with a duration; the caller names the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("is empty; expected a duration such as 30s, 5m or 1h30m")]
    Empty,
    #[error("expected a number at {found:?}; a duration looks like 30s, 5m or 1h30m")]
    ExpectedNumber { found: String },
    #[error("{number} has no unit; only a lone number may leave it out (seconds)")]
    MissingUnit { number: String },
    #[error("unknown unit {unit:?}; use ms, s, m, h or d")]
    UnknownUnit { unit: String },
    #[error("is out of range")]
    OutOfRange,
}

/// Parses a duration (see the module docs for the grammar).
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let nanos = parse_nanos(text)?;
    let seconds = u64::try_from(nanos / NANOS_PER_SECOND).map_err(|_| DurationError::OutOfRange)?;
    Ok(Duration::new(seconds, (nanos % NANOS_PER_SECOND) as u32))
}

/// Parses a duration into whole milliseconds, rounded to the nearest, as
/// event times are counted.
pub fn parse_ms(text: &str) -> Result<i64, DurationError> {
    let nanos = parse_nanos(text)?;
    i64::try_from((nanos + NANOS_PER_MS / 2) / NANOS_PER_MS).map_err(|_| DurationError::OutOfRange)
}

fn parse_nanos(text: &str) -> Result<u128, DurationError> {
    let whole = text.trim();
    if whole.is_empty() {
        return Err(DurationError::Empty);
    }
    let mut total: u128 = 0;
    let mut rest = whole;
    while !rest.is_empty() {
        let (number, after) = split_while(rest, is_number_char);
        if !is_decimal(number) {
            return Err(DurationError::ExpectedNumber {
                found: rest.to_owned(),
            });
        }
        let (unit, after) = split_while(after.trim_start(), |c| {
            !is_number_char(c) && !c.is_whitespace()
        });
        let unit_nanos = match unit {
            "" if rest.len() == whole.len() && after.is_empty() => NANOS_PER_SECOND,
            "" => {
                return Err(DurationError::MissingUnit {
                    number: number.to_owned(),
                });
            }
            unit => UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|&(_, nanos)| nanos)
                .ok_or_else(|| DurationError::UnknownUnit {
                    unit: unit.to_owned(),
                })?,
        };
        total = scaled(number, unit_nanos)
            .and_then(|term| total.checked_add(term))
            .ok_or(DurationError::OutOfRange)?;
        rest = after.trim_start();
    }
    Ok(total)
}

fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || c == '.'
}

fn split_while(text: &str, keep: impl Fn(char) -> bool) -> (&str, &str) {
    text.split_at(text.find(|c| !keep(c)).unwrap_or(text.len()))
}

/// Digits with at most one decimal point, and at least one digit.
fn is_decimal(number: &str) -> bool {
    number.bytes().any(|b| b.is_ascii_digit()) && number.bytes().filter(|&b| b == b'.').count() <= 1
}

/// `number` (a decimal) × `unit_nanos`, exactly, rounded to the
/// nanosecond; `None` on overflow.
fn scaled(number: &str, unit_nanos: u128) -> Option<u128> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let mut nanos: u128 = 0;
    for digit in whole.bytes() {
        nanos = nanos
            .checked_mul(10)?
            .checked_add(u128::from(digit - b'0'))?;
    }
    nanos = nanos.checked_mul(unit_nanos)?;
    // The fraction's first digits as a numerator over 10^FRACTION_DIGITS.
    let mut numerator: u128 = 0;
    let mut read = 0;
    for digit in fraction.bytes().take(FRACTION_DIGITS as usize) {
        numerator = numerator * 10 + u128::from(digit - b'0');
        read += 1;
    }
    numerator *= 10u128.pow(FRACTION_DIGITS - read);
    let denominator = 10u128.pow(FRACTION_DIGITS);
    nanos.checked_add((numerator * unit_nanos + denominator / 2) / denominator)
}

#[cfg(test)]
mod tests;
