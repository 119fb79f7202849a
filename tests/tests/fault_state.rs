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
use borderflow_systest::anomalies::settle;
use borderflow_systest::broker::create_topics;
use borderflow_systest::harness::{Reference, Stream, compare_anomalies};
use borderflow_systest::planted::every_family;
use borderflow_systest::process::print_log_excerpts;
use borderflow_systest::testbed::Testbed;
use borderflow_systest::totals::{describe, wait_for};

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
    let planted = every_family();
    let crossings = planted.crossings();
    let bed = Testbed::start(planted.network().clone(), 12).await.unwrap();
    planted.register(&bed).await.unwrap();
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
    let want = planted.expected();
    let total = planted.sent();
    let stream = Stream::planted(&bed, ingest.grpc_addr, &planted, Some(3_600.0), None)
        .await
        .unwrap();
    stream
        .wait_acked(total / 3, Duration::from_secs(60))
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
        total,
        "ingest acknowledged every event"
    );

    let mut client = bed.analytics(second.grpc_addr).await.unwrap();
    let counted = wait_for(&mut client, &crossings, &want, Duration::from_secs(120)).await;
    if counted != want {
        print_log_excerpts(&logs);
    }
    assert_eq!(counted, want, "{}", describe(&want, &counted));
    let anomalies = settle(&mut client).await;
    let (_, metrics) = http_get(second.admin_addr, "/metrics").await.unwrap();
    let from_local = metric_sum(&metrics, RESTORED_RECORDS, &["source=\"local\""]);
    let replayed = metric_sum(&metrics, REPLAYED_RECORDS, &[]);
    assert_eq!(from_local, 0.0, "the stale copy was not used");
    assert!(
        replayed > 0.0,
        "the histories were rebuilt from the by-document topic"
    );

    let reference = Reference::run(&bed, &crossings, &want, Duration::from_secs(90))
        .await
        .unwrap();
    if let Err(why) = compare_anomalies(&planted, &anomalies, &reference.anomalies) {
        print_log_excerpts(&logs);
        panic!("the restarted run's anomalies: {why}");
    }
    eprintln!(
        "stale copy dropped; {replayed} by-document records replayed; {} anomalies, identical to the undisturbed run",
        anomalies.len()
    );
    ingest.stop_and_wait().await.unwrap();
}
