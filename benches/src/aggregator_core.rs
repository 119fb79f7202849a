//! The aggregator's work on each record without a broker: what the
//! inspections stage and the per-document stage do per record (decode,
//! per-event rules, windows and the per-crossing detectors, the
//! per-document rules) and at each batch's end (encoding the closed
//! windows, anomalies and detector snapshots to publish), over in-memory
//! partitions. The criterion benches and profiling runs drive it.

use std::sync::Arc;

use borderflow_aggregator::codec::{self, Decoded};
use borderflow_aggregator::detect::document::DocumentProcessor;
use borderflow_aggregator::detect::{self, DetectConfig};
use borderflow_aggregator::partition::{PartitionState, WindowConfig};
use borderflow_aggregator::store::{ReferenceStore, WindowStore};
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::inspection::v1::{InspectionRecord, inspection_record};
use borderflow_simulator::model::traffic::stable_hash;

use crate::data::Encoded;

/// Records between publications, as the aggregator's default batch.
pub const BATCH: usize = 5_000;

pub struct Core {
    detect: Arc<DetectConfig>,
    refs: Arc<ReferenceStore>,
    partitions: Vec<(PartitionState, i64)>,
    documents: Vec<DocumentProcessor>,
    /// Where published windows go, as an instance's materialised view
    /// would hold them (none: they are only encoded).
    materialised: Option<Arc<WindowStore>>,
    /// Bytes that would have been produced (keeps the work observable).
    pub produced_bytes: usize,
    pub anomalies: usize,
}

impl Core {
    pub fn new(partitions: usize, refs: Arc<ReferenceStore>) -> Self {
        let detect = Arc::new(DetectConfig::default());
        let windows = WindowConfig::default();
        Self {
            partitions: (0..partitions)
                .map(|p| (PartitionState::new(p as i32, windows, detect.clone()), 0))
                .collect(),
            documents: (0..partitions)
                .map(|_| DocumentProcessor::new(detect.clone(), windows.allowed_lateness_ms))
                .collect(),
            detect,
            refs,
            materialised: None,
            produced_bytes: 0,
            anomalies: 0,
        }
    }

    /// Also applies every published window and detector snapshot to
    /// `store`, as each instance's materialised view does.
    pub fn materialise_into(&mut self, store: Arc<WindowStore>) {
        self.materialised = Some(store);
    }

    /// Stops materialising; hands back the store.
    pub fn take_materialised(&mut self) -> Option<Arc<WindowStore>> {
        self.materialised.take()
    }

    /// Forgets the per-document state (to measure what it held).
    pub fn drop_documents(&mut self) {
        self.documents = Vec::new();
    }

    /// Forgets the windows and per-crossing detectors (to measure what
    /// they held).
    pub fn drop_partitions(&mut self) {
        self.partitions = Vec::new();
    }

    /// Processes `records` in batches of [`BATCH`].
    pub fn run(&mut self, records: &[Encoded]) {
        for batch in records.chunks(BATCH) {
            for record in batch {
                self.record(record);
            }
            self.finish_batch();
        }
    }

    fn record(&mut self, record: &Encoded) {
        let n = self.partitions.len() as u64;
        let (state, next_offset) = &mut self.partitions[(stable_hash(&record.key) % n) as usize];
        let offset = *next_offset;
        *next_offset += 1;
        let inspection = match codec::decode(&record.payload) {
            Ok(Decoded::Inspection(inspection)) => inspection,
            Ok(Decoded::Heartbeat(beat)) => {
                state.heartbeat(
                    offset,
                    &beat.crossing_id,
                    &beat.checkpoint_id,
                    beat.at_ms,
                    beat.status,
                );
                return;
            }
            Err(_) => return,
        };
        let Ok((_, _, event_ms)) = codec::times(&inspection) else {
            return;
        };
        let verdict = detect::event::evaluate(&inspection, event_ms, &self.refs, &self.detect);
        let Ok(facts) = codec::facts(&inspection, verdict.alerted) else {
            return;
        };
        state.inspection(offset, &inspection.crossing_id, &facts);
        for anomaly in &verdict.anomalies {
            self.publish_anomaly(anomaly);
        }
        // The by-document copy, read back by the per-document stage.
        if let Some(document) = &inspection.document
            && let Ok(key) = <[u8; 32]>::try_from(&document.document_key[..])
        {
            let by_document = (u64::from(key[0]) % n) as usize;
            let copy = match InspectionRecord::decode(record.payload.as_slice()) {
                Ok(InspectionRecord {
                    body: Some(inspection_record::Body::Inspection(copy)),
                }) => copy,
                _ => return,
            };
            let mut anomalies = Vec::new();
            self.documents[by_document].process(key, &copy, &self.refs, &mut anomalies);
            for anomaly in &anomalies {
                self.publish_anomaly(anomaly);
            }
        }
    }

    fn publish_anomaly(&mut self, anomaly: &Anomaly) {
        self.anomalies += 1;
        self.produced_bytes += anomaly.encoded_len();
    }

    fn finish_batch(&mut self) {
        let mut bytes = 0;
        let mut anomalies = Vec::new();
        for (state, _) in &mut self.partitions {
            for closed in state.take_closed() {
                bytes += closed.payload.len();
                // As the service does: offered when sent, then read back.
                if let Some(store) = &self.materialised {
                    store.offer_published(&closed.payload);
                    let _ = store.apply_encoded(&closed.payload);
                }
            }
            anomalies.extend(state.take_anomalies());
            for snapshot in state.take_snapshots() {
                bytes += snapshot.encode_to_vec().len();
                if let Some(store) = &self.materialised {
                    store.apply(snapshot);
                }
            }
        }
        self.produced_bytes += bytes;
        for anomaly in &anomalies {
            self.publish_anomaly(anomaly);
        }
    }

    /// Documents with a history across the per-document partitions.
    pub fn documents(&self) -> usize {
        self.documents.iter().map(DocumentProcessor::len).sum()
    }
}
