//! The scorecard: what the system flagged against what was planted.
//!
//! Every anomaly with an event time in the scored span (the run's whole
//! stream, its tail included) is scored, and each ends up exactly one of:
//!
//! - a **true positive**: it concerns an occurrence expecting its kind,
//!   and the one-to-one assignment of anomalies to occurrences
//!   ([`assign`]: a maximum matching, so as many occurrences as possible
//!   are detected) counts it as that occurrence's detection;
//! - a **duplicate**: it concerns only occurrences that other anomalies
//!   already detect (a condition reported again after it ended, say);
//! - an excused **side effect**: its kind is on an occurrence's short list
//!   of side effects, with the reason, and it concerns the occurrence;
//! - a **false alarm**: anything else.
//!
//! "Concerns" is [`matching::matches`]: the evidence names one of the
//! occurrence's events, or, for crossing-level kinds, the crossing (booth,
//! officer) is the occurrence's and the period the anomaly judged overlaps
//! the occurrence's span widened by one period. Detection time only
//! measures the delay. Precision is true positives over true positives and
//! false alarms: duplicates count in neither. Pure: unit-tested on
//! hand-built anomalies.

mod assign;
mod card;
mod matching;
mod text;

use std::collections::{BTreeMap, HashSet};

use borderflow_domain::time::{MS_PER_DAY, format_rfc3339};
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, AnomalyStatus};

pub use card::{
    AnomalyKindScore, Concerns, Delay, Duplicate, Excused, FalseAlarm, Flagged, KindScore,
    Scorecard, Totals,
};
pub use text::render;

use crate::truth::{Occurrence, Truth};
use matching::{matches, time_of};

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

/// What the verdicts add up to per occurrence.
struct Outcome<'a> {
    truth: &'a Truth,
    first_detection: &'a [Option<i64>],
    detected: &'a [bool],
    duplicates_of: &'a [usize],
    false_by_kind: &'a BTreeMap<AnomalyKind, usize>,
}

impl Outcome<'_> {
    /// One row per planted kind, of incidents or of the background.
    fn rows(&self, background: bool) -> Vec<KindScore> {
        let mut by_kind: BTreeMap<&str, Vec<&Occurrence>> = BTreeMap::new();
        for o in self
            .truth
            .occurrences
            .iter()
            .filter(|o| o.is_background() == background)
        {
            by_kind.entry(o.kind.as_str()).or_default().push(o);
        }
        by_kind
            .into_iter()
            .map(|(kind, occurrences)| {
                let expected = occurrences[0].expected;
                let found: Vec<&&Occurrence> = occurrences
                    .iter()
                    .filter(|o| self.detected[o.id as usize])
                    .collect();
                let delays: Vec<f64> = found
                    .iter()
                    .filter_map(|o| {
                        self.first_detection[o.id as usize]
                            .map(|t| (t - o.start_ms).max(0) as f64 / 1_000.0)
                    })
                    .collect();
                let mut missed_in: Vec<String> = occurrences
                    .iter()
                    .filter(|o| !self.detected[o.id as usize])
                    .map(|o| o.label.clone())
                    .collect();
                missed_in.dedup();
                let tp = found.len();
                let fa = self.false_by_kind.get(&expected).copied().unwrap_or(0);
                KindScore {
                    kind: kind.to_owned(),
                    expected_anomaly: expected.name().to_owned(),
                    planted: occurrences.len(),
                    detected: tp,
                    missed: occurrences.len() - tp,
                    true_positives: tp,
                    duplicates: occurrences
                        .iter()
                        .map(|o| self.duplicates_of[o.id as usize])
                        .sum(),
                    false_alarms: fa,
                    recall: ratio(tp, occurrences.len()).unwrap_or(1.0),
                    precision: ratio(tp, tp + fa),
                    delay: delay(delays),
                    missed_in,
                }
            })
            .collect()
    }

    /// One row per anomaly kind that was expected or raised at all.
    fn anomaly_kinds(&self, scored: &[Scored<'_>], verdicts: &[Verdict]) -> Vec<AnomalyKindScore> {
        AnomalyKind::ALL
            .iter()
            .filter_map(|&kind| {
                let of_kind = || {
                    scored
                        .iter()
                        .zip(verdicts)
                        .filter(move |(s, _)| s.kind == kind)
                        .map(|(_, v)| v)
                };
                let count = |f: fn(&Verdict) -> bool| of_kind().filter(|v| f(v)).count();
                let expected = self
                    .truth
                    .occurrences
                    .iter()
                    .filter(|o| o.expected == kind)
                    .count();
                if expected == 0 && of_kind().next().is_none() {
                    return None;
                }
                let tp = count(|v| matches!(v, Verdict::Detects(_)));
                let fa = count(|v| matches!(v, Verdict::False));
                Some(AnomalyKindScore {
                    anomaly: kind.name().to_owned(),
                    expected,
                    true_positives: tp,
                    duplicates: count(|v| matches!(v, Verdict::Duplicate(_))),
                    side_effects: count(|v| matches!(v, Verdict::Excused(..))),
                    false_alarms: fa,
                    precision: ratio(tp, tp + fa),
                })
            })
            .collect()
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn delay(mut seconds: Vec<f64>) -> Option<Delay> {
    if seconds.is_empty() {
        return None;
    }
    seconds.sort_by(f64::total_cmp);
    let n = seconds.len();
    let median = if n % 2 == 1 {
        seconds[n / 2]
    } else {
        (seconds[n / 2 - 1] + seconds[n / 2]) / 2.0
    };
    Some(Delay {
        mean_seconds: seconds.iter().sum::<f64>() / n as f64,
        median_seconds: median,
        max_seconds: seconds[n - 1],
    })
}

#[cfg(test)]
mod tests;
