//! Writing a zone from a [`DocumentSpec`].

use super::charset::FILLER;
use super::check::{CheckSum, digit_byte};
use super::finding::Field;
use super::generate::DocumentSpec;
use super::layout::{Format, Layout, Span};
use super::report::Sex;
use super::{date, names};
use crate::country;

/// A field of a [`DocumentSpec`] that has no MRZ form. Messages name the
/// field, never its content: names and numbers are personal data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("{field} holds a character outside A-Z and 0-9")]
    InvalidCharacter { field: Field, character: char },
    #[error("{field} is empty")]
    Empty { field: Field },
    #[error("{field} has {length} characters where {format:?} allows {max}")]
    TooLong {
        field: Field,
        format: Format,
        length: usize,
        max: usize,
    },
    #[error("document code {code:?} does not suit {format:?}")]
    DocumentCode { code: String, format: Format },
    /// Not one to three letters, or a code neither ISO 3166-1 nor Doc 9303
    /// assigns: the zone would not pass [`validate`](super::validate).
    #[error("{field} {code:?} is not an ISO 3166-1 alpha-3 or Doc 9303 code")]
    StateCode { field: Field, code: String },
}

/// The longest TD1 document number: nine positions, then up to 13 more at
/// the start of the optional data, before a check digit and a filler.
const TD1_MAX_NUMBER: usize = 22;

/// Writes the lines of the zone `spec` describes, computing every check
/// digit. Text is upper-cased; names take spaces and hyphens as `<` and lose
/// apostrophes, and are truncated when they do not fit. A TD1 number longer
/// than nine characters continues in the optional data; TD1 optional data
/// longer than line 1 has room for continues in line 2.
pub fn write(spec: &DocumentSpec) -> Result<Vec<String>, WriteError> {
    let format = spec.format;
    let layout = format.layout();
    let mut sheet = Sheet::new(layout);

    sheet.put(
        layout.document_code,
        &document_code(&spec.document_code, format)?,
    );
    sheet.put(
        layout.issuing_state,
        &state_code(Field::IssuingState, &spec.issuing_state)?,
    );
    sheet.put(
        layout.nationality,
        &state_code(Field::Nationality, &spec.nationality)?,
    );
    sheet.put(layout.name, &name(spec, format)?);
    let optional = sheet.document_number(&spec.document_number, format)?;
    sheet.optional_data(&spec.optional_data, optional, format)?;

    let mut buffer = [0; 6];
    date::write(spec.birth_date, &mut buffer);
    sheet.put(layout.birth_date, &buffer);
    date::write(spec.expiry_date, &mut buffer);
    sheet.put(layout.expiry_date, &buffer);
    let sex = match spec.sex {
        Sex::Male => b'M',
        Sex::Female => b'F',
        Sex::Unspecified => FILLER,
    };
    sheet.put(layout.sex, &[sex]);

    sheet.check(&[layout.birth_date], layout.birth_date_check);
    sheet.check(&[layout.expiry_date], layout.expiry_date_check);
    if let Some(check) = layout.optional_data_check {
        if sheet.get(layout.optional_data).iter().all(|&b| b == FILLER) {
            sheet.put(check, &[FILLER]);
        } else {
            sheet.check(&[layout.optional_data], check);
        }
    }
    if let Some(check) = layout.composite_check {
        sheet.check(layout.composite, check);
    }
    Ok(sheet.into_lines())
}

struct Sheet {
    layout: &'static Layout,
    bytes: [[u8; 44]; 3],
}

impl Sheet {
    fn new(layout: &'static Layout) -> Self {
        Self {
            layout,
            bytes: [[FILLER; 44]; 3],
        }
    }

    /// Writes `bytes` at the start of `span`; callers keep them within it.
    fn put(&mut self, span: Span, bytes: &[u8]) {
        let line = &mut self.bytes[usize::from(span.line)];
        line[span.range()][..bytes.len()].copy_from_slice(bytes);
    }

    fn get(&self, span: Span) -> &[u8] {
        &self.bytes[usize::from(span.line)][span.range()]
    }

    fn check(&mut self, data: &[Span], at: Span) {
        let mut sum = CheckSum::new();
        for &span in data {
            sum.feed(self.get(span));
        }
        // Everything written is an MRZ character, so the digit exists.
        let digit = sum.digit().map_or(FILLER, digit_byte);
        self.put(at, &[digit]);
    }

    /// Writes the number and its check digit; returns the optional data room
    /// left on its line.
    fn document_number(&mut self, text: &str, format: Format) -> Result<Span, WriteError> {
        let layout = self.layout;
        let number = alphanumeric(Field::DocumentNumber, text, false)?;
        if number.is_empty() {
            return Err(WriteError::Empty {
                field: Field::DocumentNumber,
            });
        }
        let principal = layout.document_number;
        let max = if format == Format::Td1 {
            TD1_MAX_NUMBER
        } else {
            usize::from(principal.len)
        };
        if number.len() > max {
            return Err(WriteError::TooLong {
                field: Field::DocumentNumber,
                format,
                length: number.len(),
                max,
            });
        }
        let (head, tail) = number.split_at(number.len().min(usize::from(principal.len)));
        self.put(principal, head);
        if tail.is_empty() {
            self.check(&[principal], layout.document_number_check);
            return Ok(layout.optional_data);
        }
        let optional = layout.optional_data;
        let overflow = Span::new(optional.line, optional.start, tail.len() as u8);
        self.put(overflow, tail);
        self.check(
            &[principal, overflow],
            Span::new(optional.line, overflow.end(), 1),
        );
        // The check-digit position says "continued"; a filler ends the number.
        self.put(layout.document_number_check, &[FILLER]);
        let used = overflow.len + 2;
        Ok(Span::new(
            optional.line,
            optional.start + used,
            optional.len - used,
        ))
    }

    fn optional_data(&mut self, text: &str, room: Span, format: Format) -> Result<(), WriteError> {
        let data = alphanumeric(Field::OptionalData, text, true)?;
        let second = self.layout.optional_data_2;
        let max = usize::from(room.len) + second.map_or(0, |s| usize::from(s.len));
        if data.len() > max {
            return Err(WriteError::TooLong {
                field: Field::OptionalData,
                format,
                length: data.len(),
                max,
            });
        }
        let (first, rest) = data.split_at(data.len().min(usize::from(room.len)));
        self.put(room, first);
        if let Some(second) = second {
            self.put(second, rest);
        }
        Ok(())
    }

    fn into_lines(self) -> Vec<String> {
        let width = usize::from(self.layout.width);
        self.bytes[..usize::from(self.layout.lines)]
            .iter()
            // Every byte written is an MRZ character (ASCII): the lossy
            // conversion borrows, and each line is one allocation.
            .map(|line| String::from_utf8_lossy(&line[..width]).into_owned())
            .collect()
    }
}

/// Upper-cased `A`–`Z`, `0`–`9` (and `<` when `fillers`).
fn alphanumeric(field: Field, text: &str, fillers: bool) -> Result<Vec<u8>, WriteError> {
    text.chars()
        .map(|c| match c.to_ascii_uppercase() {
            upper @ ('A'..='Z' | '0'..='9') => Ok(upper as u8),
            '<' if fillers => Ok(FILLER),
            _ => Err(WriteError::InvalidCharacter {
                field,
                character: c,
            }),
        })
        .collect()
}

fn document_code(text: &str, format: Format) -> Result<Vec<u8>, WriteError> {
    let error = || WriteError::DocumentCode {
        code: text.to_owned(),
        format,
    };
    let mut code = text.to_ascii_uppercase().into_bytes();
    if code.len() == 1 {
        code.push(FILLER);
    }
    if code.len() != 2 || !format.document_code_initials().contains(&code[0]) {
        return Err(error());
    }
    if !(code[1].is_ascii_uppercase() || code[1] == FILLER) {
        return Err(error());
    }
    Ok(code)
}

fn state_code(field: Field, text: &str) -> Result<[u8; 3], WriteError> {
    let error = || WriteError::StateCode {
        field,
        code: text.to_owned(),
    };
    let trimmed = text.trim_end_matches('<');
    if text.len() > 3 || country::validate_document_code(trimmed).is_err() {
        return Err(error());
    }
    // Upper-cased in place: one to three ASCII letters.
    let mut code = [FILLER; 3];
    code[..trimmed.len()].copy_from_slice(trimmed.as_bytes());
    code.make_ascii_uppercase();
    let upper = std::str::from_utf8(&code[..trimmed.len()]).map_err(|_| error())?;
    if !country::is_assigned(upper) {
        return Err(error());
    }
    Ok(code)
}

fn name(spec: &DocumentSpec, format: Format) -> Result<Vec<u8>, WriteError> {
    let encode = |text: &str| {
        names::encode(text).map_err(|character| WriteError::InvalidCharacter {
            field: Field::Name,
            character,
        })
    };
    let primary = encode(&spec.primary_identifier)?;
    let secondary = encode(&spec.secondary_identifier)?;
    if primary.is_empty() {
        return Err(WriteError::Empty { field: Field::Name });
    }
    Ok(names::compose(&primary, &secondary, format.name_length()))
}
