//! Building planted incidents: documents, events and emissions for the
//! detection test.

use borderflow_domain::mrz::{self, DocumentSpec, Format, Sex};
use borderflow_domain::time::Date;
use borderflow_proto::inspection::v1::{
    BoothChecks, CheckpointHeartbeat, CheckpointStatus, Direction, DocumentRead, GuardianRelation,
    InspectionEvent, MachineReadableZone, Outcome, RefusalReason, Traveller, document_read,
};
use borderflow_proto::ms_to_timestamp;
use borderflow_simulator::model::network::CrossingSpec;
use borderflow_simulator::model::traffic::{Emission, Emitted};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub(crate) struct Planter {
    rng: ChaCha8Rng,
}

/// An inspection to plant; defaults are a clean admitted entry.
#[derive(Clone)]
pub(crate) struct Plant {
    pub(crate) crossing: usize,
    pub(crate) lane: u32,
    pub(crate) officer: Option<String>,
    pub(crate) at_ms: i64,
    pub(crate) wait_ms: i64,
    pub(crate) duration_ms: i64,
    pub(crate) direction: Direction,
    pub(crate) outcome: Outcome,
    pub(crate) reason: RefusalReason,
    pub(crate) lines: Vec<String>,
    pub(crate) accompanied_by: Option<(String, GuardianRelation)>,
    pub(crate) biometric: f32,
}

impl Planter {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A valid document of `nationality`, valid on `date`, for someone aged
    /// `age`.
    pub(crate) fn document(&mut self, nationality: &str, date: Date, age: u32) -> DocumentSpec {
        let mut spec = DocumentSpec::random(&mut self.rng, Format::Td3, date);
        spec.nationality = nationality.into();
        spec.issuing_state = nationality.into();
        spec.birth_date = date.add_days(-(i64::from(age) * 366 + 30));
        spec.expiry_date = date.add_days(900);
        spec.sex = Sex::Female;
        spec
    }

    pub(crate) fn lines(spec: &DocumentSpec) -> Vec<String> {
        mrz::write(spec).expect("planted documents are writable")
    }

    pub(crate) fn uuid(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.rng.random())
            .into_uuid()
            .to_string()
    }

    pub(crate) fn plant(at_ms: i64, crossing: usize, lines: Vec<String>) -> Plant {
        Plant {
            crossing,
            lane: 0,
            officer: None,
            at_ms,
            wait_ms: 30_000,
            // About what the test crossings' booths take.
            duration_ms: 25_000,
            direction: Direction::Entry,
            outcome: Outcome::Admitted,
            reason: RefusalReason::Unspecified,
            lines,
            accompanied_by: None,
            biometric: 0.95,
        }
    }

    /// The emission of `plant` at `crossing`; returns it with its event id.
    pub(crate) fn emit(&mut self, plant: &Plant, crossing: &CrossingSpec) -> (Emitted, String) {
        let id = self.uuid();
        let completed = plant.at_ms;
        let started = completed - plant.duration_ms;
        let queued = started - plant.wait_ms;
        let (accompanied_by, relation) = plant
            .accompanied_by
            .clone()
            .unwrap_or((String::new(), GuardianRelation::Unspecified));
        let event = InspectionEvent {
            event_id: id.clone(),
            crossing_id: crossing.id.clone(),
            lane_id: CrossingSpec::lane_id(plant.lane),
            checkpoint_id: crossing.checkpoint_id(plant.lane),
            officer_id: plant
                .officer
                .clone()
                .unwrap_or_else(|| format!("{}-O{:03}", crossing.id, 100 + plant.lane)),
            direction: plant.direction as i32,
            mode: crossing.mode.proto() as i32,
            queued_at: Some(ms_to_timestamp(queued)),
            started_at: Some(ms_to_timestamp(started)),
            completed_at: Some(ms_to_timestamp(completed)),
            document: Some(DocumentRead {
                source: Some(document_read::Source::Mrz(MachineReadableZone {
                    lines: plant.lines.clone(),
                })),
            }),
            traveller: Some(Traveller {
                age_years: None,
                group_id: String::new(),
                accompanied_by,
                guardian_relation: relation as i32,
            }),
            checks: Some(BoothChecks {
                biometric_score: Some(plant.biometric),
                ..BoothChecks::default()
            }),
            outcome: plant.outcome as i32,
            refusal_reason: plant.reason as i32,
            protection: None,
        };
        let emitted = Emitted {
            at_ms: completed,
            crossing: plant.crossing,
            lane: plant.lane,
            emission: Emission::Event(Box::new(event)),
            truth: None,
        };
        (emitted, id)
    }
}

/// A heartbeat of booth `lane` of `crossing`.
pub(crate) fn heartbeat(index: usize, crossing: &CrossingSpec, lane: u32, at_ms: i64) -> Emitted {
    Emitted {
        at_ms,
        crossing: index,
        lane,
        emission: Emission::Heartbeat(CheckpointHeartbeat {
            checkpoint_id: crossing.checkpoint_id(lane),
            crossing_id: crossing.id.clone(),
            at: Some(ms_to_timestamp(at_ms)),
            status: CheckpointStatus::Open as i32,
            buffered_events: 0,
        }),
        truth: None,
    }
}
