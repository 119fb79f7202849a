//! `borderflow-replay export` against a real broker (tansu): every
//! partition of a fresh inspections topic read to its end, records kept by
//! event time, each crossing's records in the order they were published,
//! in a file that replays as the records themselves.

use std::collections::BTreeMap;
use std::time::Duration;

use borderflow_common::kafka::KafkaArgs;
use borderflow_domain::twins::PairKeys;
use borderflow_proto::Message as _;
use borderflow_proto::inspection::v1::{InspectionRecord, inspection_record};
use borderflow_proto::timestamp_to_ms;
use borderflow_replay::export::{Export, Exported, export};
use borderflow_replay::records::{Records, crossing_of};
use borderflow_replay::run::replay;
use borderflow_replay::thresholds::Setting;
use borderflow_replay::world::World;
use borderflow_simulator::model::networks;
use borderflow_systest::broker::{LocalBroker, Storage, create_topics};
use borderflow_systest::data;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _};

const EVENTS: usize = 3_000;

/// Event id and time of an inspections-topic value.
fn event_of(payload: &[u8]) -> (String, i64) {
    match InspectionRecord::decode(payload).unwrap().body {
        Some(inspection_record::Body::Inspection(i)) => (
            i.event_id,
            i.completed_at.as_ref().and_then(timestamp_to_ms).unwrap(),
        ),
        other => panic!("an inspection, not {other:?}"),
    }
}

/// Event ids by crossing, in order.
fn by_crossing<'a>(payloads: impl Iterator<Item = &'a [u8]>) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for payload in payloads {
        let crossing = crossing_of(payload).unwrap().to_owned();
        out.entry(crossing).or_default().push(event_of(payload).0);
    }
    out
}

#[test]
fn an_export_reads_every_partition_to_its_end_within_the_range() {
    let network = networks::resolve("central-asia", 1).unwrap();
    let events = data::events(&network, data::SEED, EVENTS);
    let published = data::encode(&data::inspections(&events, &data::bench_keys(), 0));
    assert!(published.len() > EVENTS * 9 / 10);

    let broker = LocalBroker::start(Storage::Memory).unwrap();
    let topic = "replay-export.inspections.v1";
    create_topics(&broker.bootstrap(), &[topic], 4).unwrap();
    let kafka = KafkaArgs::local(broker.bootstrap());
    let producer: BaseProducer = kafka
        .producer_config("replay-export-test")
        .create()
        .unwrap();
    for record in &published {
        let mut next = BaseRecord::to(topic)
            .key(&record.key)
            .payload(&record.payload);
        while let Err((err, back)) = producer.send(next) {
            assert!(
                matches!(
                    err.rdkafka_error_code(),
                    Some(rdkafka::types::RDKafkaErrorCode::QueueFull)
                ),
                "{err}"
            );
            producer.poll(Duration::from_millis(50));
            next = back;
        }
    }
    producer.flush(Duration::from_secs(60)).unwrap();

    // The whole topic.
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all.records");
    let options = Export {
        kafka: kafka.clone(),
        topic: topic.to_owned(),
        from_ms: None,
        to_ms: None,
        out: all.clone(),
    };
    let done = export(&options).unwrap();
    assert_eq!(
        done,
        Exported {
            partitions: 4,
            read: published.len(),
            written: published.len(),
        }
    );
    let records = Records::read(&all).unwrap();
    assert_eq!(records.len(), published.len());
    // Each crossing's records in the order they were published (a
    // partition's order); the crossings interleaved.
    let expected = by_crossing(published.iter().map(|r| &r.payload[..]));
    assert_eq!(by_crossing(records.iter()), expected);
    assert!(expected.len() > 4, "crossings on every partition");

    // The middle half of the event times.
    let mut times: Vec<i64> = published.iter().map(|r| event_of(&r.payload).1).collect();
    times.sort_unstable();
    let (from, to) = (times[times.len() / 4], times[times.len() * 3 / 4]);
    let half = dir.path().join("half.records");
    let done = export(&Export {
        from_ms: Some(from),
        to_ms: Some(to),
        out: half.clone(),
        ..options
    })
    .unwrap();
    let within: Vec<&[u8]> = published
        .iter()
        .map(|r| &r.payload[..])
        .filter(|p| (from..to).contains(&event_of(p).1))
        .collect();
    assert_eq!(done.read, published.len());
    assert_eq!(done.written, within.len());
    let half = Records::read(&half).unwrap();
    assert_eq!(by_crossing(half.iter()), by_crossing(within.into_iter()));

    // The file replays as the records do, keyed by crossing from within.
    let world = World::of_network(&network, PairKeys::default());
    let setting = Setting::parse("baseline", "").unwrap();
    let run = replay(&records, &world, &setting);
    assert_eq!(run.outcome.records, published.len());
    assert!(run.outcome.dead_letters.is_empty());
    eprintln!(
        "{} records replayed in {:.3} s: {} anomalies",
        run.outcome.records,
        run.wall.as_secs_f64(),
        run.outcome.anomalies.len()
    );
}
