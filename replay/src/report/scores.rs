//! Two scorecards of one scenario side by side: per planted kind the
//! detections, recall and median delay; per anomaly kind the false alarms;
//! the totals.

use borderflow_simulator::score::{KindScore, Scorecard};
use serde::Serialize;

/// A figure under the baseline and under the what-if.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Pair<T> {
    pub baseline: T,
    pub what_if: T,
}

impl<T> Pair<T> {
    fn of<S>(baseline: &S, what_if: &S, f: impl Fn(&S) -> T) -> Self {
        Self {
            baseline: f(baseline),
            what_if: f(what_if),
        }
    }
}

/// One planted kind (incidents first, then the background's).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IncidentRow {
    pub kind: String,
    pub planted: usize,
    pub detected: Pair<usize>,
    pub recall: Pair<f64>,
    pub median_delay_seconds: Pair<Option<f64>>,
}

/// One anomaly kind's false alarms.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FalseAlarmRow {
    pub anomaly: String,
    pub false_alarms: Pair<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Totals {
    pub recall: Pair<f64>,
    pub false_alarms: Pair<usize>,
    pub false_alarms_per_100_crossing_days: Pair<Option<f64>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SideBySide {
    pub incidents: Vec<IncidentRow>,
    /// Kinds with a false alarm in either run.
    pub false_alarms: Vec<FalseAlarmRow>,
    pub totals: Totals,
}

impl SideBySide {
    pub fn of(baseline: &Scorecard, what_if: &Scorecard) -> Self {
        // Both runs scored the same truth: the same planted kinds.
        let planted = |card: &Scorecard| -> Vec<KindScore> {
            card.incidents
                .iter()
                .chain(&card.background)
                .cloned()
                .collect()
        };
        let (b_rows, w_rows) = (planted(baseline), planted(what_if));
        let incidents = b_rows
            .iter()
            .map(|b| {
                let w = w_rows.iter().find(|w| w.kind == b.kind).unwrap_or(b);
                IncidentRow {
                    kind: b.kind.clone(),
                    planted: b.planted,
                    detected: Pair::of(b, w, |k| k.detected),
                    recall: Pair::of(b, w, |k| k.recall),
                    median_delay_seconds: Pair::of(b, w, |k| {
                        k.delay.as_ref().map(|d| d.median_seconds)
                    }),
                }
            })
            .collect();
        let false_of = |card: &Scorecard, kind: &str| {
            card.anomaly_kinds
                .iter()
                .find(|k| k.anomaly == kind)
                .map_or(0, |k| k.false_alarms)
        };
        let mut kinds: Vec<&str> = baseline
            .anomaly_kinds
            .iter()
            .chain(&what_if.anomaly_kinds)
            .filter(|k| k.false_alarms > 0)
            .map(|k| k.anomaly.as_str())
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        let false_alarms = kinds
            .into_iter()
            .map(|kind| FalseAlarmRow {
                anomaly: kind.to_owned(),
                false_alarms: Pair::of(baseline, what_if, |c| false_of(c, kind)),
            })
            .collect();
        Self {
            incidents,
            false_alarms,
            totals: Totals {
                recall: Pair::of(baseline, what_if, |c| c.totals.recall),
                false_alarms: Pair::of(baseline, what_if, |c| c.totals.false_alarms),
                false_alarms_per_100_crossing_days: Pair::of(baseline, what_if, |c| {
                    c.totals.false_alarms_per_100_crossing_days
                }),
            },
        }
    }

    /// The row of planted kind `kind` (`flow_surge`).
    pub fn incident(&self, kind: &str) -> Option<&IncidentRow> {
        self.incidents.iter().find(|r| r.kind == kind)
    }
}
