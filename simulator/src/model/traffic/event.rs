//! Building the inspection record a booth submits, from what the crossing
//! simulation decided: who, which booth and officer, when, and the outcome.

use borderflow_domain::mrz;
use borderflow_domain::time::Date;
use borderflow_proto::inspection::v1::{
    BiometricModality, BoothChecks, Direction, DocumentFields, DocumentRead, GuardianRelation,
    InspectionEvent, MachineReadableZone, Outcome, Protection, RefusalReason, Sex,
    Traveller as TravellerProto, document_read,
};
use borderflow_proto::ms_to_timestamp;

use crate::model::network::{CrossingSpec, Mode};

/// Identifiers of a crossing's booths and officers, formatted once.
#[derive(Debug)]
pub(super) struct Names {
    pub crossing_id: String,
    pub lane_ids: Vec<String>,
    pub checkpoint_ids: Vec<String>,
    pub officer_ids: Vec<String>,
    pub mode: i32,
    pub modality: i32,
}

impl Names {
    pub(super) fn new(spec: &CrossingSpec) -> Self {
        Self {
            crossing_id: spec.id.clone(),
            lane_ids: (0..spec.lanes).map(CrossingSpec::lane_id).collect(),
            checkpoint_ids: (0..spec.lanes).map(|l| spec.checkpoint_id(l)).collect(),
            officer_ids: (0..spec.officers).map(|k| spec.officer_id(k)).collect(),
            mode: spec.mode.proto() as i32,
            // Airports match faces against the chip; land borders take
            // fingerprints.
            modality: if spec.mode == Mode::Air {
                BiometricModality::Face
            } else {
                BiometricModality::Fingerprint
            } as i32,
        }
    }
}

/// One traveller's inspection, decided.
pub(super) struct Inspection<'a> {
    pub event_id: String,
    pub lane: u32,
    pub officer: &'a str,
    pub direction: Direction,
    pub queued_ms: i64,
    pub started_ms: i64,
    pub completed_ms: i64,
    pub mrz: Vec<String>,
    /// Sent as the fields keyed in from the document, not as its zone.
    pub keyed: bool,
    pub group_id: &'a str,
    /// The event id of the accompanying adult, and how they are related.
    pub escort: Option<(&'a str, GuardianRelation)>,
    pub biometric_score: f32,
    pub outcome: Outcome,
    pub refusal_reason: RefusalReason,
    pub protection: Option<Protection>,
}

impl Inspection<'_> {
    /// The record, built in place on the heap: it travels boxed.
    pub(super) fn into_event(self, names: &Names) -> Box<InspectionEvent> {
        let lane = self.lane as usize;
        let (accompanied_by, relation) = match self.escort {
            Some((adult, relation)) => (adult.to_owned(), relation),
            None => (String::new(), GuardianRelation::Unspecified),
        };
        Box::new(InspectionEvent {
            event_id: self.event_id,
            crossing_id: names.crossing_id.clone(),
            lane_id: names.lane_ids[lane].clone(),
            checkpoint_id: names.checkpoint_ids[lane].clone(),
            officer_id: self.officer.to_owned(),
            direction: self.direction as i32,
            mode: names.mode,
            queued_at: Some(ms_to_timestamp(self.queued_ms)),
            started_at: Some(ms_to_timestamp(self.started_ms)),
            completed_at: Some(ms_to_timestamp(self.completed_ms)),
            document: Some(DocumentRead {
                source: Some(if self.keyed {
                    document_read::Source::Fields(keyed_in(
                        &self.mrz,
                        Date::from_epoch_ms(self.started_ms),
                    ))
                } else {
                    document_read::Source::Mrz(MachineReadableZone { lines: self.mrz })
                }),
            }),
            traveller: Some(TravellerProto {
                age_years: None,
                group_id: self.group_id.to_owned(),
                accompanied_by,
                guardian_relation: relation as i32,
            }),
            checks: Some(BoothChecks {
                biometric_score: Some(self.biometric_score),
                biometric_modality: names.modality,
                secondary_referral: self.outcome == Outcome::ReferredToSecondary,
            }),
            outcome: self.outcome as i32,
            refusal_reason: self.refusal_reason as i32,
            protection: self.protection,
        })
    }
}

/// What an officer types from the printed page when the zone will not
/// read: the same fields the zone carries.
fn keyed_in(mrz: &[String], on: Date) -> DocumentFields {
    let lines: Vec<&str> = mrz.iter().map(String::as_str).collect();
    let report = mrz::validate(&lines, on);
    let name = |text: &str| text.replace('<', " ").trim().to_owned();
    DocumentFields {
        document_code: report.document_code().trim_end_matches('<').to_owned(),
        issuing_state: report.issuing_state().trim_end_matches('<').to_owned(),
        document_number: report.document_number().into_owned(),
        primary_identifier: name(report.primary_identifier()),
        secondary_identifier: name(report.secondary_identifier()),
        nationality: report.nationality().trim_end_matches('<').to_owned(),
        birth_date: report.birth_date().map(Into::into),
        sex: Sex::from(report.sex()) as i32,
        expiry_date: report.expiry_date().map(Into::into),
    }
}

/// How long a document takes to inspect relative to a passport: identity
/// cards are quicker, visas need their conditions checked, children are
/// quick.
pub(super) fn document_factor(mrz: &[String], minor: bool) -> f64 {
    let base = match (mrz.len(), mrz.first().and_then(|l| l.bytes().next())) {
        (3, _) => 0.85,
        (_, Some(b'V')) => 1.3,
        (_, Some(b'I' | b'A' | b'C')) => 0.9,
        _ => 1.0,
    };
    if minor { base * 0.6 } else { base }
}
