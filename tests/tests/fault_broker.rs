//! Guarantee: while the broker is down ingest answers UNAVAILABLE quickly
//! and stays healthy, the booths keep their events in their on-disk
//! store-and-forward journals and retry; once the broker is back every
//! event acknowledged before and buffered during the outage is counted
//! exactly once. The broker is tansu with durable SQLite storage.

use std::time::{Duration, Instant};

use borderflow_simulator::model::networks;
use borderflow_systest::admin::http_get;
use borderflow_systest::broker::Storage;
use borderflow_systest::harness::Stream;
use borderflow_systest::testbed::{Testbed, eventually};
use borderflow_systest::totals::{describe, expected, on_topic, sent, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_broker_restart_loses_nothing_and_counts_nothing_twice() {
    let network = networks::generated(4, 5);
    let crossings: Vec<String> = network.crossings.iter().map(|c| c.id.clone()).collect();
    let mut bed = Testbed::builder(network.clone())
        .partitions(4)
        .storage(Storage::Sqlite(Default::default()))
        .start()
        .await
        .unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();

    let hours = 4;
    let want = expected(&network, hours);
    let total = sent(&network, hours);
    let outbox = bed.dir().join("outbox");
    let stream = Stream::start(&bed, ingest.grpc_addr, hours, Some(1_200.0), Some(outbox))
        .await
        .unwrap();
    stream
        .wait_acked(total / 3, Duration::from_secs(90))
        .await
        .unwrap();

    let before = stream.acked();
    bed.broker().kill();
    let down = Instant::now();
    // Ingest notices and refuses instead of hanging.
    let unavailable_after = eventually(Duration::from_secs(15), || async {
        let failures = stream.stats.failures();
        failures
            .keys()
            .any(|k| k.to_ascii_lowercase().contains("unavailable"))
            .then(|| down.elapsed())
    })
    .await
    .expect("the booths were told UNAVAILABLE");
    // Readiness follows the broker probe (two failed probes in a row).
    let unready_after = eventually(Duration::from_secs(15), || async {
        matches!(http_get(ingest.admin_addr, "/readyz").await, Ok((503, _))).then(|| down.elapsed())
    })
    .await
    .expect("ingest reports not ready without a broker");
    let (healthy, _) = http_get(ingest.admin_addr, "/healthz").await.unwrap();
    assert_eq!(healthy, 200, "but alive");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let during = stream.acked();
    let buffered = stream
        .stats
        .buffered
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(buffered > 0, "the booths hold events during the outage");

    tokio::task::block_in_place(|| bed.broker().restart()).unwrap();
    let up = Instant::now();
    eventually(Duration::from_secs(30), || async {
        matches!(http_get(ingest.admin_addr, "/readyz").await, Ok((200, _))).then_some(())
    })
    .await
    .expect("ingest ready again");
    let ready_after = up.elapsed();

    let stats = stream.finish().await.unwrap();
    assert_eq!(
        stats.acked.load(std::sync::atomic::Ordering::Relaxed),
        total
    );
    let (topic, repeats) = on_topic(&bed.kafka(), &bed.topics.inspections, bed.partitions);
    assert_eq!(topic, want, "{}", describe(&want, &topic));
    let mut client = bed.analytics(aggregator.grpc_addr).await.unwrap();
    let counted = wait_for(&mut client, &crossings, &want, Duration::from_secs(120)).await;
    assert_eq!(counted, want, "{}", describe(&want, &counted));
    eprintln!(
        "broker killed after {before} of {total} acknowledged; UNAVAILABLE after {unavailable_after:?}, not ready after {unready_after:?}; \
         {buffered} events buffered by the booths ({} acknowledged during the outage); ingest ready \
         {ready_after:?} after the restart; {repeats} records repeated on the topic; {}",
        during - before,
        describe(&want, &counted)
    );
    aggregator.stop_and_wait().await.unwrap();
    ingest.stop_and_wait().await.unwrap();
}
