//! Guarantee: SIGTERM drains in-flight batches, flushes the producer,
//! commits offsets and exits within a bounded time, losing nothing. Ingest
//! and the aggregator run as processes; each is terminated in the middle of
//! a stream and started again, and the totals come out exact; the
//! anomalies of incidents planted in the stream, of every family, come out
//! as an undisturbed run's.

use std::time::Duration;

use borderflow_systest::anomalies::{settle, tally};
use borderflow_systest::harness::{Reference, Stream, compare_anomalies};
use borderflow_systest::planted::every_family;
use borderflow_systest::process::print_log_excerpts;
use borderflow_systest::testbed::Testbed;
use borderflow_systest::totals::{describe, on_topic, wait_for};

/// The services' default shutdown deadline is 20 s; a clean exit must
/// come well within it.
const EXIT_LIMIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_drains_commits_and_exits_in_time_losing_nothing() {
    let planted = every_family();
    let crossings = planted.crossings();
    let bed = Testbed::start(planted.network().clone(), 12).await.unwrap();
    planted.register(&bed).await.unwrap();
    let ingest_args = bed.ingest_args(&[]);
    let ingest_log = bed.dir().join("ingest.log");
    let mut ingest = bed
        .spawn("borderflow-ingest", &ingest_args, ingest_log.clone())
        .await
        .unwrap();
    let aggregator_args = bed.aggregator_args(&[]);
    let aggregator_log = bed.dir().join("aggregator.log");
    let mut aggregator = bed
        .spawn(
            "borderflow-aggregator",
            &aggregator_args,
            aggregator_log.clone(),
        )
        .await
        .unwrap();

    let want = planted.expected();
    let total = planted.sent();
    let stream = Stream::planted(&bed, ingest.grpc_addr, &planted, Some(2_400.0), None)
        .await
        .unwrap();

    // Ingest, with batches in flight.
    stream
        .wait_acked(total / 4, Duration::from_secs(60))
        .await
        .unwrap();
    let (status, ingest_took) = ingest.terminate(EXIT_LIMIT).await.unwrap();
    assert!(status.success(), "ingest exited with {status}");
    let acked_at_ingest_exit = stream.acked();
    // The booths keep their events and retry until ingest is back.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (grpc, admin) = (ingest.grpc_addr, ingest.admin_addr);
    drop(ingest);
    let _ingest = bed
        .spawn_at(
            "borderflow-ingest",
            &ingest_args,
            ingest_log.clone(),
            grpc,
            admin,
        )
        .await
        .unwrap();

    // The aggregator, with windows open and outputs in flight.
    stream
        .wait_acked(total * 2 / 3, Duration::from_secs(60))
        .await
        .unwrap();
    let (status, aggregator_took) = aggregator.terminate(EXIT_LIMIT).await.unwrap();
    assert!(status.success(), "the aggregator exited with {status}");
    let acked_at_aggregator_exit = stream.acked();
    drop(aggregator);
    let aggregator = bed
        .spawn(
            "borderflow-aggregator",
            &aggregator_args,
            aggregator_log.clone(),
        )
        .await
        .unwrap();

    let stats = stream.finish().await.unwrap();
    assert_eq!(
        stats.acked.load(std::sync::atomic::Ordering::Relaxed),
        total,
        "every event acknowledged in the end"
    );
    let (topic, repeats) = on_topic(&bed.kafka(), &bed.topics.inspections, bed.partitions);
    assert_eq!(
        topic,
        want,
        "the topic holds every event: {}",
        describe(&want, &topic)
    );

    let mut client = bed.analytics(aggregator.grpc_addr).await.unwrap();
    let counted = wait_for(&mut client, &crossings, &want, Duration::from_secs(90)).await;
    assert_eq!(counted, want, "{}", describe(&want, &counted));
    let anomalies = settle(&mut client).await;
    let reference = Reference::run(&bed, &crossings, &want, Duration::from_secs(90))
        .await
        .unwrap();
    if let Err(why) = compare_anomalies(&planted, &anomalies, &reference.anomalies) {
        print_log_excerpts(&[ingest_log, aggregator_log]);
        panic!("the terminated run's anomalies: {why}");
    }
    eprintln!(
        "ingest terminated after {acked_at_ingest_exit} acknowledged, exited in {ingest_took:?}; \
         aggregator terminated after {acked_at_aggregator_exit}, exited in {aggregator_took:?}; \
         {repeats} records repeated on the topic (resent, counted once); {}; {} anomalies ({}), \
         every planted incident flagged, as undisturbed",
        describe(&want, &counted),
        anomalies.len(),
        tally(&anomalies)
    );
}
