//! What the verdicts add up to: one row per planted kind (recall,
//! precision, delay) and one per anomaly kind.

use std::collections::BTreeMap;

use borderflow_proto::analytics::v1::AnomalyKind;

use super::{AnomalyKindScore, Delay, KindScore, Scored, Verdict};
use crate::truth::{Occurrence, Truth};

/// What the verdicts add up to per occurrence.
pub(super) struct Outcome<'a> {
    pub(super) truth: &'a Truth,
    pub(super) first_detection: &'a [Option<i64>],
    pub(super) detected: &'a [bool],
    pub(super) duplicates_of: &'a [usize],
    pub(super) false_by_kind: &'a BTreeMap<AnomalyKind, usize>,
}

impl Outcome<'_> {
    /// One row per planted kind, of incidents or of the background.
    pub(super) fn rows(&self, background: bool) -> Vec<KindScore> {
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
    pub(super) fn anomaly_kinds(
        &self,
        scored: &[Scored<'_>],
        verdicts: &[Verdict],
    ) -> Vec<AnomalyKindScore> {
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

pub(super) fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

pub(super) fn delay(mut seconds: Vec<f64>) -> Option<Delay> {
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
