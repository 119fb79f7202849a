//! One run: a recorded range through fresh [`Stages`] under one setting,
//! timed on the wall clock.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::records::Records;
use crate::stages::{Outcome, Stages};
use crate::thresholds::Setting;
use crate::world::World;

/// What one setting raised over the range, and how long it took.
#[derive(Debug)]
pub struct Run {
    pub setting: Setting,
    pub outcome: Outcome,
    /// From the first record stepped to the last batch published.
    pub wall: Duration,
}

impl Run {
    /// Records stepped per second of wall time.
    pub fn records_per_second(&self) -> f64 {
        self.outcome.records as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// Replays `records` against `world` under `setting`.
pub fn replay(records: &Records, world: &World, setting: &Setting) -> Run {
    let started = Instant::now();
    let mut stages = Stages::new(Arc::new(setting.detect.clone()), world);
    for payload in records.iter() {
        stages.deliver(payload);
    }
    let outcome = stages.finish();
    Run {
        setting: setting.clone(),
        outcome,
        wall: started.elapsed(),
    }
}
