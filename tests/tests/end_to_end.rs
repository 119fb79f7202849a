//! The event path end to end on a real broker: simulated checkpoints stream
//! through gRPC ingest and Kafka into the aggregator, and the windows read
//! back through `AnalyticsService` account for exactly the events sent.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use borderflow_simulator::model::networks;
use borderflow_simulator::run::{Ingests, run};
use borderflow_simulator::stats::Stats;
use borderflow_systest::testbed::{Testbed, eventually};
use borderflow_systest::totals::{describe, expected, on_topic, run_config, sent, wait_for};
use tokio_util::sync::CancellationToken;

const SETTLE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_sent_is_counted_exactly_once() {
    let network = networks::generated(8, 3);
    let crossings: Vec<String> = network.crossings.iter().map(|c| c.id.clone()).collect();
    let bed = Testbed::start(network.clone(), 12).await.unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();

    let hours = 4;
    let want = expected(&network, hours);
    let stats = Arc::new(Stats::default());
    let channel = bed.ingest_endpoint(ingest.grpc_addr).unwrap();
    run(
        &network,
        &run_config(hours, None),
        &Ingests::one(channel, bed.tokens().unwrap()),
        Vec::new(),
        stats.clone(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let sent = sent(&network, hours);
    assert_eq!(stats.generated.load(Ordering::Relaxed), sent);
    assert_eq!(
        stats.acked.load(Ordering::Relaxed),
        sent,
        "ingest acknowledged every event"
    );
    assert_eq!(stats.rejected.load(Ordering::Relaxed), 0);

    let mut client = bed.analytics(aggregator.grpc_addr).await.unwrap();
    let last = wait_for(&mut client, &crossings, &want, SETTLE).await;
    assert_eq!(last, want, "{}", describe(&want, &last));
    eprintln!("counted exactly: {}", describe(&want, &last));

    aggregator.stop_and_wait().await.unwrap();
    ingest.stop_and_wait().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_aggregator_restarted_mid_stream_still_counts_exactly() {
    let network = networks::generated(6, 11);
    let crossings: Vec<String> = network.crossings.iter().map(|c| c.id.clone()).collect();
    let bed = Testbed::start(network.clone(), 12).await.unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let mut first = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();

    let hours = 6;
    let want = expected(&network, hours);
    let stats = Arc::new(Stats::default());
    let channel = bed.ingest_endpoint(ingest.grpc_addr).unwrap();
    let tokens = bed.tokens().unwrap();
    // Six simulated hours in about six seconds.
    let sim = {
        let network = network.clone();
        let stats = stats.clone();
        tokio::spawn(async move {
            run(
                &network,
                &run_config(hours, Some(3_600.0)),
                &Ingests::one(channel, tokens),
                Vec::new(),
                stats,
                CancellationToken::new(),
            )
            .await
        })
    };
    let events = sent(&network, hours);
    let half = events / 3;
    eventually(Duration::from_secs(30), || async {
        (stats.acked.load(Ordering::Relaxed) >= half).then_some(())
    })
    .await
    .expect("the stream got going");
    first.stop_and_wait().await.unwrap();
    let at_stop = stats.acked.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();
    sim.await.unwrap().unwrap();
    assert!(at_stop < events, "the aggregator stopped mid-stream");

    let (topic, _) = on_topic(&bed.kafka(), &bed.topics.inspections, bed.partitions);
    assert_eq!(topic, want, "the topic holds every event sent");
    let mut client = bed.analytics(second.grpc_addr).await.unwrap();
    let last = wait_for(&mut client, &crossings, &want, SETTLE).await;
    assert_eq!(last, want, "{}", describe(&want, &last));
    eprintln!(
        "stopped after {at_stop} acknowledged; restarted and counted exactly: {}",
        describe(&want, &last)
    );
    ingest.stop_and_wait().await.unwrap();
}
