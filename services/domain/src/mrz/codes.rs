//! Document codes and the three-letter codes of states and organisations.
//!
//! Doc 9303 Part 3 uses ISO 3166-1 alpha-3 codes, `D` for Germany, and a
//! few codes of its own (below). Only the shape is checked here: letters,
//! padded with fillers. Whether a code is assigned is a reference-data
//! question that changes over time.

use super::charset::FILLER;

/// The codes Doc 9303 Part 3 adds to ISO 3166-1, with their meaning.
pub const SPECIAL_CODES: [(&str, &str); 8] = [
    ("EUE", "European Union"),
    ("UNA", "specialized agency of the United Nations"),
    ("UNK", "resident of Kosovo (UNMIK)"),
    ("UNO", "United Nations Organization"),
    ("XXA", "stateless person"),
    ("XXB", "refugee (1951 Convention)"),
    ("XXC", "refugee (other)"),
    ("XXX", "unspecified nationality"),
];

/// The meaning of a Doc 9303 special code such as `XXA`, fillers trimmed.
pub fn special_code(code: &str) -> Option<&'static str> {
    SPECIAL_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, meaning)| *meaning)
}

/// Checks a three-position state code: one to three letters, then fillers.
/// Returns the 0-based offset of the first offending character.
pub(crate) fn check_state(field: &[u8]) -> Result<(), u8> {
    let letters = field.iter().take_while(|b| b.is_ascii_uppercase()).count();
    if letters == 0 {
        return Err(0);
    }
    match field[letters..].iter().position(|&b| b != FILLER) {
        Some(offset) => Err((letters + offset) as u8),
        None => Ok(()),
    }
}

/// Checks a two-position document code against the initials a layout allows;
/// the second character is a letter or a filler. Returns the 0-based offset
/// of the first offending character.
pub(crate) fn check_document_code(field: &[u8], initials: &[u8]) -> Result<(), u8> {
    if !initials.contains(&field[0]) {
        return Err(0);
    }
    if !(field[1].is_ascii_uppercase() || field[1] == FILLER) {
        return Err(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_codes_are_letters_then_fillers() {
        for ok in [&b"UTO"[..], b"D<<", b"GB<", b"XXA", b"UNO", b"EUE"] {
            assert_eq!(check_state(ok), Ok(()), "{ok:?}");
        }
        assert_eq!(check_state(b"<<<"), Err(0));
        assert_eq!(check_state(b"1AB"), Err(0));
        assert_eq!(check_state(b"D1<"), Err(1));
        assert_eq!(check_state(b"D<E"), Err(2));
        assert_eq!(check_state(b"UT0"), Err(2));
    }

    #[test]
    fn special_codes_have_meanings() {
        for (code, _) in SPECIAL_CODES {
            assert!(special_code(code).is_some());
            assert_eq!(check_state(code.as_bytes()), Ok(()));
        }
        assert_eq!(special_code("UTO"), None);
    }

    #[test]
    fn document_codes_follow_the_layout() {
        assert_eq!(check_document_code(b"P<", b"P"), Ok(()));
        assert_eq!(check_document_code(b"PD", b"P"), Ok(()));
        assert_eq!(check_document_code(b"ID", b"ACI"), Ok(()));
        assert_eq!(check_document_code(b"AC", b"ACI"), Ok(()));
        assert_eq!(check_document_code(b"V<", b"P"), Err(0));
        assert_eq!(check_document_code(b"P1", b"P"), Err(1));
        assert_eq!(check_document_code(b"<<", b"ACI"), Err(0));
    }
}
