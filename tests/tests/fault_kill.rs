//! Guarantee: an aggregator killed with `kill -9` in the middle of a stream
//! and started again ends with every window total and every anomaly exactly
//! as an undisturbed run over the same input. The input plants incidents of
//! every family, so per-event, per-document and crossing-level state all
//! cross the restart. The per-document state comes back from the killed
//! process's local copy and the changelog written after it, and both
//! processes hold only a few histories in memory (the rest in the copy),
//! while the undisturbed run holds all of them.

use std::time::{Duration, Instant};

use borderflow_aggregator::metrics::{
    DOCUMENT_HISTORIES_EVICTED, DOCUMENT_HISTORIES_LOADED, RESTORED_RECORDS,
};
use borderflow_systest::admin::{http_get, metric_sum};
use borderflow_systest::fault::FaultRun;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_aggregator_killed_mid_stream_ends_as_an_undisturbed_run() {
    let run = FaultRun::start().await;
    let bed = &run.bed;
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    // Static membership, as the compose and Kubernetes deployments run it:
    // the restarted process takes the killed one's place in the group at
    // once. (With dynamic membership tansu 0.6 can strand the group: when
    // the dead leader's session expires between a follower's JoinGroup and
    // its SyncGroup, the follower's empty sync forms the group with no
    // partition assigned to anyone, and every heartbeat after that succeeds.)
    let state_dir = format!(
        "--state-dir={}",
        bed.dir().join("aggregator-state").display()
    );
    // Ten histories per by-document partition in memory.
    let args = bed.aggregator_args(&[
        "--instance-id=aggregator-0",
        &state_dir,
        "--state-cache-documents=120",
    ]);
    let logs = [
        bed.dir().join("aggregator-killed.log"),
        bed.dir().join("aggregator-restarted.log"),
    ];
    let mut first = bed
        .spawn("borderflow-aggregator", &args, logs[0].clone())
        .await
        .unwrap();

    // An hour of event time a second: 33 simulated hours in about 33 s.
    let stream = run.stream(ingest.grpc_addr, 3_600.0).await;
    stream
        .wait_acked(run.total / 3, Duration::from_secs(60))
        .await
        .unwrap();
    let killed_at = stream.acked();
    first.kill9().unwrap();
    let restarted = Instant::now();
    let second = bed
        .spawn("borderflow-aggregator", &args, logs[1].clone())
        .await
        .unwrap();
    let ready_after = restarted.elapsed();
    let stats = stream.finish().await.unwrap();
    let acked = stats.acked.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(acked, run.total, "ingest acknowledged every event");
    assert!(killed_at < run.total, "killed mid-stream");

    let anomalies = run.settled(second.grpc_addr, &logs).await;
    let complete_after = restarted.elapsed();
    let (_, metrics) = http_get(second.admin_addr, "/metrics").await.unwrap();
    let from_local = metric_sum(&metrics, RESTORED_RECORDS, &["source=\"local\""]);
    assert!(
        from_local > 0.0,
        "the restarted instance restored its document state from its local copy"
    );
    let loaded = metric_sum(&metrics, DOCUMENT_HISTORIES_LOADED, &[]);
    let evicted = metric_sum(&metrics, DOCUMENT_HISTORIES_EVICTED, &[]);
    assert!(
        loaded > 0.0 && evicted > 0.0,
        "histories went between memory and the local copy ({loaded} loaded, {evicted} evicted)"
    );
    let reference = run.reference().await;
    run.compare("the killed run's anomalies", &anomalies, &reference, &logs);
    eprintln!(
        "kill -9 after {killed_at} of {} events acknowledged; restarted instance ready in \
         {ready_after:?}, settled {complete_after:?} after the restart: {}; \
         {from_local} document state records from the local copy, {loaded} histories loaded \
         from it and {evicted} evicted after the restart",
        run.total,
        run.summary(&anomalies)
    );
    ingest.stop_and_wait().await.unwrap();
}
