//! Twin pairs: the two posts of one crossing point, each operated by its own
//! country, and the keys their systems share for the exchange.
//!
//! Each pair has an exchange key the two border services agree for the
//! pair alone. With it each system keys the documents inspected at its
//! post (HMAC-SHA256 over issuing state and number, as the national
//! `document_key` but under the pair's key and another domain), so the two
//! systems can tell how many travellers left one post and reached the other
//! without exchanging a document number or their national secrets; and it
//! signs what it sends over the exchange, so the neighbour accepts only
//! what a holder of the pair key sent.
//!
//! The pair-keys file, one pair per line (`#` starts a comment):
//!
//! ```text
//! KZ-KORDAY KG-AKZHOL 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//! ```
//!
//! the two posts' crossing ids and the key in hex (at least 32 bytes).

use std::collections::BTreeMap;
use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids;
use crate::keys::{Key, Pseudonymiser};

/// The shortest pair key accepted: 256 bits.
pub const MIN_PAIR_KEY_LEN: usize = 32;

const SIGNING_DOMAIN: &[u8] = b"borderflow/liaison/v1";

/// The id of the pair of posts `a` and `b`: both ids in ascending order,
/// joined by `+` (a character crossing ids never contain).
pub fn pair_id(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}+{b}")
    } else {
        format!("{b}+{a}")
    }
}

/// One pair's exchange key.
#[derive(Clone)]
pub struct PairKey {
    pub pair_id: String,
    pub posts: [String; 2],
    documents: Pseudonymiser,
    signing: Hmac<Sha256>,
}

impl fmt::Debug for PairKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PairKey({}, <key>)", self.pair_id)
    }
}

impl PairKey {
    pub fn new(a: &str, b: &str, key: &[u8]) -> Result<Self, PairKeysError> {
        if key.len() < MIN_PAIR_KEY_LEN {
            return Err(PairKeysError::ShortKey(key.len()));
        }
        // A domain of its own: the same bytes used as a national secret by
        // mistake still give other keys.
        let mut derived = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
        derived.update(b"borderflow/twin-document/v1");
        let documents = Pseudonymiser::new(&derived.finalize().into_bytes())
            .expect("a 32-byte derived secret is long enough");
        let mut signing = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
        signing.update(SIGNING_DOMAIN);
        Ok(Self {
            pair_id: pair_id(a, b),
            posts: [a.to_owned(), b.to_owned()],
            documents,
            signing,
        })
    }

    /// The document's key for the exchange: the same at both posts.
    pub fn document_key(&self, issuing_state: &str, document_number: &str) -> Key {
        self.documents.document_key(issuing_state, document_number)
    }

    /// The signature of `payload` (a record encoded without its
    /// signature).
    pub fn sign(&self, payload: &[u8]) -> [u8; 32] {
        let mut mac = self.signing.clone();
        mac.update(payload);
        mac.finalize().into_bytes().into()
    }

    /// Whether `signature` is this key's over `payload` (compared in
    /// constant time).
    pub fn verify(&self, payload: &[u8], signature: &[u8]) -> bool {
        let mut mac = self.signing.clone();
        mac.update(payload);
        mac.verify_slice(signature).is_ok()
    }

    /// The other post of the pair.
    pub fn twin_of(&self, crossing_id: &str) -> Option<&str> {
        match &self.posts {
            [a, b] if a == crossing_id => Some(b),
            [a, b] if b == crossing_id => Some(a),
            _ => None,
        }
    }
}

/// Every pair a system exchanges with, by post.
#[derive(Clone, Debug, Default)]
pub struct PairKeys {
    by_post: BTreeMap<String, usize>,
    pairs: Vec<PairKey>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PairKeysError {
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error("pair key is {0} bytes; at least {MIN_PAIR_KEY_LEN} are required")]
    ShortKey(usize),
}

impl PairKeys {
    /// Parses the pair-keys file's text.
    pub fn parse(text: &str) -> Result<Self, PairKeysError> {
        let mut keys = Self::default();
        for (n, line) in text.lines().enumerate() {
            let fail = |reason: String| PairKeysError::Line {
                line: n + 1,
                reason,
            };
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [a, b, hex] = fields[..] else {
                return Err(fail("expected two crossing ids and a key in hex".into()));
            };
            for id in [a, b] {
                ids::validate(id).map_err(|e| fail(format!("crossing id {id:?}: {e}")))?;
            }
            if a == b {
                return Err(fail(format!("{a:?} is paired with itself")));
            }
            let key = decode_hex(hex).ok_or_else(|| fail("the key is not hexadecimal".into()))?;
            let pair = PairKey::new(a, b, &key).map_err(|e| fail(e.to_string()))?;
            for post in [a, b] {
                if keys
                    .by_post
                    .insert(post.to_owned(), keys.pairs.len())
                    .is_some()
                {
                    return Err(fail(format!("{post:?} is in two pairs")));
                }
            }
            keys.pairs.push(pair);
        }
        Ok(keys)
    }

    /// The pair of post `crossing_id`, if the system holds its key.
    pub fn of_post(&self, crossing_id: &str) -> Option<&PairKey> {
        self.by_post.get(crossing_id).map(|&i| &self.pairs[i])
    }

    /// The pair with id `pair_id`.
    pub fn of_pair(&self, pair_id: &str) -> Option<&PairKey> {
        self.pairs.iter().find(|p| p.pair_id == pair_id)
    }

    pub fn pairs(&self) -> &[PairKey] {
        &self.pairs
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn a_pair_has_one_id_whichever_post_names_it_first() {
        assert_eq!(pair_id("KZ-KORDAY", "KG-AKZHOL"), "KG-AKZHOL+KZ-KORDAY");
        assert_eq!(pair_id("KG-AKZHOL", "KZ-KORDAY"), "KG-AKZHOL+KZ-KORDAY");
    }

    #[test]
    fn both_posts_key_a_document_alike_and_unlike_the_national_key() {
        let keys = PairKeys::parse(&format!("# pairs\nKZ-KORDAY KG-AKZHOL {KEY}\n\n")).unwrap();
        let a = keys.of_post("KZ-KORDAY").unwrap();
        let b = keys.of_post("KG-AKZHOL").unwrap();
        assert_eq!(a.pair_id, b.pair_id);
        assert_eq!(a.twin_of("KZ-KORDAY"), Some("KG-AKZHOL"));
        assert_eq!(
            a.document_key("KGZ", "AC1234567"),
            b.document_key("kgz", "AC1234567<")
        );
        assert_ne!(
            a.document_key("KGZ", "AC1234567"),
            a.document_key("KGZ", "AC1234568")
        );
        // The key itself used as a national secret gives other keys.
        let national = Pseudonymiser::new(&decode_hex(KEY).unwrap()).unwrap();
        assert_ne!(
            national.document_key("KGZ", "AC1234567"),
            a.document_key("KGZ", "AC1234567")
        );
        assert!(keys.of_post("KZ-ALA").is_none());
    }

    #[test]
    fn only_the_pair_key_signs_what_verifies() {
        let keys = PairKeys::parse(&format!("KZ-KORDAY KG-AKZHOL {KEY}")).unwrap();
        let pair = &keys.pairs()[0];
        let signature = pair.sign(b"record");
        assert!(pair.verify(b"record", &signature));
        assert!(!pair.verify(b"recore", &signature));
        let other = PairKey::new("KZ-KORDAY", "KG-AKZHOL", &[7; 32]).unwrap();
        assert!(!other.verify(b"record", &signature));
    }

    #[test]
    fn a_bad_line_is_named() {
        for (text, expected) in [
            ("KZ-KORDAY KG-AKZHOL", "line 1: expected"),
            (
                &format!("KZ-KORDAY KZ-KORDAY {KEY}") as &str,
                "paired with itself",
            ),
            ("KZ-KORDAY KG-AKZHOL 00ff", "at least 32"),
            ("KZ-KORDAY KG-AKZHOL zz", "not hexadecimal"),
            (
                &format!("\nKZ/KORDAY KG-AKZHOL {KEY}") as &str,
                "line 2: crossing id",
            ),
            (
                &format!("KZ-KORDAY KG-AKZHOL {KEY}\nKZ-KORDAY UZ-X {KEY}") as &str,
                "line 2: \"KZ-KORDAY\" is in two pairs",
            ),
        ] {
            let message = PairKeys::parse(text).unwrap_err().to_string();
            assert!(message.contains(expected), "{text}: {message}");
        }
    }
}
