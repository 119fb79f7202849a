//! The what-if proper: one recorded range replayed under the baseline and
//! under the what-if thresholds, one after the other on this thread, and
//! the difference; with a scenario, each run's scorecard too.

use std::time::{Duration, Instant};

use borderflow_domain::time::format_rfc3339;
use borderflow_simulator::scenario::Scenario;
use borderflow_simulator::score::Scorecard;

use crate::diff::{Diff, diff};
use crate::error::Result;
use crate::records::Records;
use crate::run::{Run, replay};
use crate::scenario::{Recording, record, scorecard};
use crate::thresholds::Setting;
use crate::world::World;

/// Where the range came from.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    Scenario {
        name: String,
        seed: u64,
        /// RFC 3339, UTC: the scenario's span (its tail follows).
        start: String,
        end: String,
        /// Generating the records once, before the runs.
        capture_seconds: f64,
    },
    Records {
        file: String,
    },
}

/// Both runs over one range and what changed.
#[derive(Debug)]
pub struct Comparison {
    pub source: Source,
    /// Records in the range.
    pub records: usize,
    /// Their encoded size.
    pub bytes: usize,
    pub baseline: Run,
    pub what_if: Run,
    pub diff: Diff,
    /// Each run's scorecard, baseline first, when the range is a scenario's.
    pub scorecards: Option<(Scorecard, Scorecard)>,
}

/// Replays `scenario` (captured once) under both settings and scores each.
pub fn compare_scenario(
    scenario: &Scenario,
    baseline: &Setting,
    what_if: &Setting,
    tolerance_ms: i64,
) -> Result<Comparison> {
    let started = Instant::now();
    let (world, Recording { records, played }) = record(scenario)?;
    let capture = started.elapsed();
    let source = Source::Scenario {
        name: scenario.name.clone(),
        seed: scenario.seed,
        start: format_rfc3339(scenario.start_ms),
        end: format_rfc3339(scenario.end_ms),
        capture_seconds: capture.as_secs_f64(),
    };
    let mut comparison = compare(source, &records, &world, baseline, what_if, tolerance_ms);
    let card = |run: &Run| {
        scorecard(
            scenario,
            &played,
            run.setting.detect.period,
            &run.outcome.anomalies,
        )
    };
    comparison.scorecards = Some((card(&comparison.baseline), card(&comparison.what_if)));
    Ok(comparison)
}

/// Replays recorded `records` (from `file`) under both settings.
pub fn compare_records(
    file: &str,
    records: &Records,
    world: &World,
    baseline: &Setting,
    what_if: &Setting,
    tolerance_ms: i64,
) -> Comparison {
    let source = Source::Records {
        file: file.to_owned(),
    };
    compare(source, records, world, baseline, what_if, tolerance_ms)
}

fn compare(
    source: Source,
    records: &Records,
    world: &World,
    baseline: &Setting,
    what_if: &Setting,
    tolerance_ms: i64,
) -> Comparison {
    let baseline = replay(records, world, baseline);
    let what_if = replay(records, world, what_if);
    Comparison {
        source,
        records: records.len(),
        bytes: records.size_bytes(),
        diff: diff(
            &baseline.outcome.anomalies,
            &what_if.outcome.anomalies,
            tolerance_ms,
        ),
        baseline,
        what_if,
        scorecards: None,
    }
}

impl Comparison {
    /// Both runs' wall time.
    pub fn wall(&self) -> Duration {
        self.baseline.wall + self.what_if.wall
    }
}
