//! One test per kind of finding, where it is reported, and zones with
//! several problems at once.

use super::super::layout::Format;
use super::super::{Field, Problem, validate};
use super::{TD1, TD3, check_fields, date, finding, findings, reference, refresh, with};

#[test]
fn wrong_line_count() {
    let cases: [(&[&str], u8); 4] = [
        (&[], 1),
        (&TD3[..1], 2),
        (&[TD3[0]; 4], 4),
        (&[TD1[0]; 5], 4),
    ];
    for (lines, line) in cases {
        let report = validate(lines, reference());
        assert_eq!(report.format(), None);
        assert_eq!(
            report.findings(),
            [finding(Field::Layout, line, 1, Problem::WrongLineCount)]
        );
        assert!(report.check_digits().is_empty());
        assert_eq!(report.document_number(), "");
    }
}

#[test]
fn wrong_line_length_is_the_only_finding() {
    let short = &TD3[1][..43];
    let long = format!("{}<", TD3[1]);
    let report = validate(&[TD3[0], short], reference());
    assert_eq!(report.format(), Some(Format::Td3));
    assert_eq!(
        report.findings(),
        [finding(Field::Layout, 2, 44, Problem::WrongLineLength)]
    );
    assert_eq!(report.primary_identifier(), "");
    assert_eq!(report.birth_date(), None);

    let report = validate(&["p<uto", &long], reference());
    assert_eq!(
        report.findings(),
        [
            finding(Field::Layout, 1, 6, Problem::WrongLineLength),
            finding(Field::Layout, 2, 45, Problem::WrongLineLength),
        ]
    );
    let report = validate(&[TD1[0], TD1[1], ""], reference());
    assert_eq!(
        report.findings(),
        [finding(Field::Layout, 3, 1, Problem::WrongLineLength)]
    );
}

#[test]
fn invalid_characters_are_attributed_to_their_field() {
    let zone = with(&TD3, 1, 8, 'i');
    assert_eq!(
        findings(&zone),
        [finding(Field::Name, 1, 8, Problem::InvalidCharacter)]
    );
    let zone = with(&TD3, 2, 29, ' ');
    let refs: Vec<&str> = zone.iter().map(String::as_str).collect();
    let report = validate(&refs, reference());
    assert_eq!(
        report.findings(),
        [finding(
            Field::OptionalData,
            2,
            29,
            Problem::InvalidCharacter
        )]
    );
    // A check digit over a bad character cannot be computed, so it is left
    // out rather than reported a second time.
    assert_eq!(
        check_fields(report.check_digits()),
        [
            Field::DocumentNumberCheck,
            Field::BirthDateCheck,
            Field::ExpiryDateCheck
        ]
    );
}

#[test]
fn non_ascii_characters_count_as_one_position() {
    let zone = with(&TD3, 2, 3, 'É');
    let refs: Vec<&str> = zone.iter().map(String::as_str).collect();
    let report = validate(&refs, reference());
    assert_eq!(
        report.findings(),
        [finding(
            Field::DocumentNumber,
            2,
            3,
            Problem::InvalidCharacter
        )]
    );
    assert_eq!(report.document_number(), "L8É8902C3");
    assert_eq!(report.nationality(), "SWE");
    assert_eq!(report.birth_date(), Some(date(1974, 8, 12)));

    let zone = with(&TD1, 3, 30, '中');
    assert_eq!(
        findings(&zone),
        [finding(Field::Name, 3, 30, Problem::InvalidCharacter)]
    );
    let zone = with(&TD1, 1, 15, '\u{1F600}');
    assert_eq!(
        findings(&zone),
        [finding(
            Field::DocumentNumberCheck,
            1,
            15,
            Problem::InvalidCharacter
        )]
    );
}

#[test]
fn every_check_digit_is_checked_where_it_stands() {
    let cases = [
        (10, Field::DocumentNumberCheck),
        (20, Field::BirthDateCheck),
        (28, Field::ExpiryDateCheck),
        (43, Field::OptionalDataCheck),
        (44, Field::CompositeCheck),
    ];
    // Each digit is itself covered by the composite, which fails with it.
    let composite = |line, position| {
        finding(
            Field::CompositeCheck,
            line,
            position,
            Problem::CheckDigitMismatch,
        )
    };
    for (position, field) in cases {
        let zone = with(&TD3, 2, position, 'A');
        let mut expected = vec![finding(
            field,
            2,
            position as u8,
            Problem::CheckDigitMismatch,
        )];
        if field != Field::CompositeCheck {
            expected.push(composite(2, 44));
        }
        assert_eq!(findings(&zone), expected, "{field:?}");
    }
    let cases = [
        (1, 15, Field::DocumentNumberCheck),
        (2, 7, Field::BirthDateCheck),
        (2, 15, Field::ExpiryDateCheck),
        (2, 30, Field::CompositeCheck),
    ];
    for (line, position, field) in cases {
        let zone = with(&TD1, line, position, '3');
        let mut expected = vec![finding(
            field,
            line as u8,
            position as u8,
            Problem::CheckDigitMismatch,
        )];
        if field != Field::CompositeCheck {
            expected.push(composite(2, 30));
        }
        assert_eq!(findings(&zone), expected, "{field:?}");
    }
}

#[test]
fn data_changes_fail_their_check_and_the_composite() {
    let zone = with(&TD3, 2, 1, 'K');
    let refs: Vec<&str> = zone.iter().map(String::as_str).collect();
    let report = validate(&refs, reference());
    assert_eq!(
        report.findings(),
        [
            finding(
                Field::DocumentNumberCheck,
                2,
                10,
                Problem::CheckDigitMismatch
            ),
            finding(Field::CompositeCheck, 2, 44, Problem::CheckDigitMismatch),
        ]
    );
    assert_eq!(
        report.check_digits(),
        [
            (Field::DocumentNumberCheck, false),
            (Field::BirthDateCheck, true),
            (Field::ExpiryDateCheck, true),
            (Field::OptionalDataCheck, true),
            (Field::CompositeCheck, false),
        ]
    );
    assert!(!report.check_digits_pass());
}

#[test]
fn an_unused_personal_number_may_have_a_filler_check_digit() {
    let empty = "L898902C36SWE7408122F1204159<<<<<<<<<<<<<<<<";
    let mut lines = refresh(&[TD3[0].to_owned(), empty.to_owned()]);
    assert_eq!(&lines[1][42..43], "<");
    assert!(findings(&lines).is_empty());
    lines = with(&[&lines[0], &lines[1]], 2, 43, '0');
    assert!(findings(&lines).is_empty());
    // A used personal number needs its digit.
    let zone = with(&TD3, 2, 43, '<');
    assert_eq!(
        findings(&zone),
        [
            finding(Field::OptionalDataCheck, 2, 43, Problem::CheckDigitMismatch),
            finding(Field::CompositeCheck, 2, 44, Problem::CheckDigitMismatch),
        ]
    );
}

#[test]
fn long_number_marker_without_a_number() {
    // `<` where the check digit belongs, and nothing in the optional data.
    let zone = with(&TD1, 1, 15, '<');
    assert_eq!(
        findings(&zone),
        [
            finding(
                Field::DocumentNumberCheck,
                1,
                15,
                Problem::CheckDigitMismatch
            ),
            finding(Field::CompositeCheck, 2, 30, Problem::CheckDigitMismatch),
        ]
    );
    // A continuation that never ends with its filler.
    let unterminated = ["I<SWED23145890<7349ABCDEFGHIJ1", TD1[1], TD1[2]];
    let report = validate(&unterminated, reference());
    assert!(report.findings().contains(&finding(
        Field::DocumentNumber,
        1,
        30,
        Problem::InvalidValue
    )));
    // A continuation after a short principal part.
    let short = ["I<SWED2314<<<<<7349<<<<<<<<<<<", TD1[1], TD1[2]];
    let report = validate(&short, reference());
    assert!(report.findings().contains(&finding(
        Field::DocumentNumber,
        1,
        11,
        Problem::InvalidValue
    )));
}

#[test]
fn every_problem_of_a_zone_is_reported_in_order() {
    let zone = with(&TD3, 1, 9, 's');
    let zone = with(&[&zone[0], &zone[1]], 2, 12, '1');
    let zone = with(&[&zone[0], &zone[1]], 2, 21, 'Q');
    let zone = with(&[&zone[0], &zone[1]], 2, 16, '4');
    let zone = with(&[&zone[0], &zone[1]], 2, 44, '5');
    assert_eq!(
        findings(&zone),
        [
            finding(Field::Name, 1, 9, Problem::InvalidCharacter),
            finding(Field::Nationality, 2, 12, Problem::InvalidCode),
            finding(Field::BirthDate, 2, 16, Problem::InvalidDate),
            finding(Field::BirthDateCheck, 2, 20, Problem::CheckDigitMismatch),
            finding(Field::Sex, 2, 21, Problem::InvalidValue),
            finding(Field::CompositeCheck, 2, 44, Problem::CheckDigitMismatch),
        ]
    );
}

#[test]
fn visa_zones_have_no_composite_or_optional_check() {
    let mrv_b = [
        "V<SWEERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
        "L8988901C4XXX4009078F9612109<<<<<<<<",
    ];
    // Anything may go in a visa's optional data without a check failing.
    let zone = with(&mrv_b, 2, 36, '7');
    let refs: Vec<&str> = zone.iter().map(String::as_str).collect();
    let report = validate(&refs, reference());
    assert!(report.is_valid());
    assert_eq!(
        check_fields(report.check_digits()),
        [
            Field::DocumentNumberCheck,
            Field::BirthDateCheck,
            Field::ExpiryDateCheck
        ]
    );
}
