//! What-if replays of the shipped flow-surge exercise (two days across
//! Central Asia, four times the usual arrivals at Astana airport for three
//! hours on the second): a far higher surge factor loses the surges and
//! their detection, a setting against itself changes nothing, and a
//! records file replays as the records it was written from.

use borderflow_domain::twins::PairKeys;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind};
use borderflow_proto::timestamp_to_ms;
use borderflow_replay::compare::{Comparison, compare_records, compare_scenario};
use borderflow_replay::diff::DEFAULT_TOLERANCE_MS;
use borderflow_replay::records::{Records, Writer};
use borderflow_replay::report::Report;
use borderflow_replay::run::replay;
use borderflow_replay::scenario::{limit_days, record};
use borderflow_replay::thresholds::Setting;
use borderflow_replay::world::World;
use borderflow_simulator::scenario::Scenario;

fn flow_surge(days: f64) -> Scenario {
    let mut scenario = Scenario::load("flow-surge").unwrap();
    limit_days(&mut scenario, days).unwrap();
    scenario
}

fn surges(anomalies: &[Anomaly]) -> usize {
    anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::FlowSurge as i32)
        .count()
}

/// Id, kind, crossing, event time, severity, status and revision.
type Finding = (String, i32, String, Option<i64>, i32, i32, u32);

/// What identifies a finding and what an operator acts on. Measured values
/// are left out: the nationality-mix rule sums shares in a hash map's
/// order, so two runs may differ in a value's last bit.
fn findings(anomalies: &[Anomaly]) -> Vec<Finding> {
    anomalies
        .iter()
        .map(|a| {
            (
                a.id.clone(),
                a.kind,
                a.crossing_id.clone(),
                a.event_time.as_ref().and_then(timestamp_to_ms),
                a.severity,
                a.status,
                a.revision,
            )
        })
        .collect()
}

fn figures(c: &Comparison) {
    for run in [&c.baseline, &c.what_if] {
        eprintln!(
            "{}: {} records in {:.2} s, {:.0} records/s",
            run.setting.name,
            run.outcome.records,
            run.wall.as_secs_f64(),
            run.records_per_second()
        );
        assert_eq!(run.outcome.records, c.records);
        assert!(run.records_per_second() > 0.0);
        assert!(
            run.outcome.dead_letters.is_empty(),
            "{:?}",
            run.outcome.first_dead_letter
        );
    }
}

#[test]
fn a_far_higher_surge_factor_loses_the_surges() {
    let scenario = flow_surge(2.0);
    let baseline = Setting::parse("baseline", "").unwrap();
    let what_if = Setting::parse("what-if", "--surge-factor 50").unwrap();
    let c = compare_scenario(&scenario, &baseline, &what_if, DEFAULT_TOLERANCE_MS).unwrap();
    figures(&c);
    let report = Report::of(&c);
    eprintln!("{}", report.text(20));

    // The baseline flags the planted surge at Astana (and raises two false
    // alarms elsewhere); fifty times the usual traffic is never seen.
    let before = surges(&c.baseline.outcome.anomalies);
    assert!(before >= 1, "the baseline flags the surge");
    assert_eq!(surges(&c.what_if.outcome.anomalies), 0);
    let counts = c.diff.kind("FLOW_SURGE");
    assert_eq!(
        (
            counts.baseline,
            counts.what_if,
            counts.lost,
            counts.gained,
            counts.moved
        ),
        (before, 0, before, 0, 0)
    );
    // Every surge lost is listed, the planted one among them.
    assert_eq!(c.diff.lost.len(), before, "{:#?}", c.diff.lost);
    assert!(c.diff.lost.iter().all(|l| l.kind == "FLOW_SURGE"));
    let astana = c
        .diff
        .lost
        .iter()
        .find(|l| l.crossing_id == "KZ-NQZ")
        .expect("the planted surge is lost");
    assert!(astana.event_time.starts_with("2026-05-05T"), "{astana:?}");
    assert!(astana.explanation.starts_with("Traffic "), "{astana:?}");
    // Nothing else changes: the other rules do not read the surge factor.
    assert!(c.diff.gained.is_empty(), "{:#?}", c.diff.gained);
    assert!(c.diff.moved.is_empty());
    for k in c.diff.kinds.iter().filter(|k| k.kind != "FLOW_SURGE") {
        assert_eq!(k.baseline, k.what_if, "{k:?}");
    }

    // The scorecards: the surge incident is found, then missed.
    let scores = report.scores.as_ref().expect("a scenario is scored");
    let row = scores
        .side_by_side
        .incident("flow_surge")
        .expect("a flow_surge row");
    assert_eq!(row.planted, 1);
    assert_eq!((row.detected.baseline, row.detected.what_if), (1, 0));
    assert!(row.recall.what_if <= row.recall.baseline);
    assert_eq!((row.recall.baseline, row.recall.what_if), (1.0, 0.0));
    assert!(row.median_delay_seconds.baseline.is_some());
    assert_eq!(row.median_delay_seconds.what_if, None);
    assert!(
        scores.side_by_side.totals.false_alarms.what_if
            <= scores.side_by_side.totals.false_alarms.baseline
    );

    // The JSON carries the same.
    let json = serde_json::to_value(&report).unwrap();
    let surge_row = json["diff"]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "FLOW_SURGE")
        .unwrap();
    assert_eq!(surge_row["lost"], before);
    assert_eq!(json["source"]["kind"], "scenario");
    assert_eq!(json["runs"][1]["flags"], "--surge-factor 50");
    assert!(json["runs"][0]["records_per_second"].as_f64().unwrap() > 0.0);
    assert_eq!(json["scores"]["what_if"]["scenario"], "flow-surge");
}

#[test]
fn a_setting_against_itself_changes_nothing() {
    let scenario = flow_surge(2.0);
    let baseline = Setting::parse("baseline", "").unwrap();
    let c = compare_scenario(&scenario, &baseline, &baseline, DEFAULT_TOLERANCE_MS).unwrap();
    figures(&c);
    assert!(c.diff.is_empty(), "{:#?}", c.diff);
    assert_eq!(
        findings(&c.baseline.outcome.anomalies),
        findings(&c.what_if.outcome.anomalies)
    );
    assert_eq!(c.diff.unchanged, c.baseline.outcome.anomalies.len());
    assert!(
        c.diff
            .kinds
            .iter()
            .all(|k| k.gained + k.lost + k.moved == 0)
    );
    let (b, w) = c.scorecards.as_ref().unwrap();
    assert_eq!(
        (&b.incidents, &b.background, &b.anomaly_kinds, &b.totals),
        (&w.incidents, &w.background, &w.anomaly_kinds, &w.totals)
    );
}

#[test]
fn a_records_file_replays_as_the_records_in_memory() {
    let scenario = flow_surge(1.25);
    let (_, recording) = record(&scenario).unwrap();
    let records = &recording.records;
    assert!(records.len() > 100_000, "{} records", records.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flow-surge.records");
    let mut writer = Writer::create(&path).unwrap();
    for value in records.iter() {
        writer.write(value).unwrap();
    }
    assert_eq!(writer.finish().unwrap(), records.len());
    let back = Records::read(&path).unwrap();
    assert_eq!(back.len(), records.len());

    // Recorded inspections know only the network's registry.
    let world = World::of_network(&scenario.network, PairKeys::default());
    let setting = Setting::parse("baseline", "").unwrap();
    let in_memory = replay(records, &world, &setting);
    let from_file = replay(&back, &world, &setting);
    assert!(!in_memory.outcome.anomalies.is_empty());
    assert_eq!(
        findings(&from_file.outcome.anomalies),
        findings(&in_memory.outcome.anomalies)
    );
    assert_eq!(from_file.outcome.records, records.len());

    // As a records replay reports it: no truth, no scorecards, no change.
    let c = compare_records(
        &path.display().to_string(),
        &back,
        &world,
        &setting,
        &setting,
        DEFAULT_TOLERANCE_MS,
    );
    assert!(c.scorecards.is_none());
    assert!(c.diff.is_empty());
    let text = Report::of(&c).text(10);
    assert!(text.starts_with("What-if replay of "), "{text}");
    assert!(!text.contains("scorecards"), "{text}");
}
