//! The result of reading a zone.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::Date;

use super::finding::{Field, Finding};
use super::layout::Format;
use super::names::name_text;

/// Sex as the zone states it: `M`, `F`, or `X` / `<` for unspecified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Unspecified,
}

/// Most check digits a layout has (TD3: number, birth, expiry, optional,
/// composite).
const MAX_CHECKS: usize = 5;

/// What [`validate`](super::validate) read from a zone. Text fields borrow
/// from the input lines; on a valid zone nothing is allocated. When the
/// layout was unusable every text field is empty and every date `None`.
///
/// `Debug` shows the layout, findings and check digits but not the holder's
/// data, so a report can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Report<'a> {
    pub(crate) format: Option<Format>,
    pub(crate) findings: Vec<Finding>,
    pub(crate) checks: [(Field, bool); MAX_CHECKS],
    pub(crate) check_count: u8,
    pub(crate) document_code: &'a str,
    pub(crate) issuing_state: &'a str,
    pub(crate) nationality: &'a str,
    pub(crate) document_number: &'a str,
    /// TD1/TD2 numbers longer than 9: the characters after the first nine.
    pub(crate) document_number_overflow: &'a str,
    pub(crate) primary_identifier: &'a str,
    pub(crate) secondary_identifier: &'a str,
    pub(crate) optional_data: &'a str,
    pub(crate) optional_data_2: &'a str,
    pub(crate) birth_date: Option<Date>,
    pub(crate) expiry_date: Option<Date>,
    pub(crate) sex: Sex,
}

impl<'a> Report<'a> {
    pub(crate) fn empty(format: Option<Format>) -> Self {
        Self {
            format,
            findings: Vec::new(),
            checks: [(Field::CompositeCheck, false); MAX_CHECKS],
            check_count: 0,
            document_code: "",
            issuing_state: "",
            nationality: "",
            document_number: "",
            document_number_overflow: "",
            primary_identifier: "",
            secondary_identifier: "",
            optional_data: "",
            optional_data_2: "",
            birth_date: None,
            expiry_date: None,
            sex: Sex::Unspecified,
        }
    }

    pub(crate) fn record_check(&mut self, field: Field, ok: bool) {
        let index = usize::from(self.check_count);
        if let Some(slot) = self.checks.get_mut(index) {
            *slot = (field, ok);
            self.check_count += 1;
        }
    }

    /// The detected layout; `None` when the zone has neither 2 nor 3 lines.
    /// With wrong line lengths this is the layout the zone came closest to.
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// No findings at all.
    pub fn is_valid(&self) -> bool {
        self.findings.is_empty()
    }

    /// Every problem found, in zone order (line, then position).
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Each check digit evaluated, in zone order: `DocumentNumberCheck`,
    /// `BirthDateCheck`, `ExpiryDateCheck`, `OptionalDataCheck` (TD3),
    /// `CompositeCheck` (TD1, TD2, TD3), with whether it matched. A digit is
    /// left out when a character it covers, or the digit itself, is outside
    /// the MRZ set: that is already an `InvalidCharacter` finding.
    pub fn check_digits(&self) -> &[(Field, bool)] {
        &self.checks[..usize::from(self.check_count)]
    }

    /// Whether every evaluated check digit matched.
    pub fn check_digits_pass(&self) -> bool {
        self.check_digits().iter().all(|&(_, ok)| ok)
    }

    /// Fillers trimmed: `P`, `ID`, `V`.
    pub fn document_code(&self) -> &'a str {
        self.document_code
    }

    /// Fillers trimmed: `D`, `KGZ`.
    pub fn issuing_state(&self) -> &'a str {
        self.issuing_state
    }

    pub fn nationality(&self) -> &'a str {
        self.nationality
    }

    /// The whole number, fillers trimmed, including the characters a TD1 or
    /// TD2 zone carries in its optional data for numbers longer than nine
    /// (only that case allocates).
    pub fn document_number(&self) -> Cow<'a, str> {
        if self.document_number_overflow.is_empty() {
            Cow::Borrowed(self.document_number)
        } else {
            Cow::Owned([self.document_number, self.document_number_overflow].concat())
        }
    }

    /// Raw, with `<` between name parts and trailing fillers trimmed; see
    /// [`primary_name`](Self::primary_name) for the spaced form.
    pub fn primary_identifier(&self) -> &'a str {
        self.primary_identifier
    }

    pub fn secondary_identifier(&self) -> &'a str {
        self.secondary_identifier
    }

    /// The primary identifier with spaces between its parts.
    pub fn primary_name(&self) -> Cow<'a, str> {
        name_text(self.primary_identifier)
    }

    /// The secondary identifier with spaces between its parts.
    pub fn secondary_name(&self) -> Cow<'a, str> {
        name_text(self.secondary_identifier)
    }

    /// The optional data field, trailing fillers trimmed: the personal number
    /// of a TD3, line 1 optional data of a TD1 after any long document
    /// number.
    pub fn optional_data(&self) -> &'a str {
        self.optional_data
    }

    /// TD1 only: the optional data of line 2.
    pub fn optional_data_2(&self) -> &'a str {
        self.optional_data_2
    }

    /// `None` when unknown (given as fillers) or invalid.
    pub fn birth_date(&self) -> Option<Date> {
        self.birth_date
    }

    pub fn expiry_date(&self) -> Option<Date> {
        self.expiry_date
    }

    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// Whether the document had expired on `date` (valid through its expiry
    /// date); `None` when the expiry date could not be read.
    pub fn expired_on(&self, date: Date) -> Option<bool> {
        self.expiry_date.map(|expiry| expiry < date)
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("format", &self.format)
            .field("findings", &self.findings)
            .field("check_digits", &self.check_digits())
            .field("document_code", &self.document_code)
            .field("issuing_state", &self.issuing_state)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mrz::validate;

    #[test]
    fn debug_leaves_out_personal_data() {
        let lines = [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ];
        let report = validate(&lines, Date::new(2025, 5, 4).unwrap());
        let debug = format!("{report:?}");
        assert!(debug.contains("Td3"), "{debug}");
        for personal in ["ERIKSSON", "ANNA", "L898902C3", "1974", "ZE184226B"] {
            assert!(!debug.contains(personal), "{debug}");
        }
    }
}
