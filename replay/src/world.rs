//! What the detection steps know beside the stream: the crossing registry
//! and reference lists (a [`ReferenceStore`], as the aggregator holds it
//! once the reference topic is read), the twin pairs' exchange keys, and,
//! for a scenario, the secret ingest pseudonymises with.
//!
//! The keys here are for replays, tests and benches only: derived from
//! fixed strings, never a deployment's secrets.

use std::sync::Arc;

use borderflow_aggregator::store::ReferenceStore;
use borderflow_aggregator::store::reference::{crossing_key, entry_key};
use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::twins::PairKeys;
use borderflow_proto::Message as _;
use borderflow_proto::reference::v1::{ReferenceList, ReferenceRecord, reference_record};
use borderflow_simulator::model::network::Network;
use borderflow_simulator::model::traffic::stable_hash;
use borderflow_simulator::plant::ReferenceDocument;
use borderflow_simulator::reference;

/// A fixed secret for in-memory runs (the load tool uses its deployment's
/// secret).
pub const BENCH_SECRET: &[u8] = b"borderflow-bench-secret-0123456789";

/// The pseudonymiser of [`BENCH_SECRET`].
pub fn bench_keys() -> Pseudonymiser {
    Pseudonymiser::new(BENCH_SECRET).expect("the bench secret is long enough")
}

/// Exchange keys for `network`'s twin pairs, derived from the pair ids
/// (tests, benches and scenario replays only: a deployment's are agreed
/// secrets).
pub fn pair_keys(network: &Network) -> PairKeys {
    let text = borderflow_simulator::setup::pair_keys(network, |pair| {
        let mut key = [0u8; 32];
        for (i, chunk) in key.chunks_mut(8).enumerate() {
            let word = stable_hash(&format!("{pair}/{i}"));
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        key
    });
    PairKeys::parse(&text).expect("the network's pairs are valid")
}

/// A reference store with `network`'s crossings registered, as the
/// aggregator holds it once the registry is loaded.
pub fn reference_store(network: &Network) -> ReferenceStore {
    let store = ReferenceStore::default();
    for crossing in &network.crossings {
        let record = ReferenceRecord {
            body: Some(reference_record::Body::Crossing(crossing.registry_entry())),
        };
        store
            .apply(
                crossing_key(&crossing.id).as_bytes(),
                Some(&record.encode_to_vec()),
            )
            .expect("a valid registry record");
    }
    store
}

/// `documents` (a scenario's watchlist and lost/stolen entries) keyed with
/// `keys` into `store`, as the registry loads them at `at_ms`.
pub fn load_references(
    store: &ReferenceStore,
    documents: &[ReferenceDocument],
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

/// What a run's stages read besides the records; shared by both runs of a
/// replay (the steps only read it).
#[derive(Clone)]
pub struct World {
    pub references: Arc<ReferenceStore>,
    /// The twin pairs exchanged; empty: no exchange, as an aggregator
    /// without a pair keys file.
    pub pairs: Arc<PairKeys>,
}

impl World {
    /// `network`'s registry and no reference lists, exchanging for `pairs`:
    /// recorded inspections, whose keys ingest made with the deployment's
    /// secret.
    pub fn of_network(network: &Network, pairs: PairKeys) -> Self {
        Self {
            references: Arc::new(reference_store(network)),
            pairs: Arc::new(pairs),
        }
    }

    /// A scenario's world: its network's registry, its reference entries
    /// keyed with `keys` (the secret its inspections are keyed with), and
    /// its twin pairs when it moves travellers between them, as the local
    /// run does (uncoupled posts would never reconcile).
    pub fn of_scenario(
        network: &Network,
        couple_twins: bool,
        references: &[ReferenceDocument],
        keys: &Pseudonymiser,
        at_ms: i64,
    ) -> Self {
        let store = reference_store(network);
        load_references(&store, references, keys, at_ms);
        let pairs = if couple_twins {
            pair_keys(network)
        } else {
            PairKeys::default()
        };
        Self {
            references: Arc::new(store),
            pairs: Arc::new(pairs),
        }
    }
}
