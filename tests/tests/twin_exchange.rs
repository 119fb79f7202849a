//! The liaison exchange end to end on a real broker: a twin pair's two
//! posts coupled by the simulator, ingest keying their documents with the
//! pair's key, the aggregator's liaison stage publishing each post's
//! periods to the exchange topic and reconciling them. Travellers lost
//! between the posts are found as MIRROR_GAP at the post they left; every
//! record that crossed the exchange is read back and holds no national
//! key, verifies under the pair key, and carries nothing but the contract.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use borderflow_aggregator::statistics::liaison::verify;
use borderflow_domain::twins::PairKeys;
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::AnomalyKind;
use borderflow_proto::inspection::v1::{InspectionRecord, inspection_record};
use borderflow_proto::liaison::v1::LiaisonRecord;
use borderflow_simulator::model::network::Network;
use borderflow_simulator::scenario::Scenario;
use borderflow_simulator::stats::Stats;
use borderflow_systest::exercise::ExerciseServices;
use borderflow_systest::testbed::Testbed;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message as _;

const NETWORK: &str = r#"
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

/// Every (key, payload) of `topic`, read until it has been quiet a while.
fn read_topic(bed: &Testbed, topic: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let consumer: BaseConsumer = bed
        .kafka()
        .reader_config("exchange-check")
        .create()
        .unwrap();
    let mut list = rdkafka::TopicPartitionList::new();
    for p in 0..bed.partitions {
        list.add_partition_offset(topic, p, rdkafka::Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&list).unwrap();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lost_travellers_are_found_and_only_keys_and_counts_cross() {
    let network = Network::from_toml(NETWORK, "pair").unwrap();
    let bed = Testbed::start(network, 3).await.unwrap();
    let network_file = bed.dir().join("pair.toml");
    std::fs::write(&network_file, NETWORK).unwrap();
    let keys = format!("--pair-keys-file={}", bed.setup.pair_keys_file.display());
    let services = ExerciseServices::start_with(&bed, &[&keys], &[&keys])
        .await
        .unwrap();
    let scenario = Scenario::from_toml(
        &format!(
            r#"
name = "pair"
network = "{}"
start = "2026-05-04T00:00:00Z"
duration = "14h"
speed = "1 day in 2 minutes"
seed = 5
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
        ),
        "pair",
    )
    .unwrap();
    let options = services.options(Duration::from_secs(8));
    let outcome = services
        .run(&scenario, &options, Arc::new(Stats::default()))
        .await
        .unwrap();
    let row = outcome
        .scorecard
        .incidents
        .iter()
        .find(|r| r.kind == "vanished_travellers")
        .unwrap();
    eprintln!("vanished_travellers: {row:?}");
    assert_eq!(
        (row.planted, row.detected),
        (1, 1),
        "{:#?}",
        outcome.scorecard
    );
    let gaps: Vec<_> = outcome
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::MirrorGap as i32)
        .collect();
    assert!(gaps.iter().all(|a| a.crossing_id == "KZ-A"), "{gaps:#?}");
    assert!(
        !outcome
            .scorecard
            .false_alarms
            .iter()
            .any(|f| f.anomaly.kind == "MIRROR_GAP" || f.anomaly.kind == "TRANSIT_DELAY"),
        "{:#?}",
        outcome.scorecard.false_alarms
    );

    // Everything that crossed: signed records of the contract, keyed by
    // the pair, with keys that are not the national ones.
    let national: HashSet<Vec<u8>> = read_topic(&bed, &bed.topics.inspections)
        .iter()
        .filter_map(
            |(_, payload)| match InspectionRecord::decode(&payload[..]).ok()?.body? {
                inspection_record::Body::Inspection(i) => {
                    let d = i.document?;
                    Some([
                        d.document_key.get(..16)?.to_vec(),
                        d.person_key.get(..16)?.to_vec(),
                    ])
                }
                _ => None,
            },
        )
        .flatten()
        .collect();
    assert!(national.len() > 1_000, "{}", national.len());
    let pairs =
        PairKeys::parse(&std::fs::read_to_string(&bed.setup.pair_keys_file).unwrap()).unwrap();
    let exchanged = read_topic(&bed, &bed.topics.liaison);
    assert!(exchanged.len() > 100, "{}", exchanged.len());
    let mut keyed = 0;
    for (key, payload) in &exchanged {
        assert_eq!(key, b"KG-B+KZ-A");
        let record = LiaisonRecord::decode(&payload[..]).unwrap();
        // Nothing the contract does not name: re-encoding gives the bytes.
        assert_eq!(
            record.encode_to_vec(),
            *payload,
            "unknown fields in {record:?}"
        );
        let side = verify(&record, pairs.of_pair(&record.pair_id)).unwrap();
        assert!(["KAZ", "KGZ"].contains(&record.country.as_str()));
        for passage in &record.passages {
            assert_eq!(passage.key.len(), 16);
            assert!(!national.contains(&passage.key), "a national key crossed");
        }
        keyed += side.passages.len();
        for cell in &record.cells {
            assert!(
                cell.count.is_none_or(|n| n >= 5),
                "a small cell crossed: {cell:?}"
            );
        }
    }
    assert!(keyed > 1_000, "{keyed}");
    services.stop().await.unwrap();
}
