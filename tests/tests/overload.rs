//! Guarantee 6, overload: ingest runs as its own process with limits small
//! enough to be overrun in seconds, and booths offer far more than it can
//! take, on many connections at once. Ingest must refuse the excess with
//! RESOURCE_EXHAUSTED (unary calls at once, streams after waiting
//! `--backpressure-wait` for capacity), keep its memory under a ceiling,
//! publish every event it acknowledged and nothing it refused, and answer
//! a normal batch promptly once the load drops.

#[path = "overload/booths.rs"]
mod booths;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use booths::{Booth, Tally, booths, stream_booth, unary_caller};
use borderflow_proto::Message as _;
use borderflow_proto::inspection::v1::{InspectionRecord, inspection_record};
use borderflow_simulator::model::networks;
use borderflow_systest::admin::{http_get, metric_sum};
use borderflow_systest::process::ChildService;
use borderflow_systest::testbed::{Testbed, eventually};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message as _;
use tokio_util::sync::CancellationToken;

/// Records awaiting Kafka across all clients: two batches' worth.
const MAX_IN_FLIGHT: usize = 500;
/// Events per streamed batch.
const BATCH: usize = 250;
/// With a 50 ms linger each record waits at least that long for Kafka, so
/// the in-flight cap holds ingest below 500 / 0.05 s = 10 000 events/s,
/// less than the booths below offer.
const LINGER: &str = "50ms";
const BACKPRESSURE_WAIT: &str = "250ms";
/// Streaming booths, each on its own connection, and unary callers.
const STREAMS: usize = 24;
const UNARY_CALLERS: usize = 8;
const LOAD_FOR: Duration = Duration::from_secs(8);
/// The debug build idles near 21 MiB. Under load ingest holds at most
/// MAX_IN_FLIGHT records for Kafka (well under 1 MiB), at most
/// `--stream-window` batches per stream, and what HTTP/2 flow control lets
/// each connection buffer. 128 MiB leaves room for the TLS and HTTP/2
/// buffers of 32 connections and librdkafka's queues; beyond it, ingest is
/// holding on to load it should refuse.
const RSS_CEILING_KIB: u64 = 128 * 1024;
/// How soon a normal batch must be acknowledged once the load is gone.
const RECOVERY_LIMIT: Duration = Duration::from_secs(2);

/// Every event id on the inspections topic, with how often it is there.
fn on_topic(bed: &Testbed) -> HashMap<u128, u32> {
    let consumer: BaseConsumer = bed
        .kafka()
        .reader_config("overload-check")
        .create()
        .unwrap();
    let topic = &bed.topics.inspections;
    let mut list = rdkafka::TopicPartitionList::new();
    let mut ends = Vec::new();
    for p in 0..bed.partitions {
        list.add_partition_offset(topic, p, rdkafka::Offset::Beginning)
            .unwrap();
        let (_, high) = consumer
            .fetch_watermarks(topic, p, Duration::from_secs(5))
            .unwrap();
        ends.push(high);
    }
    consumer.assign(&list).unwrap();
    let mut seen = HashMap::new();
    let mut read = vec![0i64; ends.len()];
    // tansu reports a partition's high watermark as the first offset of its
    // last record batch, so reading goes on until a second passes quietly.
    let mut quiet_since = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) else {
            let at_end = read.iter().zip(&ends).all(|(r, e)| r >= e);
            if at_end && quiet_since.elapsed() > Duration::from_secs(1) {
                break;
            }
            continue;
        };
        quiet_since = Instant::now();
        read[message.partition() as usize] = message.offset() + 1;
        let record = InspectionRecord::decode(message.payload().unwrap_or_default()).unwrap();
        if let Some(inspection_record::Body::Inspection(i)) = record.body {
            let id = uuid::Uuid::parse_str(&i.event_id).unwrap().as_u128();
            *seen.entry(id).or_default() += 1;
        }
    }
    assert!(
        read.iter().zip(&ends).all(|(r, e)| r >= e),
        "the whole topic was read: {read:?} of {ends:?}"
    );
    seen
}

/// Offers the load for [`LOAD_FOR`], then stops it and waits for every
/// stream to drain; returns what the booths saw and ingest's peak RSS.
async fn offer_load(bed: &Testbed, ingest: &ChildService, booths: &[Booth]) -> (Tally, u64) {
    let stop = CancellationToken::new();
    let mut tasks = Vec::new();
    for i in 0..STREAMS + UNARY_CALLERS {
        let booth = booths[i % booths.len()].clone();
        let channel = bed.ingest_channel(ingest.grpc_addr).await.unwrap();
        tasks.push(if i < STREAMS {
            tokio::spawn(stream_booth(booth, channel, stop.clone()))
        } else {
            tokio::spawn(unary_caller(booth, channel, stop.clone()))
        });
    }
    let started = Instant::now();
    let mut peak_rss = 0;
    while started.elapsed() < LOAD_FOR {
        tokio::time::sleep(Duration::from_millis(250)).await;
        peak_rss = peak_rss.max(ingest.peak_rss_kib().unwrap());
    }
    stop.cancel();
    let mut tally = Tally::default();
    for task in tasks {
        let drained = tokio::time::timeout(Duration::from_secs(20), task).await;
        tally.merge(drained.expect("streams drain once the load stops").unwrap());
    }
    (tally, peak_rss.max(ingest.peak_rss_kib().unwrap()))
}

/// Sends one normal batch on a fresh connection; returns how long its
/// acknowledgement took and its event ids.
async fn normal_batch(
    bed: &Testbed,
    ingest: &ChildService,
    booth: &Booth,
) -> (Duration, Vec<u128>) {
    let (ids, batch) = booth.batch(1);
    let channel = bed.ingest_channel(ingest.grpc_addr).await.unwrap();
    let started = Instant::now();
    let mut responses = booth
        .client(&channel)
        .stream_inspections(futures::stream::iter(vec![batch]))
        .await
        .unwrap()
        .into_inner();
    let ack = responses
        .message()
        .await
        .unwrap()
        .expect("an acknowledgement");
    assert_eq!(ack.accepted as usize, BATCH);
    (started.elapsed(), ids)
}

/// Records ingest holds for Kafka, as its metrics say once they settle.
async fn in_flight_settles(ingest: &ChildService) -> Option<f64> {
    eventually(Duration::from_secs(3), || async {
        let (_, metrics) = http_get(ingest.admin_addr, "/metrics").await.ok()?;
        let records = metric_sum(&metrics, "borderflow_ingest_in_flight_records", &[]);
        (records == 0.0).then_some(records)
    })
    .await
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_is_refused_bounded_and_lossless() {
    let bed = Testbed::start(networks::generated(8, 11), 6).await.unwrap();
    let args = bed.ingest_args(&[
        &format!("--max-in-flight-records={MAX_IN_FLIGHT}"),
        &format!("--max-batch-events={BATCH}"),
        "--stream-window=2",
        &format!("--backpressure-wait={BACKPRESSURE_WAIT}"),
        &format!("--kafka-linger={LINGER}"),
    ]);
    let log = bed.dir().join("ingest.log");
    let mut ingest = bed.spawn("borderflow-ingest", &args, log).await.unwrap();
    let idle_rss = ingest.rss_kib().unwrap();
    let booths = booths(&bed);

    let started = Instant::now();
    let (mut tally, peak_rss) = offer_load(&bed, &ingest, &booths).await;
    let load_secs = started.elapsed().as_secs_f64();
    let settled = in_flight_settles(&ingest).await;
    let (recovered_in, ids) = normal_batch(&bed, &ingest, &booths[0]).await;
    tally.offered += ids.len() as u64;
    tally.acked.extend(ids);

    let topic = on_topic(&bed);
    let acked: HashSet<u128> = tally.acked.iter().copied().collect();
    let missing = acked.iter().filter(|id| !topic.contains_key(id)).count();
    let unacked_on_topic = topic.keys().filter(|id| !acked.contains(id)).count();
    let repeated = topic.values().filter(|n| **n > 1).count();
    let (status, took) = ingest.terminate(Duration::from_secs(20)).await.unwrap();
    let refused_in = median(tally.unary_refused_in.clone());
    let acked_in = median(tally.unary_acked_in.clone());

    eprintln!(
        "overload: offered {} events ({} MiB) in {load_secs:.1} s from {STREAMS} streams and \
         {UNARY_CALLERS} unary callers; acked {}; refused with RESOURCE_EXHAUSTED {} events \
         ({} unary calls, median {refused_in:?} against {acked_in:?} to acknowledge; \
         {} streams); final codes {:?}; on topic {} distinct ({missing} acked missing, \
         {unacked_on_topic} not acked, {repeated} repeated); RSS idle {} MiB, peak {} MiB \
         (ceiling {} MiB); normal batch acked in {recovered_in:?} after the load; \
         SIGTERM exit in {took:?}",
        tally.offered,
        tally.offered_bytes >> 20,
        acked.len(),
        tally.refused,
        tally.unary_refused_in.len(),
        tally.streams_refused,
        tally.codes,
        topic.len(),
        idle_rss >> 10,
        peak_rss >> 10,
        RSS_CEILING_KIB >> 10,
    );
    assert_eq!(acked.len(), tally.acked.len(), "event ids are unique");
    assert_eq!(tally.unanswered, 0, "every stream answered for every batch");
    assert_eq!(
        tally.offered,
        acked.len() as u64 + tally.refused,
        "every event offered was either acknowledged or refused"
    );
    assert!(
        tally.offered > 2 * acked.len() as u64,
        "the load was beyond capacity"
    );
    assert!(
        !tally.unary_refused_in.is_empty(),
        "unary calls were refused"
    );
    assert!(
        tally.streams_refused > 0,
        "streams were refused after waiting"
    );
    assert!(
        tally.codes.keys().all(|code| code == "ResourceExhausted"),
        "overload is refused with RESOURCE_EXHAUSTED only: {:?}",
        tally.codes
    );
    assert!(peak_rss < RSS_CEILING_KIB, "peak RSS {peak_rss} KiB");
    assert_eq!(missing, 0, "every acknowledged event is on the topic");
    assert_eq!(unacked_on_topic, 0, "nothing refused was published");
    assert_eq!(repeated, 0, "nothing was published twice");
    assert_eq!(
        settled,
        Some(0.0),
        "nothing is left in flight once the load is gone"
    );
    assert!(
        recovered_in < RECOVERY_LIMIT,
        "recovery took {recovered_in:?}"
    );
    assert!(status.success(), "ingest exited with {status}");
}
