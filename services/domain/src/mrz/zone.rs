//! A zone's lines as bytes, one per character, for position arithmetic.

use super::charset::{FILLER, FOREIGN};
use super::layout::Span;

/// The widest line of any layout.
const MAX_WIDTH: usize = 44;

/// The lines of a zone whose layout has been checked. ASCII lines are copied
/// byte for byte; in other lines each character takes one byte and anything
/// outside ASCII becomes [`FOREIGN`], so positions count characters.
pub(crate) struct Zone<'a> {
    text: [&'a str; 3],
    ascii: [bool; 3],
    bytes: [[u8; MAX_WIDTH]; 3],
    width: usize,
}

impl<'a> Zone<'a> {
    pub(crate) fn new(lines: &[&'a str], ascii: [bool; 3], width: usize) -> Self {
        let mut zone = Self {
            text: [""; 3],
            ascii,
            bytes: [[FILLER; MAX_WIDTH]; 3],
            width: width.min(MAX_WIDTH),
        };
        for (index, &line) in lines.iter().take(3).enumerate() {
            zone.text[index] = line;
            let bytes = &mut zone.bytes[index];
            if ascii[index] {
                let n = line.len().min(MAX_WIDTH);
                bytes[..n].copy_from_slice(&line.as_bytes()[..n]);
            } else {
                for (slot, c) in bytes.iter_mut().zip(line.chars()) {
                    *slot = u8::try_from(c).ok().filter(u8::is_ascii).unwrap_or(FOREIGN);
                }
            }
        }
        zone
    }

    pub(crate) fn line(&self, line: u8) -> &[u8] {
        &self.bytes[usize::from(line)][..self.width]
    }

    pub(crate) fn get(&self, span: Span) -> &[u8] {
        &self.bytes[usize::from(span.line)][span.range()]
    }

    pub(crate) fn at(&self, line: u8, column: u8) -> u8 {
        self.bytes[usize::from(line)][usize::from(column)]
    }

    /// The input text under `span`, borrowed from the caller's line.
    pub(crate) fn text(&self, span: Span) -> &'a str {
        let line = usize::from(span.line);
        let text = self.text[line];
        let range = span.range();
        if self.ascii[line] {
            return text.get(range).unwrap_or("");
        }
        let offset = |chars: usize| {
            text.char_indices()
                .nth(chars)
                .map_or(text.len(), |(i, _)| i)
        };
        text.get(offset(range.start)..offset(range.end))
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        let lines = ["AÉ中<B", "ABCDE"];
        let zone = Zone::new(&lines, [false, true, true], 5);
        assert_eq!(zone.line(0), &[b'A', FOREIGN, FOREIGN, b'<', b'B']);
        assert_eq!(zone.text(Span::new(0, 1, 2)), "É中");
        assert_eq!(zone.text(Span::new(0, 4, 1)), "B");
        assert_eq!(zone.text(Span::new(1, 1, 3)), "BCD");
        assert_eq!(zone.text(Span::new(0, 5, 0)), "");
    }
}
