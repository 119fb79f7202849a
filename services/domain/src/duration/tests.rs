use proptest::prelude::*;

use super::*;

const SECOND: u64 = 1_000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

fn ms(text: &str) -> u64 {
    u64::try_from(parse(text).unwrap().as_millis()).unwrap()
}

#[test]
fn single_terms() {
    assert_eq!(ms("500ms"), 500);
    assert_eq!(ms("30s"), 30 * SECOND);
    assert_eq!(ms("5m"), 5 * MINUTE);
    assert_eq!(ms("5min"), 5 * MINUTE);
    assert_eq!(ms("2h"), 2 * HOUR);
    assert_eq!(ms("1d"), DAY);
    assert_eq!(ms("7d"), 7 * DAY);
}

#[test]
fn compounds_and_written_out_units() {
    assert_eq!(ms("1h30m"), 90 * MINUTE);
    assert_eq!(ms("1d 6h"), 30 * HOUR);
    assert_eq!(
        ms("1d6h30m15s250ms"),
        DAY + 6 * HOUR + 30 * MINUTE + 15 * SECOND + 250
    );
    assert_eq!(ms("2 days"), 2 * DAY);
    assert_eq!(ms("1 hour 1 minute 1 second"), HOUR + MINUTE + SECOND);
    assert_eq!(ms("  90m "), 90 * MINUTE);
}

#[test]
fn fractions_are_exact() {
    assert_eq!(ms("1.5h"), 90 * MINUTE);
    assert_eq!(ms(".5h"), 30 * MINUTE);
    assert_eq!(ms("5.m"), 5 * MINUTE);
    assert_eq!(parse("0.1s"), Ok(Duration::from_millis(100)));
    assert_eq!(parse("0.5ms"), Ok(Duration::from_micros(500)));
    assert_eq!(parse("1.0000000001s"), Ok(Duration::new(1, 0)));
    assert_eq!(parse("0.0000000005s"), Ok(Duration::new(0, 1)));
}

#[test]
fn a_lone_number_is_seconds() {
    assert_eq!(ms("30"), 30 * SECOND);
    assert_eq!(ms("2.5"), 2_500);
    assert_eq!(
        parse("1h30"),
        Err(DurationError::MissingUnit {
            number: "30".into()
        })
    );
    assert_eq!(
        parse("30 5m"),
        Err(DurationError::MissingUnit {
            number: "30".into()
        })
    );
}

#[test]
fn each_problem_is_named() {
    assert_eq!(parse(""), Err(DurationError::Empty));
    assert_eq!(parse("  "), Err(DurationError::Empty));
    assert_eq!(
        parse("soon"),
        Err(DurationError::ExpectedNumber {
            found: "soon".into()
        })
    );
    assert_eq!(
        parse("-5s"),
        Err(DurationError::ExpectedNumber {
            found: "-5s".into()
        })
    );
    assert_eq!(
        parse("1.2.3s"),
        Err(DurationError::ExpectedNumber {
            found: "1.2.3s".into()
        })
    );
    assert_eq!(
        parse("3w"),
        Err(DurationError::UnknownUnit { unit: "w".into() })
    );
    assert_eq!(
        parse("5 fortnights"),
        Err(DurationError::UnknownUnit {
            unit: "fortnights".into()
        })
    );
    assert_eq!(
        parse("10S"),
        Err(DurationError::UnknownUnit { unit: "S".into() })
    );
    assert_eq!(
        parse("99999999999999999999999999999s"),
        Err(DurationError::OutOfRange)
    );
    assert_eq!(
        parse_ms("999999999999999999999d"),
        Err(DurationError::OutOfRange)
    );
    assert_eq!(
        DurationError::UnknownUnit { unit: "w".into() }.to_string(),
        "unknown unit \"w\"; use ms, s, m, h or d"
    );
}

#[test]
fn milliseconds_are_rounded() {
    assert_eq!(parse_ms("250ms"), Ok(250));
    assert_eq!(parse_ms("1h30m"), Ok(90 * 60_000));
    assert_eq!(parse_ms("0.4ms"), Ok(0));
    assert_eq!(parse_ms("0.5ms"), Ok(1));
    assert_eq!(parse_ms("1.0005s"), Ok(1_001));
}

/// A compound written from its parts, units in random spellings.
fn written(parts: [u64; 5], spellings: [usize; 5], spaced: bool) -> String {
    const NAMES: [&[&str]; 5] = [
        &["d", "day", "days"],
        &["h", "hour", "hours"],
        &["m", "min", "minute", "minutes"],
        &["s", "second", "seconds"],
        &["ms"],
    ];
    let gap = if spaced { " " } else { "" };
    parts
        .iter()
        .zip(NAMES)
        .zip(spellings)
        .map(|((n, names), s)| format!("{n}{gap}{}", names[s % names.len()]))
        .collect::<Vec<_>>()
        .join(gap)
}

proptest! {
    #[test]
    fn a_compound_is_the_sum_of_its_terms(
        parts in prop::array::uniform5(0u64..1_000),
        spellings in prop::array::uniform5(0usize..4),
        spaced: bool,
    ) {
        let [d, h, m, s, milli] = parts;
        let expected = d * DAY + h * HOUR + m * MINUTE + s * SECOND + milli;
        let text = written(parts, spellings, spaced);
        prop_assert_eq!(parse(&text), Ok(Duration::from_millis(expected)));
        prop_assert_eq!(parse_ms(&text), Ok(i64::try_from(expected).unwrap()));
    }

    #[test]
    fn terms_can_be_split_anywhere(
        a in prop::array::uniform5(0u64..100),
        b in prop::array::uniform5(0u64..100),
    ) {
        let (left, right) = (written(a, [0; 5], false), written(b, [0; 5], false));
        let both = parse(&format!("{left}{right}")).unwrap();
        prop_assert_eq!(both, parse(&left).unwrap() + parse(&right).unwrap());
    }

    #[test]
    fn milliseconds_agree_with_the_duration(text in "[0-9]{1,6}(\\.[0-9]{1,4})?(ms|s|m|h|d)") {
        let duration = parse(&text).unwrap();
        let rounded = (duration.as_nanos() + 500_000) / 1_000_000;
        prop_assert_eq!(parse_ms(&text), Ok(i64::try_from(rounded).unwrap()));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,20}") {
        let _ = parse(&text);
        let _ = parse_ms(&text);
    }
}
