//! Guarantee: records that cannot be decoded or processed, written straight
//! to the inspections topic, go to the dead-letter topic with error headers
//! and a metric; the aggregator keeps running and its totals stay right.

use std::collections::BTreeMap;
use std::time::Duration;

use borderflow_proto::Message as _;
use borderflow_proto::inspection::v1::{Inspection, InspectionRecord, inspection_record};
use borderflow_simulator::model::networks;
use borderflow_systest::admin::{http_get, metric_sum};
use borderflow_systest::harness::Stream;
use borderflow_systest::testbed::{Testbed, eventually};
use borderflow_systest::totals::{describe, expected, wait_for};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{FutureProducer, FutureRecord};

/// Poison of three sorts, keyed like real records (by crossing).
fn poison(crossings: &[String]) -> Vec<(String, Vec<u8>)> {
    let mut records = Vec::new();
    for (i, crossing) in crossings.iter().cycle().take(30).enumerate() {
        let payload = match i % 3 {
            // Not protobuf at all.
            0 => format!("\u{0}\u{1}garbage {i} \u{ff}").into_bytes(),
            // Protobuf of a record whose inspection has no times.
            1 => InspectionRecord {
                body: Some(inspection_record::Body::Inspection(Inspection {
                    event_id: format!("00000000-0000-4000-8000-{i:012}"),
                    crossing_id: crossing.clone(),
                    ..Default::default()
                })),
            }
            .encode_to_vec(),
            // A truncated length-delimited field.
            _ => vec![0x0a, 0xff, 0x01, 0x02],
        };
        records.push((crossing.clone(), payload));
    }
    records
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn poison_records_are_dead_lettered_and_the_totals_stay_right() {
    let network = networks::generated(4, 3);
    let crossings: Vec<String> = network.crossings.iter().map(|c| c.id.clone()).collect();
    let bed = Testbed::start(network.clone(), 6).await.unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();

    let hours = 4;
    let want = expected(&network, hours);
    let stream = Stream::start(&bed, ingest.grpc_addr, hours, Some(7_200.0), None)
        .await
        .unwrap();
    // Poison lands in the middle of real traffic.
    stream
        .wait_acked(want.values().sum::<u64>() / 4, Duration::from_secs(60))
        .await
        .unwrap();
    let producer: FutureProducer = bed.kafka().producer_config("poisoner").create().unwrap();
    let poison = poison(&crossings);
    for (key, payload) in &poison {
        producer
            .send(
                FutureRecord::to(&bed.topics.inspections)
                    .key(key)
                    .payload(payload),
                Duration::from_secs(5),
            )
            .await
            .map_err(|(err, _)| err)
            .unwrap();
    }
    stream.finish().await.unwrap();

    let mut client = bed.analytics(aggregator.grpc_addr).await.unwrap();
    let counted = wait_for(&mut client, &crossings, &want, Duration::from_secs(60)).await;
    assert_eq!(counted, want, "{}", describe(&want, &counted));

    let metric = eventually(Duration::from_secs(20), || async {
        let (_, body) = http_get(aggregator.admin_addr, "/metrics").await.ok()?;
        let n = metric_sum(&body, "borderflow_aggregator_deadletter_total", &[]);
        (n >= poison.len() as f64).then_some(n)
    })
    .await
    .expect("the dead-letter metric counts the poison");
    assert_eq!(metric as usize, poison.len());

    let lettered = dead_letters(&bed, poison.len());
    let mut sent: Vec<&Vec<u8>> = poison.iter().map(|(_, p)| p).collect();
    let mut got: Vec<&Vec<u8>> = lettered.iter().map(|(p, _)| p).collect();
    sent.sort();
    got.sort();
    assert_eq!(
        got, sent,
        "every poison record, byte for byte, and nothing else"
    );
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for (_, headers) in &lettered {
        assert!(headers.contains_key("borderflow-error"), "{headers:?}");
        assert!(
            headers.contains_key("borderflow-source-partition"),
            "{headers:?}"
        );
        *kinds
            .entry(headers["borderflow-error-kind"].clone())
            .or_default() += 1;
    }
    eprintln!(
        "{} poison records dead-lettered by kind {kinds:?}; {}",
        lettered.len(),
        describe(&want, &counted)
    );
    aggregator.stop_and_wait().await.unwrap();
    ingest.stop_and_wait().await.unwrap();
}

/// The dead-letter topic's records with their headers, once `count` arrived.
fn dead_letters(bed: &Testbed, count: usize) -> Vec<(Vec<u8>, BTreeMap<String, String>)> {
    let consumer: BaseConsumer = bed.kafka().reader_config("dead-letters").create().unwrap();
    let mut list = rdkafka::TopicPartitionList::new();
    for p in 0..bed.partitions {
        list.add_partition_offset(&bed.topics.deadletter, p, rdkafka::Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&list).unwrap();
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    // Read a little past `count` to catch anything extra.
    let mut quiet_until = None;
    while std::time::Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(message)) => {
                let mut headers = BTreeMap::new();
                if let Some(h) = message.headers() {
                    for header in h.iter() {
                        let value = header
                            .value
                            .map(String::from_utf8_lossy)
                            .unwrap_or_default();
                        headers.insert(header.key.to_owned(), value.into_owned());
                    }
                }
                out.push((message.payload().unwrap_or_default().to_vec(), headers));
            }
            _ if out.len() >= count => {
                let until = *quiet_until
                    .get_or_insert_with(|| std::time::Instant::now() + Duration::from_secs(2));
                if std::time::Instant::now() > until {
                    break;
                }
            }
            _ => {}
        }
    }
    out
}
