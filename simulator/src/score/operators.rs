//! The operators' score: what the people watching the dashboard did with
//! what the system flagged, from the triage records and the truth.
//!
//! Rules, one per thing an operator can get right or wrong:
//!
//! - **A planted incident the system detected** is a task, carried by the
//!   anomalies that detect it and their duplicates. It is *escalated* (the
//!   right action) when one of them was escalated and that decision stands
//!   (not dismissed or reopened after); *wrongly dismissed* when the
//!   decisions standing on its anomalies are dismissals only;
//!   *acknowledged* when someone looked at it but decided nothing; and
//!   *unnoticed* otherwise. Its clock starts when the first of its
//!   anomalies was published (wall time, the aggregator's `raised_at`);
//!   the time to acknowledge ends at the first acknowledgement of any of
//!   them, the time to act at the escalation that stands.
//! - **A false alarm** (the system's) is *dismissed* when a dismissal
//!   stands on it, whatever the reason, and *escalated* (a wrong action)
//!   when an escalation does.
//! - Side effects and background occurrences are real but not incidents:
//!   any decision is fine, and they are not scored.
//! - Planted incidents the system missed are not the operators' to score.
//!
//! Credit goes to the actor of the entry that counts: the acknowledgement
//! to who acknowledged first, the escalation or dismissal that stands to
//! who made it. A roster can group operators into teams. Pure: unit-tested
//! on hand-built records.

use std::collections::{BTreeMap, HashMap};

use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::timestamp_to_ms;
use borderflow_proto::triage::v1::{TriageAction, TriageEntry, TriageRecord};
use serde::Serialize;

use super::rows::delay;
use super::{Delay, Scope, Verdict, scored, verdicts};
use crate::truth::Truth;

/// Who is in which team (optional): subject → team.
#[derive(Clone, Debug, Default)]
pub struct Roster {
    pub teams: BTreeMap<String, String>,
}

/// What the operators did, as the scorecard carries it.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Operators {
    /// Planted incidents the system detected: the operators' tasks.
    pub incidents: Vec<IncidentTriage>,
    pub escalated: usize,
    pub acknowledged_only: usize,
    pub wrongly_dismissed: usize,
    pub unnoticed: usize,
    /// False alarms of the system and what became of them.
    pub false_alarms: usize,
    pub false_alarms_dismissed: usize,
    pub false_alarms_escalated: usize,
    /// Wall time from publication to acknowledgement, over the incidents.
    pub time_to_acknowledge: Option<Delay>,
    /// Wall time from publication to the escalation that stands.
    pub time_to_escalate: Option<Delay>,
    /// One row per operator who acted, then one per team of the roster.
    pub operators: Vec<OperatorScore>,
    pub teams: Vec<OperatorScore>,
}

/// One planted incident and what the operators made of it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IncidentTriage {
    pub occurrence: u32,
    pub incident: String,
    pub incident_kind: String,
    pub crossing_id: String,
    /// The anomalies carrying it (detection first, then duplicates).
    pub anomaly_ids: Vec<String>,
    /// `escalated`, `acknowledged`, `wrongly_dismissed` or `unnoticed`.
    pub outcome: &'static str,
    pub acknowledged_by: Option<String>,
    pub acknowledged_after_seconds: Option<f64>,
    pub decided_by: Option<String>,
    pub escalated_after_seconds: Option<f64>,
    /// The reason of a standing dismissal.
    pub dismissal_reason: Option<String>,
}

/// What one operator (or team) did.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct OperatorScore {
    pub operator: String,
    /// Triage actions of any kind.
    pub actions: usize,
    /// Incidents this operator acknowledged first.
    pub acknowledged: usize,
    /// Incidents whose standing escalation is theirs: the right action.
    pub escalated: usize,
    /// Incidents whose standing dismissal is theirs: a wrong action.
    pub wrongly_dismissed: usize,
    pub false_alarms_dismissed: usize,
    pub false_alarms_escalated: usize,
    pub time_to_acknowledge: Option<Delay>,
    pub time_to_escalate: Option<Delay>,
}

/// The decision standing on a record: the last escalation or dismissal
/// not undone by a reopening.
fn standing(record: &TriageRecord) -> Option<&TriageEntry> {
    let mut decision = None;
    for entry in &record.history {
        match TriageAction::try_from(entry.action) {
            Ok(TriageAction::Escalate | TriageAction::Dismiss) => decision = Some(entry),
            Ok(TriageAction::Reopen) => decision = None,
            _ => {}
        }
    }
    decision
}

fn is(entry: &TriageEntry, action: TriageAction) -> bool {
    entry.action == action as i32
}

fn at_ms(entry: &TriageEntry) -> Option<i64> {
    entry.at.as_ref().and_then(timestamp_to_ms)
}

/// The first acknowledgement on a record (acknowledging, escalating or
/// dismissing all show someone looked).
fn first_look(record: &TriageRecord) -> Option<&TriageEntry> {
    record.history.iter().find(|e| {
        is(e, TriageAction::Acknowledge)
            || is(e, TriageAction::Escalate)
            || is(e, TriageAction::Dismiss)
    })
}

/// Tallies per operator.
#[derive(Default)]
struct Tally {
    score: OperatorScore,
    ack_s: Vec<f64>,
    escalate_s: Vec<f64>,
}

impl Tally {
    fn finish(mut self) -> OperatorScore {
        self.score.time_to_acknowledge = delay(self.ack_s);
        self.score.time_to_escalate = delay(self.escalate_s);
        self.score
    }
}

/// Scores the operators' triage (`triage`: every record read back) of the
/// anomalies the scorecard for `scope` judged.
pub fn score_operators(
    scope: &Scope,
    truth: &Truth,
    anomalies: &[Anomaly],
    triage: &[TriageRecord],
    roster: &Roster,
) -> Operators {
    let records: HashMap<&str, &TriageRecord> =
        triage.iter().map(|r| (r.anomaly_id.as_str(), r)).collect();
    let scored = scored(scope, anomalies);
    let verdicts = verdicts(scope, truth, &scored);
    let mut carriers: BTreeMap<usize, Vec<&Anomaly>> = BTreeMap::new();
    let mut false_alarms = Vec::new();
    for (s, verdict) in scored.iter().zip(&verdicts) {
        match *verdict {
            Verdict::Detects(o) | Verdict::Duplicate(o)
                if !truth.occurrences[o].is_background() =>
            {
                let list = carriers.entry(o).or_default();
                // The detection first: it is the anomaly operators saw as the incident.
                if matches!(verdict, Verdict::Detects(_)) {
                    list.insert(0, s.anomaly);
                } else {
                    list.push(s.anomaly);
                }
            }
            Verdict::False => false_alarms.push(s.anomaly),
            _ => {}
        }
    }
    let mut out = Operators::default();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for record in triage {
        for entry in &record.history {
            tallies
                .entry(entry.actor.clone())
                .or_default()
                .score
                .actions += 1;
        }
    }
    let (mut ack_s, mut escalate_s) = (Vec::new(), Vec::new());
    for (o, list) in carriers {
        let occurrence = &truth.occurrences[o];
        let held: Vec<&TriageRecord> = list
            .iter()
            .filter_map(|a| records.get(a.id.as_str()).copied())
            .collect();
        let raised = held
            .iter()
            .filter_map(|r| r.raised_at.as_ref().and_then(timestamp_to_ms))
            .min();
        let since = |at: Option<i64>| Some((at? - raised?).max(0) as f64 / 1_000.0);
        let look = held
            .iter()
            .filter_map(|r| first_look(r))
            .min_by_key(|e| at_ms(e).unwrap_or(i64::MAX));
        let decisions: Vec<&TriageEntry> = held.iter().filter_map(|r| standing(r)).collect();
        let escalation = decisions
            .iter()
            .filter(|e| is(e, TriageAction::Escalate))
            .min_by_key(|e| at_ms(e).unwrap_or(i64::MAX));
        let dismissal = decisions.iter().find(|e| is(e, TriageAction::Dismiss));
        let outcome = match (escalation, dismissal, look) {
            (Some(_), _, _) => "escalated",
            (None, Some(_), _) => "wrongly_dismissed",
            (None, None, Some(_)) => "acknowledged",
            (None, None, None) => "unnoticed",
        };
        let acknowledged_after = look.and_then(|e| since(at_ms(e)));
        let escalated_after = escalation.and_then(|e| since(at_ms(e)));
        if let Some(e) = look {
            let tally = tallies.entry(e.actor.clone()).or_default();
            tally.score.acknowledged += 1;
            tally.ack_s.extend(acknowledged_after);
            ack_s.extend(acknowledged_after);
        }
        let decider = escalation.or(dismissal);
        if let Some(e) = decider {
            let tally = tallies.entry(e.actor.clone()).or_default();
            if escalation.is_some() {
                tally.score.escalated += 1;
                tally.escalate_s.extend(escalated_after);
                escalate_s.extend(escalated_after);
            } else {
                tally.score.wrongly_dismissed += 1;
            }
        }
        match outcome {
            "escalated" => out.escalated += 1,
            "wrongly_dismissed" => out.wrongly_dismissed += 1,
            "acknowledged" => out.acknowledged_only += 1,
            _ => out.unnoticed += 1,
        }
        out.incidents.push(IncidentTriage {
            occurrence: occurrence.id,
            incident: occurrence.label.clone(),
            incident_kind: occurrence.kind.clone(),
            crossing_id: list[0].crossing_id.clone(),
            anomaly_ids: list.iter().map(|a| a.id.clone()).collect(),
            outcome,
            acknowledged_by: look.map(|e| e.actor.clone()),
            acknowledged_after_seconds: acknowledged_after,
            decided_by: decider.map(|e| e.actor.clone()),
            escalated_after_seconds: escalated_after,
            dismissal_reason: (escalation.is_none())
                .then(|| dismissal.map(|e| reason_label(e.reason)))
                .flatten(),
        });
    }
    out.false_alarms = false_alarms.len();
    for anomaly in false_alarms {
        let Some(decision) = records.get(anomaly.id.as_str()).and_then(|r| standing(r)) else {
            continue;
        };
        let tally = tallies.entry(decision.actor.clone()).or_default();
        if is(decision, TriageAction::Dismiss) {
            out.false_alarms_dismissed += 1;
            tally.score.false_alarms_dismissed += 1;
        } else {
            out.false_alarms_escalated += 1;
            tally.score.false_alarms_escalated += 1;
        }
    }
    out.time_to_acknowledge = delay(ack_s);
    out.time_to_escalate = delay(escalate_s);
    out.teams = teams(&tallies, roster);
    out.operators = tallies
        .into_iter()
        .map(|(operator, tally)| {
            let mut score = tally.finish();
            score.operator = operator;
            score
        })
        .collect();
    out
}

fn reason_label(reason: i32) -> String {
    borderflow_proto::triage::v1::DismissReason::label_of(reason).to_owned()
}

/// The operators' tallies summed per team of `roster`; the times pool
/// every member's.
fn teams(tallies: &BTreeMap<String, Tally>, roster: &Roster) -> Vec<OperatorScore> {
    let mut teams: BTreeMap<&str, Tally> = BTreeMap::new();
    for (operator, tally) in tallies {
        let Some(team) = roster.teams.get(operator) else {
            continue;
        };
        let sum = teams.entry(team.as_str()).or_default();
        let s = &tally.score;
        sum.score.actions += s.actions;
        sum.score.acknowledged += s.acknowledged;
        sum.score.escalated += s.escalated;
        sum.score.wrongly_dismissed += s.wrongly_dismissed;
        sum.score.false_alarms_dismissed += s.false_alarms_dismissed;
        sum.score.false_alarms_escalated += s.false_alarms_escalated;
        sum.ack_s.extend(&tally.ack_s);
        sum.escalate_s.extend(&tally.escalate_s);
    }
    teams
        .into_iter()
        .map(|(team, tally)| {
            let mut score = tally.finish();
            score.operator = team.to_owned();
            score
        })
        .collect()
}

#[cfg(test)]
mod tests;
