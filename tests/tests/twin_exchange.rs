//! The liaison exchange end to end on a real broker: a twin pair's two
//! posts coupled by the simulator, ingest keying their documents with the
//! pair's key, the aggregator's liaison stage publishing each post's
//! periods to the exchange topic and reconciling them. Travellers lost
//! between the posts are found as MIRROR_GAP at the post they left; every
//! record that crossed the exchange is read back and holds no national
//! key, verifies under the pair key, and carries nothing but the contract.

use std::sync::Arc;
use std::time::Duration;

use borderflow_domain::twins::PairKeys;
use borderflow_proto::analytics::v1::AnomalyKind;
use borderflow_simulator::stats::Stats;
use borderflow_systest::exercise::ExerciseServices;
use borderflow_systest::testbed::Testbed;
use borderflow_systest::twins;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lost_travellers_are_found_and_only_keys_and_counts_cross() {
    let bed = Testbed::start(twins::network(), 3).await.unwrap();
    let keys = format!("--pair-keys-file={}", bed.setup.pair_keys_file.display());
    let services = ExerciseServices::start_with(&bed, &[&keys], &[&keys])
        .await
        .unwrap();
    let scenario = twins::vanishing_scenario(bed.dir(), 5);
    let options = services.options(Duration::from_secs(8));
    let outcome = services
        .run(&scenario, &options, Arc::new(Stats::default()))
        .await
        .unwrap();
    let row = outcome
        .scorecard
        .incidents
        .iter()
        .find(|r| r.kind == "vanished_travellers")
        .unwrap();
    eprintln!("vanished_travellers: {row:?}");
    assert_eq!(
        (row.planted, row.detected),
        (1, 1),
        "{:#?}",
        outcome.scorecard
    );
    let gaps: Vec<_> = outcome
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::MirrorGap as i32)
        .collect();
    assert!(gaps.iter().all(|a| a.crossing_id == "KZ-A"), "{gaps:#?}");
    assert!(
        !outcome
            .scorecard
            .false_alarms
            .iter()
            .any(|f| f.anomaly.kind == "MIRROR_GAP" || f.anomaly.kind == "TRANSIT_DELAY"),
        "{:#?}",
        outcome.scorecard.false_alarms
    );

    // Everything that crossed: signed records of the contract, keyed by
    // the pair, with keys that are not the national ones.
    let national = twins::inspections(&bed).national_keys;
    assert!(national.len() > 1_000, "{}", national.len());
    let pairs =
        PairKeys::parse(&std::fs::read_to_string(&bed.setup.pair_keys_file).unwrap()).unwrap();
    let exchanged = twins::read_topic(&bed, &bed.topics.liaison);
    assert!(exchanged.len() > 100, "{}", exchanged.len());
    let periods = twins::check_exchanged(&exchanged, &pairs, &national);
    let keyed: usize = periods.values().map(|r| r.passages.len()).sum();
    assert!(keyed > 1_000, "{keyed}");
    services.stop().await.unwrap();
}
