use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyKind, AnomalyStatus, Evidence, Measurement, Severity,
};
use borderflow_proto::ms_to_timestamp;

use super::*;

fn expired() -> Anomaly {
    Anomaly {
        id: "a1".into(),
        kind: AnomalyKind::DocumentExpired as i32,
        severity: Severity::High as i32,
        crossing_id: "KZ-1".into(),
        event_time: Some(ms_to_timestamp(120_000)),
        detected_at: Some(ms_to_timestamp(121_000)),
        explanation: "document expired 40 days before the crossing".into(),
        status: AnomalyStatus::Open as i32,
        revision: 1,
        message: None,
        evidence: Some(Evidence {
            event_ids: (0..12).map(|i| format!("e{i}")).collect(),
            values: vec![Measurement {
                name: "days_expired".into(),
                value: 40.0,
                unit: "d".into(),
            }],
            document_key: "0123456789abcdef0123456789abcdef".into(),
            checkpoint_id: "KZ-1-L1".into(),
            ..Evidence::default()
        }),
    }
}

#[test]
fn a_view_names_kind_and_severity_and_cuts_keys() {
    let view = AnomalyView::from(&expired());
    assert_eq!(view.kind, "DOCUMENT_EXPIRED");
    assert_eq!((view.severity, view.severity_rank), ("high", 4));
    assert_eq!(view.status, "open");
    assert_eq!(view.event_time_ms, Some(120_000));
    assert_eq!(view.detected_at_ms, Some(121_000));
    let e = &view.evidence;
    assert_eq!(e.document_key.as_deref(), Some("01234567…"));
    assert_eq!(e.person_key, None);
    assert_eq!((e.event_count, e.event_ids.len()), (12, 10));
    assert_eq!(e.values[0].name, "days_expired");
    assert_eq!(e.checkpoint_id.as_deref(), Some("KZ-1-L1"));
    assert_eq!(e.officer_id, None);

    let json = serde_json::to_string(&view).unwrap();
    assert!(!json.contains("89abcdef0123"), "no full key leaves: {json}");
}

#[test]
fn queries_take_short_or_full_names_and_ranks() {
    let params = AnomalyParams {
        kind: Some("document_expired, ANOMALY_KIND_MRZ_CHECK_DIGIT".into()),
        crossing: Some("KZ-1,KZ-2".into()),
        severity: Some("high".into()),
        limit: Some(5_000),
    };
    let (query, limit) = params.parse().unwrap();
    assert_eq!(
        query.kinds,
        [
            AnomalyKind::DocumentExpired as i32,
            AnomalyKind::MrzCheckDigit as i32
        ]
    );
    assert_eq!(query.crossing_ids, ["KZ-1", "KZ-2"]);
    assert_eq!(query.min_severity, Severity::High as i32);
    assert_eq!(limit, MAX_LIMIT);

    let ranked = AnomalyParams {
        severity: Some("3".into()),
        ..AnomalyParams::default()
    };
    let (query, limit) = ranked.parse().unwrap();
    assert_eq!(query.min_severity, Severity::Medium as i32);
    assert_eq!(limit, DEFAULT_LIMIT);
    assert!(query.kinds.is_empty() && query.crossing_ids.is_empty());
}

#[test]
fn unknown_names_are_refused_with_the_field() {
    let bad_kind = AnomalyParams {
        kind: Some("TELEPORT".into()),
        ..AnomalyParams::default()
    };
    assert_eq!(
        bad_kind.parse().unwrap_err(),
        "kind: unknown anomaly kind TELEPORT"
    );
    let bad_severity = AnomalyParams {
        severity: Some("dire".into()),
        ..AnomalyParams::default()
    };
    assert!(bad_severity.parse().unwrap_err().starts_with("severity:"));
}
