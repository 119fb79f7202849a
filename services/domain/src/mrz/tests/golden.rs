//! The specimen zones of Doc 9303 (Part 4 TD3, Part 5 TD1, Part 6 TD2,
//! Part 7 MRV-A and MRV-B, Part 11 Appendix D for long document numbers):
//! every field and check digit is read back, and writing the specimen's
//! fields reproduces the specimen.
//!
//! The specimens are issued by Utopia (`UTO`), a state that does not exist:
//! as printed, they read in full with every check digit passing and exactly
//! one finding per `UTO`. Issued by Sweden instead they are valid; no check
//! digit covers a state code, so the digits stay as printed.

use crate::time::Date;

use super::super::{
    DocumentSpec, Field, Finding, Format, Problem, Report, Sex, WriteError, validate, write,
};
use super::{date, finding, reference};

struct Specimen {
    lines: &'static [&'static str],
    format: Format,
    document_code: &'static str,
    issuing_state: &'static str,
    document_number: &'static str,
    primary: &'static str,
    secondary: &'static str,
    nationality: &'static str,
    birth: Date,
    sex: Sex,
    expiry: Date,
    optional: &'static str,
    checks: &'static [Field],
}

const WITH_COMPOSITE: &[Field] = &[
    Field::DocumentNumberCheck,
    Field::BirthDateCheck,
    Field::ExpiryDateCheck,
    Field::CompositeCheck,
];
const PASSPORT: &[Field] = &[
    Field::DocumentNumberCheck,
    Field::BirthDateCheck,
    Field::ExpiryDateCheck,
    Field::OptionalDataCheck,
    Field::CompositeCheck,
];
const VISA: &[Field] = &[
    Field::DocumentNumberCheck,
    Field::BirthDateCheck,
    Field::ExpiryDateCheck,
];

/// The fictional state of the specimens, and the real one standing in.
const UTOPIA: &str = "UTO";
const STAND_IN: &str = "SWE";

fn in_sweden(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| l.replace(UTOPIA, STAND_IN)).collect()
}

fn sweden(code: &str) -> &str {
    if code == UTOPIA { STAND_IN } else { code }
}

/// One invalid-code finding at each state field that reads `UTO`.
fn utopia_findings(s: &Specimen) -> Vec<Finding> {
    let layout = s.format.layout();
    let mut expected = Vec::new();
    for (field, span, code) in [
        (Field::IssuingState, layout.issuing_state, s.issuing_state),
        (Field::Nationality, layout.nationality, s.nationality),
    ] {
        if code == UTOPIA {
            expected.push(finding(
                field,
                span.line + 1,
                span.start + 1,
                Problem::InvalidCode,
            ));
        }
    }
    expected.sort_by_key(|f| (f.line, f.position));
    expected
}

fn assert_specimen(s: &Specimen) {
    let report = validate(s.lines, reference());
    assert_eq!(report.findings(), utopia_findings(s), "{:?}", s.format);
    assert_fields(&report, s, s.issuing_state, s.nationality);

    let lines = in_sweden(s.lines);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let report = validate(&refs, reference());
    assert!(report.is_valid(), "{:?}: {:?}", s.format, report.findings());
    assert_fields(&report, s, sweden(s.issuing_state), sweden(s.nationality));
}

fn assert_fields(report: &Report<'_>, s: &Specimen, issuing_state: &str, nationality: &str) {
    assert_eq!(report.format(), Some(s.format));
    assert_eq!(report.document_code(), s.document_code);
    assert_eq!(report.issuing_state(), issuing_state);
    assert_eq!(report.document_number(), s.document_number);
    assert_eq!(report.primary_identifier(), s.primary);
    assert_eq!(report.secondary_identifier(), s.secondary);
    assert_eq!(report.nationality(), nationality);
    assert_eq!(report.birth_date(), Some(s.birth));
    assert_eq!(report.sex(), s.sex);
    assert_eq!(report.expiry_date(), Some(s.expiry));
    assert_eq!(report.optional_data(), s.optional);
    let expected: Vec<(Field, bool)> = s.checks.iter().map(|&f| (f, true)).collect();
    assert_eq!(report.check_digits(), expected.as_slice());
}

fn spec_of(s: &Specimen) -> DocumentSpec {
    DocumentSpec {
        format: s.format,
        document_code: s.document_code.to_owned(),
        issuing_state: sweden(s.issuing_state).to_owned(),
        document_number: s.document_number.to_owned(),
        primary_identifier: s.primary.replace('<', " "),
        secondary_identifier: s.secondary.replace('<', " "),
        nationality: sweden(s.nationality).to_owned(),
        birth_date: s.birth,
        sex: s.sex,
        expiry_date: s.expiry,
        optional_data: s.optional.to_owned(),
    }
}

fn td3() -> Specimen {
    Specimen {
        lines: &[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ],
        format: Format::Td3,
        document_code: "P",
        issuing_state: "UTO",
        document_number: "L898902C3",
        primary: "ERIKSSON",
        secondary: "ANNA<MARIA",
        nationality: "UTO",
        birth: date(1974, 8, 12),
        sex: Sex::Female,
        expiry: date(2012, 4, 15),
        optional: "ZE184226B",
        checks: PASSPORT,
    }
}

fn td1() -> Specimen {
    Specimen {
        lines: &[
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ],
        format: Format::Td1,
        document_code: "I",
        issuing_state: "UTO",
        document_number: "D23145890",
        primary: "ERIKSSON",
        secondary: "ANNA<MARIA",
        nationality: "UTO",
        birth: date(1974, 8, 12),
        sex: Sex::Female,
        expiry: date(2012, 4, 15),
        optional: "",
        checks: WITH_COMPOSITE,
    }
}

fn td1_long_number() -> Specimen {
    Specimen {
        lines: &[
            "I<UTOD23145890<7349<<<<<<<<<<<",
            "3407127M9507122UTO<<<<<<<<<<<2",
            "STEVENSON<<PETER<JOHN<<<<<<<<<",
        ],
        format: Format::Td1,
        document_code: "I",
        issuing_state: "UTO",
        document_number: "D23145890734",
        primary: "STEVENSON",
        secondary: "PETER<JOHN",
        nationality: "UTO",
        birth: date(1934, 7, 12),
        sex: Sex::Male,
        expiry: date(1995, 7, 12),
        optional: "",
        checks: WITH_COMPOSITE,
    }
}

fn td2() -> Specimen {
    Specimen {
        lines: &[
            "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "D231458907UTO7408122F1204159<<<<<<<6",
        ],
        format: Format::Td2,
        document_code: "I",
        issuing_state: "UTO",
        document_number: "D23145890",
        primary: "ERIKSSON",
        secondary: "ANNA<MARIA",
        nationality: "UTO",
        birth: date(1974, 8, 12),
        sex: Sex::Female,
        expiry: date(2012, 4, 15),
        optional: "",
        checks: WITH_COMPOSITE,
    }
}

fn td2_long_number() -> Specimen {
    Specimen {
        lines: &[
            "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<",
            "D23145890<UTO3407127M95071227349<<<8",
        ],
        format: Format::Td2,
        document_code: "I",
        issuing_state: "UTO",
        document_number: "D23145890734",
        primary: "STEVENSON",
        secondary: "PETER<JOHN",
        nationality: "UTO",
        birth: date(1934, 7, 12),
        sex: Sex::Male,
        expiry: date(1995, 7, 12),
        optional: "",
        checks: WITH_COMPOSITE,
    }
}

fn mrv_a() -> Specimen {
    Specimen {
        lines: &[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
        ],
        format: Format::MrvA,
        document_code: "V",
        issuing_state: "UTO",
        document_number: "L8988901C",
        primary: "ERIKSSON",
        secondary: "ANNA<MARIA",
        nationality: "XXX",
        birth: date(1940, 9, 7),
        sex: Sex::Female,
        expiry: date(1996, 12, 10),
        optional: "6ZE184226B",
        checks: VISA,
    }
}

fn mrv_b() -> Specimen {
    Specimen {
        lines: &[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "L8988901C4XXX4009078F9612109<<<<<<<<",
        ],
        format: Format::MrvB,
        document_code: "V",
        issuing_state: "UTO",
        document_number: "L8988901C",
        primary: "ERIKSSON",
        secondary: "ANNA<MARIA",
        nationality: "XXX",
        birth: date(1940, 9, 7),
        sex: Sex::Female,
        expiry: date(1996, 12, 10),
        optional: "",
        checks: VISA,
    }
}

#[test]
fn td3_passport_specimen() {
    assert_specimen(&td3());
    let report = validate(td3().lines, reference());
    assert_eq!(report.primary_name(), "ERIKSSON");
    assert_eq!(report.secondary_name(), "ANNA MARIA");
    assert_eq!(report.expired_on(reference()), Some(true));
}

#[test]
fn td1_card_specimen() {
    assert_specimen(&td1());
    assert_eq!(validate(td1().lines, reference()).optional_data_2(), "");
}

#[test]
fn td1_card_specimen_with_long_document_number() {
    assert_specimen(&td1_long_number());
}

#[test]
fn td2_card_specimen() {
    assert_specimen(&td2());
}

#[test]
fn td2_card_specimen_with_long_document_number() {
    assert_specimen(&td2_long_number());
}

#[test]
fn mrv_a_visa_specimen() {
    assert_specimen(&mrv_a());
}

#[test]
fn mrv_b_visa_specimen() {
    assert_specimen(&mrv_b());
}

#[test]
fn writing_the_specimens_reproduces_them() {
    for specimen in [td3(), td1(), td1_long_number(), td2(), mrv_a(), mrv_b()] {
        let lines = write(&spec_of(&specimen)).expect("specimen is writable");
        assert_eq!(lines, in_sweden(specimen.lines), "{:?}", specimen.format);
    }
}

#[test]
fn utopia_is_not_written() {
    let mut spec = spec_of(&td3());
    spec.nationality = UTOPIA.to_owned();
    assert_eq!(
        write(&spec).unwrap_err(),
        WriteError::StateCode {
            field: Field::Nationality,
            code: UTOPIA.to_owned(),
        }
    );
}

#[test]
fn only_td1_numbers_are_written_long() {
    let error = write(&spec_of(&td2_long_number())).unwrap_err();
    assert_eq!(
        error,
        WriteError::TooLong {
            field: Field::DocumentNumber,
            format: Format::Td2,
            length: 12,
            max: 9,
        }
    );
}
