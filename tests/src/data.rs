//! Workloads from the simulator's seeded generator, shared by the system
//! tests, the criterion benches and the load tool: the raw events a
//! checkpoint submits, and the pseudonymised records ingest would publish
//! for them.

use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::time::{Date, MS_PER_DAY};
use borderflow_domain::twins::PairKeys;
use borderflow_proto::Message as _;
use borderflow_proto::inspection::v1::{
    Inspection, InspectionEvent, InspectionRecord, inspection_record,
};
use borderflow_replay::ingest::Ingest;
use borderflow_simulator::model::network::Network;
use borderflow_simulator::model::traffic::{
    Emission, Emitted, ShardedTraffic, Traffic, TrafficConfig,
};

/// The seed every bench and the load tool use unless told otherwise.
pub const SEED: u64 = 7;

/// The fixed secret and keys of in-memory runs, and the registry of a
/// network, shared with the what-if replay and its judge.
pub use borderflow_replay::world::{BENCH_SECRET, bench_keys, pair_keys, reference_store};

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
    let ingest = Ingest::new(keys.clone(), pairs.clone());
    events
        .iter()
        .filter_map(|event| ingest.inspection(event.clone(), ingested_at_ms))
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
