//! What can be wrong with a zone, and where.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A field of a zone. Check digits are fields of their own, so a finding can
/// point at the digit that failed rather than at the data it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The zone as a whole: how many lines, how long.
    Layout,
    DocumentCode,
    IssuingState,
    DocumentNumber,
    DocumentNumberCheck,
    OptionalData,
    OptionalDataCheck,
    BirthDate,
    BirthDateCheck,
    Sex,
    ExpiryDate,
    ExpiryDateCheck,
    Nationality,
    Name,
    CompositeCheck,
}

impl Field {
    /// A stable snake_case name, fit for a metric label or a wire enum.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Layout => "layout",
            Self::DocumentCode => "document_code",
            Self::IssuingState => "issuing_state",
            Self::DocumentNumber => "document_number",
            Self::DocumentNumberCheck => "document_number_check",
            Self::OptionalData => "optional_data",
            Self::OptionalDataCheck => "optional_data_check",
            Self::BirthDate => "birth_date",
            Self::BirthDateCheck => "birth_date_check",
            Self::Sex => "sex",
            Self::ExpiryDate => "expiry_date",
            Self::ExpiryDateCheck => "expiry_date_check",
            Self::Nationality => "nationality",
            Self::Name => "name",
            Self::CompositeCheck => "composite_check",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Layout => "zone layout",
            Self::DocumentCode => "document code",
            Self::IssuingState => "issuing state",
            Self::DocumentNumber => "document number",
            Self::DocumentNumberCheck => "document number check digit",
            Self::OptionalData => "optional data",
            Self::OptionalDataCheck => "optional data check digit",
            Self::BirthDate => "date of birth",
            Self::BirthDateCheck => "date of birth check digit",
            Self::Sex => "sex",
            Self::ExpiryDate => "date of expiry",
            Self::ExpiryDateCheck => "date of expiry check digit",
            Self::Nationality => "nationality",
            Self::Name => "name",
            Self::CompositeCheck => "composite check digit",
        })
    }
}

/// What is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Not two or three lines.
    WrongLineCount,
    /// A line is not as long as its layout requires.
    WrongLineLength,
    /// A character outside `A`–`Z`, `0`–`9`, `<` (lower case included).
    InvalidCharacter,
    /// A check digit does not match the data it covers.
    CheckDigitMismatch,
    /// A date that is not `YYMMDD`, or a day that does not exist.
    InvalidDate,
    /// A document code of the wrong shape; a state code of the wrong shape
    /// or one neither ISO 3166-1 alpha-3 nor Doc 9303 assigns.
    InvalidCode,
    /// An MRZ character where the field does not allow it (a digit in a name,
    /// a letter after the name's closing fillers, `Q` as sex, an empty
    /// document number).
    InvalidValue,
}

impl Problem {
    /// A stable snake_case name, fit for a metric label or a wire enum.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WrongLineCount => "wrong_line_count",
            Self::WrongLineLength => "wrong_line_length",
            Self::InvalidCharacter => "invalid_character",
            Self::CheckDigitMismatch => "check_digit_mismatch",
            Self::InvalidDate => "invalid_date",
            Self::InvalidCode => "invalid_code",
            Self::InvalidValue => "invalid_value",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::WrongLineCount => "wrong number of lines",
            Self::WrongLineLength => "wrong line length",
            Self::InvalidCharacter => "character outside the MRZ set",
            Self::CheckDigitMismatch => "check digit mismatch",
            Self::InvalidDate => "invalid date",
            Self::InvalidCode => "invalid code",
            Self::InvalidValue => "value not allowed in this field",
        })
    }
}

/// One problem, at a 1-based line and character position of the zone.
///
/// For [`Problem::WrongLineCount`] the line is the first missing or first
/// surplus line; for [`Problem::WrongLineLength`] the position is the first
/// missing or first surplus character.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Finding {
    pub field: Field,
    pub line: u8,
    pub position: u8,
    pub problem: Problem,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} at line {} position {}",
            self.field, self.problem, self.line, self.position
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_without_data() {
        let finding = Finding {
            field: Field::DocumentNumberCheck,
            line: 2,
            position: 10,
            problem: Problem::CheckDigitMismatch,
        };
        assert_eq!(
            finding.to_string(),
            "document number check digit: check digit mismatch at line 2 position 10"
        );
        assert_eq!(Field::CompositeCheck.as_str(), "composite_check");
        assert_eq!(Problem::InvalidDate.as_str(), "invalid_date");
    }
}
