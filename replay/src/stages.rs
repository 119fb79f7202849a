//! The aggregator's stages over in-memory partitions, as the deployments
//! run them: the inspections stage ([`PartitionState::step`] per record,
//! [`PartitionState::publish`] at each batch's end), the per-document
//! stage ([`DocumentPartition::step`]) over the by-document copies, and
//! the liaison [`Exchange`] of the twin posts. The same functions the
//! Kafka adapters call; here a record's effects are applied at once, so
//! delivery is ideal: nothing is lost, repeated or delayed.

use std::sync::Arc;

use borderflow_aggregator::detect::{DetectConfig, References};
use borderflow_aggregator::liaison::{Exchange, Settings};
use borderflow_aggregator::partition::effects::{Effects as _, Record};
use borderflow_aggregator::partition::{DocumentPartition, PartitionState, WindowConfig};
use borderflow_aggregator::store::{LiaisonStore, ReferenceStore};
use borderflow_domain::twins::PairKeys;
use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::protection::v1::Referral;
use borderflow_simulator::model::traffic::stable_hash;
use std::collections::BTreeMap;

use crate::records::crossing_of;
use crate::sink::Sink;
use crate::world::World;

/// Partitions of each stage, as the deployments run them.
pub const PARTITIONS: usize = 12;

/// Records between publications, as the aggregator's default batch
/// (`--max-batch`).
pub const BATCH: usize = 5_000;

/// How long the exchange keeps what it reconciles from (the aggregator's
/// `--liaison-retention` default).
const LIAISON_RETENTION_MS: i64 = 7 * 86_400_000;

/// What a run of the stages raised.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The latest version of every anomaly, in id order.
    pub anomalies: Vec<Anomaly>,
    /// Every referral made, by case reference.
    pub referrals: BTreeMap<String, Referral>,
    /// Records the steps could not read, by kind (production sends them to
    /// the dead-letter topic).
    pub dead_letters: BTreeMap<&'static str, u64>,
    /// The first dead letter's kind and reason.
    pub first_dead_letter: Option<String>,
    /// Records delivered.
    pub records: usize,
}

pub struct Stages {
    detect: Arc<DetectConfig>,
    refs: Arc<ReferenceStore>,
    /// Each partition's state and next offset.
    partitions: Vec<(PartitionState, i64)>,
    /// The liaison stage's partitions (a consumer group of their own, over
    /// the same topic), and the exchange topic as every instance reads it.
    exchanges: Vec<Exchange>,
    liaison: LiaisonStore,
    documents: Vec<(DocumentPartition, i64)>,
    sink: Sink,
    since_publish: usize,
    records: usize,
}

impl Stages {
    /// Fresh stages judging by `detect`, reading `world`.
    pub fn new(detect: Arc<DetectConfig>, world: &World) -> Self {
        // As the aggregator derives its windows from its configuration.
        let windows = WindowConfig {
            sla_wait_ms: detect.queue_sla_wait.as_millis() as u64,
            ..WindowConfig::default()
        };
        let refs: Arc<dyn References> = world.references.clone();
        let settings = Settings {
            period_ms: 15 * 60_000,
            lateness_ms: 10 * 60_000,
            min_cell: 5,
            operated: Vec::new(),
            bands: windows.age_bands,
        };
        let pairs: &Arc<PairKeys> = &world.pairs;
        Self {
            detect: detect.clone(),
            refs: world.references.clone(),
            partitions: (0..PARTITIONS)
                .map(|p| {
                    let state =
                        PartitionState::new(p as i32, windows, detect.clone(), refs.clone());
                    (state, 0)
                })
                .collect(),
            exchanges: (0..PARTITIONS)
                .map(|_| Exchange::new(pairs.clone(), settings.clone()))
                .collect(),
            liaison: LiaisonStore::new(pairs.as_ref().clone(), LIAISON_RETENTION_MS),
            documents: (0..PARTITIONS)
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
            since_publish: 0,
            records: 0,
        }
    }

    /// One value of the inspections topic, keyed and partitioned by its
    /// crossing as ingest publishes it, through every stage that reads it.
    pub fn deliver(&mut self, payload: &[u8]) {
        let key = crossing_of(payload).unwrap_or_default();
        let index = (stable_hash(key) % PARTITIONS as u64) as usize;
        let (state, next_offset) = &mut self.partitions[index];
        let record = Record {
            partition: index as i32,
            offset: *next_offset,
            key: Some(key.as_bytes()),
            payload,
        };
        *next_offset += 1;
        let Ok(_) = state.step(&record, &mut self.sink);
        let refs = &self.refs;
        let country_of = |id: &str| refs.crossing(id).map(|c| c.country.clone());
        self.exchanges[index].step(&record, &self.liaison, &country_of);
        if !self.sink.copies.is_empty() {
            self.by_document();
        }
        self.records += 1;
        self.since_publish += 1;
        if self.since_publish >= BATCH {
            self.publish();
        }
    }

    /// The record's by-document copies through the per-document stage,
    /// partitioned by document key.
    fn by_document(&mut self) {
        let mut copies = std::mem::take(&mut self.sink.copies);
        for (document_key, payload) in copies.iter() {
            let index = (u64::from(document_key[0]) % PARTITIONS as u64) as usize;
            let (documents, next_offset) = &mut self.documents[index];
            let record = Record {
                partition: index as i32,
                offset: *next_offset,
                key: Some(document_key),
                payload,
            };
            *next_offset += 1;
            let Ok(_) = documents.step(&record, &mut self.sink);
        }
        copies.clear();
        if self.sink.copies.is_empty() {
            // Keep the room for the next record's copies.
            self.sink.copies = copies;
        }
    }

    /// A batch's end: what the partitions publish, the exchange's periods
    /// due read back by every instance, and the flows judged on them.
    fn publish(&mut self) {
        self.since_publish = 0;
        for (state, _) in &mut self.partitions {
            let Ok(()) = state.publish(&mut self.sink);
        }
        let refs = &self.refs;
        let country_of = |id: &str| refs.crossing(id).map(|c| c.country.clone());
        for exchange in &mut self.exchanges {
            for (_, record) in exchange.publish(&country_of) {
                self.liaison
                    .apply(&record)
                    .expect("this system's own records verify");
            }
        }
        for exchange in &mut self.exchanges {
            for anomaly in exchange.reconcile(&self.liaison, &self.detect) {
                let Ok(()) = self.sink.anomaly(&anomaly);
            }
        }
    }

    /// Publishes the last batch and hands over what the run raised.
    pub fn finish(mut self) -> Outcome {
        self.publish();
        Outcome {
            anomalies: self.sink.anomalies.into_values().collect(),
            referrals: self.sink.referrals,
            dead_letters: self.sink.dead_letters,
            first_dead_letter: self.sink.first_dead_letter,
            records: self.records,
        }
    }
}
