//! Document codes and the codes of states and organisations.
//!
//! Issuing state and nationality hold an ISO 3166-1 alpha-3 code or one of
//! the codes Doc 9303 Part 3 §5 adds (below), padded with fillers. A code of
//! the right shape that neither list assigns — a misread, a forgery, or
//! `UTO`, the fictional Utopia of the Doc 9303 specimens — is a finding:
//! a border reads real documents only. The lists are dated in
//! [`crate::country`]; a code assigned later needs a release.

use super::charset::FILLER;
use crate::country;

/// The codes Doc 9303 Part 3 (8th edition, 2021, §5) uses besides ISO
/// 3166-1 alpha-3, with their meaning, sorted by code.
///
/// Not included: `RKS`, which Kosovo prints in its passports but neither
/// ISO nor ICAO assigns; states that accept those passports accept the code
/// by policy, and a reader here reports it as unknown.
pub const SPECIAL_CODES: &[(&str, &str)] = &[
    ("D", "Germany"),
    ("EUE", "European Union"),
    ("GBD", "British Overseas Territories Citizen"),
    ("GBN", "British National (Overseas)"),
    ("GBO", "British Overseas Citizen"),
    ("GBP", "British Protected Person"),
    ("GBS", "British Subject"),
    ("UNA", "specialized agency of the United Nations"),
    ("UNK", "resident of Kosovo (UNMIK)"),
    ("UNO", "United Nations Organization"),
    ("XBA", "African Development Bank"),
    ("XCC", "Caribbean Community (CARICOM)"),
    ("XCE", "Council of Europe"),
    ("XCO", "Common Market for Eastern and Southern Africa"),
    ("XDC", "Southern African Development Community"),
    ("XEC", "Economic Community of West African States"),
    ("XES", "Organisation of Eastern Caribbean States"),
    ("XIM", "African Export-Import Bank"),
    ("XMP", "Parliamentary Assembly of the Mediterranean"),
    ("XOM", "Sovereign Military Order of Malta"),
    (
        "XPO",
        "International Criminal Police Organization (INTERPOL)",
    ),
    ("XXA", "stateless person"),
    ("XXB", "refugee (1951 Convention)"),
    ("XXC", "refugee (other)"),
    ("XXX", "unspecified nationality"),
];

/// The meaning of a Doc 9303 code such as `XXA` or `D`, fillers trimmed.
pub fn special_code(code: &str) -> Option<&'static str> {
    SPECIAL_CODES
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .map(|i| SPECIAL_CODES[i].1)
}

/// Checks a three-position state code: one to three letters, then fillers,
/// spelling an assigned code. Returns the 0-based offset of the first
/// offending character; an unknown code is reported at its first letter.
pub(crate) fn check_state(field: &[u8]) -> Result<(), u8> {
    let letters = field.iter().take_while(|b| b.is_ascii_uppercase()).count();
    if letters == 0 {
        return Err(0);
    }
    if let Some(offset) = field[letters..].iter().position(|&b| b != FILLER) {
        return Err((letters + offset) as u8);
    }
    // Letters only, so the bytes are one character each.
    let code = std::str::from_utf8(&field[..letters]).map_err(|_| 0u8)?;
    if country::is_assigned(code) {
        Ok(())
    } else {
        Err(0)
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
    fn state_codes_are_assigned_letters_then_fillers() {
        for ok in [&b"KGZ"[..], b"D<<", b"GBN", b"XXA", b"UNO", b"EUE", b"DEU"] {
            assert_eq!(check_state(ok), Ok(()), "{ok:?}");
        }
        // The right shape, but no state or organisation has these codes.
        for unknown in [&b"UTO"[..], b"GB<", b"DE<", b"QQQ", b"RKS", b"XXD"] {
            assert_eq!(check_state(unknown), Err(0), "{unknown:?}");
        }
        assert_eq!(check_state(b"<<<"), Err(0));
        assert_eq!(check_state(b"1AB"), Err(0));
        assert_eq!(check_state(b"D1<"), Err(1));
        assert_eq!(check_state(b"D<E"), Err(2));
        assert_eq!(check_state(b"UT0"), Err(2));
    }

    #[test]
    fn special_codes_have_meanings() {
        assert_eq!(SPECIAL_CODES.len(), 25);
        assert!(SPECIAL_CODES.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
        for (code, meaning) in SPECIAL_CODES {
            assert_eq!(special_code(code), Some(*meaning));
            let mut field = [FILLER; 3];
            field[..code.len()].copy_from_slice(code.as_bytes());
            assert_eq!(check_state(&field), Ok(()), "{code}");
        }
        assert_eq!(special_code("GBN"), Some("British National (Overseas)"));
        assert_eq!(special_code("UTO"), None);
        assert_eq!(special_code("KGZ"), None);
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
