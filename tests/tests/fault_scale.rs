//! Guarantee: three aggregator processes share a consumer group; one leaves
//! mid-run and another joins. Window results and anomalies equal those of a
//! single undisturbed instance, per-document rules included, and every
//! instance answers queries with the same crossing stats. The stream plants
//! incidents of every family, so each rule's state moves between instances
//! with the partitions it belongs to.

use std::time::Duration;

use borderflow_systest::fault::FaultRun;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "an open bug: run after the other system tests, the scaled run misses one planted \
            REPEATED_REFUSAL the undisturbed run flags (twice in a row in CI; passes run alone); \
            run with `cargo test -p borderflow-systest --test fault_scale -- --ignored`"]
async fn instances_leaving_and_joining_give_the_single_instance_results() {
    let run = FaultRun::start().await;
    let bed = &run.bed;
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

    let total = run.total;
    let stream = run.stream(ingest.grpc_addr, 1_800.0).await;
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

    let logs: Vec<_> = (1..=4).map(log).collect();
    let mut answers = Vec::new();
    for instance in [&first, &third, &fourth] {
        answers.push(run.settled(instance.grpc_addr, &logs).await);
    }
    let reference = run.reference().await;
    for (instance, anomalies) in [&first, &third, &fourth].iter().zip(&answers) {
        let what = format!("instance {}", instance.pid());
        run.compare(&what, anomalies, &reference, &logs);
    }
    eprintln!(
        "3 instances; one left after {left_at} and one joined after {joined_at} of {total} events; \
         each of the 3 live instances: {}",
        run.summary(&reference.anomalies)
    );
    ingest.stop_and_wait().await.unwrap();
}
