//! The name field: primary identifier, `<<`, secondary identifier, with a
//! single `<` between the parts of each (Doc 9303 Part 3).
//!
//! Where the name ends: Doc 9303 Part 3 writes the name and pads it with
//! fillers to the end of the field, or cuts it so that it fills the field
//! exactly. Two fillers in a row occur once inside a name, as the separator
//! between the identifiers. So the name is *closed* by the first run of two
//! or more fillers after the separator, or by a run of three or more where
//! the separator would be (a name without secondary identifier followed by
//! padding). Everything after the closing run must be fillers; a letter there
//! is text the name does not hold — a second name printed over the padding,
//! a misread, a forgery — and is reported. A name cut at the end of the field
//! has no closing run, and single fillers between parts never close it.

use std::borrow::Cow;
use std::ops::Range;

use super::charset::{FILLER, trimmed_len};

/// A name part as people write it: `VAN<DER<BERG` → `VAN DER BERG`.
pub fn name_text(raw: &str) -> Cow<'_, str> {
    if raw.contains('<') {
        Cow::Owned(raw.replace('<', " "))
    } else {
        Cow::Borrowed(raw)
    }
}

/// Where the two identifiers sit within a name field, trailing fillers left
/// out. Without a `<<` the whole name is the primary identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Split {
    pub(crate) primary: Range<usize>,
    pub(crate) secondary: Range<usize>,
    /// The offset of the first letter after the name's closing fillers, if
    /// any (see the module docs).
    pub(crate) after_close: Option<usize>,
}

pub(crate) fn split(field: &[u8]) -> Split {
    let end = trimmed_len(field);
    let field = &field[..end];
    let Some(separator) = double_filler(field, 0) else {
        return Split {
            primary: 0..end,
            secondary: end..end,
            after_close: None,
        };
    };
    let secondary = separator + 2;
    // `<<<`: the separator is padding, and nothing may follow it.
    let close = if field.get(secondary) == Some(&FILLER) {
        Some(separator)
    } else {
        double_filler(field, secondary)
    };
    match close {
        Some(close) => Split {
            primary: 0..separator,
            secondary: secondary.min(close)..close,
            after_close: field[close..]
                .iter()
                .position(u8::is_ascii_uppercase)
                .map(|offset| close + offset),
        },
        None => Split {
            primary: 0..separator,
            secondary: secondary..end,
            after_close: None,
        },
    }
}

/// The offset of the first `<<` in `field` at or after `from`.
fn double_filler(field: &[u8], from: usize) -> Option<usize> {
    field
        .get(from..)?
        .windows(2)
        .position(|w| w == [FILLER, FILLER])
        .map(|offset| from + offset)
}

/// One identifier in MRZ characters: upper-cased, spaces and hyphens become a
/// single `<`, apostrophes are dropped. Any other character that is not
/// `A`–`Z` after upper-casing is returned as the error; transliterating
/// `Ø` or `Ж` is the caller's job (Doc 9303 Part 3).
pub(crate) fn encode(text: &str) -> Result<Vec<u8>, char> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match c.to_ascii_uppercase() {
            upper @ 'A'..='Z' => out.push(upper as u8),
            ' ' | '-' | '<' => {
                if out.last().is_some_and(|&b| b != FILLER) {
                    out.push(FILLER);
                }
            }
            '\'' | '\u{2019}' => {}
            other => return Err(other),
        }
    }
    out.truncate(trimmed_len(&out));
    Ok(out)
}

/// The name field content (without padding) for encoded identifiers, cut to
/// `width` when it does not fit.
///
/// Following Doc 9303 Part 3 on truncation: the primary identifier is kept whole while it fits
/// with `<<` and at least one character of the secondary identifier; the
/// secondary identifier is cut from the end. A primary identifier too long
/// for that is cut so that `<<` and the initial of the secondary identifier
/// still fit. A cut never leaves a filler at the end of an identifier, so the
/// result reads back as what was written.
pub(crate) fn compose(primary: &[u8], secondary: &[u8], width: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(width);
    if secondary.is_empty() {
        out.extend_from_slice(&primary[..primary.len().min(width)]);
        out.truncate(trimmed_len(&out));
        return out;
    }
    if primary.len() + 3 <= width {
        out.extend_from_slice(primary);
        out.extend_from_slice(b"<<");
        let room = width - out.len();
        let kept = &secondary[..secondary.len().min(room)];
        out.extend_from_slice(&kept[..trimmed_len(kept)]);
    } else {
        let kept = &primary[..width.saturating_sub(3)];
        out.extend_from_slice(&kept[..trimmed_len(kept)]);
        out.extend_from_slice(b"<<");
        out.push(secondary[0]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_the_double_filler() {
        let s = split(b"ERIKSSON<<ANNA<MARIA<<<<<<");
        assert_eq!(
            (s.primary, s.secondary, s.after_close),
            (0..8, 10..20, None)
        );
        let s = split(b"ERIKSSON<<<<<<");
        assert_eq!((s.primary, s.secondary, s.after_close), (0..8, 8..8, None));
        let s = split(b"VAN<DER<BERG<<JAN");
        assert_eq!(
            (s.primary, s.secondary, s.after_close),
            (0..12, 14..17, None)
        );
        let s = split(b"<<<<");
        assert_eq!((s.primary, s.secondary, s.after_close), (0..0, 0..0, None));
        // Cut to fill the field: nothing closes the name.
        let s = split(b"ERIKSSON<<ANNA<M");
        assert_eq!(
            (s.primary, s.secondary, s.after_close),
            (0..8, 10..16, None)
        );
        let s = split(b"ERIKSSON<ANNA<MARIA<<<");
        assert_eq!(
            (s.primary, s.secondary, s.after_close),
            (0..19, 19..19, None)
        );
    }

    #[test]
    fn finds_letters_after_the_closing_fillers() {
        // After the secondary identifier's padding.
        let s = split(b"ERIKSSON<<ANNA<<<<XYZ<<<");
        assert_eq!(
            (s.primary, s.secondary, s.after_close),
            (0..8, 10..14, Some(18))
        );
        // A second separator is padding too: one `<<` per name.
        let s = split(b"ERIKSSON<<ANNA<<MARIA<<<");
        assert_eq!(
            (s.primary, s.secondary, s.after_close),
            (0..8, 10..14, Some(16))
        );
        // No secondary identifier, then padding, then text.
        let s = split(b"ERIKSSON<<<ANNA<<");
        assert_eq!(
            (s.primary, s.secondary, s.after_close),
            (0..8, 8..8, Some(11))
        );
        // Digits after the padding are reported as digits, not here.
        let s = split(b"ERIKSSON<<ANNA<<<<12<<");
        assert_eq!(s.after_close, None);
        let s = split(b"ERIKSSON<<ANNA<<<<12X<");
        assert_eq!(s.after_close, Some(20));
    }

    #[test]
    fn encodes_separators_and_drops_apostrophes() {
        assert_eq!(encode("van der Berg").unwrap(), b"VAN<DER<BERG");
        assert_eq!(encode("Jean-Luc").unwrap(), b"JEAN<LUC");
        assert_eq!(encode("O'Neill").unwrap(), b"ONEILL");
        assert_eq!(encode("  Anna  - Maria ").unwrap(), b"ANNA<MARIA");
        assert_eq!(encode("Zoë"), Err('ë'));
        assert_eq!(encode("R2D2"), Err('2'));
    }

    #[test]
    fn truncates_the_secondary_identifier_first() {
        let out = compose(b"ERIKSSON", b"ANNA<MARIA", 39);
        assert_eq!(out, b"ERIKSSON<<ANNA<MARIA");
        let out = compose(b"ERIKSSON", b"ANNA<MARIA", 16);
        assert_eq!(out, b"ERIKSSON<<ANNA<M");
        // A cut just after a separator drops the separator.
        let out = compose(b"ERIKSSON", b"ANNA<MARIA", 15);
        assert_eq!(out, b"ERIKSSON<<ANNA");
        let out = compose(b"ERIKSSON", b"ANNA", 11);
        assert_eq!(out, b"ERIKSSON<<A");
    }

    #[test]
    fn truncates_a_long_primary_identifier_keeping_an_initial() {
        let out = compose(b"ABCDEFGHIJKLMNOP", b"ANNA", 12);
        assert_eq!(out, b"ABCDEFGHI<<A");
        let out = compose(b"ABCDEFGH<IJK", b"ANNA", 12);
        assert_eq!(out, b"ABCDEFGH<<A");
        let out = compose(b"ABCDEFGHIJKLMNOP", b"", 12);
        assert_eq!(out, b"ABCDEFGHIJKL");
    }

    #[test]
    fn text_replaces_fillers() {
        assert_eq!(name_text("ANNA<MARIA"), "ANNA MARIA");
        assert!(matches!(name_text("ERIKSSON"), Cow::Borrowed(_)));
    }
}
