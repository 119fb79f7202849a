//! The per-crossing detectors: they observe each window once, when it first
//! closes (on-time figures only), and evaluate fixed periods (default 15
//! minutes) once the watermark has passed them. Each crossing-level rule is
//! a `rule::PeriodRule` in a file of its own (`flow`, `slow`, `queue`,
//! `refusal`, `nationality`, `officer`, `influx`) with its own baselines; silent
//! checkpoints are judged on the partition's silence clock (`checkpoint`).
//! Everything they learned is published as a state snapshot after each
//! evaluation, a section per rule, so another instance or a restart resumes
//! exactly: snapshot plus the windows observed after it.

mod checkpoint;
mod evaluate;
mod flow;
mod influx;
mod nationality;
mod officer;
mod period;
mod queue;
mod refusal;
mod rule;
mod slow;
mod snapshot;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, DetectorSample, PeriodRecord};
use borderflow_proto::inspection::v1::CheckpointStatus;

use super::calendar::MarketCalendar;
use super::config::DetectConfig;
pub use checkpoint::CheckpointState;
pub use period::PeriodSums;

/// An anomaly that holds over consecutive periods is reported once.
#[derive(Clone, Debug, PartialEq)]
pub struct Episode {
    pub kind: AnomalyKind,
    pub since_ms: i64,
    /// The officer, for officer episodes.
    pub subject: String,
}

#[derive(Debug)]
pub struct CrossingDetectors {
    pub crossing_id: Arc<str>,
    config: Arc<DetectConfig>,
    /// Periods ending at or before this are evaluated.
    evaluated_through_ms: Option<i64>,
    first_observed_ms: Option<i64>,
    last_observed_ms: Option<i64>,
    /// Periods with at least one window (events or heartbeats).
    observed_periods: u32,
    /// The period rules, each with its own state.
    rules: Vec<Box<dyn rule::PeriodRule>>,
    episodes: Vec<Episode>,
    recent: VecDeque<PeriodRecord>,
    checkpoints: BTreeMap<String, CheckpointState>,
    /// Observed, not yet evaluated periods.
    pending: BTreeMap<i64, PeriodSums>,
    /// The market days the registry declares, as of the latest
    /// [`declare`](Self::declare) (reference data: not part of snapshots).
    calendar: Option<MarketCalendar>,
}

impl CrossingDetectors {
    pub fn new(crossing_id: Arc<str>, config: Arc<DetectConfig>) -> Self {
        Self {
            crossing_id,
            config,
            evaluated_through_ms: None,
            first_observed_ms: None,
            last_observed_ms: None,
            observed_periods: 0,
            rules: rule::rules(),
            episodes: Vec::new(),
            recent: VecDeque::new(),
            checkpoints: BTreeMap::new(),
            pending: BTreeMap::new(),
            calendar: None,
        }
    }

    /// The market days the crossing registry declares for this crossing
    /// now; the periods evaluated next are judged with them.
    pub fn declare(&mut self, calendar: Option<MarketCalendar>) {
        self.calendar = calendar;
    }

    fn period_start(&self, t_ms: i64) -> i64 {
        borderflow_domain::time::window_start(t_ms, self.config.period_ms())
    }

    pub fn evaluated_through_ms(&self) -> Option<i64> {
        self.evaluated_through_ms
    }

    /// A window closed by the watermark: what it adds to its period.
    pub fn observe(&mut self, window_start_ms: i64, sample: &DetectorSample) {
        let period = self.period_start(window_start_ms);
        if self.evaluated_through_ms.is_some_and(|t| period < t) {
            return;
        }
        self.first_observed_ms = Some(
            self.first_observed_ms
                .map_or(window_start_ms, |t| t.min(window_start_ms)),
        );
        self.last_observed_ms = Some(
            self.last_observed_ms
                .map_or(window_start_ms, |t| t.max(window_start_ms)),
        );
        self.pending.entry(period).or_default().add(sample);
        for activity in &sample.checkpoints {
            self.checkpoints
                .entry(activity.checkpoint_id.clone())
                .or_default()
                .seen(activity);
        }
    }

    /// A sign of life that arrived after its window closed (a late event
    /// or heartbeat): too late for the period figures, still news about
    /// the checkpoint, which is `clock_ms - at_ms` behind its peers; a
    /// heartbeat also says whether it is open.
    pub fn late_activity(
        &mut self,
        checkpoint_id: &str,
        at_ms: i64,
        clock_ms: i64,
        status: Option<CheckpointStatus>,
    ) {
        if let Some(state) = self.checkpoints.get_mut(checkpoint_id) {
            state.seen_late(at_ms, clock_ms, status);
        }
    }

    /// Evaluates every period the watermark has passed; returns whether a
    /// period was evaluated (a snapshot is due). A period without any window
    /// (no events, no heartbeats: the crossing was closed or out of touch)
    /// is neither judged nor learned from; silent checkpoints are a detector
    /// of their own.
    pub fn advance(&mut self, watermark_ms: i64, out: &mut Vec<Anomaly>) -> bool {
        let Some(first) = self.first_observed_ms else {
            return false;
        };
        let period = self.config.period_ms();
        let mut next = self
            .evaluated_through_ms
            .unwrap_or_else(|| self.period_start(first));
        let mut evaluated = false;
        while next + period <= watermark_ms {
            match self.pending.remove(&next) {
                Some(sums) => {
                    self.evaluate(next, &sums, watermark_ms, out);
                    self.observed_periods = self.observed_periods.saturating_add(1);
                    next += period;
                }
                // Skip straight to the next observed period.
                None => {
                    let due = self.period_start(watermark_ms - period) + period;
                    next = self
                        .pending
                        .keys()
                        .next()
                        .copied()
                        .map_or(due, |k| k.min(due))
                        .max(next + period);
                }
            }
            evaluated = true;
        }
        if evaluated {
            self.evaluated_through_ms = Some(next);
        }
        evaluated
    }

    /// Flags the open checkpoints not heard from for the silence threshold
    /// as of `clock_ms`: the partition's silence clock, which is the
    /// watermark or, when most checkpoints trail it, their progress.
    pub fn check_silence(&mut self, clock_ms: i64, out: &mut Vec<Anomaly>) {
        checkpoint::check_silence(self, clock_ms, out);
    }

    /// The latest sign of life of each open checkpoint not flagged silent.
    pub fn live_checkpoints(&self) -> impl Iterator<Item = i64> + '_ {
        self.checkpoints
            .values()
            .filter(|c| c.is_live())
            .map(|c| c.last_seen_ms)
    }

    /// Whether the crossing has been observed long enough (event time, the
    /// period starting at `start` included) to trust the baselines. A
    /// crossing open half the day has then seen each of its open hours,
    /// which is what its profile needs; counting only observed periods
    /// would keep it cold for two days.
    fn warm(&self, start: i64) -> bool {
        let warmup = self.config.baseline_warmup.as_millis() as i64;
        self.first_observed_ms
            .is_some_and(|first| start + self.config.period_ms() - first >= warmup)
    }

    /// Opens an episode of `kind` (for `subject`) unless one is open;
    /// returns whether it is new.
    fn episode(&mut self, kind: AnomalyKind, subject: &str, since_ms: i64) -> bool {
        if self
            .episodes
            .iter()
            .any(|e| e.kind == kind && e.subject == subject)
        {
            return false;
        }
        self.episodes.push(Episode {
            kind,
            since_ms,
            subject: subject.to_owned(),
        });
        true
    }

    fn end_episode(&mut self, kind: AnomalyKind, subject: &str) {
        self.episodes
            .retain(|e| !(e.kind == kind && e.subject == subject));
    }

    fn remember(&mut self, record: PeriodRecord) {
        self.recent.push_back(record);
        let period = self.config.period_ms();
        let officer_periods =
            (self.config.officer_lookback.as_millis() as i64 / period).max(1) as usize;
        // The nationality mix is also compared with the same hours of the
        // latest alike day: yesterday, or up to a week back where market
        // days are declared.
        let days = if self.calendar.is_some() { 7 } else { 1 };
        let day_periods = (borderflow_domain::time::MS_PER_DAY / period) as usize;
        let keep = officer_periods.max(self.config.nationality_lookback + days * day_periods);
        while self.recent.len() > keep {
            self.recent.pop_front();
        }
        // Beyond the officer look-back only the nationalities are read.
        if let Some(old) = self
            .recent
            .len()
            .checked_sub(officer_periods + 1)
            .and_then(|i| self.recent.get_mut(i))
        {
            old.officers = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests;
