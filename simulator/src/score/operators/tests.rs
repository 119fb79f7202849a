use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind as A, AnomalyStatus, Evidence};
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::triage::v1::{DismissReason, TriageAction, TriageEntry, TriageRecord};

use super::*;
use crate::truth::{Draft, Truth};

const HOUR: i64 = 3_600_000;
/// Wall time of the exercise (the triage clock), far from event time.
const WALL: i64 = 1_800_000_000_000;

fn scope() -> Scope {
    Scope {
        scenario: "test".into(),
        network: "net".into(),
        seed: 1,
        start_ms: 0,
        end_ms: 48 * HOUR,
        period_ms: 15 * 60_000,
        crossings: 10,
    }
}

fn draft(kind: &str, expected: A, crossing: &str, span: (i64, i64), background: bool) -> Draft {
    Draft {
        incident: (!background).then_some(0),
        label: format!("{kind} incident"),
        kind: kind.into(),
        expected,
        side_effects: Vec::new(),
        crossings: vec![crossing.into()],
        checkpoint: None,
        officer: None,
        start_ms: span.0,
        end_ms: span.1,
    }
}

/// Forged documents e1, e3, e4 at X; a surge at Y from 20:00 to 23:00; a
/// background lost/stolen document e5.
fn truth() -> Truth {
    let mut truth = Truth::default();
    for (event, hour) in [("e1", 10), ("e3", 12), ("e4", 13)] {
        let o = truth.add(draft(
            "forged_documents",
            A::MrzCheckDigit,
            "X",
            (hour * HOUR, hour * HOUR),
            false,
        ));
        truth.record(o, event);
    }
    truth.add(draft(
        "flow_surge",
        A::FlowSurge,
        "Y",
        (20 * HOUR, 23 * HOUR),
        false,
    ));
    let b = truth.add(draft(
        "background/lost_stolen",
        A::LostStolenDocument,
        "X",
        (5 * HOUR, 5 * HOUR),
        true,
    ));
    truth.record(b, "e5");
    truth
}

fn anomaly(id: &str, kind: A, crossing: &str, hour: i64, events: &[&str]) -> Anomaly {
    Anomaly {
        id: id.into(),
        kind: kind as i32,
        crossing_id: crossing.into(),
        event_time: Some(ms_to_timestamp(hour * HOUR)),
        detected_at: Some(ms_to_timestamp(hour * HOUR + 60_000)),
        evidence: Some(Evidence {
            event_ids: events.iter().map(|e| (*e).to_owned()).collect(),
            crossing_ids: vec![crossing.into()],
            ..Evidence::default()
        }),
        status: AnomalyStatus::Open as i32,
        ..Anomaly::default()
    }
}

fn anomalies() -> Vec<Anomaly> {
    vec![
        anomaly("a1", A::MrzCheckDigit, "X", 10, &["e1"]),
        anomaly("a1-again", A::MrzCheckDigit, "X", 10, &["e1"]),
        anomaly("a3", A::MrzCheckDigit, "X", 12, &["e3"]),
        anomaly("a4", A::MrzCheckDigit, "X", 13, &["e4"]),
        anomaly("s1", A::FlowSurge, "Y", 21, &[]),
        anomaly("b1", A::LostStolenDocument, "X", 5, &["e5"]),
        anomaly("f1", A::FlowDrop, "W", 30, &[]),
        anomaly("f2", A::WatchlistHit, "W", 31, &["e9"]),
    ]
}

/// `(action, actor, seconds after raising, reason)`.
type Step = (TriageAction, &'static str, i64, DismissReason);

fn record(id: &str, raised_ms: i64, steps: &[Step]) -> TriageRecord {
    TriageRecord {
        anomaly_id: id.into(),
        raised_at: Some(ms_to_timestamp(raised_ms)),
        revision: steps.len() as u32,
        history: steps
            .iter()
            .map(|&(action, actor, after_s, reason)| TriageEntry {
                action: action as i32,
                actor: actor.into(),
                at: Some(ms_to_timestamp(raised_ms + after_s * 1_000)),
                reason: reason as i32,
                ..TriageEntry::default()
            })
            .collect(),
        ..TriageRecord::default()
    }
}

fn triage() -> Vec<TriageRecord> {
    use DismissReason::{Duplicate, FalseAlarm, Unspecified as No};
    use TriageAction::*;
    vec![
        record(
            "a1",
            WALL,
            &[(Acknowledge, "op-1", 60, No), (Escalate, "op-2", 120, No)],
        ),
        // Dismissed as a duplicate: the escalation of a1 still stands.
        record(
            "a1-again",
            WALL + 10_000,
            &[(Dismiss, "op-2", 130, Duplicate)],
        ),
        // Dismissed, reopened and escalated: the escalation stands.
        record(
            "s1",
            WALL + 3_600_000,
            &[
                (Dismiss, "op-1", 300, FalseAlarm),
                (Reopen, "op-2", 600, No),
                (Escalate, "op-2", 900, No),
            ],
        ),
        record("a4", WALL + 7_200_000, &[(Dismiss, "op-1", 50, FalseAlarm)]),
        record("f1", WALL, &[(Dismiss, "op-2", 30, FalseAlarm)]),
        record("f2", WALL, &[(Escalate, "op-1", 40, No)]),
        // Background: any decision is fine, nothing is scored.
        record("b1", WALL, &[(Escalate, "op-1", 10, No)]),
    ]
}

fn roster() -> Roster {
    Roster {
        teams: [("op-1", "shift A"), ("op-2", "shift A")]
            .into_iter()
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect(),
    }
}

#[test]
fn each_incident_gets_one_outcome_and_the_credit_goes_to_who_acted() {
    let out = score_operators(&scope(), &truth(), &anomalies(), &triage(), &roster());
    let outcome = |id: &str| {
        out.incidents
            .iter()
            .find(|i| i.anomaly_ids[0] == id)
            .unwrap_or_else(|| panic!("{id} carries no incident"))
    };
    assert_eq!(out.incidents.len(), 4, "background is not scored");
    let a1 = outcome("a1");
    assert_eq!(a1.outcome, "escalated");
    assert_eq!(a1.anomaly_ids, ["a1", "a1-again"]);
    assert_eq!(a1.acknowledged_by.as_deref(), Some("op-1"));
    assert_eq!(a1.acknowledged_after_seconds, Some(60.0));
    assert_eq!(a1.decided_by.as_deref(), Some("op-2"));
    assert_eq!(a1.escalated_after_seconds, Some(120.0));
    let s1 = outcome("s1");
    assert_eq!(s1.outcome, "escalated");
    assert_eq!(s1.acknowledged_by.as_deref(), Some("op-1"));
    assert_eq!(s1.escalated_after_seconds, Some(900.0));
    let a4 = outcome("a4");
    assert_eq!(a4.outcome, "wrongly_dismissed");
    assert_eq!(a4.dismissal_reason.as_deref(), Some("false_alarm"));
    assert_eq!(outcome("a3").outcome, "unnoticed");
    assert_eq!(
        (
            out.escalated,
            out.acknowledged_only,
            out.wrongly_dismissed,
            out.unnoticed
        ),
        (2, 0, 1, 1)
    );
    assert_eq!(
        (
            out.false_alarms,
            out.false_alarms_dismissed,
            out.false_alarms_escalated
        ),
        (2, 1, 1)
    );
    let ack = out.time_to_acknowledge.as_ref().unwrap();
    assert_eq!((ack.median_seconds, ack.max_seconds), (60.0, 300.0));

    let op = |name: &str| out.operators.iter().find(|o| o.operator == name).unwrap();
    let one = op("op-1");
    assert_eq!(
        (
            one.actions,
            one.acknowledged,
            one.escalated,
            one.wrongly_dismissed,
            one.false_alarms_dismissed,
            one.false_alarms_escalated
        ),
        (5, 3, 0, 1, 0, 1)
    );
    let two = op("op-2");
    assert_eq!(
        (
            two.actions,
            two.acknowledged,
            two.escalated,
            two.false_alarms_dismissed
        ),
        (5, 0, 2, 1)
    );
    assert_eq!(two.time_to_escalate.as_ref().unwrap().median_seconds, 510.0);
    assert_eq!(out.teams.len(), 1);
    let team = &out.teams[0];
    assert_eq!(team.operator, "shift A");
    assert_eq!(
        (team.actions, team.acknowledged, team.escalated),
        (10, 3, 2)
    );
}

#[test]
fn without_triage_every_detected_incident_is_unnoticed() {
    let out = score_operators(&scope(), &truth(), &anomalies(), &[], &Roster::default());
    assert_eq!(out.unnoticed, 4);
    assert_eq!(out.escalated, 0);
    assert!(out.operators.is_empty() && out.teams.is_empty());
    assert_eq!(out.time_to_acknowledge, None);
    assert_eq!(out.false_alarms, 2);
    assert_eq!(out.false_alarms_dismissed, 0);
}
