//! The detectors' state to and from its published snapshot: what they
//! share, and each period rule's section (a rule whose section is absent
//! resumes from the fields written before sections existed, or fresh).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use borderflow_proto::analytics::v1::{
    AnomalyKind, CheckpointActivity, CrossingDetectorState, DetectorEpisode,
};

use super::checkpoint::CheckpointState;
use super::rule::rules;
use super::{CrossingDetectors, Episode};
use crate::detect::config::DetectConfig;

impl CrossingDetectors {
    /// Everything learned, up to `evaluated_through_ms`.
    pub fn snapshot(&self) -> CrossingDetectorState {
        CrossingDetectorState {
            crossing_id: self.crossing_id.to_string(),
            evaluated_through_ms: self.evaluated_through_ms.unwrap_or_default(),
            first_observed_ms: self.first_observed_ms.unwrap_or_default(),
            episodes: self
                .episodes
                .iter()
                .map(|e| DetectorEpisode {
                    kind: e.kind as i32,
                    since_ms: e.since_ms,
                    subject: e.subject.clone(),
                })
                .collect(),
            recent: self.recent.iter().cloned().collect(),
            checkpoints: self
                .checkpoints
                .iter()
                .map(|(id, c)| CheckpointActivity {
                    checkpoint_id: id.clone(),
                    events: 0,
                    last_seen_ms: c.last_seen_ms,
                    status: c.status,
                    silent_since_ms: c.silent_since_ms.unwrap_or_default(),
                    lag_ms: c.lag_ms,
                })
                .collect(),
            last_observed_ms: self.last_observed_ms.unwrap_or_default(),
            observed_periods: self.observed_periods,
            rules: self
                .rules
                .iter()
                .filter_map(|rule| Some((rule.name().to_owned(), rule.snapshot()?)))
                .collect(),
            ..CrossingDetectorState::default()
        }
    }

    /// Resumes from a snapshot; windows observed after it are folded in
    /// with [`observe`](Self::observe).
    pub fn restored(state: &CrossingDetectorState, config: Arc<DetectConfig>) -> Self {
        let nonzero = |ms: i64| (ms != 0).then_some(ms);
        let mut rules = rules();
        for rule in &mut rules {
            let section = state.rules.get(rule.name()).map(Vec::as_slice);
            rule.restore(section, state);
        }
        Self {
            crossing_id: state.crossing_id.as_str().into(),
            config,
            evaluated_through_ms: nonzero(state.evaluated_through_ms),
            first_observed_ms: nonzero(state.first_observed_ms),
            last_observed_ms: nonzero(state.last_observed_ms),
            observed_periods: state.observed_periods,
            rules,
            episodes: state
                .episodes
                .iter()
                .map(|e| Episode {
                    kind: AnomalyKind::try_from(e.kind).unwrap_or_default(),
                    since_ms: e.since_ms,
                    subject: e.subject.clone(),
                })
                .collect(),
            recent: state.recent.iter().cloned().collect::<VecDeque<_>>(),
            checkpoints: state
                .checkpoints
                .iter()
                .map(|c| {
                    (
                        c.checkpoint_id.clone(),
                        CheckpointState {
                            last_seen_ms: c.last_seen_ms,
                            status: c.status,
                            silent_since_ms: nonzero(c.silent_since_ms),
                            lag_ms: c.lag_ms.max(0),
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
            pending: BTreeMap::new(),
            calendar: None,
        }
    }
}
