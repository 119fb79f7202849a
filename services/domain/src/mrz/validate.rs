//! Reading and checking a zone.

use crate::time::Date;

use super::charset::{FILLER, is_mrz, is_mrz_fast, trim_fillers};
use super::check::{CheckSum, digit_byte};
use super::finding::{Field, Finding, Problem};
use super::layout::{Format, Layout, Span};
use super::names;
use super::number::Number;
use super::report::{Report, Sex};
use super::zone::Zone;
use super::{codes, date};

/// Reads a zone given as its lines, checking every field and check digit
/// against Doc 9303; `reference` is the date of inspection, which fixes the
/// century of two-digit years.
///
/// The layout comes from the line count and lengths, and `V` as the first
/// character for visas. Each character counts as one position whatever its
/// encoding. Wrong line counts or lengths are the only findings when they
/// occur, because positions mean nothing then; otherwise every problem is
/// reported. Never panics.
pub fn validate<'a>(lines: &[&'a str], reference: Date) -> Report<'a> {
    let count = lines.len();
    let mut ascii = [true; 3];
    let mut lengths = [0; 3];
    let format = if (2..=3).contains(&count) {
        for ((line, ascii), length) in lines.iter().zip(&mut ascii).zip(&mut lengths) {
            *ascii = line.is_ascii();
            *length = if *ascii {
                line.len()
            } else {
                line.chars().count()
            };
        }
        Format::guess(&lengths[..count], lines[0].chars().next())
    } else {
        None
    };
    let Some(format) = format else {
        let mut report = Report::empty(None);
        report.findings.push(Finding {
            field: Field::Layout,
            // The first missing or first surplus line.
            line: if count < 2 { count as u8 + 1 } else { 4 },
            position: 1,
            problem: Problem::WrongLineCount,
        });
        return report;
    };
    let mut report = Report::empty(Some(format));
    let width = format.line_length();
    for (index, &length) in lengths[..count].iter().enumerate() {
        if length != width {
            report.findings.push(Finding {
                field: Field::Layout,
                line: index as u8 + 1,
                // The first missing or first surplus character.
                position: length.min(width) as u8 + 1,
                problem: Problem::WrongLineLength,
            });
        }
    }
    if !report.findings.is_empty() {
        return report;
    }

    let zone = Zone::new(lines, ascii, width);
    Reader::new(&zone, format, &mut report).read(reference);
    if report.findings.len() > 1 {
        report.findings.sort_by_key(|f| (f.line, f.position));
    }
    report
}

/// Fills a report in place: it is a few hundred bytes, not worth moving.
struct Reader<'a, 'z> {
    zone: &'z Zone<'a>,
    format: Format,
    layout: &'static Layout,
    report: &'z mut Report<'a>,
    /// A bit per column of each line that holds a character outside the set.
    foreign: [u64; 3],
}

impl<'a, 'z> Reader<'a, 'z> {
    fn new(zone: &'z Zone<'a>, format: Format, report: &'z mut Report<'a>) -> Self {
        let layout = format.layout();
        let mut foreign = [0; 3];
        for (line, bits) in foreign
            .iter_mut()
            .enumerate()
            .take(usize::from(layout.lines))
        {
            let bytes = zone.line(line as u8);
            // Range compares without early exit vectorise; most lines are clean.
            if !bytes.iter().fold(true, |clean, &b| clean & is_mrz_fast(b)) {
                for (column, &byte) in bytes.iter().enumerate() {
                    *bits |= u64::from(!is_mrz(byte)) << column;
                }
            }
        }
        Self {
            zone,
            format,
            layout,
            report,
            foreign,
        }
    }

    fn read(&mut self, reference: Date) {
        let layout = self.layout;
        let number = Number::locate(self.zone, layout);
        if self.foreign != [0; 3] {
            self.report_foreign(&number);
        }

        self.document_code();
        self.report.issuing_state = self.state_code(Field::IssuingState, layout.issuing_state);
        self.report.nationality = self.state_code(Field::Nationality, layout.nationality);
        self.name();
        self.document_number(&number);
        self.dates(reference);
        self.sex();
        self.report.optional_data = trim_fillers(self.zone.text(number.optional));
        if let Some(span) = layout.optional_data_2 {
            self.report.optional_data_2 = trim_fillers(self.zone.text(span));
        }
        self.check_digits(&number);
    }

    fn find(&mut self, field: Field, line: u8, column: u8, problem: Problem) {
        self.report.findings.push(Finding {
            field,
            line: line + 1,
            position: column + 1,
            problem,
        });
    }

    /// A field-level finding, unless it lands on a character already reported
    /// as outside the set.
    fn find_at(&mut self, field: Field, span: Span, offset: u8, problem: Problem) {
        let column = span.start + offset;
        if self.foreign[usize::from(span.line)] & (1 << column) == 0 {
            self.find(field, span.line, column, problem);
        }
    }

    fn report_foreign(&mut self, number: &Number) {
        for line in 0..self.layout.lines {
            let mut bits = self.foreign[usize::from(line)];
            while bits != 0 {
                let column = bits.trailing_zeros() as u8;
                bits &= bits - 1;
                let field = if number.check == Some((line, column)) {
                    Field::DocumentNumberCheck
                } else if number.overflow.is_some_and(|s| s.contains(line, column)) {
                    Field::DocumentNumber
                } else {
                    self.layout.field_at(line, column)
                };
                self.find(field, line, column, Problem::InvalidCharacter);
            }
        }
    }

    fn document_code(&mut self) {
        let span = self.layout.document_code;
        let initials = self.format.document_code_initials();
        if let Err(offset) = codes::check_document_code(self.zone.get(span), initials) {
            self.find_at(Field::DocumentCode, span, offset, Problem::InvalidCode);
        }
        self.report.document_code = trim_fillers(self.zone.text(span));
    }

    fn state_code(&mut self, field: Field, span: Span) -> &'a str {
        if let Err(offset) = codes::check_state(self.zone.get(span)) {
            self.find_at(field, span, offset, Problem::InvalidCode);
        }
        trim_fillers(self.zone.text(span))
    }

    fn name(&mut self) {
        let span = self.layout.name;
        let field = self.zone.get(span);
        let split = names::split(field);
        // The name starts with the primary identifier, never a filler.
        if field[0] == FILLER {
            self.find_at(Field::Name, span, 0, Problem::InvalidValue);
        }
        if field.iter().fold(false, |any, b| any | b.is_ascii_digit()) {
            for offset in 0..span.len {
                if field[usize::from(offset)].is_ascii_digit() {
                    self.find_at(Field::Name, span, offset, Problem::InvalidValue);
                }
            }
        }
        // Text after the closing fillers: the name the report gives stops
        // before it, and the zone is not valid.
        if let Some(offset) = split.after_close {
            self.find_at(Field::Name, span, offset as u8, Problem::InvalidValue);
        }
        let part = |range: std::ops::Range<usize>| {
            Span::new(span.line, span.start + range.start as u8, range.len() as u8)
        };
        self.report.primary_identifier = self.zone.text(part(split.primary));
        self.report.secondary_identifier = self.zone.text(part(split.secondary));
    }

    fn document_number(&mut self, number: &Number) {
        let principal = self.zone.get(number.principal);
        if principal.iter().all(|&b| b == FILLER) {
            self.find_at(
                Field::DocumentNumber,
                number.principal,
                0,
                Problem::InvalidValue,
            );
        } else if number.overflow.is_some_and(|s| s.len > 0) {
            // A continued number fills all nine leading positions.
            if let Some(offset) = principal.iter().position(|&b| b == FILLER) {
                self.find_at(
                    Field::DocumentNumber,
                    number.principal,
                    offset as u8,
                    Problem::InvalidValue,
                );
            }
        }
        if number.unterminated {
            let optional = self.layout.optional_data;
            self.find_at(
                Field::DocumentNumber,
                optional,
                optional.len - 1,
                Problem::InvalidValue,
            );
        }
        self.report.document_number = trim_fillers(self.zone.text(number.principal));
        if let Some(overflow) = number.overflow {
            self.report.document_number_overflow = self.zone.text(overflow);
        }
    }

    fn dates(&mut self, reference: Date) {
        let span = self.layout.birth_date;
        match date::read_birth(self.zone.get(span), reference) {
            Ok(birth) => self.report.birth_date = birth,
            Err(offset) => self.find_at(Field::BirthDate, span, offset, Problem::InvalidDate),
        }
        let span = self.layout.expiry_date;
        match date::read_expiry(self.zone.get(span), reference) {
            Ok(expiry) => self.report.expiry_date = Some(expiry),
            Err(offset) => self.find_at(Field::ExpiryDate, span, offset, Problem::InvalidDate),
        }
    }

    fn sex(&mut self) {
        let span = self.layout.sex;
        self.report.sex = match self.zone.get(span)[0] {
            b'M' => Sex::Male,
            b'F' => Sex::Female,
            b'X' | FILLER => Sex::Unspecified,
            _ => {
                self.find_at(Field::Sex, span, 0, Problem::InvalidValue);
                Sex::Unspecified
            }
        };
    }

    fn check_digits(&mut self, number: &Number) {
        let layout = self.layout;
        match number.check {
            Some(at) => {
                let data = [
                    number.principal,
                    number.overflow.unwrap_or(Span::new(0, 0, 0)),
                ];
                self.check(Field::DocumentNumberCheck, &data, at, false);
            }
            None => {
                let at = layout.document_number_check;
                self.report.record_check(Field::DocumentNumberCheck, false);
                self.find(
                    Field::DocumentNumberCheck,
                    at.line,
                    at.start,
                    Problem::CheckDigitMismatch,
                );
            }
        }
        let at = |span: Span| (span.line, span.start);
        self.check(
            Field::BirthDateCheck,
            &[layout.birth_date],
            at(layout.birth_date_check),
            false,
        );
        self.check(
            Field::ExpiryDateCheck,
            &[layout.expiry_date],
            at(layout.expiry_date_check),
            false,
        );
        if let Some(check) = layout.optional_data_check {
            // An unused personal number may carry `<` as its check digit.
            let unused = self
                .zone
                .get(layout.optional_data)
                .iter()
                .all(|&b| b == FILLER);
            self.check(
                Field::OptionalDataCheck,
                &[layout.optional_data],
                at(check),
                unused,
            );
        }
        if let Some(check) = layout.composite_check {
            self.check(Field::CompositeCheck, layout.composite, at(check), false);
        }
    }

    /// Evaluates one check digit at `at` over the runs in `data`, unless a
    /// character involved is outside the set.
    fn check(&mut self, field: Field, data: &[Span], at: (u8, u8), filler_ok: bool) {
        let digit = self.zone.at(at.0, at.1);
        if !is_mrz(digit) {
            return;
        }
        let mut sum = CheckSum::new();
        for &span in data {
            sum.feed(self.zone.get(span));
        }
        let Some(expected) = sum.digit() else {
            return;
        };
        let ok = digit == digit_byte(expected) || (filler_ok && digit == FILLER);
        self.report.record_check(field, ok);
        if !ok {
            self.find(field, at.0, at.1, Problem::CheckDigitMismatch);
        }
    }
}
