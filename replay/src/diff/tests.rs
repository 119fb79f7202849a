use borderflow_proto::analytics::v1::Evidence;
use borderflow_proto::ms_to_timestamp;

use super::*;

const MIN: i64 = 60_000;
const T0: i64 = 1_777_852_800_000; // 2026-05-04T00:00:00Z

fn a(id: &str, kind: AnomalyKind, crossing: &str, at_ms: i64) -> Anomaly {
    Anomaly {
        id: id.into(),
        kind: kind as i32,
        severity: Severity::High as i32,
        crossing_id: crossing.into(),
        event_time: Some(ms_to_timestamp(at_ms)),
        explanation: format!("{id} at {crossing}"),
        status: AnomalyStatus::Open as i32,
        ..Anomaly::default()
    }
}

fn surge(id: &str, at_ms: i64) -> Anomaly {
    a(id, AnomalyKind::FlowSurge, "KZ-NQZ", at_ms)
}

fn on_document(mut anomaly: Anomaly, key: &str) -> Anomaly {
    anomaly.evidence = Some(Evidence {
        document_key: key.into(),
        ..Evidence::default()
    });
    anomaly
}

fn ids(listed: &[Listed]) -> Vec<&str> {
    listed.iter().map(|l| l.id.as_str()).collect()
}

#[test]
fn the_same_anomalies_make_no_difference() {
    let run = vec![
        surge("s1", T0),
        a("m1", AnomalyKind::MrzCheckDigit, "KG-DOSTUK", T0 + 5 * MIN),
    ];
    let d = diff(&run, &run, DEFAULT_TOLERANCE_MS);
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(d.unchanged, 2);
    assert_eq!(d.tolerance_seconds, 3_600);
    assert_eq!(
        d.kind("FLOW_SURGE"),
        KindCounts {
            kind: "FLOW_SURGE".into(),
            baseline: 1,
            what_if: 1,
            ..KindCounts::default()
        }
    );
    assert_eq!(d.kinds.len(), 2);
    // In the catalogue's order.
    assert_eq!(d.kinds[0].kind, "MRZ_CHECK_DIGIT");
}

#[test]
fn anomalies_only_one_run_raised_are_gained_or_lost() {
    let baseline = vec![surge("s1", T0), surge("s2", T0 + 10 * 60 * MIN)];
    let what_if = vec![
        surge("s2", T0 + 10 * 60 * MIN),
        a("d1", AnomalyKind::FlowDrop, "KZ-NQZ", T0),
    ];
    let d = diff(&baseline, &what_if, DEFAULT_TOLERANCE_MS);
    assert_eq!(ids(&d.lost), ["s1"]);
    assert_eq!(ids(&d.gained), ["d1"]);
    assert!(d.moved.is_empty());
    assert_eq!(d.unchanged, 1);
    let surges = d.kind("FLOW_SURGE");
    assert_eq!((surges.baseline, surges.what_if, surges.lost), (2, 1, 1));
    let drops = d.kind("FLOW_DROP");
    assert_eq!((drops.baseline, drops.what_if, drops.gained), (0, 1, 1));
    let lost = &d.lost[0];
    assert_eq!(lost.event_time, "2026-05-04T00:00:00.000Z");
    assert_eq!(lost.severity, "high");
    assert_eq!(lost.crossing_id, "KZ-NQZ");
    assert_eq!(lost.explanation, "s1 at KZ-NQZ");
}

#[test]
fn a_finding_a_little_later_under_another_id_has_moved() {
    let baseline = vec![surge("early", T0)];
    let what_if = vec![surge("later", T0 + 45 * MIN)];
    let d = diff(&baseline, &what_if, DEFAULT_TOLERANCE_MS);
    assert!(d.gained.is_empty() && d.lost.is_empty(), "{d:#?}");
    assert_eq!(d.moved.len(), 1);
    assert_eq!(d.moved[0].baseline.id, "early");
    assert_eq!(d.moved[0].what_if.id, "later");
    assert_eq!(d.moved[0].shift_seconds, 45 * 60);
    assert_eq!(d.kind("FLOW_SURGE").moved, 1);
    // Beyond the tolerance it is another finding.
    let far = diff(
        &baseline,
        &[surge("later", T0 + 61 * MIN)],
        DEFAULT_TOLERANCE_MS,
    );
    assert_eq!(
        (far.lost.len(), far.gained.len(), far.moved.len()),
        (1, 1, 0)
    );
    // So is one at another crossing, or of another kind.
    let elsewhere = a("x", AnomalyKind::FlowSurge, "KG-DOSTUK", T0);
    let drop = a("y", AnomalyKind::FlowDrop, "KZ-NQZ", T0);
    let d = diff(&baseline, &[elsewhere, drop], DEFAULT_TOLERANCE_MS);
    assert!(d.moved.is_empty());
    assert_eq!(d.lost.len(), 1);
    assert_eq!(d.gained.len(), 2);
}

#[test]
fn a_finding_about_another_document_has_not_moved() {
    let travel = |id, key| {
        on_document(
            a(id, AnomalyKind::ImpossibleTravel, "KZ-NQZ", T0 + MIN),
            key,
        )
    };
    let d = diff(
        &[travel("t1", "aa")],
        &[travel("t2", "bb")],
        DEFAULT_TOLERANCE_MS,
    );
    assert!(d.moved.is_empty());
    assert_eq!(d.lost[0].subject, "aa");
    assert_eq!(d.gained[0].subject, "bb");
    let d = diff(
        &[travel("t1", "aa")],
        &[travel("t2", "aa")],
        DEFAULT_TOLERANCE_MS,
    );
    assert_eq!(d.moved.len(), 1);
}

#[test]
fn moves_pair_one_to_one_and_as_many_as_can_be() {
    // The first baseline finding could pair with either what-if one; the
    // second only with the later: both pair.
    let baseline = vec![surge("b1", T0), surge("b2", T0 + 100 * MIN)];
    let what_if = vec![surge("w1", T0 + 50 * MIN), surge("w2", T0 + 130 * MIN)];
    let d = diff(&baseline, &what_if, DEFAULT_TOLERANCE_MS);
    assert_eq!(d.moved.len(), 2, "{d:#?}");
    // One baseline finding near two what-if ones: one moved, one gained.
    let d = diff(
        &[surge("b1", T0)],
        &[surge("w1", T0 + 10 * MIN), surge("w2", T0 + 20 * MIN)],
        DEFAULT_TOLERANCE_MS,
    );
    assert_eq!(d.moved.len(), 1);
    assert_eq!(d.moved[0].what_if.id, "w1");
    assert_eq!(ids(&d.gained), ["w2"]);
    let counts = d.kind("FLOW_SURGE");
    assert_eq!(
        (counts.baseline, counts.what_if, counts.moved, counts.gained),
        (1, 2, 1, 1)
    );
}

#[test]
fn retracted_anomalies_do_not_count() {
    let mut retracted = surge("s1", T0);
    retracted.status = AnomalyStatus::Retracted as i32;
    let d = diff(&[retracted], &[], DEFAULT_TOLERANCE_MS);
    assert!(d.is_empty());
    assert!(d.kinds.is_empty());
}

#[test]
fn lists_are_in_event_time_order() {
    let what_if = vec![
        surge("late", T0 + 600 * MIN),
        a("mrz", AnomalyKind::MrzCheckDigit, "A", T0),
        surge("early", T0 + 5 * MIN),
    ];
    let d = diff(&[], &what_if, DEFAULT_TOLERANCE_MS);
    assert_eq!(ids(&d.gained), ["mrz", "early", "late"]);
}
