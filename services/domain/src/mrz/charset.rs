//! The MRZ character set and the values Doc 9303 Part 3 gives each
//! character for check digits: digits are their value, `A`=10 … `Z`=35 and
//! the filler `<` is 0.

/// The filler character.
pub(crate) const FILLER: u8 = b'<';

/// Every MRZ character, digits first.
pub(crate) const ALPHABET: &[u8; 37] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

/// Stands in for a non-ASCII character in a working copy of a line. It is not
/// valid UTF-8 on its own, so it never collides with an input byte.
pub(crate) const FOREIGN: u8 = 0xFF;

/// The table entry of a byte outside the set.
pub(crate) const INVALID: u8 = u8::MAX;

/// Check-digit value per byte, `INVALID` outside the character set. A table
/// keeps the hot loop to one load per character.
static VALUES: [u8; 256] = build_values();

const fn build_values() -> [u8; 256] {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 26 {
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table[FILLER as usize] = 0;
    table
}

/// The check-digit value of an MRZ byte.
#[inline]
pub(crate) fn value(byte: u8) -> Option<u8> {
    match VALUES[usize::from(byte)] {
        INVALID => None,
        v => Some(v),
    }
}

/// The table entry: the value, or [`INVALID`].
#[inline]
pub(crate) fn raw_value(byte: u8) -> u8 {
    VALUES[usize::from(byte)]
}

#[inline]
pub(crate) fn is_mrz(byte: u8) -> bool {
    VALUES[usize::from(byte)] != INVALID
}

/// Same as [`is_mrz`] by range compares rather than a table load, so loops
/// over whole lines vectorise.
#[inline]
pub(crate) fn is_mrz_fast(byte: u8) -> bool {
    byte.is_ascii_uppercase() | byte.is_ascii_digit() | (byte == FILLER)
}

/// The check-digit value of an MRZ character (`0`–`9` → 0–9, `A`–`Z` → 10–35,
/// `<` → 0), or `None` for any other character, lower case included.
pub fn char_value(c: char) -> Option<u8> {
    u8::try_from(c).ok().and_then(value)
}

/// Removes trailing fillers.
pub(crate) fn trim_fillers(text: &str) -> &str {
    text.trim_end_matches('<')
}

/// The length of `bytes` without trailing fillers.
pub(crate) fn trimmed_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .rposition(|&b| b != FILLER)
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_doc_9303() {
        assert_eq!(char_value('0'), Some(0));
        assert_eq!(char_value('9'), Some(9));
        assert_eq!(char_value('A'), Some(10));
        assert_eq!(char_value('Z'), Some(35));
        assert_eq!(char_value('<'), Some(0));
        for c in ['a', 'z', ' ', '-', '.', 'É', '中', '\u{0}'] {
            assert_eq!(char_value(c), None, "{c:?}");
        }
        assert!(!is_mrz(FOREIGN));
        for byte in 0..=u8::MAX {
            assert_eq!(is_mrz(byte), is_mrz_fast(byte), "{byte}");
        }
        assert_eq!(ALPHABET.iter().filter(|&&b| is_mrz(b)).count(), 37);
    }

    #[test]
    fn trimming_keeps_inner_fillers() {
        assert_eq!(trim_fillers("ANNA<MARIA<<<"), "ANNA<MARIA");
        assert_eq!(trimmed_len(b"AB<C<<"), 4);
        assert_eq!(trimmed_len(b"<<<"), 0);
    }
}
