//! The scorecard: what the system flagged against what was planted.
//!
//! An anomaly matches an occurrence when its kind is the one expected (or
//! a related side effect) and either its evidence names one of the
//! occurrence's events, or — for kinds judged per crossing, officer or
//! booth — it concerns the same crossing (officer, booth) within the
//! occurrence's span plus the grace period. An expected match detects the
//! occurrence; a related one is a side effect; an anomaly matching nothing
//! is a false alarm. Pure: unit-tested on hand-built anomalies.

mod text;

use std::collections::BTreeMap;

use borderflow_domain::time::{MS_PER_MINUTE, format_rfc3339};
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, AnomalyStatus};
use borderflow_proto::timestamp_to_ms;
use serde::Serialize;

use crate::truth::{Occurrence, Truth};
pub use text::render;

/// Crossing-level anomalies are stamped with the start of the period they
/// judged, up to one period before the incident began.
const PERIOD_SLACK_MS: i64 = 15 * MS_PER_MINUTE;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Scorecard {
    pub scenario: String,
    pub network: String,
    pub seed: u64,
    pub start: String,
    pub end: String,
    /// Anomalies in the scored window.
    pub anomalies: usize,
    pub incidents: Vec<KindScore>,
    pub background: Vec<KindScore>,
    pub totals: Totals,
    /// Anomalies explained as side effects of an occurrence.
    pub side_effects: usize,
    pub false_alarms: Vec<FalseAlarm>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct KindScore {
    pub kind: String,
    pub expected_anomaly: String,
    pub planted: usize,
    pub detected: usize,
    pub missed: usize,
    /// Anomalies of the expected kind that matched.
    pub true_positives: usize,
    /// Anomalies of the expected kind that matched nothing.
    pub false_alarms: usize,
    pub recall: f64,
    /// `None` when nothing of the expected kind was flagged.
    pub precision: Option<f64>,
    /// Event time from an occurrence's start to its first detection.
    pub delay: Option<Delay>,
    /// Labels of the incidents with missed occurrences.
    pub missed_in: Vec<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Delay {
    pub mean_seconds: f64,
    pub median_seconds: f64,
    pub max_seconds: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Totals {
    pub planted: usize,
    pub detected: usize,
    pub missed: usize,
    pub false_alarms: usize,
    pub recall: f64,
    pub precision: Option<f64>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FalseAlarm {
    pub id: String,
    pub kind: String,
    pub crossing_id: String,
    pub event_time: String,
    pub explanation: String,
}

/// What the scorecard is about.
#[derive(Clone, Debug)]
pub struct Scope {
    pub scenario: String,
    pub network: String,
    pub seed: u64,
    /// Anomalies with an event time in [start, end) are scored.
    pub start_ms: i64,
    pub end_ms: i64,
    pub grace_ms: i64,
}

fn time_of(ts: Option<&borderflow_proto::Timestamp>) -> Option<i64> {
    ts.and_then(timestamp_to_ms)
}

/// Whether `anomaly` (of a kind the occurrence expects or tolerates)
/// concerns `o`.
pub fn matches(anomaly: &Anomaly, kind: AnomalyKind, o: &Occurrence, grace_ms: i64) -> bool {
    let evidence = anomaly.evidence.clone().unwrap_or_default();
    if evidence.event_ids.iter().any(|id| o.event_ids.contains(id)) {
        return true;
    }
    if !kind.scope().is_crossing_level() {
        return false;
    }
    let here = o.crossings.contains(&anomaly.crossing_id)
        || evidence
            .crossing_ids
            .iter()
            .any(|c| o.crossings.contains(c));
    let officer_ok = kind != AnomalyKind::OfficerOverride
        || o.officer
            .as_ref()
            .is_none_or(|id| *id == evidence.officer_id);
    let booth_ok = kind != AnomalyKind::CheckpointSilent
        || o.checkpoint
            .as_ref()
            .is_none_or(|id| *id == evidence.checkpoint_id);
    let window = (o.start_ms - PERIOD_SLACK_MS)..=(o.end_ms + grace_ms);
    let when = [
        time_of(anomaly.event_time.as_ref()),
        time_of(anomaly.detected_at.as_ref()),
    ];
    let in_time = when.iter().flatten().any(|t| window.contains(t));
    here && officer_ok && booth_ok && in_time
}

/// Scores `anomalies` against `truth`.
pub fn score(scope: &Scope, truth: &Truth, anomalies: &[Anomaly]) -> Scorecard {
    let mut first_detection: Vec<Option<i64>> = vec![None; truth.occurrences.len()];
    // (occurrence kind) → matched anomalies of its expected kind.
    let mut true_positives: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unmatched: BTreeMap<AnomalyKind, usize> = BTreeMap::new();
    let mut false_alarms = Vec::new();
    let mut side_effects = 0;
    let mut considered = 0;
    let mut seen = std::collections::HashSet::new();
    for anomaly in anomalies {
        if anomaly.status == AnomalyStatus::Retracted as i32 || !seen.insert(anomaly.id.as_str()) {
            continue;
        }
        let at = time_of(anomaly.event_time.as_ref()).unwrap_or(i64::MIN);
        if !(scope.start_ms..scope.end_ms).contains(&at) {
            continue;
        }
        considered += 1;
        let kind = AnomalyKind::try_from(anomaly.kind).unwrap_or_default();
        let detected_at = time_of(anomaly.detected_at.as_ref()).unwrap_or(at);
        let mut expected_kinds = std::collections::BTreeSet::new();
        let mut related = false;
        for o in &truth.occurrences {
            let expected = o.expected == kind;
            if !expected && !o.related.contains(&kind) {
                continue;
            }
            if !matches(anomaly, kind, o, scope.grace_ms) {
                continue;
            }
            if expected {
                let slot = &mut first_detection[o.id as usize];
                *slot = Some(slot.map_or(detected_at, |t: i64| t.min(detected_at)));
                expected_kinds.insert(o.kind.as_str());
            } else {
                related = true;
            }
        }
        for k in &expected_kinds {
            *true_positives.entry(k).or_default() += 1;
        }
        if expected_kinds.is_empty() {
            if related {
                side_effects += 1;
            } else {
                *unmatched.entry(kind).or_default() += 1;
                false_alarms.push(FalseAlarm {
                    id: anomaly.id.clone(),
                    kind: kind.name().to_owned(),
                    crossing_id: anomaly.crossing_id.clone(),
                    event_time: format_rfc3339(at),
                    explanation: anomaly.explanation.clone(),
                });
            }
        }
    }
    let rows = |background: bool| -> Vec<KindScore> {
        let mut by_kind: BTreeMap<&str, Vec<&Occurrence>> = BTreeMap::new();
        for o in truth
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
                let delays: Vec<f64> = occurrences
                    .iter()
                    .filter_map(|o| {
                        first_detection[o.id as usize]
                            .map(|t| (t - o.start_ms).max(0) as f64 / 1_000.0)
                    })
                    .collect();
                let detected = delays.len();
                let mut missed_in: Vec<String> = occurrences
                    .iter()
                    .filter(|o| first_detection[o.id as usize].is_none())
                    .map(|o| o.label.clone())
                    .collect();
                missed_in.dedup();
                let tp = true_positives.get(kind).copied().unwrap_or(0);
                let fa = unmatched.get(&expected).copied().unwrap_or(0);
                KindScore {
                    kind: kind.to_owned(),
                    expected_anomaly: expected.name().to_owned(),
                    planted: occurrences.len(),
                    detected,
                    missed: occurrences.len() - detected,
                    true_positives: tp,
                    false_alarms: fa,
                    recall: ratio(detected, occurrences.len()).unwrap_or(1.0),
                    precision: ratio(tp, tp + fa),
                    delay: delay(delays),
                    missed_in,
                }
            })
            .collect()
    };
    let incidents = rows(false);
    let planted: usize = incidents.iter().map(|k| k.planted).sum();
    let detected: usize = incidents.iter().map(|k| k.detected).sum();
    let tp: usize = incidents.iter().map(|k| k.true_positives).sum();
    Scorecard {
        scenario: scope.scenario.clone(),
        network: scope.network.clone(),
        seed: scope.seed,
        start: format_rfc3339(scope.start_ms),
        end: format_rfc3339(scope.end_ms),
        anomalies: considered,
        background: rows(true),
        totals: Totals {
            planted,
            detected,
            missed: planted - detected,
            false_alarms: false_alarms.len(),
            recall: ratio(detected, planted).unwrap_or(1.0),
            precision: ratio(tp, tp + false_alarms.len()),
        },
        incidents,
        side_effects,
        false_alarms,
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
