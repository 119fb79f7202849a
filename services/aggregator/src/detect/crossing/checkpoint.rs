//! CHECKPOINT_SILENT: an open checkpoint sends events, or heartbeats while
//! idle; one heard from neither for longer than the silence threshold (in
//! the stream's event time) has lost its link.
//!
//! Silence is judged against the partition's silence clock rather than its
//! watermark alone: the watermark follows the partition's most advanced
//! stream, and when the checkpoints' streams drift apart (a slow uplink, a
//! busy machine, a replay) a booth that is merely behind would look silent.
//! The clock is the median of the live checkpoints' latest signs of life,
//! capped by the watermark: a booth is silent when it trails most of its
//! peers by the threshold, not just the fastest one. And a booth whose
//! latest records arrived late (behind the watermark) is judged against its
//! own delay: it is sending, only behind; a booth whose link failed was on
//! time until it went quiet.
//!
//! Signs of life are taken from closed windows, which trail the newest event
//! time by the allowed lateness. A booth is therefore flagged once the
//! stream has moved on by the silence threshold plus the allowed lateness,
//! and an outage shorter than that is backfilled (and so never silent)
//! before it can be flagged: with the defaults (15 min, 2 min) an outage of
//! 17 minutes or more is seen; at a lateness of 30 min, 45 minutes or more.

use borderflow_i18n::{Args as _, message};
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
    /// How far behind the silence clock its latest sign of life arrived (0
    /// when on time): a booth whose stream trails the others is late, not
    /// silent, and is judged against its own delay.
    pub lag_ms: i64,
}

impl CheckpointState {
    /// Heard from in a window that closed on time.
    pub fn seen(&mut self, activity: &CheckpointActivity) {
        if activity.last_seen_ms >= self.last_seen_ms {
            self.last_seen_ms = activity.last_seen_ms;
            self.status = activity.status;
            self.lag_ms = 0;
        }
        self.clear_silence();
    }

    /// Heard from at `at_ms` (with its status, from a heartbeat) when the
    /// partition's silence clock was already at `clock_ms`.
    pub fn seen_late(&mut self, at_ms: i64, clock_ms: i64, status: Option<CheckpointStatus>) {
        if at_ms >= self.last_seen_ms {
            self.last_seen_ms = at_ms;
            self.lag_ms = clock_ms.saturating_sub(at_ms).max(0);
            if let Some(status) = status {
                self.status = status as i32;
            }
        }
        self.clear_silence();
    }

    /// Open and not flagged silent: its progress says how far the
    /// partition's checkpoints have got.
    pub fn is_live(&self) -> bool {
        self.status == CheckpointStatus::Open as i32 && self.silent_since_ms.is_none()
    }

    fn clear_silence(&mut self) {
        if self.silent_since_ms.is_some_and(|t| self.last_seen_ms > t) {
            self.silent_since_ms = None;
        }
    }
}

pub(super) fn check_silence(
    detectors: &mut CrossingDetectors,
    clock_ms: i64,
    out: &mut Vec<Anomaly>,
) {
    let silence = detectors.config.checkpoint_silence.as_millis() as i64;
    let crossing = detectors.crossing_id.clone();
    for (id, state) in &mut detectors.checkpoints {
        if !state.is_live() {
            continue;
        }
        let quiet = clock_ms - state.last_seen_ms;
        if quiet < silence.saturating_add(state.lag_ms) {
            continue;
        }
        state.silent_since_ms = Some(state.last_seen_ms);
        out.push(
            Draft {
                kind: AnomalyKind::CheckpointSilent,
                severity: Severity::Medium,
                crossing_id: &crossing,
                event_ms: state.last_seen_ms,
                detected_ms: clock_ms,
                message: message("checkpoint-silent")
                    .text("checkpoint", id.to_string())
                    .number("minutes", (quiet / 60_000) as f64),
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
