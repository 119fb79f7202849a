//! Identifiers of crossings, lanes, checkpoints, officers and groups.
//!
//! One rule for every edge that takes them: ingest checks the ids of each
//! event, the registry the ids of the crossings it is given, the simulator
//! those of its network files. Had each its own rule, a network the
//! simulator accepts could name crossings ingest refuses.
//!
//! An identifier is 1 to [`MAX_LEN`] bytes of ASCII letters, digits, `.`,
//! `_`, `-` and `:`: the widest of the rules the services used to keep
//! apart, so every id a shipped network, scenario or test names stays valid
//! (`KZ-KORDAY`, `GEN-00001`, `KZ-KORDAY-L01`), and nothing in it needs
//! quoting in a Kafka key, a metric label or a URL path.

/// The longest identifier, in bytes.
pub const MAX_LEN: usize = 64;

/// What is wrong with an identifier; the caller names the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("is empty")]
    Empty,
    #[error("is {len} bytes; at most {MAX_LEN} allowed")]
    TooLong { len: usize },
    #[error("may contain only letters, digits, '.', '_', '-' and ':'")]
    InvalidCharacter {
        /// Byte offset of the first character outside the alphabet.
        position: usize,
    },
}

/// Checks `id` against the identifier rule.
pub fn validate(id: &str) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::Empty);
    }
    if id.len() > MAX_LEN {
        return Err(IdError::TooLong { len: id.len() });
    }
    match id.bytes().position(|b| !is_id_byte(b)) {
        Some(position) => Err(IdError::InvalidCharacter { position }),
        None => Ok(()),
    }
}

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn ids_of_the_shapes_in_use_are_valid() {
        for id in [
            "KZ-KORDAY",
            "KZ-DOSTYK-RAIL",
            "GEN-00001",
            "KZ-KORDAY-L01",
            "KZ-KORDAY-O017",
            "L01",
            "kz:airport.nqz",
            "a_b",
            "7",
        ] {
            assert_eq!(validate(id), Ok(()), "{id}");
        }
    }

    #[test]
    fn each_problem_is_named() {
        assert_eq!(validate(""), Err(IdError::Empty));
        assert_eq!(validate(&"X".repeat(MAX_LEN)), Ok(()));
        assert_eq!(
            validate(&"X".repeat(MAX_LEN + 1)),
            Err(IdError::TooLong { len: MAX_LEN + 1 })
        );
        assert_eq!(
            validate("KZ KOR"),
            Err(IdError::InvalidCharacter { position: 2 })
        );
        assert_eq!(
            validate("KZ/KOR"),
            Err(IdError::InvalidCharacter { position: 2 })
        );
        // Not ASCII: refused at the first byte of the character.
        assert_eq!(
            validate("Ö-1"),
            Err(IdError::InvalidCharacter { position: 0 })
        );
        assert_eq!(
            IdError::TooLong { len: 65 }.to_string(),
            "is 65 bytes; at most 64 allowed"
        );
    }

    proptest! {
        #[test]
        fn every_id_of_the_alphabet_is_valid(id in "[A-Za-z0-9._:-]{1,64}") {
            prop_assert_eq!(validate(&id), Ok(()));
        }

        #[test]
        fn a_foreign_character_is_found_where_it_is(
            head in "[A-Za-z0-9._:-]{0,30}",
            foreign in "[^A-Za-z0-9._:-]",
            tail in "[A-Za-z0-9._:-]{0,30}",
        ) {
            let id = format!("{head}{foreign}{tail}");
            prop_assume!(id.len() <= MAX_LEN);
            prop_assert_eq!(
                validate(&id),
                Err(IdError::InvalidCharacter { position: head.len() })
            );
        }

        #[test]
        fn anything_longer_than_the_limit_is_refused(id in "[A-Za-z0-9]{65,100}") {
            prop_assert_eq!(validate(&id), Err(IdError::TooLong { len: id.len() }));
        }
    }
}
