//! Guarantee: with standby copies (`--standby-documents`), an instance that
//! takes over its peer's by-document partitions restores them from its own
//! local copies, which followed the peer's changelog while the peer owned
//! them: it reads the last moments of the changelog, not the whole of it,
//! and the results are still those of a single undisturbed instance.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use borderflow_aggregator::metrics::{RESTORED_RECORDS, STANDBY_PARTITIONS, STANDBY_RECORDS};
use borderflow_systest::admin::{http_get, metric_sum};
use borderflow_systest::fault::FaultRun;
use borderflow_systest::process::print_log_excerpts;

async fn metric(addr: SocketAddr, name: &str, labels: &[&str]) -> f64 {
    let (_, body) = http_get(addr, "/metrics").await.unwrap();
    metric_sum(&body, name, labels)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_standby_copy_makes_a_takeover_read_only_the_changelog_tail() {
    let run = FaultRun::start().await;
    let bed = &run.bed;
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let logs = [
        bed.dir().join("aggregator-leaving.log"),
        bed.dir().join("aggregator-staying.log"),
    ];
    let args = |n: usize| {
        let dir = bed.dir().join(format!("aggregator-state-{n}"));
        bed.aggregator_args(&[
            &format!("--state-dir={}", dir.display()),
            "--state-cache-documents=120",
            "--standby-documents",
        ])
    };
    let mut leaving = bed
        .spawn("borderflow-aggregator", &args(0), logs[0].clone())
        .await
        .unwrap();
    let staying = bed
        .spawn("borderflow-aggregator", &args(1), logs[1].clone())
        .await
        .unwrap();

    let stream = run.stream(ingest.grpc_addr, 3_600.0).await;
    stream
        .wait_acked(run.total * 2 / 3, Duration::from_secs(60))
        .await
        .unwrap();
    // The staying instance follows the partitions its peer owns.
    let started = Instant::now();
    let (followed, followed_records) = loop {
        let partitions = metric(staying.admin_addr, STANDBY_PARTITIONS, &[]).await;
        let records = metric(staying.admin_addr, STANDBY_RECORDS, &[]).await;
        if partitions > 0.0 && records > 0.0 {
            break (partitions, records);
        }
        if started.elapsed() > Duration::from_secs(30) {
            print_log_excerpts(&logs);
            panic!(
                "no standby copy followed the changelog ({partitions} partitions, {records} records)"
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let from_changelog_before = metric(
        staying.admin_addr,
        RESTORED_RECORDS,
        &["source=\"changelog\""],
    )
    .await;
    let left_at = stream.acked();
    let (status, _) = leaving.terminate(Duration::from_secs(30)).await.unwrap();
    assert!(
        status.success(),
        "the leaving instance exited with {status}"
    );
    stream.finish().await.unwrap();

    let anomalies = run
        .check("the taken-over run's anomalies", staying.grpc_addr, &logs)
        .await;
    let standby_records = metric(staying.admin_addr, STANDBY_RECORDS, &[]).await;
    let from_local = metric(staying.admin_addr, RESTORED_RECORDS, &["source=\"local\""]).await;
    let tail = metric(
        staying.admin_addr,
        RESTORED_RECORDS,
        &["source=\"changelog\""],
    )
    .await
        - from_changelog_before;
    assert!(
        from_local > 0.0,
        "the taken-over partitions came from the standby copies"
    );
    assert!(
        tail < standby_records / 2.0,
        "the takeover read {tail} changelog records; the standby copies had {standby_records}"
    );
    assert_eq!(
        metric(staying.admin_addr, STANDBY_PARTITIONS, &[]).await,
        0.0,
        "the only instance left owns every partition and follows none"
    );
    eprintln!(
        "standby: {followed} partitions followed ({followed_records} records) before the peer left \
         after {left_at} of {} events; takeover: {from_local} records from the standby \
         copies, {tail} from the changelog's tail ({standby_records} written to standby copies \
         in all); {}",
        run.total,
        run.summary(&anomalies)
    );
    ingest.stop_and_wait().await.unwrap();
}
