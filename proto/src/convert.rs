//! Conversions between wire types and the domain.

use borderflow_domain::mrz;
use borderflow_domain::time::{Date, MS_PER_SECOND};
use prost_types::Timestamp;

use crate::inspection::v1::{CalendarDate, DocumentFormat, MrzField, MrzFinding, MrzProblem, Sex};

/// Epoch milliseconds of a protobuf timestamp; `None` when the nanos are out
/// of range or the value overflows.
pub fn timestamp_to_ms(ts: &Timestamp) -> Option<i64> {
    if !(0..1_000_000_000).contains(&ts.nanos) {
        return None;
    }
    ts.seconds
        .checked_mul(MS_PER_SECOND)?
        .checked_add(i64::from(ts.nanos / 1_000_000))
}

pub fn ms_to_timestamp(ms: i64) -> Timestamp {
    Timestamp {
        seconds: ms.div_euclid(MS_PER_SECOND),
        nanos: (ms.rem_euclid(MS_PER_SECOND) * 1_000_000) as i32,
    }
}

impl From<Date> for CalendarDate {
    fn from(date: Date) -> Self {
        Self {
            year: date.year(),
            month: date.month() as i32,
            day: date.day() as i32,
        }
    }
}

impl CalendarDate {
    /// The date, when it is complete and exists.
    pub fn to_date(&self) -> Option<Date> {
        Date::new(
            self.year,
            u32::try_from(self.month).ok()?,
            u32::try_from(self.day).ok()?,
        )
    }
}

impl From<mrz::Format> for DocumentFormat {
    fn from(format: mrz::Format) -> Self {
        match format {
            mrz::Format::Td1 => Self::Td1,
            mrz::Format::Td2 => Self::Td2,
            mrz::Format::Td3 => Self::Td3,
            mrz::Format::MrvA => Self::MrvA,
            mrz::Format::MrvB => Self::MrvB,
        }
    }
}

impl From<mrz::Sex> for Sex {
    fn from(sex: mrz::Sex) -> Self {
        match sex {
            mrz::Sex::Male => Self::Male,
            mrz::Sex::Female => Self::Female,
            mrz::Sex::Unspecified => Self::Nonspecific,
        }
    }
}

impl From<mrz::Field> for MrzField {
    fn from(field: mrz::Field) -> Self {
        use mrz::Field as F;
        match field {
            F::Layout => Self::Layout,
            F::DocumentCode => Self::DocumentCode,
            F::IssuingState => Self::IssuingState,
            F::DocumentNumber => Self::DocumentNumber,
            F::DocumentNumberCheck => Self::DocumentNumberCheck,
            F::OptionalData => Self::OptionalData,
            F::OptionalDataCheck => Self::OptionalDataCheck,
            F::BirthDate => Self::BirthDate,
            F::BirthDateCheck => Self::BirthDateCheck,
            F::Sex => Self::Sex,
            F::ExpiryDate => Self::ExpiryDate,
            F::ExpiryDateCheck => Self::ExpiryDateCheck,
            F::Nationality => Self::Nationality,
            F::Name => Self::Name,
            F::CompositeCheck => Self::CompositeCheck,
        }
    }
}

impl From<mrz::Problem> for MrzProblem {
    fn from(problem: mrz::Problem) -> Self {
        use mrz::Problem as P;
        match problem {
            P::WrongLineCount => Self::WrongLineCount,
            P::WrongLineLength => Self::WrongLineLength,
            P::InvalidCharacter => Self::InvalidCharacter,
            P::CheckDigitMismatch => Self::CheckDigitMismatch,
            P::InvalidDate => Self::InvalidDate,
            P::InvalidCode => Self::InvalidCode,
            P::InvalidValue => Self::InvalidValue,
        }
    }
}

impl From<mrz::Finding> for MrzFinding {
    fn from(finding: mrz::Finding) -> Self {
        Self {
            field: MrzField::from(finding.field) as i32,
            line: u32::from(finding.line),
            position: u32::from(finding.position),
            problem: MrzProblem::from(finding.problem) as i32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_including_before_the_epoch() {
        for ms in [0, 1, 999, 1_000, -1, -1_001, 1_780_000_000_123] {
            assert_eq!(timestamp_to_ms(&ms_to_timestamp(ms)), Some(ms));
        }
        assert_eq!(
            timestamp_to_ms(&Timestamp {
                seconds: 1,
                nanos: -1
            }),
            None
        );
        assert_eq!(
            timestamp_to_ms(&Timestamp {
                seconds: i64::MAX,
                nanos: 0
            }),
            None
        );
    }

    #[test]
    fn calendar_dates() {
        let date = Date::new(2014, 9, 11).unwrap();
        assert_eq!(CalendarDate::from(date).to_date(), Some(date));
        let unknown_day = CalendarDate {
            year: 1974,
            month: 8,
            day: 0,
        };
        assert_eq!(unknown_day.to_date(), None);
    }
}
