//! Properties of the two checks that go beyond shape: state codes must be
//! assigned, and nothing but fillers may follow the name's closing fillers.

use proptest::prelude::*;

use crate::country::{self, ALPHA_3};

use super::super::layout::Span;
use super::super::{DocumentSpec, Field, Format, Problem, SPECIAL_CODES, write};
use super::properties::{format_strategy, generate, read};
use super::{finding, reference};

/// `lines` with `text` written over the start of `span`.
fn overwrite(lines: &[String], span: Span, text: &str) -> Vec<String> {
    let mut out = lines.to_vec();
    let line = &mut out[usize::from(span.line)];
    let start = usize::from(span.start);
    line.replace_range(start..start + text.len(), text);
    out
}

/// One to three letters, padded to three, that no state or organisation has.
fn unassigned_code() -> impl Strategy<Value = String> {
    "[A-Z]{1,3}"
        .prop_filter("assigned", |code| !country::is_assigned(code))
        .prop_map(|code| format!("{code:<<3}"))
}

/// Every ISO 3166-1 alpha-3 code and every Doc 9303 code, padded to three.
fn assigned_code() -> impl Strategy<Value = String> {
    let all: Vec<String> = ALPHA_3
        .iter()
        .chain(SPECIAL_CODES.iter().map(|(code, _)| code))
        .map(|code| format!("{code:<<3}"))
        .collect();
    prop::sample::select(all)
}

fn state_field() -> impl Strategy<Value = Field> {
    prop::sample::select(vec![Field::IssuingState, Field::Nationality])
}

fn span_of(format: Format, field: Field) -> Span {
    let layout = format.layout();
    if field == Field::IssuingState {
        layout.issuing_state
    } else {
        layout.nationality
    }
}

/// A name part as a person writes it: words of letters joined by spaces,
/// hyphens or apostrophes, long enough at times to be cut.
fn identifier(max_words: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        ("[A-Za-z]{1,14}", prop::sample::select(vec![" ", "-", "'"])),
        1..=max_words,
    )
    .prop_map(|words| {
        let mut text = String::new();
        for (i, (word, joint)) in words.iter().enumerate() {
            if i > 0 {
                text.push_str(joint);
            }
            text.push_str(word);
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn an_unassigned_state_code_is_exactly_one_finding(
        seed in any::<u64>(),
        format in format_strategy(),
        field in state_field(),
        code in unassigned_code(),
    ) {
        let (_, lines) = generate(seed, format, reference());
        let span = span_of(format, field);
        let zone = overwrite(&lines, span, &code);
        let report = read(&zone, reference());
        prop_assert_eq!(
            report.findings(),
            [finding(field, span.line + 1, span.start + 1, Problem::InvalidCode)]
        );
        prop_assert!(!report.is_valid());
        prop_assert!(report.check_digits_pass(), "no check digit covers a state code");
    }

    #[test]
    fn every_assigned_state_code_is_accepted(
        seed in any::<u64>(),
        format in format_strategy(),
        field in state_field(),
        code in assigned_code(),
    ) {
        let (_, lines) = generate(seed, format, reference());
        let zone = overwrite(&lines, span_of(format, field), &code);
        let report = read(&zone, reference());
        prop_assert!(report.is_valid(), "{code}: {:?}", report.findings());
        let read = match field {
            Field::IssuingState => report.issuing_state(),
            _ => report.nationality(),
        };
        prop_assert_eq!(read, code.trim_end_matches('<'));
    }

    #[test]
    fn letters_after_the_closing_fillers_are_a_finding(
        seed in any::<u64>(),
        format in format_strategy(),
        extra_gap in 0usize..8,
        text in "[A-Z][A-Z<]{0,6}",
    ) {
        let (spec, lines) = generate(seed, format, reference());
        let span = format.layout().name;
        let name = &lines[usize::from(span.line)][span.range()];
        let used = name.trim_end_matches('<').len();
        // Without a secondary identifier, `<<` would introduce one: the
        // closing run is three fillers long there, two after one.
        let closing = if spec.secondary_identifier.is_empty() { 3 } else { 2 };
        let offset = used + closing + extra_gap;
        prop_assume!(offset + text.len() <= usize::from(span.len));
        let at = Span::new(span.line, span.start + offset as u8, text.len() as u8);
        let zone = overwrite(&lines, at, &text);
        let report = read(&zone, reference());
        prop_assert_eq!(
            report.findings(),
            [finding(Field::Name, at.line + 1, at.start + 1, Problem::InvalidValue)],
            "{:?}", zone
        );
        // The name read back is the name the zone was written with.
        let clean = read(&lines, reference());
        prop_assert_eq!(report.primary_identifier(), clean.primary_identifier());
        prop_assert_eq!(report.secondary_identifier(), clean.secondary_identifier());
    }

    #[test]
    fn every_written_name_passes(
        seed in any::<u64>(),
        format in format_strategy(),
        primary in identifier(4),
        secondary in prop_oneof![Just(String::new()), identifier(5)],
    ) {
        let (base, _) = generate(seed, format, reference());
        let spec = DocumentSpec {
            primary_identifier: primary,
            secondary_identifier: secondary,
            ..base
        };
        let lines = write(&spec).expect("letters and separators are writable");
        let report = read(&lines, reference());
        prop_assert!(report.is_valid(), "{lines:?}: {:?}", report.findings());
    }
}
