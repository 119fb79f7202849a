//! CHECKPOINT_SILENT: an open checkpoint sends events, or heartbeats while
//! idle; one heard from neither for longer than the silence threshold (in
//! the stream's event time) has lost its link.

use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyKind, CheckpointActivity, Evidence, Measurement, Severity,
};
use borderflow_proto::inspection::v1::CheckpointStatus;

use super::CrossingDetectors;
use crate::detect::anomaly::Draft;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckpointState {
    pub last_seen_ms: i64,
    pub status: i32,
    /// The `last_seen_ms` at which it was flagged silent.
    pub silent_since_ms: Option<i64>,
}

impl CheckpointState {
    pub fn seen(&mut self, activity: &CheckpointActivity) {
        if activity.last_seen_ms >= self.last_seen_ms {
            self.last_seen_ms = activity.last_seen_ms;
            self.status = activity.status;
        }
        self.clear_silence();
    }

    /// Heard from at `at_ms`, status unchanged.
    pub fn seen_at(&mut self, at_ms: i64) {
        self.last_seen_ms = self.last_seen_ms.max(at_ms);
        self.clear_silence();
    }

    fn clear_silence(&mut self) {
        if self.silent_since_ms.is_some_and(|t| self.last_seen_ms > t) {
            self.silent_since_ms = None;
        }
    }
}

pub(super) fn check_silence(
    detectors: &mut CrossingDetectors,
    watermark_ms: i64,
    out: &mut Vec<Anomaly>,
) {
    let silence = detectors.config.checkpoint_silence.as_millis() as i64;
    let crossing = detectors.crossing_id.clone();
    for (id, state) in &mut detectors.checkpoints {
        if state.status != CheckpointStatus::Open as i32 || state.silent_since_ms.is_some() {
            continue;
        }
        let quiet = watermark_ms - state.last_seen_ms;
        if quiet < silence {
            continue;
        }
        state.silent_since_ms = Some(state.last_seen_ms);
        out.push(
            Draft {
                kind: AnomalyKind::CheckpointSilent,
                severity: Severity::Medium,
                crossing_id: &crossing,
                event_ms: state.last_seen_ms,
                detected_ms: watermark_ms,
                explanation: format!(
                    "Checkpoint {id} open but silent: no events or heartbeats for {} min",
                    quiet / 60_000
                ),
                evidence: Evidence {
                    values: vec![Measurement {
                        name: "silent_for".into(),
                        value: quiet as f64 / 1_000.0,
                        unit: "s".into(),
                    }],
                    threshold: Some(silence as f64 / 1_000.0),
                    crossing_ids: vec![crossing.to_string()],
                    checkpoint_id: id.clone(),
                    ..Evidence::default()
                },
            }
            .build(&[id.as_bytes(), &state.last_seen_ms.to_be_bytes()]),
        );
    }
}
