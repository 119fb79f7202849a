//! Reference lists from CSV files, keyed with the deployment's secret the
//! way ingest keys what it reads, so list entries and inspections meet on
//! keys alone. The raw identifiers are read, keyed and dropped here; errors
//! name the line and the field, never the value.
//!
//! Columns (a header line is required; extra columns are ignored):
//! - lost/stolen documents: `issuing_state`, `document_number`, and
//!   optionally `source`, `reference`;
//! - watchlist: `primary_identifier`, `secondary_identifier`, `birth_date`
//!   (YYYY-MM-DD, may be empty), `nationality`, and optionally `source`,
//!   `reference`.

use std::io::Read;

use borderflow_domain::country;
use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::time::Date;
use borderflow_proto::reference::v1::{ListEntry, ReferenceList};

/// A problem with one line of the file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RowError {
    #[error("the header has no `{0}` column")]
    MissingColumn(&'static str),
    #[error("line {line}: `{field}` is empty")]
    Empty { line: u64, field: &'static str },
    #[error("line {line}: `{field}` is not a date (YYYY-MM-DD)")]
    BadDate { line: u64, field: &'static str },
    #[error("line {line}: `{field}` is not a 1-3 letter ICAO code")]
    BadCode { line: u64, field: &'static str },
    #[error("line {line}: unreadable ({reason})")]
    Unreadable { line: u64, reason: String },
}

/// Parses `input` as `list` and keys every row; all problems are reported.
pub fn parse(
    input: impl Read,
    list: ReferenceList,
    keys: &Pseudonymiser,
    default_source: &str,
    added_at_ms: i64,
) -> Result<Vec<ListEntry>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(input);
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(err) => {
            return Err(vec![RowError::Unreadable {
                line: 1,
                reason: err.to_string(),
            }]);
        }
    };
    let column = |name: &'static str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let required: &[&'static str] = match list {
        ReferenceList::LostStolen => &["issuing_state", "document_number"],
        _ => &[
            "primary_identifier",
            "secondary_identifier",
            "birth_date",
            "nationality",
        ],
    };
    let missing: Vec<RowError> = required
        .iter()
        .filter(|name| column(name).is_none())
        .map(|name| RowError::MissingColumn(name))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let (source, reference) = (column("source"), column("reference"));
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line());
                errors.push(RowError::Unreadable {
                    line,
                    reason: err.to_string(),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let field =
            |name: &'static str| column(name).and_then(|i| record.get(i)).unwrap_or_default();
        let key = match list {
            ReferenceList::LostStolen => document_key(line, &field, keys),
            _ => person_key(line, &field, keys),
        };
        match key {
            Ok(key) => entries.push(ListEntry {
                list: list as i32,
                key: key.to_vec(),
                source: source
                    .and_then(|i| record.get(i))
                    .filter(|s| !s.is_empty())
                    .unwrap_or(default_source)
                    .to_owned(),
                reference: reference
                    .and_then(|i| record.get(i))
                    .unwrap_or_default()
                    .to_owned(),
                added_at: Some(borderflow_proto::ms_to_timestamp(added_at_ms)),
            }),
            Err(mut row) => errors.append(&mut row),
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

fn document_key<'a>(
    line: u64,
    field: &impl Fn(&'static str) -> &'a str,
    keys: &Pseudonymiser,
) -> Result<[u8; 32], Vec<RowError>> {
    let mut errors = Vec::new();
    let state = required(line, "issuing_state", field, &mut errors);
    let number = required(line, "document_number", field, &mut errors);
    check_code(line, "issuing_state", state, &mut errors);
    // An MRZ carries a document number as letters and digits only; a
    // keyed-in number may have spaces or dashes.
    let number: String = number.chars().filter(char::is_ascii_alphanumeric).collect();
    if errors.is_empty() {
        Ok(keys.document_key(state, &number).0)
    } else {
        Err(errors)
    }
}

fn person_key<'a>(
    line: u64,
    field: &impl Fn(&'static str) -> &'a str,
    keys: &Pseudonymiser,
) -> Result<[u8; 32], Vec<RowError>> {
    let mut errors = Vec::new();
    let primary = required(line, "primary_identifier", field, &mut errors);
    let secondary = field("secondary_identifier");
    let nationality = required(line, "nationality", field, &mut errors);
    check_code(line, "nationality", nationality, &mut errors);
    let birth = match field("birth_date") {
        "" => None,
        text => {
            let date = parse_date(text);
            if date.is_none() {
                errors.push(RowError::BadDate {
                    line,
                    field: "birth_date",
                });
            }
            date
        }
    };
    if errors.is_empty() {
        Ok(keys.person_key(primary, secondary, birth, nationality).0)
    } else {
        Err(errors)
    }
}

fn required<'a>(
    line: u64,
    name: &'static str,
    field: &impl Fn(&'static str) -> &'a str,
    errors: &mut Vec<RowError>,
) -> &'a str {
    let value = field(name);
    if value.is_empty() {
        errors.push(RowError::Empty { line, field: name });
    }
    value
}

fn check_code(line: u64, name: &'static str, value: &str, errors: &mut Vec<RowError>) {
    if !value.is_empty() && country::validate_document_code(value).is_err() {
        errors.push(RowError::BadCode { line, field: name });
    }
}

fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    Date::new(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Pseudonymiser {
        Pseudonymiser::new(b"a test secret of sufficient length!").unwrap()
    }

    #[test]
    fn lost_and_stolen_rows_are_keyed_like_ingest_keys_documents() {
        let csv = "issuing_state,document_number,source\nUTO,L898902C3,INTERPOL SLTD\nKGZ, AC 123-4567 ,\n";
        let entries = parse(
            csv.as_bytes(),
            ReferenceList::LostStolen,
            &keys(),
            "national",
            0,
        )
        .unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0].key,
            keys().document_key("UTO", "L898902C3").0.to_vec()
        );
        assert_eq!(entries[0].source, "INTERPOL SLTD");
        // Spaces inside a keyed-in number do not matter, as in an MRZ read.
        assert_eq!(
            entries[1].key,
            keys().document_key("KGZ", "AC1234567").0.to_vec()
        );
        assert_eq!(entries[1].source, "national");
    }

    #[test]
    fn watchlist_rows_key_the_person() {
        let csv = "primary_identifier,secondary_identifier,birth_date,nationality,reference\n\
                   ERIKSSON,ANNA MARIA,1974-08-12,UTO,case 7\n";
        let entries = parse(csv.as_bytes(), ReferenceList::Watchlist, &keys(), "", 0).unwrap();
        let want = keys().person_key("ERIKSSON", "ANNA<MARIA", Date::new(1974, 8, 12), "UTO");
        assert_eq!(entries[0].key, want.0.to_vec());
        assert_eq!(entries[0].reference, "case 7");
    }

    #[test]
    fn every_problem_is_reported_by_line_and_field_without_the_value() {
        let csv = "primary_identifier,secondary_identifier,birth_date,nationality\n\
                   ,ANNA,1974-13-40,U7O\nSMITH,JOHN,,GBR\n";
        let errors = parse(csv.as_bytes(), ReferenceList::Watchlist, &keys(), "", 0).unwrap_err();
        assert_eq!(
            errors,
            vec![
                RowError::Empty {
                    line: 2,
                    field: "primary_identifier"
                },
                RowError::BadCode {
                    line: 2,
                    field: "nationality"
                },
                RowError::BadDate {
                    line: 2,
                    field: "birth_date"
                },
            ]
        );
        assert!(!errors.iter().any(|e| e.to_string().contains("U7O")));
    }

    #[test]
    fn a_header_without_the_needed_columns_is_refused() {
        let errors = parse(
            "state,number\nUTO,1\n".as_bytes(),
            ReferenceList::LostStolen,
            &keys(),
            "",
            0,
        )
        .unwrap_err();
        assert_eq!(
            errors,
            vec![
                RowError::MissingColumn("issuing_state"),
                RowError::MissingColumn("document_number")
            ]
        );
    }
}
