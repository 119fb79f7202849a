//! The five zone layouts: which field sits at which positions (Doc 9303
//! Part 4 for TD3, Part 5 for TD1, Part 6 for TD2, Part 7 for MRV-A and
//! MRV-B). The reader, the writer and the corrupter all take positions from
//! here.

use serde::{Deserialize, Serialize};

use super::finding::Field;

/// A zone layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Identity card, 3 lines of 30.
    Td1,
    /// Identity card, 2 lines of 36.
    Td2,
    /// Passport, 2 lines of 44.
    Td3,
    /// Full-size visa, 2 lines of 44.
    MrvA,
    /// Small visa, 2 lines of 36.
    MrvB,
}

impl Format {
    pub const ALL: [Format; 5] = [Self::Td1, Self::Td2, Self::Td3, Self::MrvA, Self::MrvB];

    pub fn line_count(self) -> usize {
        usize::from(self.layout().lines)
    }

    pub fn line_length(self) -> usize {
        usize::from(self.layout().width)
    }

    pub fn is_visa(self) -> bool {
        matches!(self, Self::MrvA | Self::MrvB)
    }

    /// Room for the name (primary and secondary identifier with separators).
    pub fn name_length(self) -> usize {
        usize::from(self.layout().name.len)
    }

    /// The first characters of a document code this layout allows.
    pub fn document_code_initials(self) -> &'static [u8] {
        match self {
            Self::Td1 | Self::Td2 => b"ACI",
            Self::Td3 => b"P",
            Self::MrvA | Self::MrvB => b"V",
        }
    }

    pub(crate) fn layout(self) -> &'static Layout {
        match self {
            Self::Td1 => &TD1,
            Self::Td2 => &TD2,
            Self::Td3 => &TD3,
            Self::MrvA => &MRV_A,
            Self::MrvB => &MRV_B,
        }
    }

    /// The layout the line count, the line lengths (in characters) and the
    /// first character suggest, or `None` when the count is neither 2 nor 3.
    /// Lengths need not match: the caller reports the lines that do not.
    pub(crate) fn guess(lengths: &[usize], first: Option<char>) -> Option<Self> {
        let visa = first == Some('V');
        match *lengths {
            [_, _, _] => Some(Self::Td1),
            [a, b] => {
                // Trust a line of a known length; otherwise the longer line.
                let wide = match (a, b) {
                    (44 | 36, _) => a == 44,
                    (_, 44 | 36) => b == 44,
                    _ => a.max(b) >= 40,
                };
                Some(match (wide, visa) {
                    (true, false) => Self::Td3,
                    (true, true) => Self::MrvA,
                    (false, false) => Self::Td2,
                    (false, true) => Self::MrvB,
                })
            }
            _ => None,
        }
    }
}

/// A run of positions on one line, stored 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) line: u8,
    pub(crate) start: u8,
    pub(crate) len: u8,
}

impl Span {
    /// Line `line`, positions `first` to `last` inclusive, all 1-based as in
    /// Doc 9303's tables.
    const fn at(line: u8, first: u8, last: u8) -> Self {
        Self {
            line: line - 1,
            start: first - 1,
            len: last - first + 1,
        }
    }

    pub(crate) fn new(line: u8, start: u8, len: u8) -> Self {
        Self { line, start, len }
    }

    pub(crate) fn range(self) -> std::ops::Range<usize> {
        usize::from(self.start)..usize::from(self.start) + usize::from(self.len)
    }

    pub(crate) fn end(self) -> u8 {
        self.start + self.len
    }

    pub(crate) fn contains(self, line: u8, column: u8) -> bool {
        self.line == line && column >= self.start && column < self.end()
    }
}

/// Where each field of one format sits.
#[derive(Debug)]
pub(crate) struct Layout {
    pub(crate) lines: u8,
    pub(crate) width: u8,
    pub(crate) document_code: Span,
    pub(crate) issuing_state: Span,
    pub(crate) name: Span,
    pub(crate) document_number: Span,
    pub(crate) document_number_check: Span,
    pub(crate) nationality: Span,
    pub(crate) birth_date: Span,
    pub(crate) birth_date_check: Span,
    pub(crate) sex: Span,
    pub(crate) expiry_date: Span,
    pub(crate) expiry_date_check: Span,
    pub(crate) optional_data: Span,
    /// TD1 line 2 has a second optional data field.
    pub(crate) optional_data_2: Option<Span>,
    /// TD3 only: the personal number check.
    pub(crate) optional_data_check: Option<Span>,
    pub(crate) composite_check: Option<Span>,
    pub(crate) composite: &'static [Span],
    /// Whether a document number longer than 9 characters may continue in the
    /// optional data (TD1: Doc 9303 Part 5; TD2: Part 6).
    pub(crate) long_number: bool,
}

impl Layout {
    /// The field owning a 0-based position, for attributing bad characters.
    pub(crate) fn field_at(&self, line: u8, column: u8) -> Field {
        let fixed = [
            (Field::DocumentCode, self.document_code),
            (Field::IssuingState, self.issuing_state),
            (Field::Name, self.name),
            (Field::DocumentNumber, self.document_number),
            (Field::DocumentNumberCheck, self.document_number_check),
            (Field::Nationality, self.nationality),
            (Field::BirthDate, self.birth_date),
            (Field::BirthDateCheck, self.birth_date_check),
            (Field::Sex, self.sex),
            (Field::ExpiryDate, self.expiry_date),
            (Field::ExpiryDateCheck, self.expiry_date_check),
        ];
        let optional = [
            (Field::OptionalDataCheck, self.optional_data_check),
            (Field::CompositeCheck, self.composite_check),
        ];
        fixed
            .into_iter()
            .chain(optional.into_iter().filter_map(|(f, s)| Some((f, s?))))
            .find(|(_, span)| span.contains(line, column))
            .map_or(Field::OptionalData, |(field, _)| field)
    }
}

/// Lines 1 and 2 of the two-line formats share the same leading positions.
const fn two_line(width: u8) -> Layout {
    Layout {
        lines: 2,
        width,
        document_code: Span::at(1, 1, 2),
        issuing_state: Span::at(1, 3, 5),
        name: Span::at(1, 6, width),
        document_number: Span::at(2, 1, 9),
        document_number_check: Span::at(2, 10, 10),
        nationality: Span::at(2, 11, 13),
        birth_date: Span::at(2, 14, 19),
        birth_date_check: Span::at(2, 20, 20),
        sex: Span::at(2, 21, 21),
        expiry_date: Span::at(2, 22, 27),
        expiry_date_check: Span::at(2, 28, 28),
        optional_data: Span::at(2, 29, width),
        optional_data_2: None,
        optional_data_check: None,
        composite_check: None,
        composite: &[],
        long_number: false,
    }
}

static TD1: Layout = Layout {
    lines: 3,
    width: 30,
    document_code: Span::at(1, 1, 2),
    issuing_state: Span::at(1, 3, 5),
    document_number: Span::at(1, 6, 14),
    document_number_check: Span::at(1, 15, 15),
    optional_data: Span::at(1, 16, 30),
    birth_date: Span::at(2, 1, 6),
    birth_date_check: Span::at(2, 7, 7),
    sex: Span::at(2, 8, 8),
    expiry_date: Span::at(2, 9, 14),
    expiry_date_check: Span::at(2, 15, 15),
    nationality: Span::at(2, 16, 18),
    optional_data_2: Some(Span::at(2, 19, 29)),
    composite_check: Some(Span::at(2, 30, 30)),
    composite: &[
        Span::at(1, 6, 30),
        Span::at(2, 1, 7),
        Span::at(2, 9, 15),
        Span::at(2, 19, 29),
    ],
    name: Span::at(3, 1, 30),
    optional_data_check: None,
    long_number: true,
};

static TD2: Layout = Layout {
    optional_data: Span::at(2, 29, 35),
    composite_check: Some(Span::at(2, 36, 36)),
    composite: &[Span::at(2, 1, 10), Span::at(2, 14, 20), Span::at(2, 22, 35)],
    long_number: true,
    ..two_line(36)
};

static TD3: Layout = Layout {
    optional_data: Span::at(2, 29, 42),
    optional_data_check: Some(Span::at(2, 43, 43)),
    composite_check: Some(Span::at(2, 44, 44)),
    composite: &[Span::at(2, 1, 10), Span::at(2, 14, 20), Span::at(2, 22, 43)],
    ..two_line(44)
};

static MRV_A: Layout = two_line(44);

static MRV_B: Layout = two_line(36);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_position_belongs_to_exactly_one_field() {
        for format in Format::ALL {
            let layout = format.layout();
            let mut spans = vec![
                layout.document_code,
                layout.issuing_state,
                layout.name,
                layout.document_number,
                layout.document_number_check,
                layout.nationality,
                layout.birth_date,
                layout.birth_date_check,
                layout.sex,
                layout.expiry_date,
                layout.expiry_date_check,
                layout.optional_data,
            ];
            spans.extend(layout.optional_data_2);
            spans.extend(layout.optional_data_check);
            spans.extend(layout.composite_check);
            let total: usize = spans.iter().map(|s| usize::from(s.len)).sum();
            assert_eq!(
                total,
                format.line_count() * format.line_length(),
                "{format:?}"
            );
            for line in 0..layout.lines {
                for column in 0..layout.width {
                    let owners = spans.iter().filter(|s| s.contains(line, column)).count();
                    assert_eq!(owners, 1, "{format:?} line {line} column {column}");
                }
            }
        }
    }

    #[test]
    fn guesses_from_shape_and_code() {
        assert_eq!(Format::guess(&[30, 30, 30], Some('I')), Some(Format::Td1));
        assert_eq!(Format::guess(&[44, 44], Some('P')), Some(Format::Td3));
        assert_eq!(Format::guess(&[44, 44], Some('V')), Some(Format::MrvA));
        assert_eq!(Format::guess(&[36, 36], Some('I')), Some(Format::Td2));
        assert_eq!(Format::guess(&[36, 36], Some('V')), Some(Format::MrvB));
        assert_eq!(Format::guess(&[45, 44], Some('P')), Some(Format::Td3));
        assert_eq!(Format::guess(&[35, 37], Some('I')), Some(Format::Td2));
        assert_eq!(Format::guess(&[5, 45], Some('P')), Some(Format::Td3));
        assert_eq!(Format::guess(&[30], Some('I')), None);
        assert_eq!(Format::guess(&[], None), None);
    }
}
