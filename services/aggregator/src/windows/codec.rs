//! Decoding the inspections topic, and what a record must hold to be
//! processed. A record that fails here goes to the dead-letter topic with
//! the reason; it never stops the stream.

use borderflow_domain::minor::MINOR_AGE;
use borderflow_proto::Message;
use borderflow_proto::inspection::v1::{
    CheckpointHeartbeat, CheckpointStatus, Direction, Escort, GuardianRelation, Inspection,
    InspectionRecord, Outcome, RefusalReason, inspection_record,
};
use borderflow_proto::timestamp_to_ms;

use super::cells::AgeBands;
use super::window::{EventFacts, ProtectionFacts, REFERRAL_CATEGORIES};
use crate::ids::parse_uuid;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not an InspectionRecord: {0}")]
    Undecodable(String),
    #[error("record has no body")]
    Empty,
    #[error("{field}: {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
}

impl DecodeError {
    /// Label for metrics and the dead-letter header.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Undecodable(_) => "undecodable",
            Self::Empty => "empty",
            Self::Invalid { .. } => "invalid",
        }
    }
}

pub enum Decoded {
    Inspection(Box<Inspection>),
    Heartbeat(Heartbeat),
    /// Only on the by-document topic (`detect::escort`).
    Escort(Box<Escort>),
}

/// A heartbeat's usable content.
#[derive(Clone, Debug)]
pub struct Heartbeat {
    pub crossing_id: String,
    pub checkpoint_id: String,
    pub at_ms: i64,
    pub status: CheckpointStatus,
}

pub fn decode(payload: &[u8]) -> Result<Decoded, DecodeError> {
    let record =
        InspectionRecord::decode(payload).map_err(|e| DecodeError::Undecodable(e.to_string()))?;
    match record.body.ok_or(DecodeError::Empty)? {
        inspection_record::Body::Inspection(inspection) => {
            Ok(Decoded::Inspection(Box::new(inspection)))
        }
        inspection_record::Body::Heartbeat(beat) => heartbeat(beat).map(Decoded::Heartbeat),
        inspection_record::Body::Escort(escort) => Ok(Decoded::Escort(Box::new(escort))),
    }
}

/// An escort's record for the by-document topic.
pub fn encode_escort(escort: Escort) -> Vec<u8> {
    InspectionRecord {
        body: Some(inspection_record::Body::Escort(escort)),
    }
    .encode_to_vec()
}

fn heartbeat(beat: CheckpointHeartbeat) -> Result<Heartbeat, DecodeError> {
    if beat.crossing_id.is_empty() {
        return Err(invalid("heartbeat.crossing_id", "is empty"));
    }
    if beat.checkpoint_id.is_empty() {
        return Err(invalid("heartbeat.checkpoint_id", "is empty"));
    }
    let at_ms = beat
        .at
        .as_ref()
        .and_then(timestamp_to_ms)
        .ok_or_else(|| invalid("heartbeat.at", "is missing or invalid"))?;
    Ok(Heartbeat {
        crossing_id: beat.crossing_id,
        checkpoint_id: beat.checkpoint_id,
        at_ms,
        status: CheckpointStatus::try_from(beat.status).unwrap_or(CheckpointStatus::Open),
    })
}

fn invalid(field: &'static str, reason: &'static str) -> DecodeError {
    DecodeError::Invalid { field, reason }
}

/// The times of an inspection: (queued, started, completed), milliseconds.
pub fn times(inspection: &Inspection) -> Result<(i64, i64, i64), DecodeError> {
    let read = |ts: &Option<borderflow_proto::Timestamp>, field| {
        ts.as_ref()
            .and_then(timestamp_to_ms)
            .ok_or_else(|| invalid(field, "is missing or invalid"))
    };
    let completed = read(&inspection.completed_at, "inspection.completed_at")?;
    let started = read(&inspection.started_at, "inspection.started_at").unwrap_or(completed);
    let queued = read(&inspection.queued_at, "inspection.queued_at").unwrap_or(started);
    Ok((queued, started, completed))
}

/// What windows need from an inspection; `alerted` comes from the rules,
/// `bands` from the configuration.
pub fn facts<'a>(
    inspection: &'a Inspection,
    alerted: bool,
    bands: &AgeBands,
) -> Result<EventFacts<'a>, DecodeError> {
    if inspection.crossing_id.is_empty() {
        return Err(invalid("inspection.crossing_id", "is empty"));
    }
    let event_id = parse_uuid(&inspection.event_id)
        .ok_or_else(|| invalid("inspection.event_id", "is not a UUID"))?;
    let (queued, started, completed) = times(inspection)?;
    let document = inspection.document.as_ref();
    let age = inspection.traveller.as_ref().and_then(|t| t.age_years);
    Ok(EventFacts {
        event_id,
        event_ms: completed,
        direction: inspection.direction,
        mode: inspection.mode,
        outcome: inspection.outcome,
        refusal_reason: inspection.refusal_reason,
        duration_ms: completed.saturating_sub(started).max(0) as u64,
        wait_ms: started.saturating_sub(queued).max(0) as u64,
        nationality: document.map_or("", |d| d.nationality.as_str()),
        sex: document.map_or(0, |d| d.sex),
        age_band: bands.band(age),
        minor: age.is_some_and(|a| a < MINOR_AGE),
        document_failure: document.is_some_and(|d| !d.mrz_valid),
        alerted,
        officer_id: &inspection.officer_id,
        checkpoint_id: &inspection.checkpoint_id,
        group_id: inspection
            .traveller
            .as_ref()
            .map_or("", |t| t.group_id.as_str()),
        protection: protection(inspection, age),
    })
}

/// The protection figures of an inspection: its flags and referrals, a
/// minor without a related adult, an entry without a valid document.
pub fn protection(inspection: &Inspection, age: Option<u32>) -> ProtectionFacts {
    let flags = inspection.protection.as_ref();
    let mut referrals = 0u8;
    for &category in flags.map_or(&[][..], |p| p.referrals.as_slice()) {
        if (1..=REFERRAL_CATEGORIES as i32).contains(&category) {
            referrals |= 1 << (category - 1);
        }
    }
    let traveller = inspection.traveller.as_ref();
    let decided = inspection.outcome != Outcome::Unspecified as i32;
    // An abandoned read is taken again: its traveller counts once, then.
    let unaccompanied_minor = decided
        && age.is_some_and(|a| a < MINOR_AGE)
        && traveller.is_none_or(|t| {
            t.accompanied_by.is_empty() || t.guardian_relation == GuardianRelation::Unrelated as i32
        });
    let entering = decided && inspection.direction == Direction::Entry as i32;
    let document = inspection.document.as_ref();
    let no_valid_document = matches!(
        RefusalReason::try_from(inspection.refusal_reason),
        Ok(RefusalReason::A | RefusalReason::B)
    ) && inspection.outcome == Outcome::Refused as i32
        || document.is_none_or(|d| d.expired || !d.mrz_valid);
    ProtectionFacts {
        requested: flags.is_some_and(|p| p.protection_requested),
        trafficking_suspected: flags.is_some_and(|p| p.suspected_trafficking_victim),
        referrals,
        unaccompanied_minor,
        undocumented_entry: entering && no_valid_document,
        entering,
    }
}
