//! Structural validation of submitted events: everything a record needs to be
//! usable downstream. A forged or damaged document is *not* a structural
//! problem (the aggregator must see it); a missing crossing or an unreadable
//! timestamp is, and is refused with the path of the offending field.

use borderflow_domain::ids::{self, IdError};
use borderflow_domain::time::Date;
use borderflow_proto::inspection::v1::{
    BiometricModality, Direction, DocumentRead, GuardianRelation, InspectionEvent, Outcome,
    Protection, ReferralCategory, RefusalReason, TravelMode, document_read,
};
use borderflow_proto::timestamp_to_ms;

/// Limits on what one event may carry.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Longest MRZ line accepted for inspection (longer is refused outright).
    pub max_mrz_line_len: usize,
    /// Longest keyed-in document field.
    pub max_field_len: usize,
    /// Longest plausible time between queueing and completion.
    pub max_span_ms: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_mrz_line_len: 64,
            max_field_len: 64,
            max_span_ms: 48 * 3_600_000,
        }
    }
}

/// A structural problem with one field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// Path of the field, e.g. `event.completed_at`.
    pub field: String,
    pub reason: String,
}

impl FieldError {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Event times the stream accepts: 2000-01-01 up to 2100-01-01 (UTC). Event
/// time is the scenario's or the booth's clock, not the server's.
fn time_range() -> std::ops::Range<i64> {
    let from = Date::new(2000, 1, 1).map_or(0, Date::start_epoch_ms);
    let to = Date::new(2100, 1, 1).map_or(i64::MAX, Date::start_epoch_ms);
    from..to
}

/// Years a keyed-in birth or expiry date may carry. Ages and expiry are
/// computed from them, so absurd years are refused here rather than
/// overflowing there.
const DOCUMENT_YEARS: std::ops::RangeInclusive<i32> = 1800..=2200;

/// The times of a valid event, epoch milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventTimes {
    pub queued_at: i64,
    pub started_at: i64,
    pub completed_at: i64,
}

/// Checks an event's structure; the first problem found is returned.
pub fn validate_event(event: &InspectionEvent, limits: &Limits) -> Result<EventTimes, FieldError> {
    uuid(&event.event_id, "event.event_id")?;
    identifier(&event.crossing_id, "event.crossing_id", true)?;
    identifier(&event.lane_id, "event.lane_id", true)?;
    identifier(&event.checkpoint_id, "event.checkpoint_id", true)?;
    identifier(&event.officer_id, "event.officer_id", true)?;
    known_enum::<Direction>(event.direction, "event.direction")?;
    known_enum::<TravelMode>(event.mode, "event.mode")?;
    // No outcome is an inspection abandoned before a decision: a zone the
    // reader failed on, taken again at once as a re-scan or keyed in.
    Outcome::try_from(event.outcome).map_err(|_| {
        FieldError::new("event.outcome", format!("unknown value {}", event.outcome))
    })?;
    refusal(event)?;
    let times = times(event, limits)?;
    document(event.document.as_ref(), limits)?;
    if let Some(traveller) = &event.traveller {
        identifier(&traveller.group_id, "event.traveller.group_id", false)?;
        if !traveller.accompanied_by.is_empty() {
            uuid(&traveller.accompanied_by, "event.traveller.accompanied_by")?;
        }
        if traveller.age_years.is_some_and(|age| age > 130) {
            return Err(FieldError::new(
                "event.traveller.age_years",
                "must be at most 130",
            ));
        }
        if GuardianRelation::try_from(traveller.guardian_relation).is_err() {
            return Err(FieldError::new(
                "event.traveller.guardian_relation",
                "unknown value",
            ));
        }
    }
    if let Some(protection) = &event.protection {
        referrals(protection)?;
    }
    if let Some(checks) = &event.checks {
        if let Some(score) = checks.biometric_score
            && !(0.0..=1.0).contains(&score)
        {
            return Err(FieldError::new(
                "event.checks.biometric_score",
                "must be between 0 and 1",
            ));
        }
        if BiometricModality::try_from(checks.biometric_modality).is_err() {
            return Err(FieldError::new(
                "event.checks.biometric_modality",
                "unknown value",
            ));
        }
    }
    Ok(times)
}

fn uuid(value: &str, field: &str) -> Result<(), FieldError> {
    if value.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    uuid::Uuid::try_parse(value)
        .map(drop)
        .map_err(|_| FieldError::new(field, "must be a UUID"))
}

/// An identifier (see [`borderflow_domain::ids`]); empty is allowed only
/// where the field is optional.
fn identifier(value: &str, field: &str, required: bool) -> Result<(), FieldError> {
    match ids::validate(value) {
        Err(IdError::Empty) if required => Err(FieldError::new(field, "is required")),
        Err(IdError::Empty) | Ok(()) => Ok(()),
        Err(problem) => Err(FieldError::new(field, problem.to_string())),
    }
}

fn known_enum<E: TryFrom<i32>>(value: i32, field: &str) -> Result<(), FieldError> {
    if value == 0 {
        return Err(FieldError::new(field, "is required"));
    }
    E::try_from(value)
        .map(drop)
        .map_err(|_| FieldError::new(field, format!("unknown value {value}")))
}

/// Each referral names a known service, once.
fn referrals(protection: &Protection) -> Result<(), FieldError> {
    for (i, &category) in protection.referrals.iter().enumerate() {
        let field = || format!("event.protection.referrals[{i}]");
        match ReferralCategory::try_from(category) {
            Ok(ReferralCategory::Unspecified) => {
                return Err(FieldError::new(field(), "names no service"));
            }
            Err(_) => {
                return Err(FieldError::new(
                    field(),
                    format!("unknown value {category}"),
                ));
            }
            Ok(_) => {}
        }
        if protection.referrals[..i].contains(&category) {
            return Err(FieldError::new(field(), "repeats an earlier referral"));
        }
    }
    Ok(())
}

fn refusal(event: &InspectionEvent) -> Result<(), FieldError> {
    const FIELD: &str = "event.refusal_reason";
    let reason = RefusalReason::try_from(event.refusal_reason)
        .map_err(|_| FieldError::new(FIELD, format!("unknown value {}", event.refusal_reason)))?;
    let refused = event.outcome == Outcome::Refused as i32;
    match (refused, reason == RefusalReason::Unspecified) {
        (true, true) => Err(FieldError::new(
            FIELD,
            "is required when the outcome is REFUSED",
        )),
        (false, false) => Err(FieldError::new(
            FIELD,
            "is only allowed when the outcome is REFUSED",
        )),
        _ => Ok(()),
    }
}

fn times(event: &InspectionEvent, limits: &Limits) -> Result<EventTimes, FieldError> {
    let range = time_range();
    let read = |ts: &Option<borderflow_proto::Timestamp>, field: &str| {
        let ts = ts
            .as_ref()
            .ok_or_else(|| FieldError::new(field, "is required"))?;
        let ms = timestamp_to_ms(ts)
            .ok_or_else(|| FieldError::new(field, "is not a valid timestamp"))?;
        if !range.contains(&ms) {
            return Err(FieldError::new(
                field,
                "must lie between 2000-01-01 and 2100-01-01",
            ));
        }
        Ok(ms)
    };
    let completed_at = read(&event.completed_at, "event.completed_at")?;
    let started_at = read(&event.started_at, "event.started_at")?;
    let queued_at = read(&event.queued_at, "event.queued_at")?;
    if started_at > completed_at {
        return Err(FieldError::new("event.started_at", "is after completed_at"));
    }
    if queued_at > started_at {
        return Err(FieldError::new("event.queued_at", "is after started_at"));
    }
    if completed_at - queued_at > limits.max_span_ms {
        return Err(FieldError::new(
            "event.queued_at",
            format!(
                "is more than {} hours before completed_at",
                limits.max_span_ms / 3_600_000
            ),
        ));
    }
    Ok(EventTimes {
        queued_at,
        started_at,
        completed_at,
    })
}

fn document(document: Option<&DocumentRead>, limits: &Limits) -> Result<(), FieldError> {
    let source = document.and_then(|d| d.source.as_ref()).ok_or_else(|| {
        FieldError::new("event.document", "is required: an MRZ or keyed-in fields")
    })?;
    match source {
        document_read::Source::Mrz(mrz) => {
            if mrz.lines.is_empty() || mrz.lines.len() > 3 {
                return Err(FieldError::new(
                    "event.document.mrz.lines",
                    format!("has {} lines; an MRZ has 2 or 3", mrz.lines.len()),
                ));
            }
            for (i, line) in mrz.lines.iter().enumerate() {
                if line.len() > limits.max_mrz_line_len {
                    return Err(FieldError::new(
                        format!("event.document.mrz.lines[{i}]"),
                        format!(
                            "is {} bytes; at most {} allowed",
                            line.len(),
                            limits.max_mrz_line_len
                        ),
                    ));
                }
            }
        }
        document_read::Source::Fields(fields) => {
            let text_fields = [
                (&fields.document_code, "document_code", true),
                (&fields.issuing_state, "issuing_state", true),
                (&fields.document_number, "document_number", true),
                (&fields.primary_identifier, "primary_identifier", false),
                (&fields.secondary_identifier, "secondary_identifier", false),
                (&fields.nationality, "nationality", true),
            ];
            for (value, name, required) in text_fields {
                let field = format!("event.document.fields.{name}");
                if required && value.trim().is_empty() {
                    return Err(FieldError::new(field, "is required"));
                }
                if value.len() > limits.max_field_len {
                    return Err(FieldError::new(
                        field,
                        format!(
                            "is {} bytes; at most {} allowed",
                            value.len(),
                            limits.max_field_len
                        ),
                    ));
                }
            }
            for (date, name) in [
                (&fields.birth_date, "birth_date"),
                (&fields.expiry_date, "expiry_date"),
            ] {
                if let Some(date) = date
                    && !DOCUMENT_YEARS.contains(&date.year)
                {
                    return Err(FieldError::new(
                        format!("event.document.fields.{name}"),
                        format!(
                            "year must lie between {} and {}",
                            DOCUMENT_YEARS.start(),
                            DOCUMENT_YEARS.end()
                        ),
                    ));
                }
            }
            if let Some(expiry) = &fields.expiry_date
                && expiry.to_date().is_none()
            {
                return Err(FieldError::new(
                    "event.document.fields.expiry_date",
                    "is not a valid date",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
pub(crate) mod tests_support {
    pub(crate) use super::tests::valid_event;
}
