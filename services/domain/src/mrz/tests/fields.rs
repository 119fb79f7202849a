//! Field rules: dates and their century, codes, sex, names, numbers.

use super::super::layout::Format;
use super::super::{Field, Problem, Sex, validate};
use super::{TD1, TD3, date, finding, findings, put, reference, refresh, with};

#[test]
fn invalid_dates() {
    let zone = refresh(&with(&TD3, 2, 16, '1'));
    assert_eq!(
        findings(&zone),
        [finding(Field::BirthDate, 2, 16, Problem::InvalidDate)]
    );
    // 31 April.
    let zone = refresh(&put(&TD3, 2, 26, "31"));
    assert_eq!(
        findings(&zone),
        [finding(Field::ExpiryDate, 2, 26, Problem::InvalidDate)]
    );
    let zone = refresh(&with(&TD3, 2, 23, 'O'));
    assert_eq!(
        findings(&zone),
        [finding(Field::ExpiryDate, 2, 23, Problem::InvalidDate)]
    );
    let zone = refresh(&with(&TD3, 2, 22, '<'));
    assert_eq!(
        findings(&zone),
        [finding(Field::ExpiryDate, 2, 22, Problem::InvalidDate)]
    );
}

#[test]
fn unknown_birth_date_parts_are_not_an_error() {
    let mut lines: Vec<String> = TD3.iter().map(|l| (*l).to_owned()).collect();
    for position in 16..=19 {
        lines = with(&[&lines[0], &lines[1]], 2, position, '<');
    }
    let lines = refresh(&lines);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let report = validate(&refs, reference());
    assert!(report.is_valid(), "{:?}", report.findings());
    assert_eq!(report.birth_date(), None);
    assert!(
        report
            .check_digits()
            .contains(&(Field::BirthDateCheck, true))
    );

    // The check digit still covers the fillers: the old digit is now wrong.
    let unchecked = with(&[&lines[0], &lines[1]], 2, 20, '2');
    assert_eq!(
        findings(&unchecked)[0],
        finding(Field::BirthDateCheck, 2, 20, Problem::CheckDigitMismatch)
    );
}

#[test]
fn century_rules_follow_the_reference_date() {
    // Born 5 May 25: on 4 May 2025 that is 1925, a day later 2025.
    let lines = refresh(&put(&TD3, 2, 14, "250505"));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    assert_eq!(&lines[1][13..19], "250505");
    assert_eq!(
        validate(&refs, reference()).birth_date(),
        Some(date(1925, 5, 5))
    );
    assert_eq!(
        validate(&refs, date(2025, 5, 5)).birth_date(),
        Some(date(2025, 5, 5))
    );
    // Expiring in 75: within 50 years of 2025 that is 2075; from 2024, 1975.
    let lines = refresh(&put(&TD3, 2, 22, "75"));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    assert_eq!(&lines[1][21..27], "750415");
    assert_eq!(
        validate(&refs, reference()).expiry_date(),
        Some(date(2075, 4, 15))
    );
    assert_eq!(
        validate(&refs, date(2024, 1, 1)).expiry_date(),
        Some(date(1975, 4, 15))
    );
}

#[test]
fn invalid_codes() {
    let cases = [
        (&with(&TD3, 2, 13, '0'), Field::Nationality, 2, 13),
        (&with(&TD3, 1, 3, '<'), Field::IssuingState, 1, 3),
        (&with(&TD3, 1, 4, '<'), Field::IssuingState, 1, 5),
        (&with(&TD3, 1, 1, 'I'), Field::DocumentCode, 1, 1),
        (&with(&TD3, 1, 2, '1'), Field::DocumentCode, 1, 2),
        (&with(&TD1, 1, 1, 'P'), Field::DocumentCode, 1, 1),
    ];
    for (zone, field, line, position) in cases {
        let refreshed = if field == Field::Nationality {
            refresh(zone)
        } else {
            zone.clone()
        };
        assert_eq!(
            findings(&refreshed),
            [finding(field, line, position, Problem::InvalidCode)],
            "{zone:?}"
        );
    }
    // `D<<` is Germany.
    let zone = refresh(&put(&TD3, 2, 11, "D<<"));
    assert!(findings(&zone).is_empty());
}

#[test]
fn unassigned_state_codes() {
    // Utopia of the Doc 9303 specimens, Kosovo's own `RKS`, an alpha-2 code.
    let cases = [
        (put(&TD3, 1, 3, "UTO"), Field::IssuingState, 1, 3),
        (put(&TD3, 2, 11, "RKS"), Field::Nationality, 2, 11),
        (put(&TD3, 2, 11, "GB<"), Field::Nationality, 2, 11),
        (put(&TD1, 2, 16, "QQQ"), Field::Nationality, 2, 16),
        (put(&TD1, 1, 3, "UT<"), Field::IssuingState, 1, 3),
    ];
    for (zone, field, line, position) in cases {
        let refs: Vec<&str> = zone.iter().map(String::as_str).collect();
        let report = validate(&refs, reference());
        assert_eq!(
            report.findings(),
            [finding(field, line, position, Problem::InvalidCode)],
            "{zone:?}"
        );
        assert!(!report.is_valid());
        // The code is still reported as read, for the officer to see.
        let read = match field {
            Field::IssuingState => report.issuing_state(),
            _ => report.nationality(),
        };
        assert_eq!(
            read,
            zone[usize::from(line) - 1][usize::from(position) - 1..][..3].trim_end_matches('<')
        );
    }
    // Doc 9303's own codes, and ISO codes of any kind of territory.
    for code in ["GBN", "XXA", "UNO", "EUE", "XOM", "ALA", "SSD", "DEU"] {
        let zone = put(&TD3, 2, 11, code);
        assert!(findings(&zone).is_empty(), "{code}");
    }
}

#[test]
fn text_after_the_closing_fillers() {
    // TD3 line 1: the name field runs from position 6 to 44.
    let name = |text: &str| {
        let padded = format!("{text:<<39}");
        put(&TD3, 1, 6, &padded)
    };
    let cases = [
        // Letters after the padding of a complete name.
        ("ERIKSSON<<ANNA<MARIA<<<<XYZ".to_owned(), 30),
        // A second `<<` ends the name: what follows is not part of it.
        ("ERIKSSON<<ANNA<<MARIA".to_owned(), 22),
        // No secondary identifier, padding, then text.
        ("ERIKSSON<<<ANNA".to_owned(), 17),
        (format!("ERIKSSON{}X", "<".repeat(30)), 44),
    ];
    for (text, position) in cases {
        let zone = name(&text);
        assert_eq!(
            findings(&zone),
            [finding(Field::Name, 1, position, Problem::InvalidValue)],
            "{text}"
        );
    }
    let zone = name("ERIKSSON<<ANNA<MARIA<<<<XYZ");
    let refs: Vec<&str> = zone.iter().map(String::as_str).collect();
    let report = validate(&refs, reference());
    assert_eq!(report.secondary_identifier(), "ANNA<MARIA");

    // Legitimate names: single fillers between parts, a name cut to fill
    // the field, a name without secondary identifier.
    for text in [
        "VAN<DER<BERG<<JAN<PIETER",
        "ERIKSSON<<ANNA<MARIA<ELISABET<CHRISTINA",
        "WOJCIECHOWSKA<NOWAKOWSKA<KOWALSKA<<ANNA",
        "ERIKSSON",
        "ERIKSSON<ANNA",
    ] {
        assert!(findings(&name(text)).is_empty(), "{text}");
    }
}

#[test]
fn document_codes_decide_between_passport_and_visa() {
    // A visa code on a two-line 44 zone reads as MRV-A: no composite.
    let zone = with(&TD3, 1, 1, 'V');
    let refs: Vec<&str> = zone.iter().map(String::as_str).collect();
    let report = validate(&refs, reference());
    assert_eq!(report.format(), Some(Format::MrvA));
    assert!(report.is_valid(), "{:?}", report.findings());
    assert_eq!(report.optional_data(), "ZE184226B<<<<<10");
}

#[test]
fn invalid_values() {
    let zone = with(&TD3, 2, 21, 'Q');
    let refs: Vec<&str> = zone.iter().map(String::as_str).collect();
    let report = validate(&refs, reference());
    assert_eq!(
        report.findings(),
        [finding(Field::Sex, 2, 21, Problem::InvalidValue)]
    );
    assert_eq!(report.sex(), Sex::Unspecified);

    let zone = with(&TD3, 1, 17, '7');
    assert_eq!(
        findings(&zone),
        [finding(Field::Name, 1, 17, Problem::InvalidValue)]
    );
    let zone = with(&TD3, 1, 6, '<');
    assert_eq!(
        findings(&zone),
        [finding(Field::Name, 1, 6, Problem::InvalidValue)]
    );

    let blank = "<<<<<<<<<0SWE7408122F1204159ZE184226B<<<<<10";
    let zone = refresh(&[TD3[0].to_owned(), blank.to_owned()]);
    assert_eq!(
        findings(&zone),
        [finding(Field::DocumentNumber, 2, 1, Problem::InvalidValue)]
    );
}

#[test]
fn sex_codes() {
    for (c, sex) in [
        ('M', Sex::Male),
        ('F', Sex::Female),
        ('X', Sex::Unspecified),
        ('<', Sex::Unspecified),
    ] {
        let zone = with(&TD3, 2, 21, c);
        let refs: Vec<&str> = zone.iter().map(String::as_str).collect();
        let report = validate(&refs, reference());
        assert!(report.is_valid(), "{c}");
        assert_eq!(report.sex(), sex);
    }
}
