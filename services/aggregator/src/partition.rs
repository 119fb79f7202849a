//! One partition's state, driven record by record: the windows of an
//! inspections partition ([`PartitionState`], its per-record
//! [`step`](PartitionState::step) and batch-end
//! [`publish`](PartitionState::publish)) and the document histories of a
//! by-document partition ([`DocumentPartition`]). Steps are pure: they read
//! a [`Record`](effects::Record) and ask for [`Effects`](effects::Effects),
//! which the Kafka adapters, the benches and the tests carry out alike.
//!
//! A partition carries many crossings (records are keyed by crossing), and
//! one watermark: the largest event time seen minus the allowed lateness. A
//! window closes once the watermark passes its end. An event for a closed
//! window that is still retained amends it (and it is published again); an
//! event older than the retention is counted as too late and left out.
//!
//! Exactness across restarts rests on two facts kept in every published
//! window: the offset it covers up to (`through_offset`: replayed records at
//! or below it are already in), and its event ids (a re-sent event counts
//! once). Offsets are committed only up to the oldest record an open window
//! or a failed zone held for a re-scan still needs, so a crash replays
//! instead of losing.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use borderflow_domain::time::window_start;
use borderflow_proto::inspection::v1::CheckpointStatus;

use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{Anomaly, CrossingDetectorState, CrossingWindowRecord};
use borderflow_proto::statistics::v1::HourRecord;

use crate::detect::crossing::CrossingDetectors;
use crate::detect::escort::Escorts;
use crate::detect::rescan::Rescans;
use crate::detect::{DetectConfig, References};
use crate::windows::cells::{AgeBands, Cells};
use crate::windows::publish::to_record;
use crate::windows::window::{Added, EventFacts, Window, WindowState, cell_key};
use hours::Hours;

mod documents;
pub mod effects;
pub mod hours;
pub mod liaison;
mod retained;
mod step;

pub use documents::{DocumentPartition, DocumentStep, PartitionChanges};
pub use retained::Retained;
pub use step::Stepped;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowConfig {
    pub size_ms: i64,
    /// How far behind the largest event time a window stays open.
    pub allowed_lateness_ms: i64,
    /// How long after closing a window still accepts (amending) late events.
    pub late_retention_ms: i64,
    /// The service-level wait counted per window.
    pub sla_wait_ms: u64,
    /// The age bands the statistics count by.
    pub age_bands: AgeBands,
}

impl Default for WindowConfig {
    fn default() -> Self {
        Self {
            size_ms: 60_000,
            allowed_lateness_ms: 120_000,
            late_retention_ms: 6 * 3_600_000,
            sla_wait_ms: 45 * 60_000,
            age_bands: AgeBands::default(),
        }
    }
}

/// What happened to one inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    Counted,
    /// Counted into a window that had already closed.
    Amended,
    /// Its event id was already counted.
    Duplicate,
    /// A replay of a record the published window already includes.
    Replayed,
    /// Older than the late retention: not counted in any window.
    TooLate,
}

/// A closed window to publish.
#[derive(Debug)]
pub struct Closed {
    pub record: CrossingWindowRecord,
    /// `record`, encoded; kept (shared) while the window may be amended.
    pub payload: Arc<[u8]>,
    /// Inspections by direction and outcome not yet counted in the metrics.
    pub new_flows: [[u64; 3]; 2],
    /// Inspections by every statistics dimension not yet counted in the
    /// metrics.
    pub new_cells: Cells,
    /// The window's first publication as closed.
    pub first: bool,
}

/// Everything that happens to one crossing on this partition.
#[derive(Debug)]
pub struct CrossingState {
    pub id: Arc<str>,
    // Boxed: a window is several hundred bytes, and B-tree nodes shift
    // their values on every insert and removal.
    pub open: BTreeMap<i64, Box<Window>>,
    pub closed: BTreeMap<i64, Retained>,
    pub detectors: CrossingDetectors,
    /// The statistics of the hours its closed windows fall in.
    pub hours: Hours,
}

impl CrossingState {
    fn new(id: Arc<str>, detect: Arc<DetectConfig>) -> Self {
        Self {
            detectors: CrossingDetectors::new(id.clone(), detect),
            id,
            open: BTreeMap::new(),
            closed: BTreeMap::new(),
            hours: Hours::default(),
        }
    }
}

#[derive(Debug)]
pub struct PartitionState {
    pub partition: i32,
    config: WindowConfig,
    detect: Arc<DetectConfig>,
    refs: Arc<dyn References>,
    max_event_ms: Option<i64>,
    last_offset: i64,
    crossings: HashMap<Arc<str>, CrossingState>,
    /// Open windows by end time, for closing them in order.
    open_by_end: BTreeMap<i64, Vec<Arc<str>>>,
    /// Crossings with windows closed since the last publication.
    changed: Vec<Arc<str>>,
    /// Crossings with hours to publish.
    hours_due: Vec<Arc<str>>,
    last_eviction_ms: i64,
    /// The watermark the detectors last advanced to.
    detectors_at_ms: i64,
    /// The silence clock as last computed (see [`Self::silence_clock`]).
    silence_clock_ms: i64,
    anomalies: Vec<Anomaly>,
    /// Failed zones held for a re-scan, per checkpoint.
    rescans: Rescans,
    /// Adults and the minors crossing with them, held for pairing.
    escorts: Escorts,
    /// Crossings whose detectors evaluated a period since the last call.
    snapshot_due: Vec<Arc<str>>,
}

impl PartitionState {
    pub fn new(
        partition: i32,
        config: WindowConfig,
        detect: Arc<DetectConfig>,
        refs: Arc<dyn References>,
    ) -> Self {
        Self {
            partition,
            config,
            rescans: Rescans::new(&detect),
            escorts: Escorts::new(&detect),
            detect,
            refs,
            max_event_ms: None,
            last_offset: -1,
            crossings: HashMap::new(),
            open_by_end: BTreeMap::new(),
            changed: Vec::new(),
            hours_due: Vec::new(),
            last_eviction_ms: i64::MIN,
            detectors_at_ms: i64::MIN,
            silence_clock_ms: i64::MIN,
            anomalies: Vec::new(),
            snapshot_due: Vec::new(),
        }
    }

    pub fn config(&self) -> &WindowConfig {
        &self.config
    }

    /// Largest event time minus the allowed lateness.
    pub fn watermark(&self) -> Option<i64> {
        self.max_event_ms
            .map(|t| t - self.config.allowed_lateness_ms)
    }

    pub fn last_offset(&self) -> i64 {
        self.last_offset
    }

    pub fn crossings(&self) -> impl Iterator<Item = &CrossingState> {
        self.crossings.values()
    }

    pub fn crossing(&self, id: &str) -> Option<&CrossingState> {
        self.crossings.get(id)
    }

    /// Puts back a crossing's detector state published before a restart or
    /// rebalance; call before [`restore`](Self::restore)ing its windows.
    pub fn restore_detectors(&mut self, snapshot: &CrossingDetectorState) {
        let detectors = CrossingDetectors::restored(snapshot, self.detect.clone());
        self.crossing_mut(&snapshot.crossing_id).detectors = detectors;
    }

    /// Puts back a closed window published before a restart or rebalance
    /// as `record` (its encoding); the detectors see it again when their
    /// snapshot predates it.
    pub fn restore(&mut self, crossing_id: &str, window: Window, record: Arc<[u8]>) {
        let state = self.crossing_mut(crossing_id);
        state.open.remove(&window.start_ms);
        state.hours.restored(window.start_ms, &window.cells);
        if let Some(sample) = &window.sample
            && state
                .detectors
                .evaluated_through_ms()
                .is_none_or(|t| window.start_ms >= t)
        {
            state.detectors.observe(window.start_ms, sample);
        }
        state
            .closed
            .insert(window.start_ms, Retained::published(&window, record));
        let id = state.id.clone();
        self.hours_due.push(id);
    }

    /// The restored windows of `crossing_id` are all it had from
    /// `horizon_ms` on (the window store's horizon): an hour it cuts is not
    /// republished.
    pub fn restored_from(&mut self, crossing_id: &str, horizon_ms: i64) {
        self.crossing_mut(crossing_id)
            .hours
            .restored_from(horizon_ms);
    }

    fn crossing_mut(&mut self, id: &str) -> &mut CrossingState {
        if !self.crossings.contains_key(id) {
            let id: Arc<str> = Arc::from(id);
            self.crossings
                .insert(id.clone(), CrossingState::new(id, self.detect.clone()));
        }
        self.crossings.get_mut(id).expect("inserted above")
    }

    /// Counts one inspection at `offset`.
    pub fn inspection(
        &mut self,
        offset: i64,
        crossing_id: &str,
        facts: &EventFacts<'_>,
    ) -> Disposition {
        self.last_offset = offset;
        let size = self.config.size_ms;
        let sla = self.config.sla_wait_ms;
        let start = window_start(facts.event_ms, size);
        let closes_at = start + size + self.config.allowed_lateness_ms;
        let horizon = self.max_event_ms.map(|t| t - self.config.late_retention_ms);
        let is_closed_slot = self.max_event_ms.is_some_and(|t| closes_at <= t);
        self.max_event_ms = Some(
            self.max_event_ms
                .map_or(facts.event_ms, |t| t.max(facts.event_ms)),
        );

        // Purely event-time decisions, so a replay decides the same way.
        let too_late = horizon.is_some_and(|h| start + size <= h);
        let disposition = {
            let state = self.crossing_mut(crossing_id);
            if too_late {
                Disposition::TooLate
            } else if let Some(retained) = state.closed.get_mut(&start) {
                if offset <= retained.through_offset() {
                    Disposition::Replayed
                } else {
                    let window = retained.window_mut();
                    match window.add(facts, offset) {
                        Added::Counted => {
                            window.state = WindowState::Amended;
                            Disposition::Amended
                        }
                        Added::Duplicate => Disposition::Duplicate,
                    }
                }
            } else if is_closed_slot {
                let mut window = Box::new(Window::new(start, size, sla));
                window.close(false);
                window.state = WindowState::Amended;
                window.add(facts, offset);
                state.closed.insert(start, Retained::Live(window));
                Disposition::Amended
            } else {
                let mut created = false;
                let window = state.open.entry(start).or_insert_with(|| {
                    created = true;
                    Box::new(Window::new(start, size, sla))
                });
                let added = window.add(facts, offset);
                if created {
                    let id = state.id.clone();
                    self.open_by_end.entry(start + size).or_default().push(id);
                }
                match added {
                    Added::Counted => Disposition::Counted,
                    Added::Duplicate => Disposition::Duplicate,
                }
            }
        };
        if matches!(disposition, Disposition::Counted | Disposition::Amended) {
            let hours = &mut self.crossing_mut(crossing_id).hours;
            hours.count(start, cell_key(facts));
            if disposition == Disposition::Amended {
                hours.changed(start);
            }
        }
        if disposition == Disposition::Amended {
            self.mark_changed(crossing_id);
            let clock = self.silence_clock_ms;
            self.crossing_mut(crossing_id).detectors.late_activity(
                facts.checkpoint_id,
                facts.event_ms,
                clock,
                None,
            );
        }
        self.close_due();
        disposition
    }

    /// A checkpoint's heartbeat: advances event time and records the sign of
    /// life in the window it falls in.
    pub fn heartbeat(
        &mut self,
        offset: i64,
        crossing_id: &str,
        checkpoint_id: &str,
        at_ms: i64,
        status: CheckpointStatus,
    ) {
        self.last_offset = offset;
        self.rescans.beat(checkpoint_id, at_ms);
        let size = self.config.size_ms;
        let sla = self.config.sla_wait_ms;
        let start = window_start(at_ms, size);
        let is_closed_slot = self
            .max_event_ms
            .is_some_and(|t| start + size + self.config.allowed_lateness_ms <= t);
        self.max_event_ms = Some(self.max_event_ms.map_or(at_ms, |t| t.max(at_ms)));
        // A heartbeat for a closed window is too late for the window's
        // figures, but still tells the detectors the booth is alive.
        let in_closed = self
            .crossings
            .get(crossing_id)
            .is_some_and(|s| s.closed.contains_key(&start));
        if is_closed_slot || in_closed {
            let clock = self.silence_clock_ms;
            self.crossing_mut(crossing_id).detectors.late_activity(
                checkpoint_id,
                at_ms,
                clock,
                Some(status),
            );
        } else {
            let state = self.crossing_mut(crossing_id);
            let mut created = false;
            let window = state.open.entry(start).or_insert_with(|| {
                created = true;
                Box::new(Window::new(start, size, sla))
            });
            window.seen(checkpoint_id, at_ms, Some(status), 0);
            window.hold_offset(offset);
            if created {
                let id = state.id.clone();
                self.open_by_end.entry(start + size).or_default().push(id);
            }
        }
        self.close_due();
        self.release_rescans();
    }

    /// Reports the failed zones no re-scan can clear any more.
    fn release_rescans(&mut self) {
        let watermark = self.watermark();
        self.rescans.release(watermark, &mut self.anomalies);
    }

    /// Closes every open window the watermark has passed, oldest first.
    fn close_due(&mut self) {
        let Some(watermark) = self.watermark() else {
            return;
        };
        while let Some(entry) = self.open_by_end.first_entry() {
            let end = *entry.key();
            if end > watermark {
                break;
            }
            let crossings = entry.remove();
            let start = end - self.config.size_ms;
            for id in crossings {
                if let Some(state) = self.crossings.get_mut(&id)
                    && let Some(mut window) = state.open.remove(&start)
                {
                    window.close(true);
                    if let Some(sample) = &window.sample {
                        state.detectors.observe(start, sample);
                    }
                    state.hours.changed(start);
                    state.closed.insert(start, Retained::Live(window));
                    self.changed.push(id);
                }
            }
        }
        self.advance_detectors(watermark);
        self.evict(watermark);
    }

    /// Lets every crossing's detectors see the watermark, once per window
    /// length of event time (windows close on those boundaries).
    fn advance_detectors(&mut self, watermark: i64) {
        let boundary = window_start(watermark, self.config.size_ms);
        if boundary <= self.detectors_at_ms {
            return;
        }
        self.detectors_at_ms = boundary;
        let mut ids: Vec<&Arc<str>> = self.crossings.keys().collect();
        // A stable order keeps the outputs' order reproducible.
        ids.sort_unstable();
        let ids: Vec<Arc<str>> = ids.into_iter().cloned().collect();
        for id in &ids {
            let Some(state) = self.crossings.get_mut(id) else {
                continue;
            };
            state.detectors.declare(self.refs.calendar(id));
            if state.detectors.advance(watermark, &mut self.anomalies) {
                self.snapshot_due.push(id.clone());
            }
        }
        let clock = self.silence_clock(watermark);
        self.silence_clock_ms = clock;
        for id in &ids {
            if let Some(state) = self.crossings.get_mut(id) {
                state.detectors.check_silence(clock, &mut self.anomalies);
            }
        }
    }

    /// What checkpoint silence is judged against (see
    /// `detect::crossing::checkpoint`): the upper median of the live
    /// checkpoints' latest signs of life, at most the watermark.
    fn silence_clock(&self, watermark: i64) -> i64 {
        let mut seen: Vec<i64> = self
            .crossings
            .values()
            .flat_map(|state| state.detectors.live_checkpoints())
            .collect();
        if seen.is_empty() {
            return watermark;
        }
        let middle = seen.len() / 2;
        let (_, median, _) = seen.select_nth_unstable(middle);
        (*median).min(watermark)
    }

    /// Anomalies the per-crossing detectors raised since the last call.
    pub fn take_anomalies(&mut self) -> Vec<Anomaly> {
        std::mem::take(&mut self.anomalies)
    }

    /// Detector state snapshots due since the last call, as records.
    pub fn take_snapshots(&mut self) -> Vec<CrossingWindowRecord> {
        let mut ids = std::mem::take(&mut self.snapshot_due);
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(|id| self.crossings.get(&id))
            .map(|state| CrossingWindowRecord {
                source_partition: self.partition,
                through_offset: self.last_offset,
                detector_state: Some(state.detectors.snapshot()),
                ..CrossingWindowRecord::default()
            })
            .collect()
    }

    fn mark_changed(&mut self, crossing_id: &str) {
        if let Some(state) = self.crossings.get(crossing_id) {
            self.changed.push(state.id.clone());
        }
    }

    /// Drops closed windows beyond the late retention, at most once per
    /// window length of event time.
    fn evict(&mut self, watermark: i64) {
        if watermark.saturating_sub(self.last_eviction_ms) < self.config.size_ms {
            return;
        }
        self.last_eviction_ms = watermark;
        let horizon = watermark - self.config.late_retention_ms;
        // Crossings themselves stay: their detectors hold what was learned.
        for state in self.crossings.values_mut() {
            while let Some(entry) = state.closed.first_entry() {
                if entry.get().end_ms() > horizon || entry.get().is_dirty() {
                    break;
                }
                entry.remove();
            }
            state.hours.evict(horizon);
        }
    }

    /// Closed or amended windows changed since the last call, each once,
    /// stamped with the offset they now cover, as records to publish, with
    /// the flows not yet reported to the metrics.
    pub fn take_closed(&mut self) -> Vec<Closed> {
        let mut ids = std::mem::take(&mut self.changed);
        ids.sort_unstable();
        ids.dedup();
        let through = self.last_offset;
        let mut out = Vec::new();
        // Records are encoded here and copied once into their shared buffer.
        let mut scratch = Vec::new();
        for id in ids {
            if let Some(state) = self.crossings.get_mut(&id) {
                for retained in state.closed.values_mut().filter(|w| w.is_dirty()) {
                    let Some(window) = retained.live_mut() else {
                        continue;
                    };
                    window.through_offset = through;
                    window.revision += 1;
                    window.dirty = false;
                    let record = to_record(&state.id, self.partition, window);
                    scratch.clear();
                    record.encode_raw(&mut scratch);
                    let payload: Arc<[u8]> = Arc::from(scratch.as_slice());
                    let closed = Closed {
                        new_flows: window.take_unreported_flows(),
                        new_cells: window.take_unreported_cells(),
                        first: window.revision == 1,
                        record,
                        payload,
                    };
                    // Kept as published until a late event amends it.
                    *retained = Retained::published(window, closed.payload.clone());
                    out.push(closed);
                }
                if state.hours.is_due() {
                    self.hours_due.push(id.clone());
                }
            }
        }
        out
    }

    /// The statistics hours changed since the last call (by windows
    /// published or restored), as records to publish.
    pub fn take_hours(&mut self) -> Vec<HourRecord> {
        let mut ids = std::mem::take(&mut self.hours_due);
        ids.sort_unstable();
        ids.dedup();
        let mut out = Vec::new();
        for id in ids {
            if let Some(state) = self.crossings.get_mut(&id) {
                out.extend(state.hours.take(&state.id, self.partition));
            }
        }
        out
    }

    /// Open windows that changed since last published, as provisional
    /// records.
    pub fn take_open(&mut self) -> Vec<CrossingWindowRecord> {
        let mut out = Vec::new();
        for state in self.crossings.values_mut() {
            for window in state.open.values_mut().filter(|w| w.dirty) {
                window.dirty = false;
                window.revision += 1;
                out.push(to_record(&state.id, self.partition, window));
            }
        }
        out
    }

    /// Failed zones held for a re-scan.
    pub fn held_rescans(&self) -> usize {
        self.rescans.len()
    }

    /// Inspections and groups held for pairing minors with adults.
    pub fn held_escorts(&self) -> usize {
        self.escorts.len()
    }

    /// The offset to resume from after a restart: the oldest record an open
    /// window, a failed zone held for a re-scan or an inspection held for
    /// pairing still needs, else the record after the last one processed.
    /// What is held is replayed and held again, so a crash cannot lose a
    /// report or a pair.
    pub fn commit_offset(&self) -> Option<i64> {
        if self.last_offset < 0 {
            return None;
        }
        let held = self
            .crossings
            .values()
            .flat_map(|s| s.open.values())
            .map(|w| w.first_offset)
            .chain(self.rescans.oldest_offset())
            .chain(self.escorts.oldest_offset())
            .min();
        Some(held.map_or(self.last_offset + 1, |o| o.min(self.last_offset + 1)))
    }
}

#[cfg(test)]
mod tests;
