//! The inspections stage over Kafka: a thin adapter from the pipeline's
//! records to [`PartitionState::step`] (per-event rules, the windows, the
//! per-crossing detectors, the by-document copy) and its batch-end
//! [`publish`](PartitionState::publish); resuming a partition from what a
//! previous owner published.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use borderflow_common::kafka::Topics;
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{Anomaly, CrossingWindowRecord};
use borderflow_proto::protection::v1::Referral;
use borderflow_proto::statistics::v1::HourRecord;
use rdkafka::error::KafkaError;
use tracing::debug;

use crate::detect::{DetectConfig, References};
use crate::metrics;
use crate::partition::effects::{Effects, Record};
use crate::partition::{Closed, PartitionState, WindowConfig};
use crate::store::WindowStore;
use crate::stream::materialise::{Materialiser, Stores};
use crate::stream::output::Outputs;
use crate::stream::pipeline::Stage;
use crate::windows::publish::window_key;

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
    fn before_assign(&self) -> anyhow::Result<()> {
        self.materialiser
            .wait_caught_up(self.catch_up_deadline)
            .context("the materialised view has not caught up")
    }

    /// Resumes from the windows and detector state a previous owner
    /// published (the view has caught up: see `before_assign`).
    fn assign(&self, partition: i32, _committed: Option<i64>) -> anyhow::Result<PartitionState> {
        let refs: Arc<dyn References> = self.stores.reference.clone();
        let mut state = PartitionState::new(partition, self.windows, self.detect.clone(), refs);
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
        let mut restored = std::collections::BTreeSet::new();
        for closed in windows {
            state.restore(&closed.crossing_id, closed.window, closed.record);
            restored.insert(closed.crossing_id);
        }
        for crossing in &restored {
            if let Some(horizon) = self.stores.windows.horizon(crossing) {
                state.restored_from(crossing, horizon);
            }
        }
        Ok(state)
    }

    fn process(
        &self,
        state: &mut PartitionState,
        record: &Record<'_>,
        out: &mut Outputs<'_>,
    ) -> anyhow::Result<()> {
        let stepped = state.step(record, out)?;
        if let Some(label) = stepped.label() {
            metrics::record(label);
        }
        Ok(())
    }

    fn finish(&self, state: &mut PartitionState, out: &mut Outputs<'_>) -> anyhow::Result<()> {
        if let Some(watermark) = state.watermark() {
            metrics::watermark(state.partition, watermark);
        }
        Ok(state.publish(&mut Offering {
            out,
            windows: &self.stores.windows,
        })?)
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

/// Publishes a batch's windows after offering each to this instance's
/// window store: the read-back of a window cannot come before its offer.
struct Offering<'o, 'a> {
    out: &'o mut Outputs<'a>,
    windows: &'o WindowStore,
}

impl Effects for Offering<'_, '_> {
    type Error = KafkaError;

    fn anomaly(&mut self, anomaly: &Anomaly) -> Result<(), KafkaError> {
        self.out.anomaly(anomaly)
    }

    fn window(&mut self, closed: &Closed) -> Result<(), KafkaError> {
        self.windows.offer_published(&closed.payload);
        self.out.window(closed)
    }

    fn hour(&mut self, hour: &HourRecord) -> Result<(), KafkaError> {
        self.out.hour(hour)
    }

    fn referral(&mut self, referral: &Referral) -> Result<(), KafkaError> {
        self.out.referral(referral)
    }

    fn snapshot(&mut self, snapshot: &CrossingWindowRecord) -> Result<(), KafkaError> {
        self.out.snapshot(snapshot)
    }

    fn by_document(&mut self, document_key: &[u8], payload: &[u8]) -> Result<(), KafkaError> {
        self.out.by_document(document_key, payload)
    }

    fn dead_letter(
        &mut self,
        record: &Record<'_>,
        kind: &'static str,
        reason: &str,
    ) -> Result<(), KafkaError> {
        self.out.dead_letter(record, kind, reason)
    }
}
