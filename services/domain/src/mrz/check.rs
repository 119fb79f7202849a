//! The 7-3-1 check digit of Doc 9303 Part 3: each character's value is
//! multiplied by 7, 3, 1, 7, 3, 1, … and the sum taken modulo 10.

use super::charset;

/// A check-digit sum fed one run of bytes at a time. The weights continue
/// across runs, which is what the composite check over several fields needs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CheckSum {
    sum: u32,
    /// The next weights, one per byte from the lowest: 7, 3, 1, rotating.
    /// Rotating beats a modulo or a branch in the hot loop.
    weights: u32,
    /// Set by any byte outside the character set.
    uncomputable: bool,
}

/// 7, 3, 1 packed from the lowest byte.
const WEIGHTS: u32 = 0x0001_0307;

impl CheckSum {
    pub(crate) fn new() -> Self {
        Self {
            sum: 0,
            weights: WEIGHTS,
            uncomputable: false,
        }
    }

    #[inline]
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        let (mut sum, mut weights, mut uncomputable) = (self.sum, self.weights, self.uncomputable);
        for &byte in bytes {
            let value = charset::raw_value(byte);
            // An invalid byte adds garbage; `digit` then returns `None`.
            uncomputable |= value == charset::INVALID;
            sum += u32::from(value) * (weights & 0xff);
            weights = (weights >> 8) | ((weights & 0xff) << 16);
        }
        (self.sum, self.weights, self.uncomputable) = (sum, weights, uncomputable);
    }

    /// The digit 0–9, or `None` when a byte outside the character set was fed.
    pub(crate) fn digit(self) -> Option<u8> {
        // At most 44 × 3 bytes of value ≤ 255 × 7 each: far from overflow.
        (!self.uncomputable).then_some((self.sum % 10) as u8)
    }
}

/// The check digit (0–9) over `data`, or `None` when `data` holds a character
/// outside the MRZ set.
pub fn check_digit(data: &str) -> Option<u8> {
    let mut sum = CheckSum::new();
    sum.feed(data.as_bytes());
    sum.digit()
}

/// The digit as the character printed in a zone.
pub(crate) fn digit_byte(digit: u8) -> u8 {
    b'0' + digit
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked examples of Doc 9303 Part 3, Appendix A.
    #[test]
    fn appendix_a_examples() {
        assert_eq!(check_digit("520727"), Some(3));
        assert_eq!(check_digit("AB2134<<<"), Some(5));
        assert_eq!(
            check_digit("HA672242<658022549601086<<<<<<<<<<<<<<0"),
            Some(8)
        );
    }

    #[test]
    fn weights_continue_across_runs() {
        let mut split = CheckSum::new();
        split.feed(b"L898902C3");
        split.feed(b"6");
        split.feed(b"7408122");
        assert_eq!(split.digit(), check_digit("L898902C367408122"));
    }

    #[test]
    fn foreign_bytes_make_the_digit_uncomputable() {
        assert_eq!(check_digit("AB1c"), None);
        assert_eq!(check_digit("É"), None);
        assert_eq!(check_digit(""), Some(0));
    }
}
