//! Guarantee: every booth of the shipped network starting and ending its
//! stream at the same moment is no error storm. The central-asia network's
//! 347 booths stream three hours of traffic at the scenario's clock, all
//! connecting at once and all ending at once after their closing reports:
//! not one stream fails (each booth has its own connection, ends its
//! stream with a status rather than a reset, and backs off with jitter).
//! Multiplexed on one connection, the burst of small frames at the end made
//! ingest's HTTP/2 server close the connection under every booth, hundreds
//! of `Unknown` failures a run.

use std::sync::Arc;
use std::time::Duration;

use borderflow_simulator::exercise::{ExerciseOptions, run_scenario};
use borderflow_simulator::scenario::{Scenario, builtin};
use borderflow_simulator::stats::Stats;
use borderflow_systest::testbed::Testbed;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_booth_starting_and_ending_at_once_fails_no_stream() {
    // The shipped week's network and clock, three hours of it, no incidents.
    let week = builtin::scenario("central-asia-week").unwrap();
    let text = week
        .split("[[incident]]")
        .next()
        .unwrap()
        .replacen("duration = \"7d\"", "duration = \"3h\"", 1)
        .replacen("baseline = \"1d 6h\"", "baseline = \"2h\"", 1);
    let scenario = Scenario::from_toml(&text, "central-asia-3h").unwrap();
    let booths: u32 = scenario.network.crossings.iter().map(|c| c.lanes).sum();
    assert_eq!(booths, 347);
    let bed = Testbed::start(scenario.network.clone(), 12).await.unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();
    let targets = bed
        .targets(ingest.grpc_addr, aggregator.grpc_addr)
        .await
        .unwrap();
    let options = ExerciseOptions {
        outbox_dir: Some(bed.dir().join("outbox")),
        settle_quiet: Duration::from_secs(2),
        ..ExerciseOptions::default()
    };
    let stats = Arc::new(Stats::default());
    run_scenario(
        &scenario,
        &targets,
        &options,
        stats.clone(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let generated = stats.generated.load(std::sync::atomic::Ordering::Relaxed);
    let acked = stats.acked.load(std::sync::atomic::Ordering::Relaxed);
    assert!(generated > 1_000, "{generated} events");
    assert_eq!(acked, generated, "every event acknowledged");
    assert_eq!(stats.failures(), Default::default(), "failed streams");
    aggregator.stop_and_wait().await.unwrap();
    ingest.stop_and_wait().await.unwrap();
}
