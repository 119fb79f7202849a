//! Biometric verification at the booth: the live face or fingerprints
//! compared with those stored in the document's chip, scored from 0 (no
//! likeness) to 1. Matchers are least reliable for young children (faces
//! change fast, small fingerprint ridges) and for the elderly (ageing skin,
//! worn ridges): NIST's evaluations (FRVT part 3 on demographic effects,
//! NISTIR 8280, 2019; FpVTE 2012) report false non-match rates several
//! times an adult's for both groups. The detector's thresholds and the
//! simulator's capture model both use these age bands.

/// Completed years below which a traveller matches like a young child.
pub const CHILD_AGE: u32 = 12;

/// Completed years from which a traveller matches like the elderly.
pub const ELDERLY_AGE: u32 = 70;

/// Whether matchers are known to score a genuine traveller of `age` lower
/// than an adult.
pub fn hard_to_match(age: u32) -> bool {
    !(CHILD_AGE..ELDERLY_AGE).contains(&age)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_and_the_elderly_are_hard_to_match() {
        assert!(hard_to_match(0));
        assert!(hard_to_match(11));
        assert!(!hard_to_match(12));
        assert!(!hard_to_match(69));
        assert!(hard_to_match(70));
        assert!(hard_to_match(95));
    }
}
