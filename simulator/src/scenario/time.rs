//! Times in scenario files: durations such as `1d 6h` or `90m`, instants
//! as RFC 3339 or as an offset from the scenario's start (`+1d9h`), and
//! clock speeds such as `1 day in 2 minutes`. Durations follow the grammar
//! the services' flags use too, [`borderflow_domain::duration`].

use borderflow_domain::duration::{self, DurationError};
use borderflow_domain::time::{MS_PER_DAY, parse_rfc3339};

/// The longest duration taken: far beyond any scenario, and far enough
/// from `i64::MAX` that adding one to an instant cannot overflow.
const MAX_DURATION_MS: i64 = 100 * 366 * MS_PER_DAY;

/// Parses `1d 6h`, `1h30m`, `90m`, `45s`, `250ms` into milliseconds, up to
/// 100 years.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    match duration::parse_ms(text) {
        Ok(ms) if ms <= MAX_DURATION_MS => Ok(ms),
        Ok(_) | Err(DurationError::OutOfRange) => Err(format!("{text:?} is longer than 100 years")),
        Err(problem) => Err(problem.to_string()),
    }
}

/// An instant: RFC 3339, or `+<duration>` after `start_ms`.
pub fn parse_instant(text: &str, start_ms: i64) -> Result<i64, String> {
    let text = text.trim();
    if let Some(offset) = text.strip_prefix('+') {
        return Ok(start_ms + parse_duration_ms(offset)?);
    }
    parse_rfc3339(text)
        .ok_or_else(|| format!("{text:?} is neither an RFC 3339 time nor an offset such as +1d9h"))
}

/// A clock speed: simulated seconds per wall second, or `None` to run as
/// fast as ingest takes it. Accepts `real-time`, `unpaced`, `x720`, `720`
/// and `<duration> in <duration>` (`1 day in 2 minutes`).
pub fn parse_speed(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim().to_ascii_lowercase();
    let speed = match t.as_str() {
        "real-time" | "realtime" | "real time" => 1.0,
        "unpaced" | "max" | "as fast as possible" => return Ok(None),
        _ => {
            if let Some((sim, wall)) = t.split_once(" in ") {
                let sim = parse_duration_ms(&words_to_units(sim))?;
                let wall = parse_duration_ms(&words_to_units(wall))?;
                if wall <= 0 {
                    return Err(format!("{text:?}: the wall-clock side must be positive"));
                }
                sim as f64 / wall as f64
            } else {
                let number = t.trim_start_matches('x').trim_end_matches('x');
                number.parse::<f64>().map_err(|_| {
                    format!(
                        "{text:?} is not a speed such as real-time, x720 or \"1 day in 2 minutes\""
                    )
                })?
            }
        }
    };
    if speed == 0.0 {
        return Ok(None);
    }
    if !(speed.is_finite() && speed > 0.0) {
        return Err(format!("{text:?}: a speed must be positive"));
    }
    Ok(Some(speed))
}

/// `a day` → `1 day`, `an hour` → `1 hour`: the duration grammar takes
/// units written out, but wants a number.
fn words_to_units(text: &str) -> String {
    let t = text.trim();
    t.strip_prefix("a ")
        .or_else(|| t.strip_prefix("an "))
        .map_or_else(|| t.to_owned(), |rest| format!("1 {rest}"))
}

#[cfg(test)]
mod tests {
    use borderflow_domain::time::{MS_PER_HOUR, MS_PER_MINUTE};

    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("1d 6h"), Ok(30 * MS_PER_HOUR));
        assert_eq!(parse_duration_ms("1h30m"), Ok(90 * MS_PER_MINUTE));
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert_eq!(parse_duration_ms("2 days"), Ok(2 * MS_PER_DAY));
        assert!(parse_duration_ms("soon").is_err());
        assert!(parse_duration_ms("3w").is_err());
        assert!(parse_duration_ms("99999999999999999999d").is_err());
        assert!(parse_duration_ms("36000d 36000d").is_err());
        assert_eq!(parse_duration_ms(" 1h 30m "), Ok(90 * MS_PER_MINUTE));
    }

    #[test]
    fn instants() {
        let start = parse_rfc3339("2026-05-04T00:00:00Z").unwrap();
        assert_eq!(parse_instant("+1d9h", start), Ok(start + 33 * MS_PER_HOUR));
        assert_eq!(
            parse_instant("2026-05-05T09:00:00Z", start),
            Ok(start + 33 * MS_PER_HOUR)
        );
        assert!(parse_instant("tomorrow", start).is_err());
    }

    #[test]
    fn speeds() {
        assert_eq!(parse_speed("real-time"), Ok(Some(1.0)));
        assert_eq!(parse_speed("x720"), Ok(Some(720.0)));
        assert_eq!(parse_speed("1440"), Ok(Some(1440.0)));
        assert_eq!(parse_speed("1 day in 2 minutes"), Ok(Some(720.0)));
        assert_eq!(parse_speed("a day in 1 minute"), Ok(Some(1440.0)));
        assert_eq!(parse_speed("unpaced"), Ok(None));
        assert_eq!(parse_speed("0"), Ok(None));
        assert!(parse_speed("fast").is_err());
        assert!(parse_speed("-3").is_err());
    }
}
