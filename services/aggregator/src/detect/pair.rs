//! Twin pairs reconciled: MIRROR_GAP and TRANSIT_DELAY.
//!
//! A traveller who leaves one post of a crossing point is inspected on
//! entry at the other country's post some minutes later. Each post's
//! system publishes, per period and direction, the pair keys of the
//! travellers it inspected (the liaison exchange); a [`Flow`] takes both
//! sides' periods for one direction of travel, from the post they leave to
//! the post they enter, and judges each period once the other side's
//! records for it are in:
//!
//! - **gone** (MIRROR_GAP): travellers who left the first post and were
//!   not inspected at the second within `mirror_horizon`;
//! - **unrecorded** (MIRROR_GAP): travellers who entered at the second post
//!   in the period and were not recorded leaving the first within
//!   `mirror_lookback` before (a booth that does not report, or people let through
//!   without an inspection);
//! - **transit** (TRANSIT_DELAY): the median time between the two
//!   inspections of the travellers who did arrive.
//!
//! Nothing at a real border reconciles exactly: a traveller turns back in
//! the zone, a document is keyed in with a typo, a refused traveller comes
//! back the way they came. Each flow learns the share that does not
//! reconcile and its transit time from its own periods. Gaps are judged
//! over the latest `mirror_window` of periods, so a slow leak adds up: a
//! gap is a window's count far above the learned share's binomial spread
//! (and at least `mirror_min_missing` travellers). A delay is a period's
//! median well above the learned one. A period that alarms is not learned.
//! Consecutive periods that alarm are one anomaly whose revision grows.

mod draft;
mod judge;

use std::collections::BTreeMap;

use borderflow_proto::analytics::v1::Anomaly;

pub use judge::Check;

/// The first 16 bytes of a document's pair key.
pub type PairKey = [u8; 16];

/// One post's inspections in one direction over one period, as the
/// exchange carries them.
#[derive(Clone, Debug, PartialEq)]
pub struct SidePeriod {
    pub crossing_id: String,
    /// Exits (else entries).
    pub exit: bool,
    pub start_ms: i64,
    pub len_ms: i64,
    /// Each traveller: key, when they left (exit) or reached the post
    /// (entry), admitted.
    pub passages: Vec<(PairKey, i64, bool)>,
    /// On entry, the longest wait in the queue of the period's travellers.
    pub longest_wait_ms: i64,
}

impl SidePeriod {
    fn end_ms(&self) -> i64 {
        self.start_ms + self.len_ms
    }
}

/// Who reconciles a flow, and where its anomalies belong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowId {
    pub pair_id: String,
    /// The post travellers leave.
    pub from: String,
    /// The post they enter.
    pub to: String,
    /// The post whose operators are told (this system's own post of the
    /// flow: the one left, when it operates both).
    pub told: String,
}

/// A learned share of travellers who do not reconcile, decaying so that
/// the last days weigh most, and the latest periods judged (a gap is
/// judged over a window of them, so a slow leak adds up).
#[derive(Clone, Debug)]
struct Share {
    missing: f64,
    total: f64,
    periods: u32,
    /// (missing, judged, period start) of the latest periods.
    recent: std::collections::VecDeque<(usize, usize, i64)>,
}

/// How much a period's figures weigh against the one before.
const DECAY: f64 = 0.98;
/// The share assumed before any period is learned (1 %), and how many
/// travellers' worth that assumption weighs.
const PRIOR_SHARE: f64 = 0.01;
const PRIOR_WEIGHT: f64 = 50.0;

impl Default for Share {
    fn default() -> Self {
        Self {
            missing: 0.0,
            total: 0.0,
            periods: 0,
            recent: std::collections::VecDeque::new(),
        }
    }
}

impl Share {
    fn rate(&self) -> f64 {
        (self.missing + PRIOR_SHARE * PRIOR_WEIGHT) / (self.total + PRIOR_WEIGHT)
    }

    fn learn(&mut self, missing: usize, total: usize) {
        self.missing = self.missing * DECAY + missing as f64;
        self.total = self.total * DECAY + total as f64;
        self.periods += 1;
    }
}

/// The learned transit time: an exponentially weighted mean of the
/// periods' log medians.
#[derive(Clone, Copy, Debug, Default)]
struct Transit {
    log_median: f64,
    periods: u32,
}

impl Transit {
    fn usual_ms(&self) -> Option<f64> {
        (self.periods > 0).then(|| self.log_median.exp())
    }

    fn learn(&mut self, median_ms: f64) {
        const WEIGHT: f64 = 0.1;
        let x = median_ms.max(1.0).ln();
        self.log_median = if self.periods == 0 {
            x
        } else {
            self.log_median + WEIGHT * (x - self.log_median)
        };
        self.periods += 1;
    }
}

/// An open run of alarming periods: one anomaly.
#[derive(Clone, Debug)]
struct Episode {
    first_start_ms: i64,
    /// When the condition first held: every revision keeps its first
    /// one's event time (the explanation describes the latest window).
    first_event: Option<borderflow_proto::Timestamp>,
    last_end_ms: i64,
    revision: u32,
}

/// One direction of travel between the posts of a pair.
#[derive(Debug)]
pub struct Flow {
    pub id: FlowId,
    /// The leaving post's admitted exits, by period start.
    exits: BTreeMap<i64, SidePeriod>,
    /// The entering post's entries (any decision), by period start.
    entries: BTreeMap<i64, SidePeriod>,
    /// The end of the latest period received from each side.
    exits_through: i64,
    entries_through: i64,
    /// Periods judged, by their start, per check.
    judged_exits: i64,
    judged_entries: i64,
    gone: Share,
    unrecorded: Share,
    transit: Transit,
    episodes: [Option<Episode>; 3],
    /// The latest judged period's figures, for the operators' gauges.
    pub latest: Latest,
    /// (period start, longest wait) of the entering post's periods of the
    /// last day: how long it may take to record someone who reached it.
    waits: std::collections::VecDeque<(i64, i64)>,
    /// (period start, transit times) of the periods in the window.
    transits: std::collections::VecDeque<(i64, Vec<i64>)>,
    /// Periods judged since [`Flow::take_judged`] last took them.
    judged: Vec<Judged>,
}

/// The latest judged period of a flow: per check, (missing, judged).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Latest {
    pub gone: Option<(usize, usize)>,
    pub unrecorded: Option<(usize, usize)>,
    pub transit_ms: Option<i64>,
}

/// One period as one check judged it, for the operators' pair view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Judged {
    pub check: Check,
    /// The period judged: the leaving post's (gone, transit) or the
    /// entering post's (unrecorded).
    pub start_ms: i64,
    /// Travellers judged; for transit, those the median is over.
    pub judged: usize,
    /// Travellers who did not reconcile (none for transit).
    pub missing: usize,
    /// Transit: the median over the window ending with the period.
    pub transit_ms: Option<i64>,
    /// The check alarmed on the period.
    pub alarm: bool,
}

impl Flow {
    pub fn new(id: FlowId) -> Self {
        Self {
            id,
            exits: BTreeMap::new(),
            entries: BTreeMap::new(),
            exits_through: i64::MIN,
            entries_through: i64::MIN,
            judged_exits: i64::MIN,
            judged_entries: i64::MIN,
            gone: Share::default(),
            unrecorded: Share::default(),
            transit: Transit::default(),
            episodes: [None, None, None],
            latest: Latest::default(),
            waits: std::collections::VecDeque::new(),
            transits: std::collections::VecDeque::new(),
            judged: Vec::new(),
        }
    }

    /// Takes one side's period (a repeated one replaces the first).
    pub fn offer(&mut self, period: SidePeriod) {
        if period.exit && period.crossing_id == self.id.from {
            self.exits_through = self.exits_through.max(period.end_ms());
            if period.start_ms > self.judged_exits {
                self.exits.insert(period.start_ms, period);
            }
        } else if !period.exit && period.crossing_id == self.id.to {
            self.entries_through = self.entries_through.max(period.end_ms());
            let day_ago = period.start_ms - 86_400_000;
            self.waits
                .push_back((period.start_ms, period.longest_wait_ms));
            while self
                .waits
                .front()
                .is_some_and(|(start, _)| *start < day_ago)
            {
                self.waits.pop_front();
            }
            if period.start_ms > self.judged_entries {
                self.entries.insert(period.start_ms, period);
            }
        }
    }

    /// Judges every period whose other side is in, in time order; returns
    /// the anomalies raised or grown.
    pub fn judge(&mut self, config: &crate::detect::DetectConfig) -> Vec<Anomaly> {
        judge::run(self, config)
    }

    /// The periods judged since this was last asked, oldest first.
    pub fn take_judged(&mut self) -> Vec<Judged> {
        std::mem::take(&mut self.judged)
    }

    /// How long the entering post may take to record a traveller who has
    /// reached it: the longest queue of its last day.
    fn queue_allowance_ms(&self) -> i64 {
        self.waits.iter().map(|(_, wait)| *wait).max().unwrap_or(0)
    }

    /// Periods held (for metrics and tests).
    pub fn held(&self) -> usize {
        self.exits.len() + self.entries.len()
    }
}

#[cfg(test)]
mod tests;
