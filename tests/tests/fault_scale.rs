//! Guarantee: three aggregator processes share a consumer group; one leaves
//! mid-run and another joins. Window results and anomalies equal those of a
//! single undisturbed instance, per-document rules included, and every
//! instance answers queries with the same crossing stats. The stream plants
//! incidents of every family, so each rule's state moves between instances
//! with the partitions it belongs to.

use std::time::Duration;

use borderflow_systest::anomalies::{settle, tally};
use borderflow_systest::harness::{Reference, Stream, compare_anomalies};
use borderflow_systest::planted::every_family;
use borderflow_systest::process::print_log_excerpts;
use borderflow_systest::testbed::Testbed;
use borderflow_systest::totals::{describe, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_leaving_and_joining_give_the_single_instance_results() {
    let planted = every_family();
    let crossings = planted.crossings();
    let bed = Testbed::start(planted.network().clone(), 12).await.unwrap();
    planted.register(&bed).await.unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let args = bed.aggregator_args(&[]);
    let log = |n: u32| bed.dir().join(format!("aggregator-{n}.log"));
    let first = bed
        .spawn("borderflow-aggregator", &args, log(1))
        .await
        .unwrap();
    let mut second = bed
        .spawn("borderflow-aggregator", &args, log(2))
        .await
        .unwrap();
    let third = bed
        .spawn("borderflow-aggregator", &args, log(3))
        .await
        .unwrap();

    let want = planted.expected();
    let total = planted.sent();
    let stream = Stream::planted(&bed, ingest.grpc_addr, &planted, Some(1_800.0), None)
        .await
        .unwrap();
    stream
        .wait_acked(total / 3, Duration::from_secs(60))
        .await
        .unwrap();
    let left_at = stream.acked();
    let (status, _) = second.terminate(Duration::from_secs(30)).await.unwrap();
    assert!(
        status.success(),
        "the leaving instance exited with {status}"
    );
    stream
        .wait_acked(total * 2 / 3, Duration::from_secs(60))
        .await
        .unwrap();
    let joined_at = stream.acked();
    let fourth = bed
        .spawn("borderflow-aggregator", &args, log(4))
        .await
        .unwrap();
    stream.finish().await.unwrap();

    let mut answers = Vec::new();
    for instance in [&first, &third, &fourth] {
        let mut client = bed.analytics(instance.grpc_addr).await.unwrap();
        let counted = wait_for(&mut client, &crossings, &want, Duration::from_secs(120)).await;
        if counted != want {
            print_log_excerpts(&(1..=4).map(log).collect::<Vec<_>>());
        }
        assert_eq!(
            counted,
            want,
            "instance {}: {}",
            instance.pid(),
            describe(&want, &counted)
        );
        answers.push(settle(&mut client).await);
    }
    let reference = Reference::run(&bed, &crossings, &want, Duration::from_secs(90))
        .await
        .unwrap();
    for (instance, anomalies) in [&first, &third, &fourth].iter().zip(&answers) {
        if let Err(why) = compare_anomalies(&planted, anomalies, &reference.anomalies) {
            print_log_excerpts(&(1..=4).map(log).collect::<Vec<_>>());
            panic!("instance {}: {why}", instance.pid());
        }
    }
    eprintln!(
        "3 instances; one left after {left_at} and one joined after {joined_at} of {total} events; \
         each of the 3 live instances: {}; {} anomalies ({}), every planted incident flagged, \
         as one undisturbed instance",
        describe(&want, &want),
        reference.anomalies.len(),
        tally(&reference.anomalies)
    );
    ingest.stop_and_wait().await.unwrap();
}
