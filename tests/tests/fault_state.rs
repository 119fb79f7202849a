//! Guarantee: a local copy of the per-document state that the changelog
//! does not continue is never used. An aggregator is killed with `kill -9`
//! mid-stream and restarted on a changelog topic that is empty (as after
//! the topic was recreated) with its old local copy in place: the copy is
//! dropped, the histories are rebuilt whole from the by-document topic,
//! and the run ends exactly as an undisturbed one, per-document rules
//! across the restart included.

use std::time::Duration;

use borderflow_aggregator::metrics::{REPLAYED_RECORDS, RESTORED_RECORDS};
use borderflow_systest::admin::{http_get, metric_sum};
use borderflow_systest::broker::create_topics;
use borderflow_systest::fault::FaultRun;

/// Copies a directory tree.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_local_copy_the_changelog_does_not_continue_is_dropped_and_the_state_rebuilt() {
    let run = FaultRun::start().await;
    let bed = &run.bed;
    let fresh = "borderflow.document-state-recreated.v1";
    {
        let bootstrap = bed.bootstrap().to_owned();
        tokio::task::spawn_blocking(move || create_topics(&bootstrap, &[fresh], 12))
            .await
            .unwrap()
            .unwrap();
    }
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let state_dir = bed.dir().join("aggregator-state");
    let state_flag = format!("--state-dir={}", state_dir.display());
    let first_args = bed.aggregator_args(&["--instance-id=aggregator-0", &state_flag]);
    let logs = [
        bed.dir().join("aggregator-killed.log"),
        bed.dir().join("aggregator-restarted.log"),
    ];
    let mut first = bed
        .spawn("borderflow-aggregator", &first_args, logs[0].clone())
        .await
        .unwrap();
    let stream = run.stream(ingest.grpc_addr, 3_600.0).await;
    stream
        .wait_acked(run.total / 3, Duration::from_secs(60))
        .await
        .unwrap();
    // Let the copy take some of the state, then kill.
    tokio::time::sleep(Duration::from_secs(2)).await;
    first.kill9().unwrap();
    let old_copy = state_dir.join(&bed.topics.document_state);
    let copied: Vec<_> = std::fs::read_dir(&old_copy).unwrap().collect();
    assert!(!copied.is_empty(), "the killed instance kept a local copy");
    // The restarted instance's changelog is empty, its copy the old one.
    copy_dir(&old_copy, &state_dir.join(fresh));
    let changelog_flag = format!("--topic-document-state={fresh}");
    let second_args =
        bed.aggregator_args(&["--instance-id=aggregator-0", &state_flag, &changelog_flag]);
    let second = bed
        .spawn("borderflow-aggregator", &second_args, logs[1].clone())
        .await
        .unwrap();
    let stats = stream.finish().await.unwrap();
    assert_eq!(
        stats.acked.load(std::sync::atomic::Ordering::Relaxed),
        run.total,
        "ingest acknowledged every event"
    );

    let anomalies = run
        .check("the restarted run's anomalies", second.grpc_addr, &logs)
        .await;
    let (_, metrics) = http_get(second.admin_addr, "/metrics").await.unwrap();
    let from_local = metric_sum(&metrics, RESTORED_RECORDS, &["source=\"local\""]);
    let replayed = metric_sum(&metrics, REPLAYED_RECORDS, &[]);
    assert_eq!(from_local, 0.0, "the stale copy was not used");
    assert!(
        replayed > 0.0,
        "the histories were rebuilt from the by-document topic"
    );
    eprintln!(
        "stale copy dropped; {replayed} by-document records replayed; {}",
        run.summary(&anomalies)
    );
    ingest.stop_and_wait().await.unwrap();
}
