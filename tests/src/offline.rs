//! A scenario judged by the aggregator's own detection steps without a
//! broker or a clock: the simulator's plan and traffic, what ingest makes
//! of each event, the inspections stage ([`PartitionState::step`] and
//! [`PartitionState::publish`]) and the per-document stage
//! ([`DocumentPartition::step`]) over in-memory partitions, and the
//! scorecard. Delivery is ideal except where the scenario cuts a booth's
//! link: its records are held, as its journal holds them, and arrive when
//! the link is back. This measures the rules on many scenarios and seeds
//! in minutes; the end-to-end scenario tests measure the whole system.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::Arc;

use borderflow_aggregator::detect::{DetectConfig, References};
use borderflow_aggregator::liaison::{Exchange, Settings};
use borderflow_aggregator::partition::effects::{Effects, Record};
use borderflow_aggregator::partition::{Closed, DocumentPartition, PartitionState, WindowConfig};
use borderflow_aggregator::store::LiaisonStore;
use borderflow_aggregator::store::ReferenceStore;
use borderflow_aggregator::store::reference::entry_key;
use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::twins::PairKeys;
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{Anomaly, CrossingWindowRecord};
use borderflow_proto::inspection::v1::{InspectionRecord, inspection_record};
use borderflow_proto::protection::v1::Referral;
use borderflow_proto::reference::v1::{ReferenceList, ReferenceRecord, reference_record};
use borderflow_proto::statistics::v1::HourRecord;
use borderflow_simulator::exercise::{ExerciseOptions, scope, traffic_config};
use borderflow_simulator::model::traffic::{Emission, Emitted, Traffic, stable_hash};
use borderflow_simulator::plant;
use borderflow_simulator::reference;
use borderflow_simulator::scenario::Scenario;
use borderflow_simulator::score::{Scorecard, score};
use borderflow_simulator::truth::Truth;

use crate::data;

/// Partitions of each stage, as the deployments run them.
const PARTITIONS: usize = 12;

/// Records between publications, as the aggregator's default batch.
const BATCH: usize = 5_000;

/// What a scenario raised and how it scored.
#[derive(Debug)]
pub struct Judged {
    pub scorecard: Scorecard,
    pub truth: Truth,
    /// The latest version of every anomaly, by id.
    pub anomalies: Vec<Anomaly>,
    /// Every referral made, by case reference.
    pub referrals: BTreeMap<String, Referral>,
}

/// Runs `scenario` through the detection steps and scores it.
pub fn judge(scenario: &Scenario, detect: DetectConfig) -> Judged {
    let plan = plant::plan(scenario).expect("a shipped scenario plans");
    let keys = data::bench_keys();
    let refs = Arc::new(data::reference_store(&scenario.network));
    load_references(&refs, &plan.references, &keys, scenario.start_ms);
    let mut truth = plan.truth;
    // The twin posts exchange when the scenario moves travellers between
    // them, as the local run does: uncoupled posts would never reconcile.
    let pairs = Arc::new(if scenario.couple_twins {
        data::pair_keys(&scenario.network)
    } else {
        PairKeys::default()
    });
    let mut stages = Stages::new(Arc::new(detect), refs, pairs);
    let mut held: HashMap<String, Vec<Emitted>> = HashMap::new();
    let mut down: HashMap<String, bool> = HashMap::new();
    let mut link_events = plan.link_events;
    link_events.sort_by_key(|e| e.at_ms);
    let mut links = link_events.into_iter().peekable();
    let traffic = Traffic::with_injections(
        &scenario.network,
        &traffic_config(scenario),
        plan.injections,
    );
    let mut last_ms = scenario.start_ms;
    for item in traffic {
        last_ms = last_ms.max(item.at_ms);
        while let Some(event) = links.next_if(|e| e.at_ms <= item.at_ms) {
            down.insert(event.checkpoint_id.clone(), !event.up);
            if event.up {
                // The journal drains in the order it was written.
                for backlog in held.remove(&event.checkpoint_id).unwrap_or_default() {
                    stages.emit(&backlog, &keys);
                }
            }
        }
        if let (Some(tag), Emission::Event(event)) = (item.truth, &item.emission) {
            truth.record(tag, &event.event_id);
        }
        let checkpoint = match &item.emission {
            Emission::Event(e) => &e.checkpoint_id,
            Emission::Heartbeat(h) => &h.checkpoint_id,
        };
        if down.get(checkpoint).copied().unwrap_or(false) {
            // A cut booth journals events; its heartbeats do not leave.
            if matches!(item.emission, Emission::Event(_)) {
                held.entry(checkpoint.clone()).or_default().push(item);
            }
            continue;
        }
        stages.emit(&item, &keys);
    }
    for backlog in held.into_values().flatten() {
        stages.emit(&backlog, &keys);
    }
    stages.publish();
    let anomalies: Vec<Anomaly> = stages.sink.anomalies.into_values().collect();
    let options = ExerciseOptions {
        detection_period: stages.detect.period,
        ..ExerciseOptions::default()
    };
    let scope = scope(scenario, &options, last_ms);
    Judged {
        scorecard: score(&scope, &truth, &anomalies),
        truth,
        anomalies,
        referrals: stages.sink.referrals,
    }
}

/// The scenario's reference entries in the store, as the registry loads them.
fn load_references(
    store: &ReferenceStore,
    documents: &[borderflow_simulator::plant::ReferenceDocument],
    keys: &Pseudonymiser,
    at_ms: i64,
) {
    for entry in reference::entries(documents, keys, at_ms) {
        let list = ReferenceList::try_from(entry.list).unwrap_or_default();
        let key = entry_key(list, &entry.key);
        let record = ReferenceRecord {
            body: Some(reference_record::Body::Entry(entry)),
        };
        store
            .apply(key.as_bytes(), Some(&record.encode_to_vec()))
            .expect("a valid reference entry");
    }
}

struct Stages {
    detect: Arc<DetectConfig>,
    refs: Arc<ReferenceStore>,
    partitions: Vec<(PartitionState, i64)>,
    /// The liaison stage's partitions (a consumer group of their own, over
    /// the same topic), and the exchange topic as every instance reads it.
    exchanges: Vec<Exchange>,
    liaison: LiaisonStore,
    pairs: Arc<PairKeys>,
    documents: Vec<(DocumentPartition, i64)>,
    sink: Sink,
    since_publish: usize,
}

/// What the steps ask for, kept: anomalies by id (a later version, such
/// as a retraction, replaces an earlier one), referrals by case reference
/// and the by-document copies.
#[derive(Default)]
struct Sink {
    anomalies: BTreeMap<String, Anomaly>,
    referrals: BTreeMap<String, Referral>,
    by_document: Vec<([u8; 32], Vec<u8>)>,
}

impl Effects for Sink {
    type Error = Infallible;

    fn anomaly(&mut self, anomaly: &Anomaly) -> Result<(), Infallible> {
        self.anomalies.insert(anomaly.id.clone(), anomaly.clone());
        Ok(())
    }

    fn hour(&mut self, _hour: &HourRecord) -> Result<(), Infallible> {
        Ok(())
    }

    fn referral(&mut self, referral: &Referral) -> Result<(), Infallible> {
        self.referrals
            .insert(referral.case_reference.clone(), referral.clone());
        Ok(())
    }

    fn window(&mut self, _closed: &Closed) -> Result<(), Infallible> {
        Ok(())
    }

    fn snapshot(&mut self, _snapshot: &CrossingWindowRecord) -> Result<(), Infallible> {
        Ok(())
    }

    fn by_document(&mut self, document_key: &[u8], payload: &[u8]) -> Result<(), Infallible> {
        if let Ok(key) = <[u8; 32]>::try_from(document_key) {
            self.by_document.push((key, payload.to_vec()));
        }
        Ok(())
    }

    fn dead_letter(
        &mut self,
        _: &Record<'_>,
        kind: &'static str,
        reason: &str,
    ) -> Result<(), Infallible> {
        panic!("the generator's records are valid, yet one was dead-lettered: {kind}: {reason}");
    }
}

impl Stages {
    fn new(detect: Arc<DetectConfig>, refs: Arc<ReferenceStore>, pairs: Arc<PairKeys>) -> Self {
        let windows = WindowConfig::default();
        let store = refs.clone();
        let refs: Arc<dyn References> = refs;
        let settings = Settings {
            period_ms: 15 * 60_000,
            lateness_ms: 10 * 60_000,
            min_cell: 5,
            operated: Vec::new(),
            bands: Default::default(),
        };
        Self {
            detect: detect.clone(),
            refs: store,
            exchanges: (0..PARTITIONS)
                .map(|_| Exchange::new(pairs.clone(), settings.clone()))
                .collect(),
            liaison: LiaisonStore::new(pairs.as_ref().clone(), 7 * 86_400_000),
            pairs,
            partitions: (0..PARTITIONS)
                .map(|p| {
                    let state =
                        PartitionState::new(p as i32, windows, detect.clone(), refs.clone());
                    (state, 0)
                })
                .collect(),
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
        }
    }

    /// One emission, as ingest would publish it and the stages read it.
    fn emit(&mut self, item: &Emitted, keys: &Pseudonymiser) {
        let (key, body) = match &item.emission {
            Emission::Event(event) => {
                let Some(inspection) = data::inspections_paired(
                    std::slice::from_ref(&**event),
                    keys,
                    &self.pairs,
                    item.at_ms,
                )
                .pop() else {
                    // Ingest refuses it: it never reaches the stream.
                    return;
                };
                (
                    event.crossing_id.clone(),
                    inspection_record::Body::Inspection(inspection),
                )
            }
            Emission::Heartbeat(beat) => (
                beat.crossing_id.clone(),
                inspection_record::Body::Heartbeat(beat.clone()),
            ),
        };
        let payload = InspectionRecord { body: Some(body) }.encode_to_vec();
        let index = (stable_hash(&key) % PARTITIONS as u64) as usize;
        let (state, next_offset) = &mut self.partitions[index];
        let record = Record {
            partition: index as i32,
            offset: *next_offset,
            key: Some(key.as_bytes()),
            payload: &payload,
        };
        *next_offset += 1;
        let Ok(_) = state.step(&record, &mut self.sink);
        let refs = &self.refs;
        let country_of = |id: &str| refs.crossing(id).map(|c| c.country.clone());
        self.exchanges[index].step(&record, &self.liaison, &country_of);
        let copies = std::mem::take(&mut self.sink.by_document);
        for (document_key, payload) in &copies {
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
        self.since_publish += 1;
        if self.since_publish >= BATCH {
            self.publish();
        }
    }

    fn publish(&mut self) {
        self.since_publish = 0;
        for (state, _) in &mut self.partitions {
            let Ok(()) = state.publish(&mut self.sink);
        }
        // The exchange: each partition's periods due, read back by every
        // instance, then the flows judged on them.
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
}
