//! The inspections stage: per-event rules, the partitions' windows and the
//! per-crossing detectors, the by-document copy for the per-document rules,
//! dead letters for records that cannot be processed.

use std::sync::Arc;
use std::time::Duration;

use borderflow_common::kafka::Topics;
use borderflow_proto::Message as _;
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use tracing::{debug, warn};

use crate::codec::{self, Decoded};
use crate::detect::{self, DetectConfig};
use crate::materialise::{Materialiser, Stores};
use crate::metrics;
use crate::partition::{Disposition, PartitionState, WindowConfig};
use crate::pipeline::{Outputs, Stage};

pub struct InspectionsStage {
    pub windows: WindowConfig,
    pub detect: Arc<DetectConfig>,
    pub stores: Stores,
    pub materialiser: Materialiser,
    /// Longest wait for the materialised view when resuming a partition.
    pub catch_up_deadline: Duration,
}

impl Stage for InspectionsStage {
    type Partition = PartitionState;

    fn name(&self) -> &'static str {
        "inspections"
    }

    fn topic<'a>(&self, topics: &'a Topics) -> &'a str {
        &topics.inspections
    }

    /// The previous owners' windows and detector state must be in the
    /// materialised view before any partition resumes from it.
    fn before_assign(&self) {
        if let Err(err) = self.materialiser.wait_caught_up(self.catch_up_deadline) {
            warn!(%err, "resuming before the materialised view caught up");
        }
    }

    /// Resumes from the windows and detector state a previous owner
    /// published (the view has caught up: see `before_assign`).
    fn assign(&self, partition: i32, _committed: Option<i64>) -> PartitionState {
        let mut state = PartitionState::new(partition, self.windows, self.detect.clone());
        let snapshots = self.stores.windows.states_for_partition(partition);
        for snapshot in &snapshots {
            state.restore_detectors(snapshot);
        }
        let windows = self.stores.windows.closed_for_partition(partition);
        debug!(
            partition,
            windows = windows.len(),
            snapshots = snapshots.len(),
            "partition resumed"
        );
        for closed in windows {
            state.restore(&closed.crossing_id, closed.window, closed.record);
        }
        state
    }

    fn process(
        &self,
        state: &mut PartitionState,
        message: &BorrowedMessage<'_>,
        out: &mut Outputs<'_>,
    ) -> Result<(), KafkaError> {
        let offset = message.offset();
        let payload = message.payload().unwrap_or_default();
        let inspection = match codec::decode(payload) {
            Ok(Decoded::Heartbeat(beat)) => {
                state.heartbeat(
                    offset,
                    &beat.crossing_id,
                    &beat.checkpoint_id,
                    beat.at_ms,
                    beat.status,
                );
                metrics::record("heartbeat");
                return Ok(());
            }
            Ok(Decoded::Inspection(inspection)) => inspection,
            Err(err) => return out.deadletter(message, err.kind(), &err.to_string()),
        };
        let event_ms = match codec::times(&inspection) {
            Ok((_, _, completed)) => completed,
            Err(err) => return out.deadletter(message, err.kind(), &err.to_string()),
        };
        let verdict =
            detect::event::evaluate(&inspection, event_ms, &self.stores.reference, &self.detect);
        let facts = match codec::facts(&inspection, verdict.alerted) {
            Ok(facts) => facts,
            Err(err) => return out.deadletter(message, err.kind(), &err.to_string()),
        };
        let disposition = state.inspection(offset, &inspection.crossing_id, &facts);
        metrics::record(match disposition {
            Disposition::Counted => "counted",
            Disposition::Amended => "amended",
            Disposition::Duplicate => "duplicate",
            Disposition::Replayed => "replayed",
            Disposition::TooLate => "too_late",
        });
        for anomaly in &verdict.anomalies {
            out.anomaly(anomaly)?;
        }
        // Every inspection, late or not, reaches the per-document rules.
        if let Some(document) = &inspection.document
            && document.document_key.len() == 32
        {
            let topics = out.topics;
            out.send(&topics.by_document, &document.document_key, payload, None)?;
        }
        Ok(())
    }

    fn finish(&self, state: &mut PartitionState, out: &mut Outputs<'_>) -> Result<(), KafkaError> {
        if let Some(watermark) = state.watermark() {
            metrics::watermark(state.partition, watermark);
        }
        let topic = out.topics.crossing_stats.clone();
        for closed in state.take_closed() {
            metrics::window_published(&closed);
            let key = window_key(&closed.record);
            // Offered first: the read-back cannot come before the offer.
            self.stores.windows.offer_published(&closed.payload);
            out.send(&topic, key.as_bytes(), &closed.payload, None)?;
        }
        for anomaly in state.take_anomalies() {
            out.anomaly(&anomaly)?;
        }
        for snapshot in state.take_snapshots() {
            let crossing = snapshot
                .detector_state
                .as_ref()
                .map_or("", |s| s.crossing_id.as_str());
            let key = format!("{crossing}#state");
            out.send(&topic, key.as_bytes(), &snapshot.encode_to_vec(), None)?;
        }
        Ok(())
    }

    /// Provisional figures of open windows (the next close supersedes them).
    fn tick(&self, state: &mut PartitionState, out: &mut Outputs<'_>) {
        let topic = out.topics.crossing_stats.clone();
        for record in state.take_open() {
            let key = window_key(&record);
            if let Err(err) = out.send(&topic, key.as_bytes(), &record.encode_to_vec(), None) {
                debug!(%err, "provisional window not published");
            }
        }
    }

    fn commit_offset(&self, state: &PartitionState) -> Option<i64> {
        state.commit_offset()
    }
}

/// Kafka key of a window: crossing and window start.
pub fn window_key(record: &borderflow_proto::analytics::v1::CrossingWindowRecord) -> String {
    let window = record.window.as_ref();
    let start = window
        .and_then(|w| w.start.as_ref())
        .and_then(borderflow_proto::timestamp_to_ms)
        .unwrap_or_default();
    format!("{}@{start}", window.map_or("", |w| w.crossing_id.as_str()))
}
