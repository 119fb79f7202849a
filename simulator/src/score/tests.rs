use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, AnomalyStatus, Evidence};
use borderflow_proto::ms_to_timestamp;

use super::*;
use crate::truth::{Draft, Truth};

const HOUR: i64 = 3_600_000;

fn scope() -> Scope {
    Scope {
        scenario: "test".into(),
        network: "net".into(),
        seed: 1,
        start_ms: 0,
        end_ms: 48 * HOUR,
        grace_ms: HOUR,
    }
}

fn draft(
    kind: &str,
    expected: AnomalyKind,
    related: &[AnomalyKind],
    crossing: &str,
    span: (i64, i64),
) -> Draft {
    Draft {
        incident: Some(0),
        label: format!("{kind} incident"),
        kind: kind.into(),
        expected,
        related: related.to_vec(),
        crossings: vec![crossing.into()],
        checkpoint: None,
        officer: None,
        start_ms: span.0,
        end_ms: span.1,
    }
}

fn anomaly(
    id: &str,
    kind: AnomalyKind,
    crossing: &str,
    at: i64,
    detected: i64,
    events: &[&str],
) -> Anomaly {
    Anomaly {
        id: id.into(),
        kind: kind as i32,
        crossing_id: crossing.into(),
        event_time: Some(ms_to_timestamp(at)),
        detected_at: Some(ms_to_timestamp(detected)),
        evidence: Some(Evidence {
            event_ids: events.iter().map(|e| (*e).to_owned()).collect(),
            crossing_ids: vec![crossing.into()],
            ..Evidence::default()
        }),
        status: AnomalyStatus::Open as i32,
        ..Anomaly::default()
    }
}

/// Two forged documents (one caught), a surge (caught, with a queue side
/// effect), a silent booth (missed) and a background hit.
fn truth() -> Truth {
    let mut truth = Truth::default();
    let a = truth.add(draft(
        "forged_documents",
        AnomalyKind::MrzCheckDigit,
        &[AnomalyKind::RefusalRateSpike],
        "X",
        (10 * HOUR, 10 * HOUR),
    ));
    truth.record(a, "e1");
    let b = truth.add(draft(
        "forged_documents",
        AnomalyKind::MrzCheckDigit,
        &[AnomalyKind::RefusalRateSpike],
        "X",
        (11 * HOUR, 11 * HOUR),
    ));
    truth.record(b, "e2");
    truth.add(draft(
        "flow_surge",
        AnomalyKind::FlowSurge,
        &[AnomalyKind::QueueSla],
        "Y",
        (20 * HOUR, 23 * HOUR),
    ));
    let c = truth.add(draft(
        "link_outage",
        AnomalyKind::CheckpointSilent,
        &[],
        "Z",
        (30 * HOUR, 31 * HOUR),
    ));
    truth.occurrences[c as usize].checkpoint = Some("Z-L01".into());
    let mut background = draft(
        "background/lost_stolen",
        AnomalyKind::LostStolenDocument,
        &[],
        "X",
        (5 * HOUR, 5 * HOUR),
    );
    background.incident = None;
    let d = truth.add(background);
    truth.record(d, "e9");
    truth
}

#[test]
fn detections_misses_false_alarms_and_delays() {
    let anomalies = vec![
        // Caught by event id, 2 minutes after the document was presented.
        anomaly(
            "a1",
            AnomalyKind::MrzCheckDigit,
            "X",
            10 * HOUR + 60_000,
            10 * HOUR + 120_000,
            &["e1"],
        ),
        // The surge, judged per crossing in time, flagged 30 minutes in.
        anomaly(
            "a2",
            AnomalyKind::FlowSurge,
            "Y",
            20 * HOUR,
            20 * HOUR + HOUR / 2,
            &[],
        ),
        // Its queue: a side effect, not a false alarm.
        anomaly(
            "a3",
            AnomalyKind::QueueSla,
            "Y",
            21 * HOUR,
            21 * HOUR + HOUR / 4,
            &[],
        ),
        // A refusal spike at the ring's crossing within its grace period.
        anomaly(
            "a4",
            AnomalyKind::RefusalRateSpike,
            "X",
            11 * HOUR + HOUR / 2,
            12 * HOUR,
            &[],
        ),
        // The background hit: expected, not an incident, not a false alarm.
        anomaly(
            "a5",
            AnomalyKind::LostStolenDocument,
            "X",
            5 * HOUR,
            5 * HOUR,
            &["e9"],
        ),
        // A surge nobody planted, and an MRZ failure of an unplanted event.
        anomaly("f1", AnomalyKind::FlowSurge, "Q", 30 * HOUR, 30 * HOUR, &[]),
        anomaly(
            "f2",
            AnomalyKind::MrzCheckDigit,
            "X",
            12 * HOUR,
            12 * HOUR,
            &["other"],
        ),
        // The silent booth flagged at another booth: does not count for it.
        {
            let mut a = anomaly(
                "f3",
                AnomalyKind::CheckpointSilent,
                "Z",
                30 * HOUR,
                30 * HOUR + HOUR / 4,
                &[],
            );
            a.evidence.as_mut().unwrap().checkpoint_id = "Z-L02".into();
            a
        },
        // Outside the scored window, and a retracted one: ignored.
        anomaly("x1", AnomalyKind::FlowSurge, "Q", 50 * HOUR, 50 * HOUR, &[]),
        {
            let mut a = anomaly("x2", AnomalyKind::FlowSurge, "Q", 40 * HOUR, 40 * HOUR, &[]);
            a.status = AnomalyStatus::Retracted as i32;
            a
        },
        // A replayed duplicate of a1.
        anomaly(
            "a1",
            AnomalyKind::MrzCheckDigit,
            "X",
            10 * HOUR + 60_000,
            10 * HOUR + 120_000,
            &["e1"],
        ),
    ];
    let card = score(&scope(), &truth(), &anomalies);
    assert_eq!(card.anomalies, 8);
    let row = |kind: &str| {
        card.incidents
            .iter()
            .find(|k| k.kind == kind)
            .unwrap()
            .clone()
    };

    let forged = row("forged_documents");
    assert_eq!((forged.planted, forged.detected, forged.missed), (2, 1, 1));
    assert_eq!((forged.true_positives, forged.false_alarms), (1, 1));
    assert_eq!(forged.recall, 0.5);
    assert_eq!(forged.precision, Some(0.5));
    assert_eq!(
        forged.delay.as_ref().unwrap().median_seconds,
        7_200.0 - 7_080.0
    );
    assert_eq!(
        forged.missed_in,
        vec!["forged_documents incident".to_owned()]
    );

    let surge = row("flow_surge");
    assert_eq!(
        (surge.detected, surge.true_positives, surge.false_alarms),
        (1, 1, 1)
    );
    assert_eq!(surge.precision, Some(0.5));
    assert_eq!(surge.delay.as_ref().unwrap().max_seconds, 1_800.0);

    let outage = row("link_outage");
    assert_eq!((outage.detected, outage.missed), (0, 1));
    assert_eq!(outage.precision, Some(0.0));
    assert!(outage.delay.is_none());

    assert_eq!(card.background.len(), 1);
    assert_eq!(card.background[0].detected, 1);
    assert_eq!(card.side_effects, 2);
    let false_ids: Vec<&str> = card.false_alarms.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(false_ids, vec!["f1", "f2", "f3"]);
    assert_eq!(card.totals.planted, 4);
    assert_eq!(card.totals.detected, 2);
    assert_eq!(card.totals.recall, 0.5);
    let text = render(&card);
    assert!(text.contains("forged_documents"), "{text}");
    assert!(text.contains("false alarm FLOW_SURGE at Q"), "{text}");
    let json = serde_json::to_value(&card).unwrap();
    assert_eq!(json["totals"]["planted"], 4);
}

#[test]
fn nothing_flagged_means_full_misses_and_no_precision() {
    let card = score(&scope(), &truth(), &[]);
    assert_eq!(card.totals.detected, 0);
    assert_eq!(card.totals.recall, 0.0);
    assert_eq!(card.totals.precision, None);
    assert!(card.incidents.iter().all(|k| k.precision.is_none()));
}
