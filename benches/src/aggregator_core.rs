//! The aggregator's work on each record without a broker: the production
//! steps of the inspections stage ([`PartitionState::step`] and
//! [`PartitionState::publish`]) and of the per-document stage
//! ([`DocumentPartition::step`]) over in-memory partitions, with effects
//! that encode and count what the service would produce. The by-document
//! copies are read back by the per-document partitions as the service's
//! second stage reads its topic. The criterion benches and profiling runs
//! drive it.

use std::convert::Infallible;
use std::sync::Arc;

use borderflow_aggregator::detect::{DetectConfig, References};
use borderflow_aggregator::partition::effects::{Effects, Record};
use borderflow_aggregator::partition::{Closed, DocumentPartition, PartitionState, WindowConfig};
use borderflow_aggregator::store::{ReferenceStore, WindowStore};
use borderflow_aggregator::stream::documents::LocalStores;
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{Anomaly, CrossingWindowRecord};
use borderflow_proto::protection::v1::Referral;
use borderflow_proto::statistics::v1::HourRecord;
use borderflow_simulator::model::traffic::stable_hash;

use crate::data::Encoded;

/// Records between publications, as the aggregator's default batch.
pub const BATCH: usize = 5_000;

pub struct Core {
    partitions: Vec<(PartitionState, i64)>,
    documents: Vec<(DocumentPartition, i64)>,
    sink: Sink,
}

/// What the steps ask for, done in memory.
#[derive(Default)]
struct Sink {
    /// Where published windows go, as an instance's materialised view
    /// would hold them (none: they are only encoded).
    materialised: Option<Arc<WindowStore>>,
    /// By-document copies not yet read by the per-document partitions.
    by_document: Vec<([u8; 32], Vec<u8>)>,
    produced_bytes: usize,
    anomalies: usize,
}

impl Effects for Sink {
    type Error = Infallible;

    fn anomaly(&mut self, anomaly: &Anomaly) -> Result<(), Infallible> {
        self.anomalies += 1;
        self.produced_bytes += anomaly.encode_to_vec().len();
        Ok(())
    }

    fn hour(&mut self, hour: &HourRecord) -> Result<(), Infallible> {
        self.produced_bytes += hour.encode_to_vec().len();
        Ok(())
    }

    fn referral(&mut self, referral: &Referral) -> Result<(), Infallible> {
        self.produced_bytes += referral.encode_to_vec().len();
        Ok(())
    }

    fn window(&mut self, closed: &Closed) -> Result<(), Infallible> {
        self.produced_bytes += closed.payload.len();
        // As the service does: offered when sent, then read back.
        if let Some(store) = &self.materialised {
            store.offer_published(&closed.payload);
            let _ = store.apply_encoded(&closed.payload);
        }
        Ok(())
    }

    fn snapshot(&mut self, snapshot: &CrossingWindowRecord) -> Result<(), Infallible> {
        self.produced_bytes += snapshot.encode_to_vec().len();
        if let Some(store) = &self.materialised {
            store.apply(snapshot.clone());
        }
        Ok(())
    }

    fn by_document(&mut self, document_key: &[u8], payload: &[u8]) -> Result<(), Infallible> {
        if let Ok(key) = <[u8; 32]>::try_from(document_key) {
            self.produced_bytes += payload.len();
            self.by_document.push((key, payload.to_vec()));
        }
        Ok(())
    }

    fn dead_letter(
        &mut self,
        record: &Record<'_>,
        _kind: &'static str,
        _reason: &str,
    ) -> Result<(), Infallible> {
        self.produced_bytes += record.payload.len();
        Ok(())
    }
}

impl Core {
    pub fn new(partitions: usize, refs: Arc<ReferenceStore>) -> Self {
        let detect = Arc::new(DetectConfig::default());
        let windows = WindowConfig::default();
        let refs: Arc<dyn References> = refs;
        Self {
            partitions: (0..partitions)
                .map(|p| {
                    let state =
                        PartitionState::new(p as i32, windows, detect.clone(), refs.clone());
                    (state, 0)
                })
                .collect(),
            documents: (0..partitions)
                .map(|_| {
                    let state = DocumentPartition::new(
                        detect.clone(),
                        windows.allowed_lateness_ms,
                        refs.clone(),
                    );
                    (state, 0)
                })
                .collect(),
            sink: Sink::default(),
        }
    }

    /// Bytes that would have been produced (keeps the work observable).
    pub fn produced_bytes(&self) -> usize {
        self.sink.produced_bytes
    }

    /// Anomalies that would have been published.
    pub fn anomalies(&self) -> usize {
        self.sink.anomalies
    }

    /// Also applies every published window and detector snapshot to
    /// `store`, as each instance's materialised view does.
    pub fn materialise_into(&mut self, store: Arc<WindowStore>) {
        self.sink.materialised = Some(store);
    }

    /// Stops materialising; hands back the store.
    pub fn take_materialised(&mut self) -> Option<Arc<WindowStore>> {
        self.sink.materialised.take()
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
            for (state, _) in &mut self.partitions {
                let Ok(()) = state.publish(&mut self.sink);
            }
        }
    }

    fn record(&mut self, encoded: &Encoded) {
        let n = self.partitions.len() as u64;
        let index = (stable_hash(&encoded.key) % n) as usize;
        let (state, next_offset) = &mut self.partitions[index];
        let record = Record {
            partition: index as i32,
            offset: *next_offset,
            key: Some(encoded.key.as_bytes()),
            payload: &encoded.payload,
        };
        *next_offset += 1;
        let Ok(_) = state.step(&record, &mut self.sink);
        // The per-document stage reads the copies back from its topic.
        let copies = std::mem::take(&mut self.sink.by_document);
        for (key, payload) in &copies {
            let index = (u64::from(key[0]) % n) as usize;
            let (documents, next_offset) = &mut self.documents[index];
            let record = Record {
                partition: index as i32,
                offset: *next_offset,
                key: Some(key),
                payload,
            };
            *next_offset += 1;
            let Ok(_) = documents.step(&record, &mut self.sink);
        }
        self.sink.by_document = copies;
        self.sink.by_document.clear();
    }

    /// Writes each per-document partition's state in its durable form to a
    /// local store under `dir` (as an aggregator's `--state-dir` keeps it);
    /// returns the bytes on disk per partition.
    pub fn store_documents(&mut self, dir: &std::path::Path) -> anyhow::Result<Vec<u64>> {
        let stores = LocalStores::open(
            dir,
            "document-state",
            std::time::Duration::from_secs(86_400),
        )?;
        let mut sizes = Vec::with_capacity(self.documents.len());
        for (index, (documents, _)) in self.documents.iter_mut().enumerate() {
            let partition = index as i32;
            let records = documents.durable_form();
            stores.rebuilding(partition);
            let last = records.len() as i64 - 1;
            stores.write_now(partition, records, last)?;
            sizes.push(stores.size(partition));
        }
        Ok(sizes)
    }

    /// Documents with a history across the per-document partitions.
    pub fn documents(&self) -> usize {
        self.documents.iter().map(|(d, _)| d.documents()).sum()
    }
}
