//! Pseudonymous keys (DESIGN §6).
//!
//! A document is known downstream only by `document_key` = HMAC-SHA256 over
//! its issuing state and number, a person by `person_key` = HMAC-SHA256 over
//! names, birth date and nationality. The secret stays with the deployment;
//! reference lists are keyed with the same secret, so matching works on keys.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::time::Date;

/// Separates the fields fed to the MAC so that ("AB", "C") ≠ ("A", "BC").
const FIELD_SEPARATOR: u8 = 0x1f;
const DOCUMENT_DOMAIN: &[u8] = b"borderflow/document/v1";
const PERSON_DOMAIN: &[u8] = b"borderflow/person/v1";

/// The shortest secret accepted: 128 bits.
pub const MIN_SECRET_LEN: usize = 16;

/// A 32-byte pseudonymous key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(pub [u8; 32]);

impl Key {
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            out.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
            out.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
        }
        out
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        Some(Self(bytes.try_into().ok()?))
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Short form: enough to tell keys apart in test output.
        write!(f, "Key({}…)", &self.to_hex()[..12])
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("pseudonymisation secret is {0} bytes; at least {MIN_SECRET_LEN} are required")]
    SecretTooShort(usize),
}

/// Computes pseudonymous keys with one deployment secret.
#[derive(Clone)]
pub struct Pseudonymiser {
    document: Hmac<Sha256>,
    person: Hmac<Sha256>,
}

impl fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonymiser(<secret>)")
    }
}

impl Pseudonymiser {
    pub fn new(secret: &[u8]) -> Result<Self, KeyError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(KeyError::SecretTooShort(secret.len()));
        }
        let keyed = |domain: &[u8]| {
            let mut mac =
                Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
            mac.update(domain);
            mac.update(&[FIELD_SEPARATOR]);
            mac
        };
        Ok(Self {
            document: keyed(DOCUMENT_DOMAIN),
            person: keyed(PERSON_DOMAIN),
        })
    }

    /// Key of a travel document. Inputs are normalised (case, fillers, spaces)
    /// so an MRZ read and a keyed-in list entry of the same document match.
    pub fn document_key(&self, issuing_state: &str, document_number: &str) -> Key {
        let mut mac = self.document.clone();
        feed_normalised(&mut mac, issuing_state);
        mac.update(&[FIELD_SEPARATOR]);
        feed_normalised(&mut mac, document_number);
        Key(mac.finalize().into_bytes().into())
    }

    /// Key of a person: primary and secondary identifiers (MRZ-style names,
    /// `<` or spaces between parts), birth date when known, nationality.
    pub fn person_key(
        &self,
        primary_identifier: &str,
        secondary_identifier: &str,
        birth_date: Option<Date>,
        nationality: &str,
    ) -> Key {
        let mut mac = self.person.clone();
        feed_normalised(&mut mac, primary_identifier);
        mac.update(&[FIELD_SEPARATOR]);
        feed_normalised(&mut mac, secondary_identifier);
        mac.update(&[FIELD_SEPARATOR]);
        if let Some(date) = birth_date {
            mac.update(date.to_string().as_bytes());
        }
        mac.update(&[FIELD_SEPARATOR]);
        feed_normalised(&mut mac, nationality);
        Key(mac.finalize().into_bytes().into())
    }
}

/// Feeds `text` as an MRZ would carry it, without allocating: upper-cased,
/// apostrophes dropped, fillers (`<`), hyphens, commas and whitespace runs
/// collapsed to single spaces, trimmed at both ends (ICAO 9303 Part 3: a
/// name written "O'Neill-Smith" reads "ONEILL<SMITH").
fn feed_normalised(mac: &mut Hmac<Sha256>, text: &str) {
    let mut pending_space = false;
    let mut started = false;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        if c == '\'' || c == '\u{2019}' {
            continue;
        }
        if c == '<' || c == '-' || c == ',' || c.is_whitespace() {
            pending_space = started;
            continue;
        }
        if pending_space {
            mac.update(b" ");
            pending_space = false;
        }
        started = true;
        for upper in c.to_uppercase() {
            mac.update(upper.encode_utf8(&mut buf).as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Pseudonymiser {
        Pseudonymiser::new(b"0123456789abcdef0123456789abcdef").unwrap()
    }

    #[test]
    fn refuses_short_secrets() {
        assert_eq!(
            Pseudonymiser::new(b"short").unwrap_err(),
            KeyError::SecretTooShort(5)
        );
    }

    #[test]
    fn document_keys_ignore_fillers_and_case() {
        let k = keys();
        assert_eq!(
            k.document_key("UTO", "L898902C3"),
            k.document_key(" uto ", "L898902C3<<")
        );
        assert_ne!(
            k.document_key("UTO", "L898902C3"),
            k.document_key("UTA", "L898902C3")
        );
        // The separator keeps field boundaries apart.
        assert_ne!(k.document_key("UT", "OL898"), k.document_key("UTO", "L898"));
    }

    #[test]
    fn person_keys_match_mrz_and_list_spellings() {
        let k = keys();
        let birth = Date::new(1974, 8, 12);
        assert_eq!(
            k.person_key("ERIKSSON", "ANNA<MARIA<<<<", birth, "UTO"),
            k.person_key("Eriksson", "Anna  Maria", birth, "uto")
        );
        assert_ne!(
            k.person_key("ERIKSSON", "ANNA MARIA", birth, "UTO"),
            k.person_key("ERIKSSON", "ANNAMARIA", birth, "UTO")
        );
        // As written on a list, and as the MRZ carries it.
        assert_eq!(
            k.person_key("O'Neill-Smith", "Anna", birth, "UTO"),
            k.person_key("ONEILL<SMITH", "ANNA", birth, "UTO")
        );
        assert_ne!(
            k.person_key("ERIKSSON", "ANNA", birth, "UTO"),
            k.person_key("ERIKSSON", "ANNA", None, "UTO")
        );
    }

    #[test]
    fn different_secrets_give_unrelated_keys() {
        let other = Pseudonymiser::new(b"another secret of sufficient len").unwrap();
        assert_ne!(
            keys().document_key("UTO", "L898902C3"),
            other.document_key("UTO", "L898902C3")
        );
        assert_eq!(keys().document_key("UTO", "X").to_hex().len(), 64);
    }
}
