//! Tests across the whole module: the Doc 9303 specimens, one test per kind
//! of finding, and property tests over generated and damaged zones. Pieces
//! with logic of their own carry unit tests in their files.

mod fields;
mod findings;
mod golden;
mod properties;
mod states_and_names;
mod writing;

use crate::time::Date;

use super::check::CheckSum;
use super::layout::{Format, Span};
use super::{Field, Finding, Problem, validate};

/// The inspection date the tests read zones on.
pub(super) fn reference() -> Date {
    date(2025, 5, 4)
}

pub(super) fn date(year: i32, month: u32, day: u32) -> Date {
    Date::new(year, month, day).expect("test dates exist")
}

/// The fields of the check digits a report evaluated, in order.
pub(super) fn check_fields(checks: &[(Field, bool)]) -> Vec<Field> {
    checks.iter().map(|&(field, _)| field).collect()
}

/// The Doc 9303 specimens with the fictional state Utopia (`UTO`), which a
/// reader refuses, replaced by Sweden (`SWE`). No check digit covers a
/// state code, so every digit is as printed.
pub(super) const TD3: [&str; 2] = [
    "P<SWEERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36SWE7408122F1204159ZE184226B<<<<<10",
];
pub(super) const TD1: [&str; 3] = [
    "I<SWED231458907<<<<<<<<<<<<<<<",
    "7408122F1204159SWE<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];

/// `lines` with the 1-based `line`/`position` set to `c`.
pub(super) fn with(lines: &[&str], line: usize, position: usize, c: char) -> Vec<String> {
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    let mut chars: Vec<char> = out[line - 1].chars().collect();
    chars[position - 1] = c;
    out[line - 1] = chars.into_iter().collect();
    out
}

/// `lines` with `text` written from the 1-based `line`/`position` on.
pub(super) fn put(lines: &[&str], line: usize, position: usize, text: &str) -> Vec<String> {
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    for (offset, c) in text.chars().enumerate() {
        let refs: Vec<&str> = out.iter().map(String::as_str).collect();
        out = with(&refs, line, position + offset, c);
    }
    out
}

/// `lines` with every check digit recomputed, so a test isolates the
/// finding it is about. Not for long document numbers.
pub(super) fn refresh(lines: &[String]) -> Vec<String> {
    let lengths: Vec<usize> = lines.iter().map(String::len).collect();
    let format = Format::guess(&lengths, lines[0].chars().next()).unwrap();
    let layout = format.layout();
    let mut bytes: Vec<Vec<u8>> = lines.iter().map(|l| l.as_bytes().to_vec()).collect();
    let unused = layout.optional_data_check.is_some()
        && bytes[1][layout.optional_data.range()]
            .iter()
            .all(|&b| b == b'<');
    let mut set = |data: &[Span], at: Span| {
        let mut sum = CheckSum::new();
        for span in data {
            sum.feed(&bytes[usize::from(span.line)][span.range()]);
        }
        let digit = sum.digit().map_or(b'<', |d| b'0' + d);
        bytes[usize::from(at.line)][usize::from(at.start)] = digit;
    };
    set(&[layout.document_number], layout.document_number_check);
    set(&[layout.birth_date], layout.birth_date_check);
    set(&[layout.expiry_date], layout.expiry_date_check);
    if let Some(at) = layout.optional_data_check
        && !unused
    {
        set(&[layout.optional_data], at);
    }
    if let Some(at) = layout.composite_check {
        set(layout.composite, at);
    }
    bytes
        .into_iter()
        .map(|l| String::from_utf8(l).unwrap())
        .collect()
}

pub(super) fn findings(lines: &[String]) -> Vec<Finding> {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    validate(&refs, reference()).findings().to_vec()
}

pub(super) fn finding(field: Field, line: u8, position: u8, problem: Problem) -> Finding {
    Finding {
        field,
        line,
        position,
        problem,
    }
}
