//! Writing zones: padding, upper-casing, truncation, long TD1 numbers, and
//! the fields a zone cannot hold.

use crate::time::Date;

use super::super::{DocumentSpec, Field, Format, Sex, WriteError, validate, write};

fn spec(format: Format) -> DocumentSpec {
    DocumentSpec {
        format,
        document_code: if format == Format::Td3 { "P" } else { "ID" }.to_owned(),
        issuing_state: "d".to_owned(),
        document_number: "c01x00t47".to_owned(),
        primary_identifier: "Mustermann".to_owned(),
        secondary_identifier: "Erika".to_owned(),
        nationality: "D".to_owned(),
        birth_date: Date::new(1964, 8, 12).unwrap(),
        sex: Sex::Female,
        expiry_date: Date::new(2031, 10, 31).unwrap(),
        optional_data: String::new(),
    }
}

fn reads_back(lines: &[String]) -> bool {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    validate(&refs, Date::new(2025, 5, 4).unwrap()).is_valid()
}

#[test]
fn upper_cases_and_pads() {
    let lines = write(&spec(Format::Td3)).unwrap();
    assert_eq!(lines[0], format!("{:<<44}", "P<D<<MUSTERMANN<<ERIKA"));
    assert_eq!(&lines[1][..28], "C01X00T478D<<6408125F3110315");
    // No personal number: its check digit is a filler.
    assert_eq!(&lines[1][42..], "<2");
    assert!(reads_back(&lines));
}

#[test]
fn truncates_long_names() {
    let mut long = spec(Format::Td1);
    long.primary_identifier = "Wojciechowski-Nowakowska".to_owned();
    long.secondary_identifier = "Aleksandra Maria".to_owned();
    let lines = write(&long).unwrap();
    assert_eq!(lines[2], "WOJCIECHOWSKI<NOWAKOWSKA<<ALEK");
    assert!(reads_back(&lines));
}

#[test]
fn td1_optional_data_continues_on_line_2() {
    let mut card = spec(Format::Td1);
    card.document_number = "D23145890734".to_owned();
    card.optional_data = "ABCDEFGHIJKLMNOPQ".to_owned();
    let lines = write(&card).unwrap();
    assert_eq!(lines[0], "IDD<<D23145890<7349<ABCDEFGHIJ");
    assert_eq!(&lines[1][18..29], "KLMNOPQ<<<<");
    assert!(reads_back(&lines));
    // Line 1 keeps 10 after the number's 3 extra, its digit and filler.
    card.optional_data = "X".repeat(22);
    assert_eq!(
        write(&card),
        Err(WriteError::TooLong {
            field: Field::OptionalData,
            format: Format::Td1,
            length: 22,
            max: 21
        })
    );
    card.document_number = "A".repeat(23);
    card.optional_data.clear();
    assert!(matches!(
        write(&card),
        Err(WriteError::TooLong { max: 22, .. })
    ));
}

#[test]
fn refuses_what_a_zone_cannot_hold() {
    let mut bad = spec(Format::Td3);
    bad.primary_identifier = "Møller".to_owned();
    assert_eq!(
        write(&bad),
        Err(WriteError::InvalidCharacter {
            field: Field::Name,
            character: 'ø'
        })
    );
    let mut bad = spec(Format::Td3);
    bad.primary_identifier = " - ".to_owned();
    assert_eq!(write(&bad), Err(WriteError::Empty { field: Field::Name }));
    let mut bad = spec(Format::Td3);
    bad.document_number = "AB-123".to_owned();
    assert!(matches!(
        write(&bad),
        Err(WriteError::InvalidCharacter { character: '-', .. })
    ));
    let mut bad = spec(Format::Td3);
    bad.document_number.clear();
    assert_eq!(
        write(&bad),
        Err(WriteError::Empty {
            field: Field::DocumentNumber
        })
    );
    let mut bad = spec(Format::Td2);
    bad.document_number = "D23145890734".to_owned();
    assert!(matches!(
        write(&bad),
        Err(WriteError::TooLong { max: 9, .. })
    ));
    let mut bad = spec(Format::Td3);
    bad.nationality = "D1".to_owned();
    assert!(matches!(write(&bad), Err(WriteError::StateCode { .. })));
    let mut bad = spec(Format::MrvB);
    bad.document_code = "P".to_owned();
    assert!(matches!(write(&bad), Err(WriteError::DocumentCode { .. })));
    let mut bad = spec(Format::Td3);
    bad.optional_data = "123456789012345".to_owned();
    assert!(matches!(
        write(&bad),
        Err(WriteError::TooLong { max: 14, .. })
    ));
}

#[test]
fn messages_do_not_repeat_personal_data() {
    let error = WriteError::InvalidCharacter {
        field: Field::Name,
        character: 'Ø',
    };
    assert_eq!(
        error.to_string(),
        "name holds a character outside A-Z and 0-9"
    );
}
