//! The report of a comparison, as JSON (`--json`, serde) or text: where
//! the range came from, each run's figures (anomalies, wall time,
//! records per second), the difference per kind and anomaly by anomaly,
//! and with a scenario both scorecards side by side.

mod scores;
mod text;

use std::collections::BTreeMap;

use borderflow_proto::analytics::v1::AnomalyStatus;
use borderflow_simulator::score::Scorecard;
use serde::Serialize;

use crate::compare::{Comparison, Source};
use crate::diff::Diff;
use crate::run::Run;

pub use scores::{IncidentRow, Pair, SideBySide, Totals};

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub source: Source,
    /// Records in the range.
    pub records: usize,
    pub bytes: usize,
    /// The baseline, then the what-if.
    pub runs: [RunSummary; 2],
    pub diff: Diff,
    /// With a scenario.
    pub scores: Option<Scores>,
}

/// One run's figures.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    pub setting: String,
    /// The flags as given; empty: the production defaults.
    pub flags: String,
    /// Anomalies standing at the end (retracted ones are counted apart).
    pub anomalies: usize,
    pub retracted: usize,
    pub referrals: usize,
    /// Records the steps could not read, by kind.
    pub dead_letters: BTreeMap<String, u64>,
    pub wall_seconds: f64,
    pub records_per_second: f64,
}

/// Both scorecards, whole and side by side.
#[derive(Clone, Debug, Serialize)]
pub struct Scores {
    pub side_by_side: SideBySide,
    pub baseline: Scorecard,
    pub what_if: Scorecard,
}

impl Report {
    pub fn of(comparison: &Comparison) -> Self {
        Self {
            source: comparison.source.clone(),
            records: comparison.records,
            bytes: comparison.bytes,
            runs: [summary(&comparison.baseline), summary(&comparison.what_if)],
            diff: comparison.diff.clone(),
            scores: comparison
                .scorecards
                .as_ref()
                .map(|(baseline, what_if)| Scores {
                    side_by_side: SideBySide::of(baseline, what_if),
                    baseline: baseline.clone(),
                    what_if: what_if.clone(),
                }),
        }
    }

    /// The report for a reader; lists longer than `listed` are cut (the
    /// JSON has them whole).
    pub fn text(&self, listed: usize) -> String {
        text::render(self, listed)
    }
}

fn summary(run: &Run) -> RunSummary {
    let retracted = run
        .outcome
        .anomalies
        .iter()
        .filter(|a| a.status == AnomalyStatus::Retracted as i32)
        .count();
    RunSummary {
        setting: run.setting.name.clone(),
        flags: run.setting.flags.clone(),
        anomalies: run.outcome.anomalies.len() - retracted,
        retracted,
        referrals: run.outcome.referrals.len(),
        dead_letters: run
            .outcome
            .dead_letters
            .iter()
            .map(|(kind, n)| ((*kind).to_owned(), *n))
            .collect(),
        wall_seconds: run.wall.as_secs_f64(),
        records_per_second: run.records_per_second(),
    }
}
