use std::collections::BTreeMap;

use borderflow_i18n::Lang;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind as A, AnomalyStatus, Evidence};
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::triage::v1::{DismissReason, TriageAction, TriageEntry, TriageRecord};

use super::*;
use crate::score::{Roster, score, score_operators};
use crate::truth::Draft;

const HOUR: i64 = 3_600_000;
const WALL: i64 = 1_800_000_000_000;

fn scope() -> Scope {
    Scope {
        scenario: "drill".into(),
        network: "net".into(),
        seed: 7,
        start_ms: 0,
        end_ms: 24 * HOUR,
        period_ms: 15 * 60_000,
        crossings: 3,
    }
}

fn truth() -> Truth {
    let mut truth = Truth::default();
    for (event, hour) in [("e1", 2), ("e2", 6)] {
        let o = truth.add(Draft {
            incident: Some(0),
            label: "forged passports".into(),
            kind: "forged_documents".into(),
            expected: A::MrzCheckDigit,
            side_effects: Vec::new(),
            crossings: vec!["KZ-A".into()],
            checkpoint: None,
            officer: None,
            start_ms: hour * HOUR,
            end_ms: hour * HOUR,
        });
        truth.record(o, event);
    }
    truth
}

fn anomaly(id: &str, kind: A, crossing: &str, hour: i64, events: &[&str], text: &str) -> Anomaly {
    Anomaly {
        id: id.into(),
        kind: kind as i32,
        crossing_id: crossing.into(),
        event_time: Some(ms_to_timestamp(hour * HOUR)),
        detected_at: Some(ms_to_timestamp(hour * HOUR + 30 * 60_000)),
        explanation: text.into(),
        evidence: Some(Evidence {
            event_ids: events.iter().map(|e| (*e).to_owned()).collect(),
            ..Evidence::default()
        }),
        status: AnomalyStatus::Open as i32,
        ..Anomaly::default()
    }
}

fn entry(action: TriageAction, actor: &str, at_ms: i64, reason: DismissReason) -> TriageEntry {
    TriageEntry {
        action: action as i32,
        actor: actor.into(),
        at: Some(ms_to_timestamp(at_ms)),
        reason: reason as i32,
        ..TriageEntry::default()
    }
}

struct Fixture {
    scope: Scope,
    truth: Truth,
    anomalies: Vec<Anomaly>,
    triage: Vec<TriageRecord>,
    card: Scorecard,
    traffic: BTreeMap<String, Vec<(i64, u64)>>,
    trainer: Vec<TrainerAction>,
}

fn fixture() -> Fixture {
    let (scope, truth) = (scope(), truth());
    let anomalies = vec![
        anomaly(
            "a1",
            A::MrzCheckDigit,
            "KZ-A",
            2,
            &["e1"],
            "check digit failed",
        ),
        anomaly(
            "a2",
            A::MrzCheckDigit,
            "KZ-A",
            6,
            &["e2"],
            "check digit failed",
        ),
        anomaly(
            "f1",
            A::FlowDrop,
            "KG-B",
            9,
            &[],
            "flow <dropped> & \"odd\"",
        ),
    ];
    let raised = |hour: i64| WALL + hour * 60_000;
    let triage = vec![
        TriageRecord {
            anomaly_id: "a1".into(),
            raised_at: Some(ms_to_timestamp(raised(2))),
            history: vec![
                entry(
                    TriageAction::Acknowledge,
                    "op-1",
                    raised(2) + 40_000,
                    DismissReason::Unspecified,
                ),
                entry(
                    TriageAction::Escalate,
                    "op-1",
                    raised(2) + 90_000,
                    DismissReason::Unspecified,
                ),
            ],
            ..TriageRecord::default()
        },
        TriageRecord {
            anomaly_id: "f1".into(),
            raised_at: Some(ms_to_timestamp(raised(9))),
            history: vec![entry(
                TriageAction::Dismiss,
                "op-2",
                raised(9) + 20_000,
                DismissReason::FalseAlarm,
            )],
            ..TriageRecord::default()
        },
    ];
    let mut card = score(&scope, &truth, &anomalies);
    card.operators = Some(score_operators(
        &scope,
        &truth,
        &anomalies,
        &triage,
        &Roster::default(),
    ));
    let traffic = BTreeMap::from([(
        "KZ-A".to_owned(),
        (0..24).map(|h| (h * HOUR, 100 + h as u64)).collect(),
    )]);
    let trainer = vec![TrainerAction {
        wall_ms: raised(4),
        event_ms: 4 * HOUR,
        action: "inject".into(),
        detail: "forged passports at KZ-A".into(),
    }];
    Fixture {
        scope,
        truth,
        anomalies,
        triage,
        card,
        traffic,
        trainer,
    }
}

fn render_in(f: &Fixture, lang: Lang) -> String {
    render(&ReportInput {
        scorecard: &f.card,
        scope: &f.scope,
        truth: &f.truth,
        anomalies: &f.anomalies,
        triage: &f.triage,
        traffic: &f.traffic,
        trainer: &f.trainer,
        lang,
        generated_ms: WALL + 24 * 60_000,
    })
}

#[test]
fn the_report_holds_every_section_and_marks_what_happened() {
    let f = fixture();
    let html = render_in(&f, Lang::En);
    for id in [
        "timeline",
        "operators",
        "trainer",
        "kinds",
        "delays",
        "false-alarms",
        "traffic",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "{id} missing"
        );
    }
    // One dot per scored anomaly, judged; one triangle per operator action.
    assert_eq!(html.matches("class=\"anomaly detects\"").count(), 2);
    assert_eq!(html.matches("class=\"anomaly false\"").count(), 1);
    assert_eq!(html.matches("<path class=\"action\"").count(), 3);
    assert_eq!(html.matches("<line class=\"rule\"").count(), 1);
    assert_eq!(html.matches("<rect class=\"span\"").count(), 2);
    // Who caught what: a1 escalated by op-1 after 90 s, a2 unnoticed.
    assert!(html.contains("class=\"outcome-escalated\">escalated</td><td>op-1</td><td class=\"num\">40 s</td><td>op-1</td><td class=\"num\">90 s</td>"), "{html}");
    assert!(html.contains("class=\"outcome-unnoticed\">unnoticed"));
    assert!(html.contains("Exercise report: drill"));
    // Text is escaped, and nothing is fetched from anywhere.
    assert!(html.contains("flow &lt;dropped&gt; &amp; &quot;odd&quot;"));
    assert!(!html.contains("<dropped>"));
    let without_ns = html.replace("http://www.w3.org/2000/svg", "");
    assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));
    assert!(!html.contains("<script"));
    assert!(html.contains("@media print"));
}

#[test]
fn the_report_reads_in_russian() {
    let html = render_in(&fixture(), Lang::Ru);
    assert!(html.contains("<html lang=\"ru\">"));
    assert!(html.contains("Отчёт об учении: drill"));
    assert!(html.contains("передано выше"));
    assert!(html.contains("Ложные тревоги"));
}

#[test]
fn operator_actions_sit_where_the_exercise_clock_stood() {
    let f = fixture();
    let html = render_in(&f, Lang::En);
    // op-1 escalated 90 s of wall time after a1's publication. The map's
    // pairs: a1 published at WALL+2 min and detected at 02:30, the
    // trainer's action at WALL+4 min and 04:00: 90 min of event time in
    // 2 min of wall time, 45×. So the escalation sits at 02:30 + 90 s × 45.
    let timeline = &html[html.find("<svg class=\"timeline\"").unwrap()..];
    let x = |t_ms: i64| 170.0 + t_ms as f64 / (24 * HOUR) as f64 * 810.0;
    let want = x(2 * HOUR + 30 * 60_000 + 90_000 * 45);
    assert!(
        timeline.contains(&format!("M{want:.1} ")),
        "expected a triangle at x={want:.1}"
    );
}
