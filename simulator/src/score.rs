//! The scorecard: what the system flagged against what was planted.
//!
//! Every anomaly with an event time in the scored span (the run's whole
//! stream, its tail included) is scored, and each ends up exactly one of:
//!
//! - a **true positive**: it concerns an occurrence expecting its kind,
//!   and the one-to-one assignment of anomalies to occurrences
//!   (`assign.rs`: a maximum matching, so as many occurrences as possible
//!   are detected) counts it as that occurrence's detection;
//! - a **duplicate**: it concerns only occurrences that other anomalies
//!   already detect (a condition reported again after it ended, say);
//! - an excused **side effect**: its kind is on an occurrence's short list
//!   of side effects, with the reason, and it concerns the occurrence;
//! - a **false alarm**: anything else.
//!
//! "Concerns" is `matching.rs`: the evidence names one of the
//! occurrence's events, or, for crossing-level kinds, the crossing (booth,
//! officer) is the occurrence's and the period the anomaly judged overlaps
//! the occurrence's span widened by one period. Detection time only
//! measures the delay. Precision is true positives over true positives and
//! false alarms: duplicates count in neither. Pure: unit-tested on
//! hand-built anomalies.
//!
//! The operators' part (`operators.rs`) scores the people: what they did
//! with each anomaly the system raised, from the triage records.

mod assign;
mod card;
mod matching;
pub mod operators;
mod rows;
mod text;

use std::collections::{BTreeMap, HashSet};

use borderflow_domain::time::{MS_PER_DAY, format_rfc3339};
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, AnomalyStatus};

pub use card::{
    AnomalyKindScore, Concerns, Delay, Duplicate, Excused, FalseAlarm, Flagged, KindScore,
    Scorecard, Totals,
};
pub use matching::judged_within;
pub use operators::{IncidentTriage, OperatorScore, Operators, Roster, score_operators};
pub use text::render;

use crate::truth::{Occurrence, Truth};
use matching::{matches, time_of};
use rows::{Outcome, ratio};

/// What the scorecard is about.
#[derive(Clone, Debug)]
pub struct Scope {
    pub scenario: String,
    pub network: String,
    pub seed: u64,
    /// Anomalies with an event time in [start, end) are scored: the span
    /// the run streamed, its tail and closing included.
    pub start_ms: i64,
    pub end_ms: i64,
    /// The deployment's detection period: how long a period a
    /// crossing-level anomaly judged from its event time.
    pub period_ms: i64,
    /// Crossings in the network (false alarms per crossing-day).
    pub crossings: usize,
}

/// What one scored anomaly turned out to be.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Verdict {
    Detects(usize),
    Duplicate(usize),
    Excused(usize, &'static str),
    False,
}

/// A scored anomaly.
struct Scored<'a> {
    anomaly: &'a Anomaly,
    kind: AnomalyKind,
    at: i64,
    detected_at: i64,
}

/// The anomalies to score: once each, not retracted, stamped in the span,
/// earliest detection first (the assignment keeps their first choices).
fn scored<'a>(scope: &Scope, anomalies: &'a [Anomaly]) -> Vec<Scored<'a>> {
    let mut seen = HashSet::new();
    let mut scored: Vec<Scored<'a>> = anomalies
        .iter()
        .filter(|a| a.status != AnomalyStatus::Retracted as i32)
        .filter(|a| seen.insert(a.id.as_str()))
        .filter_map(|anomaly| {
            let at = time_of(anomaly.event_time.as_ref())?;
            (scope.start_ms..scope.end_ms)
                .contains(&at)
                .then(|| Scored {
                    anomaly,
                    kind: AnomalyKind::try_from(anomaly.kind).unwrap_or_default(),
                    at,
                    detected_at: time_of(anomaly.detected_at.as_ref()).unwrap_or(at),
                })
        })
        .collect();
    scored.sort_by(|a, b| {
        (a.detected_at, a.at, &a.anomaly.id).cmp(&(b.detected_at, b.at, &b.anomaly.id))
    });
    scored
}

/// Judges every scored anomaly.
fn verdicts(scope: &Scope, truth: &Truth, scored: &[Scored<'_>]) -> Vec<Verdict> {
    let occurrences = &truth.occurrences;
    let concerns = |s: &Scored<'_>, o: &Occurrence| matches(s.anomaly, s.kind, o, scope.period_ms);
    let edges: Vec<Vec<usize>> = scored
        .iter()
        .map(|s| {
            occurrences
                .iter()
                .filter(|o| o.expected == s.kind && concerns(s, o))
                .map(|o| o.id as usize)
                .collect()
        })
        .collect();
    let assigned = assign::maximum_matching(&edges, occurrences.len());
    scored
        .iter()
        .zip(edges.iter().zip(assigned))
        .map(|(s, (edges, assigned))| {
            if let Some(o) = assigned {
                return Verdict::Detects(o);
            }
            // Unassigned with an edge: in a maximum matching every
            // occurrence it concerns is already detected.
            if let Some(&o) = edges.first() {
                return Verdict::Duplicate(o);
            }
            occurrences
                .iter()
                .find_map(|o| {
                    let effect = o.side_effects.iter().find(|e| e.kind == s.kind)?;
                    concerns(s, o).then_some(Verdict::Excused(o.id as usize, effect.reason))
                })
                .unwrap_or(Verdict::False)
        })
        .collect()
}

/// What an anomaly was judged, as the report draws it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// It detects this occurrence.
    Detects(u32),
    /// It is about this occurrence, already detected by another.
    Duplicate(u32),
    /// An excused side effect of this occurrence.
    Excused(u32),
    FalseAlarm,
}

/// Every scored anomaly's id, detection time (event time) and judgement,
/// in detection order: the verdicts [`score`] counts.
pub fn judgements(
    scope: &Scope,
    truth: &Truth,
    anomalies: &[Anomaly],
) -> Vec<(String, i64, Judgement)> {
    let scored = scored(scope, anomalies);
    let verdicts = verdicts(scope, truth, &scored);
    scored
        .iter()
        .zip(verdicts)
        .map(|(s, v)| {
            let id = |o: usize| truth.occurrences[o].id;
            let judgement = match v {
                Verdict::Detects(o) => Judgement::Detects(id(o)),
                Verdict::Duplicate(o) => Judgement::Duplicate(id(o)),
                Verdict::Excused(o, _) => Judgement::Excused(id(o)),
                Verdict::False => Judgement::FalseAlarm,
            };
            (s.anomaly.id.clone(), s.detected_at, judgement)
        })
        .collect()
}

/// Scores `anomalies` against `truth`.
pub fn score(scope: &Scope, truth: &Truth, anomalies: &[Anomaly]) -> Scorecard {
    let scored = scored(scope, anomalies);
    let verdicts = verdicts(scope, truth, &scored);
    let occurrences = &truth.occurrences;
    let mut first_detection: Vec<Option<i64>> = vec![None; occurrences.len()];
    let mut detected = vec![false; occurrences.len()];
    let mut duplicates_of = vec![0usize; occurrences.len()];
    let mut false_by_kind: BTreeMap<AnomalyKind, usize> = BTreeMap::new();
    let mut lists = Lists::default();
    for (s, verdict) in scored.iter().zip(&verdicts) {
        let flagged = Flagged {
            id: s.anomaly.id.clone(),
            kind: s.kind.name().to_owned(),
            crossing_id: s.anomaly.crossing_id.clone(),
            event_time: format_rfc3339(s.at),
        };
        match *verdict {
            Verdict::Detects(o) | Verdict::Duplicate(o) => {
                let slot = &mut first_detection[o];
                *slot = Some(slot.map_or(s.detected_at, |t| t.min(s.detected_at)));
                if matches!(verdict, Verdict::Detects(_)) {
                    detected[o] = true;
                } else {
                    duplicates_of[o] += 1;
                    let of = about(&occurrences[o]);
                    lists.duplicates.push((
                        s.at,
                        Duplicate {
                            anomaly: flagged,
                            of,
                        },
                    ));
                }
            }
            Verdict::Excused(o, reason) => {
                let by = about(&occurrences[o]);
                let reason = reason.to_owned();
                let excused = Excused {
                    anomaly: flagged,
                    by,
                    reason,
                };
                lists.side_effects.push((s.at, excused));
            }
            Verdict::False => {
                *false_by_kind.entry(s.kind).or_default() += 1;
                let explanation = s.anomaly.explanation.clone();
                let alarm = FalseAlarm {
                    anomaly: flagged,
                    explanation,
                };
                lists.false_alarms.push((s.at, alarm));
            }
        }
    }
    let outcome = Outcome {
        truth,
        first_detection: &first_detection,
        detected: &detected,
        duplicates_of: &duplicates_of,
        false_by_kind: &false_by_kind,
    };
    let incidents = outcome.rows(false);
    let background = outcome.rows(true);
    let anomaly_kinds = outcome.anomaly_kinds(&scored, &verdicts);
    let days = (scope.end_ms - scope.start_ms).max(0) as f64 / MS_PER_DAY as f64;
    let crossing_days = scope.crossings as f64 * days;
    let false_alarms = lists.false_alarms.len();
    let planted: usize = incidents.iter().map(|k| k.planted).sum();
    let found: usize = incidents.iter().map(|k| k.detected).sum();
    let totals = Totals {
        planted,
        detected: found,
        missed: planted - found,
        duplicates: lists.duplicates.len(),
        side_effects: lists.side_effects.len(),
        false_alarms,
        false_alarms_per_100_crossing_days: (crossing_days > 0.0)
            .then(|| false_alarms as f64 * 100.0 / crossing_days),
        recall: ratio(found, planted).unwrap_or(1.0),
        precision: ratio(found, found + false_alarms),
    };
    Scorecard {
        scenario: scope.scenario.clone(),
        network: scope.network.clone(),
        seed: scope.seed,
        start: format_rfc3339(scope.start_ms),
        end: format_rfc3339(scope.end_ms),
        crossings: scope.crossings,
        days,
        crossing_days,
        anomalies: scored.len(),
        incidents,
        background,
        anomaly_kinds,
        totals,
        duplicates: by_time(lists.duplicates),
        side_effects: by_time(lists.side_effects),
        false_alarms: by_time(lists.false_alarms),
        operators: None,
    }
}

/// The anomalies that were not true positives, with their event times.
#[derive(Default)]
struct Lists {
    duplicates: Vec<(i64, Duplicate)>,
    side_effects: Vec<(i64, Excused)>,
    false_alarms: Vec<(i64, FalseAlarm)>,
}

/// In event time order (ties in detection order, as scored).
fn by_time<T>(mut list: Vec<(i64, T)>) -> Vec<T> {
    list.sort_by_key(|(at, _)| *at);
    list.into_iter().map(|(_, item)| item).collect()
}

fn about(o: &Occurrence) -> Concerns {
    Concerns {
        occurrence: o.id,
        incident: o.label.clone(),
        incident_kind: o.kind.clone(),
    }
}

#[cfg(test)]
mod tests;
