//! Scenarios end to end on a real broker: the simulator registers the
//! network and the scenario's reference entries, streams traffic with
//! planted incidents through ingest into the aggregator at an accelerated
//! clock, reads the anomalies back and scores them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use borderflow_i18n::Lang;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, CrossingWindow, ListWindowsRequest};
use borderflow_simulator::exercise::{ExerciseOptions, Outcome};
use borderflow_simulator::scenario::{Scenario, builtin};
use borderflow_simulator::score::render;
use borderflow_simulator::stats::Stats;
use borderflow_systest::exercise::ExerciseServices;
use borderflow_systest::planted::{Planted, completed_ms};
use borderflow_systest::testbed::Testbed;

/// The scenarios run one at a time: a paced clock means something only
/// when the stream is not starved of the machine's two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What a run flagged and scored, and the windows it kept of the crossings
/// asked for.
struct Ran {
    outcome: Outcome,
    windows: Vec<CrossingWindow>,
}

/// Starts a testbed for `scenario`'s network and runs it there; reads the
/// windows of `windows_of` before stopping.
async fn run(
    scenario: &Scenario,
    speed: Option<f64>,
    aggregator_flags: &[&str],
    windows_of: &[&str],
) -> Ran {
    let _turn = ONE_AT_A_TIME.lock().await;
    let bed = Testbed::start(scenario.network.clone(), 12).await.unwrap();
    let services = ExerciseServices::start(&bed, aggregator_flags)
        .await
        .unwrap();
    let options = ExerciseOptions {
        speed: Some(speed),
        ..services.options(Duration::from_secs(5))
    };
    let stats = Arc::new(Stats::default());
    let outcome = services
        .run(scenario, &options, stats.clone())
        .await
        .unwrap();
    eprintln!("{}", render(&outcome.scorecard, Lang::En));
    assert_eq!(stats.rejected.load(std::sync::atomic::Ordering::Relaxed), 0);
    let mut windows = Vec::new();
    let mut analytics = bed.analytics(services.aggregator.grpc_addr).await.unwrap();
    for crossing in windows_of {
        let response = analytics
            .list_windows(ListWindowsRequest {
                crossing_id: (*crossing).to_owned(),
                ..Default::default()
            })
            .await
            .unwrap();
        windows.extend(response.into_inner().windows);
    }
    services.stop().await.unwrap();
    Ran { outcome, windows }
}

/// A booth whose link fails is flagged silent once, at a clock paced
/// enough for silence to mean something (unpaced, a quiet booth's batches
/// can trail the stream's event time by more than the silence threshold),
/// and what its journal held while the link was down is backfilled into
/// the windows of the events' own time: each window of the crossing counts
/// exactly the events the booths sent for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_link_outage_is_flagged_and_backfilled() {
    let text = r#"
name = "short outage"
network = "central-asia"
start = "2026-05-04T00:00:00Z"
duration = "8h"
speed = "x900"
seed = 5
scale = 0.2
baseline = "2h"

[[incident]]
kind = "link_outage"
crossing = "UZ-SHAVAT"
lane = 2
start = "+5h"
duration = "90m"
"#;
    let scenario = Scenario::from_toml(text, "short-outage").unwrap();
    let planted = Planted::new(scenario.clone()).unwrap();
    let [down, up] = [false, true].map(|up| {
        planted
            .plan
            .link_events
            .iter()
            .find(|e| e.up == up)
            .expect("the outage's link events")
            .clone()
    });
    let (booth, crossing) = (down.checkpoint_id.as_str(), "UZ-SHAVAT");
    // At 900 simulated seconds a second the default two minutes of
    // allowed lateness are 133 ms of wall time, less than a quiet booth's
    // heartbeat may take through ingest and Kafka on a busy machine: such
    // heartbeats miss their windows and other booths look silent too, so
    // only the planted booth's silence is asserted here.
    let ran = run(
        &scenario,
        Some(900.0),
        &["--allowed-lateness=20m"],
        &[crossing],
    )
    .await;
    let row = ran
        .outcome
        .scorecard
        .incidents
        .iter()
        .find(|k| k.kind == "link_outage")
        .unwrap();
    assert_eq!(row.detected, 1, "{row:?}");
    let silent: Vec<&Anomaly> = ran
        .outcome
        .anomalies
        .iter()
        .filter(|a| {
            a.kind() == AnomalyKind::CheckpointSilent
                && a.evidence
                    .as_ref()
                    .is_some_and(|e| e.checkpoint_id == booth)
        })
        .collect();
    assert_eq!(silent.len(), 1, "{booth} flagged silent once: {silent:#?}");

    // What the booths sent for the crossing, by window.
    let size = ran
        .windows
        .first()
        .map(|w| window_ms(w).1 - window_ms(w).0)
        .expect("the crossing's windows");
    let mut sent = BTreeMap::<i64, u64>::new();
    let mut journaled = 0;
    for event in planted.events().filter(|e| e.crossing_id == crossing) {
        let at = completed_ms(&event).expect("a completion time");
        *sent.entry(at - at.rem_euclid(size)).or_default() += 1;
        journaled +=
            u64::from(event.checkpoint_id == booth && (down.at_ms..up.at_ms).contains(&at));
    }
    assert!(journaled > 0, "{booth} had events to journal in the outage");
    let counted: BTreeMap<i64, u64> = ran
        .windows
        .iter()
        .filter(|w| w.inspections > 0)
        .map(|w| (window_ms(w).0, w.inspections))
        .collect();
    let between = |m: &BTreeMap<i64, u64>, from: i64, to: i64| -> BTreeMap<i64, u64> {
        m.range(from..to).map(|(k, v)| (*k, *v)).collect()
    };
    assert_eq!(
        between(&counted, down.at_ms - size, up.at_ms),
        between(&sent, down.at_ms - size, up.at_ms),
        "the crossing's windows over the outage count the events sent in them"
    );
    // The tail's last windows may stay open: the booths report themselves
    // closed ten minutes after the tail, within the allowed lateness.
    let (start, end) = (scenario.start_ms, scenario.end_ms);
    assert_eq!(
        between(&counted, start, end),
        between(&sent, start, end),
        "the crossing's windows over the whole scenario"
    );
    let late: u64 = ran
        .windows
        .iter()
        .filter(|w| (down.at_ms..up.at_ms).contains(&window_ms(w).0))
        .map(|w| w.late_events)
        .sum();
    assert!(
        late > 0,
        "the journal's events reached windows that had closed without them"
    );
    eprintln!(
        "{booth}: silent once; {journaled} events journaled in the outage, backfilled \
         ({late} late into closed windows); {} events at {crossing} in the scenario's span, \
         each counted in its window",
        between(&sent, start, end).values().sum::<u64>(),
    );
}

/// A window's start and end in epoch milliseconds.
fn window_ms(w: &CrossingWindow) -> (i64, i64) {
    let ms = |t: &Option<borderflow_proto::Timestamp>| {
        t.as_ref()
            .and_then(borderflow_proto::timestamp_to_ms)
            .expect("a window bound")
    };
    (ms(&w.start), ms(&w.end))
}

/// The shipped combined exercise, a week across Central Asia, on a seed the
/// rules were never developed on, paced at a day a minute, scored from the
/// scorecard's JSON: every kind is planted and found, the kinds planted
/// several times with precision 0.95 or more, and the whole week raises at
/// most one false alarm per 100 crossing-days. (The kinds planted once
/// each, where a single false alarm halves the precision, are bounded by
/// the total.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_combined_exercise_scores_every_incident_kind() {
    // Half the traffic: the whole system runs in this test process and
    // must keep pace with the clock on two cores.
    let text = builtin::scenario("central-asia-week")
        .unwrap()
        .replacen("\nseed = ", "\nscale = 0.5\nseed = ", 1)
        .replace("seed = 2026", &format!("seed = {HELD_OUT_SEED}"));
    let scenario = Scenario::from_toml(&text, "central-asia-week").unwrap();
    // A second of wall time is 24 minutes of event time at this clock:
    // windows wait 30 minutes of event time for stragglers. (A booth's
    // stream stalling for a second on a busy machine can still make it
    // look silent: the week's one allowed false alarm.)
    let outcome = run(&scenario, Some(1440.0), &["--allowed-lateness=30m"], &[])
        .await
        .outcome;
    let card = &outcome.scorecard;
    let json: serde_json::Value = serde_json::to_value(card).unwrap();
    let kinds: Vec<&str> = json["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "flow_surge",
            "forged_documents",
            "lane_closure",
            "link_outage",
            "mass_influx",
            "nationality_shift",
            "overstay",
            "refusal_campaign",
            "stolen_documents",
            "trafficking"
        ]
    );
    for row in json["incidents"].as_array().unwrap() {
        let kind = row["kind"].as_str().unwrap();
        assert!(row["planted"].as_u64().unwrap() > 0, "{row}");
        let recall = row["recall"].as_f64().unwrap();
        assert!(recall >= 0.95, "{kind}: recall {recall}");
        if row["planted"].as_u64().unwrap() > 1 {
            let precision = row["precision"].as_f64().unwrap_or(0.0);
            assert!(precision >= 0.95, "{kind}: precision {precision}");
        }
    }
    let rate = card
        .totals
        .false_alarms_per_100_crossing_days
        .expect("a scored span");
    assert!(
        rate <= 1.0,
        "{rate:.2} per 100 crossing-days: {:#?}",
        card.false_alarms
    );
}

/// A seed never used while the rules were developed (the detection-quality
/// test runs it and three more through the detection steps alone).
const HELD_OUT_SEED: u64 = 90_001;

/// Every other shipped scenario, one after the other, as the combined
/// exercise runs (half the traffic, a day a minute): each planted kind is
/// found with recall and precision of at least 0.95. About 40 minutes on
/// two cores, so run on demand:
/// `cargo test -p borderflow-systest --test scenario -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "about 40 minutes: run on demand"]
async fn every_shipped_scenario_finds_what_it_plants() {
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    // BORDERFLOW_SCENARIOS=a,b runs only those.
    let only = std::env::var("BORDERFLOW_SCENARIOS").unwrap_or_default();
    for name in builtin::names() {
        if name == "central-asia-week" || !(only.is_empty() || only.split(',').any(|n| n == name)) {
            continue;
        }
        let text =
            builtin::scenario(name)
                .unwrap()
                .replacen("\nseed = ", "\nscale = 0.5\nseed = ", 1);
        let scenario = Scenario::from_toml(&text, name).unwrap();
        let outcome = run(&scenario, Some(1440.0), &["--allowed-lateness=30m"], &[])
            .await
            .outcome;
        for row in &outcome.scorecard.incidents {
            let precision = row.precision.unwrap_or(0.0);
            summary.push(format!(
                "{name:<20} {:<20} planted {:>3} detected {:>3} false {:>3} recall {:.2} precision {precision:.2}",
                row.kind, row.planted, row.detected, row.false_alarms, row.recall
            ));
            if row.recall < 0.95 || precision < 0.95 {
                failures.push(format!("{name}: {row:?}"));
            }
        }
    }
    eprintln!("{}", summary.join("\n"));
    assert!(failures.is_empty(), "{failures:#?}");
}
