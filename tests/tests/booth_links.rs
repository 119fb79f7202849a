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

use borderflow_simulator::scenario::{Scenario, builtin};
use borderflow_simulator::stats::Stats;
use borderflow_systest::exercise::ExerciseServices;
use borderflow_systest::testbed::Testbed;

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
    let services = ExerciseServices::start(&bed, &[]).await.unwrap();
    let stats = Arc::new(Stats::default());
    services
        .run(
            &scenario,
            &services.options(Duration::from_secs(2)),
            stats.clone(),
        )
        .await
        .unwrap();
    let generated = stats.generated.load(std::sync::atomic::Ordering::Relaxed);
    let acked = stats.acked.load(std::sync::atomic::Ordering::Relaxed);
    assert!(generated > 1_000, "{generated} events");
    assert_eq!(acked, generated, "every event acknowledged");
    assert_eq!(stats.failures(), Default::default(), "failed streams");
    services.stop().await.unwrap();
}
