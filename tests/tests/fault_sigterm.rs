//! Guarantee: SIGTERM drains in-flight batches, flushes the producer,
//! commits offsets and exits within a bounded time, losing nothing. Ingest
//! and the aggregator run as processes; each is terminated in the middle of
//! a stream and started again, and the totals come out exact; the
//! anomalies of incidents planted in the stream, of every family, come out
//! as an undisturbed run's.

use std::time::Duration;

use borderflow_systest::fault::FaultRun;
use borderflow_systest::totals::{describe, on_topic};

/// The services' default shutdown deadline is 20 s; a clean exit must
/// come well within it.
const EXIT_LIMIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_drains_commits_and_exits_in_time_losing_nothing() {
    let run = FaultRun::start().await;
    let (bed, want, total) = (&run.bed, &run.want, run.total);
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

    let stream = run.stream(ingest.grpc_addr, 2_400.0).await;

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
        &topic,
        want,
        "the topic holds every event: {}",
        describe(want, &topic)
    );

    let anomalies = run
        .check(
            "the terminated run's anomalies",
            aggregator.grpc_addr,
            &[ingest_log, aggregator_log],
        )
        .await;
    eprintln!(
        "ingest terminated after {acked_at_ingest_exit} acknowledged, exited in {ingest_took:?}; \
         aggregator terminated after {acked_at_aggregator_exit}, exited in {aggregator_took:?}; \
         {repeats} records repeated on the topic (resent, counted once); {}",
        run.summary(&anomalies)
    );
}
