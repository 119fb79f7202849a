//! Parsers for configuration values given as flags or environment variables.

use std::time::Duration;

/// Parses `key=value`.
pub fn parse_key_value(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected key=value, got {text:?}"))?;
    if key.trim().is_empty() {
        return Err(format!("empty key in {text:?}"));
    }
    Ok((key.trim().to_owned(), value.trim().to_owned()))
}

/// Parses durations such as `250ms`, `10s`, `5m`, `2h`, `7d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("expected a duration such as 10s or 250ms, got {text:?}"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1_000.0,
        "s" | "" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3_600.0,
        "d" => value * 86_400.0,
        other => return Err(format!("unknown duration unit {other:?} in {text:?}")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("duration out of range: {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 fortnights").is_err());
        assert!(parse_duration("99999999999999999999999999999s").is_err());
    }

    #[test]
    fn key_values() {
        assert_eq!(
            parse_key_value("security.protocol=SSL"),
            Ok(("security.protocol".into(), "SSL".into()))
        );
        assert!(parse_key_value("novalue").is_err());
        assert!(parse_key_value("=x").is_err());
    }
}
