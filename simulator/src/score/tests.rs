use borderflow_i18n::Lang;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind as A, AnomalyStatus, Evidence};
use borderflow_proto::ms_to_timestamp;

use super::*;
use crate::truth::{Draft, SideEffect, Truth};

const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;
const PERIOD: i64 = 15 * MINUTE;

fn scope() -> Scope {
    Scope {
        scenario: "test".into(),
        network: "net".into(),
        seed: 1,
        start_ms: 0,
        end_ms: 48 * HOUR,
        period_ms: PERIOD,
        crossings: 30,
    }
}

const QUEUE: SideEffect = SideEffect::new(A::QueueSla, "the queue outgrows the lanes");
const REFUSALS: SideEffect = SideEffect::new(A::RefusalRateSpike, "refused at the booth");

fn draft(
    kind: &str,
    expected: A,
    side_effects: &[SideEffect],
    crossing: &str,
    span: (i64, i64),
) -> Draft {
    Draft {
        incident: Some(0),
        label: format!("{kind} incident"),
        kind: kind.into(),
        expected,
        side_effects: side_effects.to_vec(),
        crossings: vec![crossing.into()],
        checkpoint: None,
        officer: None,
        start_ms: span.0,
        end_ms: span.1,
    }
}

fn anomaly(id: &str, kind: A, crossing: &str, at: i64, detected: i64, events: &[&str]) -> Anomaly {
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

/// A crossing-level anomaly at `crossing`, stamped `at`, detected an hour on.
fn judged(id: &str, kind: A, crossing: &str, at: i64) -> Anomaly {
    anomaly(id, kind, crossing, at, at + HOUR, &[])
}

/// A surge at Y from 20:00 to 23:00 with the queue as its side effect.
fn surge() -> Truth {
    let mut truth = Truth::default();
    truth.add(draft(
        "flow_surge",
        A::FlowSurge,
        &[QUEUE],
        "Y",
        (20 * HOUR, 23 * HOUR),
    ));
    truth
}

fn row<'a>(card: &'a Scorecard, kind: &str) -> &'a KindScore {
    card.incidents
        .iter()
        .chain(&card.background)
        .find(|k| k.kind == kind)
        .unwrap()
}

fn ids<T>(list: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    list.iter().map(|x| id(x).to_owned()).collect()
}

fn false_ids(card: &Scorecard) -> Vec<String> {
    ids(&card.false_alarms, |f| &f.anomaly.id)
}

/// Two forged documents (one caught), a surge (caught, with a queue side
/// effect), a silent booth (missed) and a background hit.
fn truth() -> Truth {
    let mut truth = Truth::default();
    let a = truth.add(draft(
        "forged_documents",
        A::MrzCheckDigit,
        &[REFUSALS],
        "X",
        (10 * HOUR, 10 * HOUR),
    ));
    truth.record(a, "e1");
    let b = truth.add(draft(
        "forged_documents",
        A::MrzCheckDigit,
        &[REFUSALS],
        "X",
        (11 * HOUR, 11 * HOUR),
    ));
    truth.record(b, "e2");
    truth.add(draft(
        "flow_surge",
        A::FlowSurge,
        &[QUEUE],
        "Y",
        (20 * HOUR, 23 * HOUR),
    ));
    let c = truth.add(draft(
        "link_outage",
        A::CheckpointSilent,
        &[],
        "Z",
        (30 * HOUR, 31 * HOUR),
    ));
    truth.occurrences[c as usize].checkpoint = Some("Z-L01".into());
    let mut background = draft(
        "background/lost_stolen",
        A::LostStolenDocument,
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
            A::MrzCheckDigit,
            "X",
            10 * HOUR + MINUTE,
            10 * HOUR + 2 * MINUTE,
            &["e1"],
        ),
        // The surge, judged from its first period, flagged 30 minutes in.
        anomaly(
            "a2",
            A::FlowSurge,
            "Y",
            20 * HOUR,
            20 * HOUR + HOUR / 2,
            &[],
        ),
        // Its queue: a side effect, not a false alarm.
        judged("a3", A::QueueSla, "Y", 21 * HOUR),
        // A refusal spike in the period after the second forged document.
        judged("a4", A::RefusalRateSpike, "X", 11 * HOUR + 5 * MINUTE),
        // The background hit: expected, not an incident, not a false alarm.
        anomaly(
            "a5",
            A::LostStolenDocument,
            "X",
            5 * HOUR,
            5 * HOUR,
            &["e9"],
        ),
        // A surge nobody planted, and an MRZ failure of an unplanted event.
        judged("f1", A::FlowSurge, "Q", 30 * HOUR),
        anomaly(
            "f2",
            A::MrzCheckDigit,
            "X",
            12 * HOUR,
            12 * HOUR,
            &["other"],
        ),
        // The silent booth flagged at another booth: does not count for it.
        {
            let mut a = judged("f3", A::CheckpointSilent, "Z", 30 * HOUR);
            a.evidence.as_mut().unwrap().checkpoint_id = "Z-L02".into();
            a
        },
        // Outside the scored span, and a retracted one: ignored.
        judged("x1", A::FlowSurge, "Q", 50 * HOUR),
        {
            let mut a = judged("x2", A::FlowSurge, "Q", 40 * HOUR);
            a.status = AnomalyStatus::Retracted as i32;
            a
        },
        // A replay of a1: the same anomaly, scored once.
        anomaly(
            "a1",
            A::MrzCheckDigit,
            "X",
            10 * HOUR + MINUTE,
            10 * HOUR + 2 * MINUTE,
            &["e1"],
        ),
    ];
    let card = score(&scope(), &truth(), &anomalies);
    assert_eq!(card.anomalies, 8);

    let forged = row(&card, "forged_documents");
    assert_eq!((forged.planted, forged.detected, forged.missed), (2, 1, 1));
    assert_eq!((forged.true_positives, forged.false_alarms), (1, 1));
    assert_eq!(forged.recall, 0.5);
    assert_eq!(forged.precision, Some(0.5));
    assert_eq!(forged.delay.as_ref().unwrap().median_seconds, 120.0);
    assert_eq!(
        forged.missed_in,
        vec!["forged_documents incident".to_owned()]
    );

    let surge = row(&card, "flow_surge");
    assert_eq!(
        (surge.detected, surge.true_positives, surge.false_alarms),
        (1, 1, 1)
    );
    assert_eq!(surge.precision, Some(0.5));
    assert_eq!(surge.delay.as_ref().unwrap().max_seconds, 1_800.0);

    let outage = row(&card, "link_outage");
    assert_eq!((outage.detected, outage.missed), (0, 1));
    assert_eq!(outage.precision, Some(0.0));
    assert!(outage.delay.is_none());

    assert_eq!(card.background.len(), 1);
    assert_eq!(card.background[0].detected, 1);
    assert_eq!(ids(&card.side_effects, |e| &e.anomaly.id), ["a4", "a3"]);
    assert_eq!(card.side_effects[0].by.occurrence, 1);
    assert_eq!(card.side_effects[0].reason, "refused at the booth");
    // In event time order.
    assert_eq!(false_ids(&card), ["f2", "f1", "f3"]);
    assert_eq!(card.totals.planted, 4);
    assert_eq!(card.totals.detected, 2);
    assert_eq!(card.totals.recall, 0.5);
    assert_eq!(card.totals.precision, Some(0.4));
    let text = render(&card, Lang::En);
    assert!(text.contains("forged_documents"), "{text}");
    assert!(text.contains("false alarm FLOW_SURGE at Q"), "{text}");
    assert!(
        text.contains("side effect QUEUE_SLA at Y 1970-01-01T21:00:00.000Z: of flow_surge #2"),
        "{text}"
    );
    assert!(text.starts_with("scorecard: "), "{text}");
    assert!(text.contains("\n  kind "), "{text}");
    // The trainer's language: words translated, kinds, ids and figures as
    // in the JSON.
    let russian = render(&card, Lang::Ru);
    assert!(russian.starts_with("оценка: "), "{russian}");
    assert!(russian.contains("\nинциденты:\n  вид "), "{russian}");
    assert!(
        russian.contains("ложная тревога FLOW_SURGE в Q"),
        "{russian}"
    );
    assert!(
        russian
            .contains("побочный эффект QUEUE_SLA в Y 1970-01-01T21:00:00.000Z: от flow_surge #2"),
        "{russian}"
    );
    assert!(
        russian.contains("итого: заложено 4, найдено 2,"),
        "{russian}"
    );
    assert_eq!(russian.lines().count(), text.lines().count());
    let json = serde_json::to_value(&card).unwrap();
    assert_eq!(json["totals"]["planted"], 4);
    assert_eq!(
        json["side_effects"][1]["reason"],
        "the queue outgrows the lanes"
    );
    assert_eq!(json["side_effects"][1]["incident_kind"], "flow_surge");
    assert_eq!(json["false_alarms"][0]["id"], "f2");
}

#[test]
fn nothing_flagged_means_full_misses_and_no_precision() {
    let card = score(&scope(), &truth(), &[]);
    assert_eq!(card.totals.detected, 0);
    assert_eq!(card.totals.recall, 0.0);
    assert_eq!(card.totals.precision, None);
    assert_eq!(card.totals.false_alarms_per_100_crossing_days, Some(0.0));
    assert!(card.incidents.iter().all(|k| k.precision.is_none()));
}

#[test]
fn one_anomaly_detects_one_occurrence_and_the_most_are_detected() {
    // Two surges back to back at Y. `wide` judged 20:45–21:00, which
    // concerns both; `early` judged 20:00–20:15, only the first. Taken
    // greedily by detection time, `wide` would detect the first and leave
    // the second missed; the assignment gives each its own.
    let mut truth = Truth::default();
    truth.add(draft(
        "flow_surge",
        A::FlowSurge,
        &[],
        "Y",
        (20 * HOUR, 21 * HOUR),
    ));
    truth.add(draft(
        "flow_surge",
        A::FlowSurge,
        &[],
        "Y",
        (21 * HOUR, 22 * HOUR),
    ));
    let wide = anomaly(
        "wide",
        A::FlowSurge,
        "Y",
        20 * HOUR + 45 * MINUTE,
        21 * HOUR,
        &[],
    );
    let early = anomaly(
        "early",
        A::FlowSurge,
        "Y",
        20 * HOUR,
        21 * HOUR + HOUR / 2,
        &[],
    );
    let card = score(&scope(), &truth, &[wide.clone(), early]);
    let surge = row(&card, "flow_surge");
    assert_eq!(
        (surge.planted, surge.detected, surge.true_positives),
        (2, 2, 2)
    );
    assert_eq!((surge.duplicates, surge.false_alarms), (0, 0));

    // Alone, the wide anomaly detects one of them, not both.
    let card = score(&scope(), &truth, &[wide]);
    let surge = row(&card, "flow_surge");
    assert_eq!(
        (surge.detected, surge.missed, surge.true_positives),
        (1, 1, 1)
    );
    assert_eq!(surge.recall, 0.5);
}

#[test]
fn extra_alarms_about_a_detected_occurrence_are_duplicates() {
    let anomalies = [
        judged("first", A::FlowSurge, "Y", 20 * HOUR),
        judged("again", A::FlowSurge, "Y", 21 * HOUR),
        judged("and-again", A::FlowSurge, "Y", 22 * HOUR + 30 * MINUTE),
    ];
    let card = score(&scope(), &surge(), &anomalies);
    let surge = row(&card, "flow_surge");
    assert_eq!((surge.detected, surge.true_positives), (1, 1));
    assert_eq!((surge.duplicates, surge.false_alarms), (2, 0));
    // Duplicates count in neither side of precision.
    assert_eq!(surge.precision, Some(1.0));
    assert_eq!(card.totals.precision, Some(1.0));
    assert_eq!(card.totals.duplicates, 2);
    assert_eq!(
        ids(&card.duplicates, |d| &d.anomaly.id),
        ["again", "and-again"]
    );
    assert_eq!(card.duplicates[0].of.occurrence, 0);
    let flow = &card.anomaly_kinds[0];
    assert_eq!(flow.anomaly, "FLOW_SURGE");
    assert_eq!(
        (flow.expected, flow.true_positives, flow.duplicates),
        (1, 1, 2)
    );
    let text = render(&card, Lang::En);
    assert!(
        text.contains("duplicate FLOW_SURGE at Y 1970-01-01T21:00:00.000Z: of flow_surge #0"),
        "{text}"
    );
    let json = serde_json::to_value(&card).unwrap();
    assert_eq!(json["duplicates"][1]["id"], "and-again");
    assert_eq!(json["incidents"][0]["duplicates"], 2);
}

#[test]
fn crossing_level_anomalies_match_by_the_period_they_judged() {
    // The surge runs 20:00–23:00; widened by a period, 19:45–23:15. An
    // anomaly judges the 15 minutes from its event time.
    let at = |at: i64| {
        let card = score(&scope(), &surge(), &[judged("a", A::FlowSurge, "Y", at)]);
        row(&card, "flow_surge").detected == 1
    };
    assert!(!at(19 * HOUR + 30 * MINUTE), "judged 19:30–19:45");
    assert!(at(19 * HOUR + 31 * MINUTE), "judged 19:31–19:46");
    assert!(at(23 * HOUR + 14 * MINUTE), "judged 23:14–23:29");
    assert!(!at(23 * HOUR + 15 * MINUTE), "judged 23:15–23:30");
    // Forty minutes after the end: too late.
    assert!(!at(23 * HOUR + 40 * MINUTE));
    // Another crossing in the span: no.
    let card = score(
        &scope(),
        &surge(),
        &[judged("a", A::FlowSurge, "Q", 21 * HOUR)],
    );
    assert_eq!(row(&card, "flow_surge").detected, 0);
}

#[test]
fn detection_time_does_not_match() {
    // Judged 18:00–18:15, long before the surge, but detected at 20:30
    // inside it: once a match through its detection time, now a false
    // alarm.
    let early = anomaly(
        "early",
        A::FlowSurge,
        "Y",
        18 * HOUR,
        20 * HOUR + HOUR / 2,
        &[],
    );
    let card = score(&scope(), &surge(), &[early]);
    assert_eq!(row(&card, "flow_surge").detected, 0);
    assert_eq!(false_ids(&card), ["early"]);
    // Judged inside, detected long after the end: a detection, its delay
    // measured to the detection time.
    let late = anomaly("late", A::FlowSurge, "Y", 22 * HOUR, 26 * HOUR, &[]);
    let card = score(&scope(), &surge(), &[late]);
    let surge = row(&card, "flow_surge");
    assert_eq!(surge.detected, 1);
    assert_eq!(surge.delay.as_ref().unwrap().max_seconds, 6.0 * 3_600.0);
}

#[test]
fn a_side_effect_counts_only_within_the_span() {
    let anomalies = [
        judged("during", A::QueueSla, "Y", 22 * HOUR),
        // The last period of slack: judged 23:10–23:25.
        judged("edge", A::QueueSla, "Y", 23 * HOUR + 10 * MINUTE),
        // Half an hour after the end: past the period of slack.
        judged("after", A::QueueSla, "Y", 23 * HOUR + 30 * MINUTE),
        // Before the surge began.
        judged("before", A::QueueSla, "Y", 19 * HOUR),
    ];
    let card = score(&scope(), &surge(), &anomalies);
    assert_eq!(
        ids(&card.side_effects, |e| &e.anomaly.id),
        ["during", "edge"]
    );
    assert!(card.side_effects.iter().all(|e| e.reason == QUEUE.reason));
    assert_eq!(false_ids(&card), ["before", "after"]);
    assert_eq!(card.totals.side_effects, 2);
}

#[test]
fn a_kind_not_on_the_list_is_a_false_alarm() {
    // Slow booths at the surging crossing, in the surge: the surge does
    // not list them.
    let anomalies = [
        judged("slow", A::SlowInspections, "Y", 21 * HOUR),
        judged("queue", A::QueueSla, "Y", 21 * HOUR),
    ];
    let card = score(&scope(), &surge(), &anomalies);
    assert_eq!(false_ids(&card), ["slow"]);
    assert_eq!(ids(&card.side_effects, |e| &e.anomaly.id), ["queue"]);
    // Its kind has a row, though nothing planted expects it.
    let slow = card
        .anomaly_kinds
        .iter()
        .find(|k| k.anomaly == "SLOW_INSPECTIONS")
        .unwrap();
    assert_eq!(
        (slow.expected, slow.false_alarms, slow.side_effects),
        (0, 1, 0)
    );
    assert_eq!(slow.precision, Some(0.0));
    let queue = card
        .anomaly_kinds
        .iter()
        .find(|k| k.anomaly == "QUEUE_SLA")
        .unwrap();
    assert_eq!((queue.false_alarms, queue.side_effects), (0, 1));
    assert_eq!(queue.precision, None);
    // Kinds neither expected nor raised have no row.
    assert!(!card.anomaly_kinds.iter().any(|k| k.anomaly == "OVERSTAY"));
}

#[test]
fn false_alarms_per_100_crossing_days() {
    // 30 crossings for two days: 60 crossing-days; 3 false alarms are 5
    // per 100.
    let anomalies = [
        judged("f1", A::FlowDrop, "Q", HOUR),
        judged("f2", A::NationalityMixShift, "Q", 2 * HOUR),
        anomaly("f3", A::DoubleEntry, "Q", 3 * HOUR, 3 * HOUR, &["x"]),
    ];
    let card = score(&scope(), &surge(), &anomalies);
    assert_eq!(
        (card.crossings, card.days, card.crossing_days),
        (30, 2.0, 60.0)
    );
    assert_eq!(card.totals.false_alarms, 3);
    assert_eq!(card.totals.false_alarms_per_100_crossing_days, Some(5.0));
    // 4 crossings for 36 hours: 6 crossing-days; 3 in 6 are 50 per 100.
    let short = Scope {
        end_ms: 36 * HOUR,
        crossings: 4,
        ..scope()
    };
    let card = score(&short, &surge(), &anomalies);
    assert_eq!(card.crossing_days, 6.0);
    assert_eq!(card.totals.false_alarms_per_100_crossing_days, Some(50.0));
    assert!(render(&card, Lang::En).contains("(50.00 per 100 crossing-days)"));
    // An empty exposure has no rate.
    let empty = Scope {
        crossings: 0,
        ..scope()
    };
    let card = score(&empty, &surge(), &anomalies);
    assert_eq!(card.totals.false_alarms_per_100_crossing_days, None);
}

#[test]
fn the_tail_is_scored_up_to_the_end_of_the_scope() {
    // Everything stamped before the scope's end is scored, however long
    // after the last incident.
    let anomalies = [
        judged("tail", A::FlowDrop, "Q", 48 * HOUR - MINUTE),
        judged("beyond", A::FlowDrop, "Q", 48 * HOUR),
        judged("before", A::FlowDrop, "Q", -MINUTE),
    ];
    let card = score(&scope(), &surge(), &anomalies);
    assert_eq!(card.anomalies, 1);
    assert_eq!(false_ids(&card), ["tail"]);
    let drop = card
        .anomaly_kinds
        .iter()
        .find(|k| k.anomaly == "FLOW_DROP")
        .unwrap();
    assert_eq!(drop.false_alarms, 1);
}

#[test]
fn evidence_matches_whatever_the_time() {
    // A forged document's refusals named in a spike's evidence concern it
    // even when the period judged is hours away.
    let mut truth = Truth::default();
    let o = truth.add(draft(
        "forged_documents",
        A::MrzCheckDigit,
        &[REFUSALS],
        "X",
        (10 * HOUR, 10 * HOUR),
    ));
    truth.record(o, "e1");
    let spike = anomaly(
        "spike",
        A::RefusalRateSpike,
        "X",
        14 * HOUR,
        14 * HOUR,
        &["e1"],
    );
    let far = judged("far", A::RefusalRateSpike, "X", 14 * HOUR);
    let card = score(&scope(), &truth, &[spike, far]);
    assert_eq!(ids(&card.side_effects, |e| &e.anomaly.id), ["spike"]);
    assert_eq!(false_ids(&card), ["far"]);
}

#[test]
fn a_period_next_to_the_span_is_within_it_and_one_further_is_not() {
    let p = PERIOD;
    let (start, end) = (10 * HOUR, 12 * HOUR);
    assert!(judged_within(start, p, start, end));
    assert!(judged_within(start - p, p, start, end), "the period before");
    assert!(judged_within(end, p, start, end), "the period after");
    assert!(!judged_within(start - 2 * p, p, start, end));
    assert!(!judged_within(end + p, p, start, end));
}
