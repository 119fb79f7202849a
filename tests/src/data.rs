//! Workloads from the simulator's seeded generator, shared by the system
//! tests, the criterion benches and the load tool: the raw events a
//! checkpoint submits, and the pseudonymised records ingest would publish
//! for them.

use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::time::{Date, MS_PER_DAY};
use borderflow_domain::twins::PairKeys;
use borderflow_ingest::record::RecordBuilder;
use borderflow_ingest::validate::{Limits, validate_event};
use borderflow_proto::Message as _;
use borderflow_proto::inspection::v1::{
    Inspection, InspectionEvent, InspectionRecord, inspection_record,
};
use borderflow_simulator::model::network::Network;
use borderflow_simulator::model::traffic::{
    Emission, Emitted, ShardedTraffic, Traffic, TrafficConfig,
};

/// The seed every bench and the load tool use unless told otherwise.
pub const SEED: u64 = 7;

/// A fixed secret for in-memory benches (the load tool uses its
/// deployment's secret).
pub const BENCH_SECRET: &[u8] = b"borderflow-bench-secret-0123456789";

/// Traffic from 2026-05-04 on, for up to a year of simulated time.
pub fn traffic_config(seed: u64) -> TrafficConfig {
    let start = Date::new(2026, 5, 4).expect("a real date").start_epoch_ms();
    TrafficConfig {
        start_ms: start,
        end_ms: start + 365 * MS_PER_DAY,
        seed,
        scale: 1.0,
        heartbeat_idle_ms: 5 * 60_000,
    }
}

/// The first `count` inspection events of `network`'s traffic (heartbeats
/// are left out), in time order: generated on every core (the same stream
/// as one thread's), or on one if threads cannot be started.
pub fn events(network: &Network, seed: u64, count: usize) -> Vec<InspectionEvent> {
    let mut all = Vec::with_capacity(count);
    events_in_chunks(network, seed, count, count.max(1), |chunk| {
        all.extend(chunk)
    });
    all
}

/// The first `count` events of the traffic, as [`events`], handed to `each`
/// `chunk` at a time (a long history without holding all of it).
pub fn events_in_chunks(
    network: &Network,
    seed: u64,
    count: usize,
    chunk: usize,
    mut each: impl FnMut(Vec<InspectionEvent>),
) {
    let config = traffic_config(seed);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let items: Box<dyn Iterator<Item = Emitted>> =
        match ShardedTraffic::new(network, &config, cores) {
            Ok(sharded) => Box::new(sharded),
            Err(_) => Box::new(Traffic::new(network, &config)),
        };
    let mut events = items
        .filter_map(|item| match item.emission {
            Emission::Event(event) => Some(*event),
            Emission::Heartbeat(_) => None,
        })
        .take(count);
    loop {
        let next: Vec<InspectionEvent> = events.by_ref().take(chunk).collect();
        if next.is_empty() {
            return;
        }
        each(next);
    }
}

/// Exchange keys for `network`'s twin pairs, derived from the pair ids
/// (tests and benches only: a deployment's are agreed secrets).
pub fn pair_keys(network: &Network) -> PairKeys {
    let text = borderflow_simulator::setup::pair_keys(network, |pair| {
        let mut key = [0u8; 32];
        for (i, chunk) in key.chunks_mut(8).enumerate() {
            let word = borderflow_simulator::model::traffic::stable_hash(&format!("{pair}/{i}"));
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        key
    });
    PairKeys::parse(&text).expect("the network's pairs are valid")
}

pub fn bench_keys() -> Pseudonymiser {
    Pseudonymiser::new(BENCH_SECRET).expect("the bench secret is long enough")
}

/// What ingest makes of each event (validated, read, pseudonymised),
/// stamped as ingested at `ingested_at_ms`. Events ingest would refuse are
/// left out.
pub fn inspections(
    events: &[InspectionEvent],
    keys: &Pseudonymiser,
    ingested_at_ms: i64,
) -> Vec<Inspection> {
    inspections_paired(events, keys, &PairKeys::default(), ingested_at_ms)
}

/// [`inspections`] at an ingest that holds the twin pairs' keys `pairs`.
pub fn inspections_paired(
    events: &[InspectionEvent],
    keys: &Pseudonymiser,
    pairs: &PairKeys,
    ingested_at_ms: i64,
) -> Vec<Inspection> {
    let builder = RecordBuilder::new(keys.clone(), false).with_pairs(pairs.clone());
    let limits = Limits::default();
    events
        .iter()
        .filter_map(|event| {
            let times = validate_event(event, &limits).ok()?;
            Some(builder.build(event.clone(), times, ingested_at_ms))
        })
        .collect()
}

/// One record of the inspections topic: its key (the crossing) and value.
#[derive(Clone, Debug)]
pub struct Encoded {
    pub key: String,
    pub payload: Vec<u8>,
}

/// The inspections topic's records for `inspections`.
pub fn encode(inspections: &[Inspection]) -> Vec<Encoded> {
    inspections
        .iter()
        .map(|inspection| Encoded {
            key: inspection.crossing_id.clone(),
            payload: InspectionRecord {
                body: Some(inspection_record::Body::Inspection(inspection.clone())),
            }
            .encode_to_vec(),
        })
        .collect()
}

/// Distinct document keys among `inspections`.
pub fn distinct_documents(inspections: &[Inspection]) -> usize {
    let mut keys: Vec<&[u8]> = inspections
        .iter()
        .filter_map(|i| i.document.as_ref().map(|d| &d.document_key[..]))
        .filter(|k| k.len() == 32)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.len()
}

/// A reference store with `network`'s crossings registered, as the
/// aggregator holds it once the registry is loaded.
pub fn reference_store(network: &Network) -> borderflow_aggregator::store::ReferenceStore {
    use borderflow_proto::reference::v1::{ReferenceRecord, reference_record};
    let store = borderflow_aggregator::store::ReferenceStore::default();
    for crossing in &network.crossings {
        let record = ReferenceRecord {
            body: Some(reference_record::Body::Crossing(crossing.registry_entry())),
        };
        let key = borderflow_aggregator::store::reference::crossing_key(&crossing.id);
        store
            .apply(key.as_bytes(), Some(&record.encode_to_vec()))
            .expect("a valid registry record");
    }
    store
}

/// `network` with every crossing's capacity and mean rate multiplied by
/// `factor`: a peak-hour load where each window holds many inspections
/// (the generated networks' own rates put about one in each).
pub fn busier(mut network: Network, factor: f64) -> Network {
    for crossing in &mut network.crossings {
        crossing.capacity_per_hour = (f64::from(crossing.capacity_per_hour) * factor) as u32;
        crossing.rate_per_hour *= factor;
    }
    network
}
