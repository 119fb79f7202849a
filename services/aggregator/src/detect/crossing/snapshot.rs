//! The detectors' state to and from its published snapshot.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use borderflow_proto::analytics::v1::{
    AnomalyKind, CheckpointActivity, CrossingDetectorState, DetectorEpisode, NationalityShare,
};

use super::checkpoint::CheckpointState;
use super::{CrossingDetectors, Episode};
use crate::detect::baseline::{MeanVar, TrafficProfile};
use crate::detect::config::DetectConfig;

impl CrossingDetectors {
    /// Everything learned, up to `evaluated_through_ms`.
    pub fn snapshot(&self) -> CrossingDetectorState {
        let mut nationalities: Vec<NationalityShare> = self
            .nationalities
            .iter()
            .map(|(n, s)| NationalityShare {
                nationality: n.clone(),
                share: *s,
            })
            .collect();
        nationalities.sort_by(|a, b| a.nationality.cmp(&b.nationality));
        CrossingDetectorState {
            crossing_id: self.crossing_id.to_string(),
            evaluated_through_ms: self.evaluated_through_ms.unwrap_or_default(),
            first_observed_ms: self.first_observed_ms.unwrap_or_default(),
            traffic: self.traffic.slots.iter().map(|s| s.to_proto()).collect(),
            mean_duration_ms: Some(self.mean_duration_ms.to_proto()),
            refusal_share: Some(self.refusal_share.to_proto()),
            nationalities,
            nationality_periods: self.nationality_periods,
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
            traffic_dispersion: Some(self.traffic.dispersion.to_proto()),
            surge_since_ms: self.surge_since_ms.unwrap_or_default(),
            drop_since_ms: self.drop_since_ms.unwrap_or_default(),
        }
    }

    /// Resumes from a snapshot; windows observed after it are folded in
    /// with [`observe`](Self::observe).
    pub fn restored(state: &CrossingDetectorState, config: Arc<DetectConfig>) -> Self {
        let traffic = TrafficProfile::from_slots(
            state.traffic.iter().map(MeanVar::from_proto).collect(),
            state
                .traffic_dispersion
                .as_ref()
                .map(MeanVar::from_proto)
                .unwrap_or_default(),
        )
        .unwrap_or_default();
        let nonzero = |ms: i64| (ms != 0).then_some(ms);
        Self {
            crossing_id: state.crossing_id.as_str().into(),
            config,
            evaluated_through_ms: nonzero(state.evaluated_through_ms),
            first_observed_ms: nonzero(state.first_observed_ms),
            last_observed_ms: nonzero(state.last_observed_ms),
            observed_periods: state.observed_periods,
            traffic,
            mean_duration_ms: state
                .mean_duration_ms
                .as_ref()
                .map(MeanVar::from_proto)
                .unwrap_or_default(),
            refusal_share: state
                .refusal_share
                .as_ref()
                .map(MeanVar::from_proto)
                .unwrap_or_default(),
            nationalities: state
                .nationalities
                .iter()
                .map(|n| (n.nationality.clone(), n.share))
                .collect::<HashMap<_, _>>(),
            nationality_periods: state.nationality_periods,
            episodes: state
                .episodes
                .iter()
                .map(|e| Episode {
                    kind: AnomalyKind::try_from(e.kind).unwrap_or_default(),
                    since_ms: e.since_ms,
                    subject: e.subject.clone(),
                })
                .collect(),
            surge_since_ms: nonzero(state.surge_since_ms),
            drop_since_ms: nonzero(state.drop_since_ms),
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
