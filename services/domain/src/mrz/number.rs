//! Where a document number sits, including the TD1/TD2 form for numbers
//! longer than nine characters.

use super::charset::FILLER;
use super::layout::{Layout, Span};
use super::zone::Zone;

/// Where the document number and its check digit sit. A TD1 or TD2 number
/// longer than nine characters puts `<` in the check-digit position and
/// continues at the start of the optional data, followed by its check digit
/// and a filler (Doc 9303 Part 5 for TD1, Part 6 for TD2).
pub(crate) struct Number {
    pub(crate) principal: Span,
    pub(crate) overflow: Option<Span>,
    /// `None` when the overflow marker is followed by no digit at all.
    pub(crate) check: Option<(u8, u8)>,
    /// The optional data after the number.
    pub(crate) optional: Span,
    /// The overflow ran to the end of the field without its closing filler.
    pub(crate) unterminated: bool,
}

impl Number {
    pub(crate) fn locate(zone: &Zone<'_>, layout: &Layout) -> Self {
        let check = layout.document_number_check;
        let mut number = Self {
            principal: layout.document_number,
            overflow: None,
            check: Some((check.line, check.start)),
            optional: layout.optional_data,
            unterminated: false,
        };
        if !layout.long_number || zone.at(check.line, check.start) != FILLER {
            return number;
        }
        let optional = layout.optional_data;
        let field = zone.get(optional);
        let (line, start) = (optional.line, optional.start);
        match field.iter().position(|&b| b == FILLER) {
            Some(0) => number.check = None,
            Some(end) => {
                let end = end as u8;
                number.overflow = Some(Span::new(line, start, end - 1));
                number.check = Some((line, start + end - 1));
                number.optional = Span::new(line, start + end + 1, optional.len - end - 1);
            }
            None => {
                number.overflow = Some(Span::new(line, start, optional.len - 1));
                number.check = Some((line, optional.end() - 1));
                number.optional = Span::new(line, optional.end(), 0);
                number.unterminated = true;
            }
        }
        number
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mrz::layout::Format;

    fn locate(lines: &[&str]) -> Number {
        let format = if lines.len() == 3 {
            Format::Td1
        } else {
            Format::Td2
        };
        let layout = format.layout();
        let zone = Zone::new(lines, [true; 3], usize::from(layout.width));
        Number::locate(&zone, layout)
    }

    #[test]
    fn a_short_number_has_its_digit_in_place() {
        let number = locate(&["I<UTOD231458907<<<<<<<<<<<<<<<", "", ""]);
        assert_eq!(number.overflow, None);
        assert_eq!(number.check, Some((0, 14)));
        assert_eq!(number.optional, Span::new(0, 15, 15));
    }

    #[test]
    fn a_long_number_continues_in_the_optional_data() {
        let number = locate(&["I<UTOD23145890<7349<ABC<<<<<<<", "", ""]);
        assert_eq!(number.overflow, Some(Span::new(0, 15, 3)));
        assert_eq!(number.check, Some((0, 18)));
        assert_eq!(number.optional, Span::new(0, 20, 10));
        assert!(!number.unterminated);

        let number = locate(&["", "D23145890<UTO3407127M95071227349<<<8"]);
        assert_eq!(number.overflow, Some(Span::new(1, 28, 3)));
        assert_eq!(number.check, Some((1, 31)));
        assert_eq!(number.optional, Span::new(1, 33, 2));
    }

    #[test]
    fn marker_without_digits_or_filler() {
        let number = locate(&["I<UTOD23145890<<<<<<<<<<<<<<<<", "", ""]);
        assert_eq!((number.overflow, number.check), (None, None));
        let number = locate(&["I<UTOD23145890<7349ABCDEFGHIJK", "", ""]);
        assert_eq!(number.overflow, Some(Span::new(0, 15, 14)));
        assert_eq!(number.check, Some((0, 29)));
        assert_eq!(number.optional.len, 0);
        assert!(number.unterminated);
    }
}
