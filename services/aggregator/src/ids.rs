//! Event ids and the one hasher for keys that are already uniform.
//!
//! Event ids are random UUIDs and document keys HMAC-SHA256 outputs under
//! the deployment's secret: their bits are well mixed and not choosable by
//! a sender, so folding them is as good a hash as SipHash over all of them,
//! at a fraction of the cost (sets of event ids per window, maps of
//! document histories).

use std::hash::Hasher;

/// Folds already uniform keys (see the module docs); not for keys a sender
/// could choose.
#[derive(Default)]
pub struct MixedHasher(u64);

impl Hasher for MixedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(buf);
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.0 = (value as u64) ^ ((value >> 64) as u64).rotate_left(32);
    }
}

/// The canonical hyphenated form of a 128-bit event id.
pub fn uuid_string(id: u128) -> String {
    let hex = format!("{id:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Parses a UUID (hyphenated or plain hex) into its 128 bits.
pub fn parse_uuid(text: &str) -> Option<u128> {
    let mut value: u128 = 0;
    let mut digits = 0;
    for b in text.bytes() {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            b'-' => continue,
            _ => return None,
        };
        value = (value << 4) | u128::from(d);
        digits += 1;
    }
    (digits == 32).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_round_trip() {
        let id = 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef_u128;
        let text = uuid_string(id);
        assert_eq!(text, "01234567-89ab-cdef-0123-456789abcdef");
        assert_eq!(parse_uuid(&text), Some(id));
        assert_eq!(parse_uuid(&text.replace('-', "").to_uppercase()), Some(id));
        assert_eq!(parse_uuid("0123"), None);
        assert_eq!(parse_uuid("0123456789abcdef0123456789abcdeg"), None);
    }
}
