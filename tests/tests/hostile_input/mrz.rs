//! The MRZ reader every event passes through at ingest, under ten
//! thousand zones from nothing at all to damaged real documents: it never
//! panics, every finding names a field at a real place, and every failed
//! check digit has its finding.

use borderflow_domain::mrz::{self, Corruption, DocumentSpec, Field, Format, Problem};
use borderflow_domain::time::Date;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::fuzz_config;
use crate::hostile::hostile_text;

fn inspection_day() -> Date {
    Date::new(2026, 5, 4).unwrap()
}

fn document(seed: u64, format: Format) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let spec = DocumentSpec::random(&mut rng, format, inspection_day());
    mrz::write(&spec).unwrap()
}

/// One edit of a zone's text.
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, usize, char),
    Insert(usize, usize, char),
    Delete(usize, usize),
    Truncate(usize, usize),
    DuplicateLine(usize),
    DropLine(usize),
    AppendLine(String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = (0..4usize, 0..50usize);
    prop_oneof![
        (at.clone(), any::<char>()).prop_map(|((l, c), ch)| Edit::Replace(l, c, ch)),
        (at.clone(), any::<char>()).prop_map(|((l, c), ch)| Edit::Insert(l, c, ch)),
        at.clone().prop_map(|(l, c)| Edit::Delete(l, c)),
        at.prop_map(|(l, c)| Edit::Truncate(l, c)),
        (0..4usize).prop_map(Edit::DuplicateLine),
        (0..4usize).prop_map(Edit::DropLine),
        hostile_text().prop_map(Edit::AppendLine),
    ]
}

fn apply(lines: &mut Vec<String>, edit: Edit) {
    if lines.is_empty() {
        lines.push(String::new());
    }
    let pick = |lines: &Vec<String>, l: usize| l % lines.len();
    let char_at = |line: &str, c: usize| {
        let n = line.chars().count();
        line.char_indices()
            .nth(c % (n + 1))
            .map_or(line.len(), |(i, _)| i)
    };
    match edit {
        Edit::Replace(l, c, ch) | Edit::Insert(l, c, ch) => {
            let l = pick(lines, l);
            let at = char_at(&lines[l], c);
            if matches!(edit, Edit::Replace(..)) && at < lines[l].len() {
                lines[l].remove(at);
            }
            lines[l].insert(at, ch);
        }
        Edit::Delete(l, c) => {
            let l = pick(lines, l);
            let at = char_at(&lines[l], c);
            if at < lines[l].len() {
                lines[l].remove(at);
            }
        }
        Edit::Truncate(l, c) => {
            let l = pick(lines, l);
            let at = char_at(&lines[l], c);
            lines[l].truncate(at);
        }
        Edit::DuplicateLine(l) => {
            let l = pick(lines, l);
            lines.insert(l, lines[l].clone());
        }
        Edit::DropLine(l) => {
            let l = pick(lines, l);
            lines.remove(l);
        }
        Edit::AppendLine(line) => lines.push(line),
    }
}

/// Zones from nothing at all to damaged real documents.
fn zone() -> impl Strategy<Value = Vec<String>> {
    let damaged = (any::<u64>(), prop::sample::select(Format::ALL.to_vec())).prop_flat_map(
        |(seed, format)| {
            prop::collection::vec(edit(), 1..6).prop_map(move |edits| {
                let mut lines = document(seed, format);
                for edit in edits {
                    apply(&mut lines, edit);
                }
                lines
            })
        },
    );
    let corrupted = (
        any::<u64>(),
        prop::sample::select(Format::ALL.to_vec()),
        prop::sample::select(Corruption::ALL.to_vec()),
    )
        .prop_map(|(seed, format, corruption)| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            mrz::corrupt(&document(seed, format), corruption, &mut rng)
        });
    prop_oneof![
        prop::collection::vec(any::<String>(), 0..6),
        prop::collection::vec(hostile_text(), 0..5),
        // The right alphabet at every length, around and far beyond the widths.
        prop::collection::vec("[A-Z0-9<]{0,100}", 2..4),
        // The right widths, any characters: control, NUL, lower case, non-ASCII.
        prop::collection::vec(
            prop::sample::select(vec![30usize, 36, 44]).prop_flat_map(|width| {
                prop::collection::vec(any::<char>(), width).prop_map(String::from_iter)
            }),
            2..4
        ),
        damaged,
        corrupted,
    ]
}

/// The check-digit fields a report may list.
const CHECK_FIELDS: [Field; 5] = [
    Field::DocumentNumberCheck,
    Field::BirthDateCheck,
    Field::ExpiryDateCheck,
    Field::OptionalDataCheck,
    Field::CompositeCheck,
];

fn check_report(lines: &[String], reference: Date) -> Result<(), TestCaseError> {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let report = mrz::validate(&refs, reference);
    let findings = report.findings();
    prop_assert_eq!(report.is_valid(), findings.is_empty());
    if !(2..=3).contains(&lines.len()) {
        prop_assert_eq!(report.format(), None);
        prop_assert_eq!(findings.len(), 1);
        prop_assert_eq!(findings[0].field, Field::Layout);
        prop_assert_eq!(findings[0].problem, Problem::WrongLineCount);
    }
    let width = report.format().map_or(44, Format::line_length);
    for pair in findings.windows(2) {
        prop_assert!(
            (pair[0].line, pair[0].position) <= (pair[1].line, pair[1].position),
            "findings out of zone order: {:?}",
            findings
        );
    }
    for finding in findings {
        // Every problem names its field, at a real place.
        let text = finding.to_string();
        prop_assert!(!finding.field.as_str().is_empty());
        prop_assert!(text.starts_with(&finding.field.to_string()), "{}", text);
        prop_assert!(finding.line >= 1 && finding.line <= 4, "{:?}", finding);
        prop_assert!(
            finding.position >= 1 && usize::from(finding.position) <= width + 1,
            "{:?}",
            finding
        );
    }
    for &(field, ok) in report.check_digits() {
        prop_assert!(CHECK_FIELDS.contains(&field), "{:?}", field);
        if !ok {
            prop_assert!(
                findings
                    .iter()
                    .any(|f| f.field == field && f.problem == Problem::CheckDigitMismatch),
                "a failed {:?} has no finding",
                field
            );
        }
    }
    // Every accessor answers on whatever was read.
    let _ = (
        report.document_code(),
        report.issuing_state(),
        report.nationality(),
        report.document_number(),
        report.primary_name(),
        report.secondary_name(),
        report.optional_data(),
        report.optional_data_2(),
        report.birth_date(),
        report.expiry_date(),
        report.sex(),
        report.expired_on(reference),
        report.check_digits_pass(),
    );
    Ok(())
}

#[test]
fn generated_documents_read_as_valid() {
    for seed in 0..200 {
        for format in Format::ALL {
            let lines = document(seed, format);
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            let report = mrz::validate(&refs, inspection_day());
            assert!(report.is_valid(), "{format:?} {:?}", report.findings());
        }
    }
}

proptest! {
    #![proptest_config(fuzz_config())]

    #[test]
    fn the_mrz_reader_survives_any_zone(
        lines in zone(),
        days in -40_000i64..60_000,
    ) {
        check_report(&lines, Date::from_days_since_epoch(days))?;
    }
}
