//! Country codes, in the two shapes borderflow meets them.
//!
//! Crossings, scopes and scenario files name a country by three capital
//! letters: an ISO 3166-1 alpha-3 code (`KGZ`) or one of the codes Doc 9303
//! adds (`XXA`, `EUE`; see [`crate::mrz::SPECIAL_CODES`]). Capitals only, so
//! a code compares equal wherever it is met: a registry entry for `kgz`
//! would be covered by no country scope. The code must be assigned
//! ([`is_assigned`]): a crossing in a fictional state would make the
//! simulator write documents every reader refuses.
//!
//! Documents name a state the way their machine-readable zone does: one to
//! three letters, since Doc 9303 writes Germany as `D` (`D<<` in the zone).
//! Keyed-in lists and document specs accept either case and are
//! upper-cased where they are used; [`validate_document_code`] checks their
//! shape only, since reference lists keep codes of documents issued long
//! ago, and the zone reader checks assignment itself.
//!
//! The ISO list is dated in `country/iso3166.rs`; assignments change rarely
//! (the last new alpha-3 code was in 2011) and a change needs a release.

mod iso3166;

pub use iso3166::ALPHA_3;

use crate::mrz::special_code;

/// What is wrong with a country code; the caller names the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CountryCodeError {
    #[error("must be three capital letters (ISO 3166-1 alpha-3 or a Doc 9303 code, e.g. KGZ)")]
    NotThreeCapitals,
    #[error("must be one to three letters (a Doc 9303 state code, e.g. KGZ or D)")]
    NotDocumentCode,
    #[error("is not an assigned ISO 3166-1 alpha-3 code nor a Doc 9303 code")]
    Unassigned,
}

/// Whether `code` (capitals, no fillers) names a state or organisation: an
/// ISO 3166-1 alpha-3 code, or a code of Doc 9303 Part 3 such as `D`, `XXA`
/// or `GBN`.
pub fn is_assigned(code: &str) -> bool {
    iso3166::is_alpha_3(code) || special_code(code).is_some()
}

/// Checks a country as crossings, scopes and scenarios name it: three
/// capital letters of an assigned code.
pub fn validate(code: &str) -> Result<(), CountryCodeError> {
    if !(code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())) {
        Err(CountryCodeError::NotThreeCapitals)
    } else if !is_assigned(code) {
        Err(CountryCodeError::Unassigned)
    } else {
        Ok(())
    }
}

/// Checks an issuing state or nationality as a document carries it,
/// fillers removed: one to three letters of either case.
pub fn validate_document_code(code: &str) -> Result<(), CountryCodeError> {
    if (1..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(())
    } else {
        Err(CountryCodeError::NotDocumentCode)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::mrz::SPECIAL_CODES;

    #[test]
    fn countries_are_three_capitals() {
        for code in ["KGZ", "KAZ", "UZB", "XXA", "EUE"] {
            assert_eq!(validate(code), Ok(()), "{code}");
        }
        for code in ["", "D", "KG", "kgz", "Kgz", "KGZ ", "KG1", "KGZA", "ÄKZ"] {
            assert_eq!(
                validate(code),
                Err(CountryCodeError::NotThreeCapitals),
                "{code:?}"
            );
        }
        for code in ["UTO", "QQQ", "RKS", "YUG"] {
            assert_eq!(validate(code), Err(CountryCodeError::Unassigned), "{code}");
        }
    }

    #[test]
    fn assigned_codes_are_iso_or_doc_9303() {
        for code in ["KGZ", "DEU", "D", "GBN", "XXA", "UNO", "XOM"] {
            assert!(is_assigned(code), "{code}");
        }
        for code in ["UTO", "GB", "DE", "kgz", "D<<", "", "KGZA"] {
            assert!(!is_assigned(code), "{code:?}");
        }
    }

    #[test]
    fn document_codes_are_one_to_three_letters() {
        for code in ["D", "GB", "KGZ", "kgz", "d"] {
            assert_eq!(validate_document_code(code), Ok(()), "{code}");
        }
        for code in ["", "D<<", "KGZA", "K1", "DE "] {
            assert_eq!(
                validate_document_code(code),
                Err(CountryCodeError::NotDocumentCode),
                "{code:?}"
            );
        }
    }

    #[test]
    fn doc_9303_special_codes_are_countries() {
        for (code, _) in SPECIAL_CODES {
            if code.len() == 3 {
                assert_eq!(validate(code), Ok(()), "{code}");
            }
            assert_eq!(validate_document_code(code), Ok(()), "{code}");
        }
    }

    proptest! {
        #[test]
        fn a_country_is_also_a_document_code(code in "\\PC{0,5}") {
            if validate(&code).is_ok() {
                prop_assert_eq!(validate_document_code(&code), Ok(()));
            }
        }

        #[test]
        fn a_country_is_an_assigned_document_code_of_three_capitals(
            code in "[A-Za-z0-9]{0,4}",
        ) {
            let three_capitals = validate_document_code(&code).is_ok()
                && code.len() == 3
                && code == code.to_ascii_uppercase();
            prop_assert_eq!(validate(&code).is_ok(), three_capitals && is_assigned(&code));
        }
    }
}
