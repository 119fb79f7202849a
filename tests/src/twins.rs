//! A twin pair on a real broker as the exchange tests use it: the pair's
//! network, every record of a topic, the national keys a system's
//! inspections carry, and the checks every exchanged record must pass.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use borderflow_aggregator::statistics::liaison::verify;
use borderflow_domain::twins::PairKeys;
use borderflow_proto::Message as _;
use borderflow_proto::inspection::v1::{InspectionRecord, Outcome, inspection_record};
use borderflow_proto::liaison::v1::LiaisonRecord;
use borderflow_proto::timestamp_to_ms;
use borderflow_simulator::model::network::Network;
use borderflow_simulator::scenario::Scenario;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message as _;

use crate::testbed::Testbed;

/// Two posts of one crossing point, one on each side of the KAZ–KGZ
/// border, 12 minutes apart.
pub const NETWORK: &str = r#"
name = "pair"

[[crossing]]
id = "KZ-A"
name = "A"
country = "KAZ"
neighbour = "KGZ"
latitude = 43.03
longitude = 74.71
mode = "road"
lanes = 6
officers = 18
capacity_per_hour = 600
rate_per_hour = 160
nationalities = [["KGZ", 1.0]]

[[crossing]]
id = "KG-B"
name = "B"
country = "KGZ"
neighbour = "KAZ"
latitude = 43.02
longitude = 74.71
mode = "road"
lanes = 6
officers = 18
capacity_per_hour = 600
rate_per_hour = 160
nationalities = [["KAZ", 1.0]]

[[twin]]
posts = ["KZ-A", "KG-B"]
transit_minutes = 12
"#;

/// The pair's network.
pub fn network() -> Network {
    Network::from_toml(NETWORK, "pair").expect("the pair network")
}

/// The exercise the exchange tests run on the pair (network file written
/// into `dir`): 14 hours at a day in two minutes, forty parties vanishing
/// between the posts from five hours in, for two hours.
pub fn vanishing_scenario(dir: &Path, seed: u64) -> Scenario {
    let network_file = dir.join("pair.toml");
    std::fs::write(&network_file, NETWORK).expect("writing the network file");
    let text = format!(
        r#"
name = "pair"
network = "{}"
start = "2026-05-04T00:00:00Z"
duration = "14h"
speed = "1 day in 2 minutes"
seed = {seed}
baseline = "4h"
couple_twins = true

[[incident]]
kind = "vanished_travellers"
crossing = "KZ-A"
start = "+5h"
duration = "2h"
parties = 40
"#,
        network_file.display()
    );
    Scenario::from_toml(&text, "pair").expect("the pair scenario")
}

/// The pair's id on the exchange.
pub const PAIR_ID: &str = "KG-B+KZ-A";

/// Every (key, payload) of `topic` on `bed`'s broker, read until it has
/// been quiet a while.
pub fn read_topic(bed: &Testbed, topic: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let consumer: BaseConsumer = bed
        .kafka()
        .reader_config("exchange-check")
        .create()
        .expect("a reader");
    let mut list = rdkafka::TopicPartitionList::new();
    for p in 0..bed.partitions {
        list.add_partition_offset(topic, p, rdkafka::Offset::Beginning)
            .expect("a partition");
    }
    consumer.assign(&list).expect("assigned");
    let (started, mut last) = (Instant::now(), Instant::now());
    let mut out = Vec::new();
    while started.elapsed() < Duration::from_secs(60) && last.elapsed() < Duration::from_secs(3) {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
            out.push((
                message.key().unwrap_or_default().to_vec(),
                message.payload().unwrap_or_default().to_vec(),
            ));
            last = Instant::now();
        }
    }
    out
}

/// What a system's inspections topic holds that the exchange must never
/// carry, and what it must count.
#[derive(Debug, Default)]
pub struct Inspections {
    /// The first 16 bytes of every national document and person key.
    pub national_keys: HashSet<Vec<u8>>,
    /// When each distinct inspection that decided something ended, by
    /// (crossing, exit).
    pub decided: BTreeMap<(String, bool), Vec<i64>>,
}

/// Reads `bed`'s inspections topic.
pub fn inspections(bed: &Testbed) -> Inspections {
    let mut out = Inspections::default();
    let mut seen = HashSet::new();
    for (_, payload) in read_topic(bed, &bed.topics.inspections) {
        let Ok(record) = InspectionRecord::decode(&payload[..]) else {
            continue;
        };
        let Some(inspection_record::Body::Inspection(i)) = record.body else {
            continue;
        };
        if let Some(d) = &i.document {
            for key in [&d.document_key, &d.person_key] {
                if let Some(prefix) = key.get(..16) {
                    out.national_keys.insert(prefix.to_vec());
                }
            }
        }
        let completed = i.completed_at.as_ref().and_then(timestamp_to_ms);
        if let Some(at) = completed.filter(|_| i.outcome != Outcome::Unspecified as i32)
            && seen.insert(i.event_id.clone())
        {
            let exit = i.direction == borderflow_proto::inspection::v1::Direction::Exit as i32;
            out.decided
                .entry((i.crossing_id.clone(), exit))
                .or_default()
                .push(at);
        }
    }
    out
}

/// Checks every exchanged record: keyed by the pair, nothing but the
/// contract (re-encoding gives its bytes), signed with the pair key, only
/// 16-byte pair keys none of which is in `national`, no cell under 5.
/// Returns the fullest record of each (post, exit, period start): the
/// copy the liaison store keeps when a period is published again.
pub fn check_exchanged(
    exchanged: &[(Vec<u8>, Vec<u8>)],
    pairs: &PairKeys,
    national: &HashSet<Vec<u8>>,
) -> BTreeMap<(String, bool, i64), LiaisonRecord> {
    let mut latest: BTreeMap<_, LiaisonRecord> = BTreeMap::new();
    for (key, payload) in exchanged {
        assert_eq!(key, PAIR_ID.as_bytes());
        let record = LiaisonRecord::decode(&payload[..]).expect("a liaison record");
        assert_eq!(
            record.encode_to_vec(),
            *payload,
            "unknown fields in {record:?}"
        );
        verify(&record, pairs.of_pair(&record.pair_id)).expect("signed with the pair key");
        assert!(["KAZ", "KGZ"].contains(&record.country.as_str()));
        for passage in &record.passages {
            assert_eq!(passage.key.len(), 16);
            assert!(!national.contains(&passage.key), "a national key crossed");
        }
        for cell in &record.cells {
            assert!(
                cell.count.is_none_or(|n| n >= 5),
                "a small cell crossed: {cell:?}"
            );
        }
        let exit = record.direction == borderflow_proto::inspection::v1::Direction::Exit as i32;
        let start = record
            .period_start
            .as_ref()
            .and_then(timestamp_to_ms)
            .expect("a period start");
        let key = (record.crossing_id.clone(), exit, start);
        match latest.get(&key) {
            Some(held) if held.total > record.total => {}
            _ => {
                latest.insert(key, record);
            }
        }
    }
    latest
}
