//! Crossing windows as published on the crossing-stats topic, per crossing,
//! newest last. Upserts follow topic order (the last write of a key wins).

use std::collections::BTreeMap;
use std::sync::Arc;

use borderflow_proto::analytics::v1::{
    CrossingDetectorState, CrossingWindow, CrossingWindowRecord, WindowState,
};
use borderflow_proto::timestamp_to_ms;
use dashmap::DashMap;
use tokio::sync::broadcast;

use crate::publish::from_record;
use crate::window::Window;

#[derive(Debug, Default)]
struct Crossing {
    windows: BTreeMap<i64, Arc<CrossingWindowRecord>>,
}

#[derive(Debug)]
pub struct WindowStore {
    crossings: DashMap<String, Crossing>,
    /// The latest detector state snapshot of each crossing with the
    /// partition it came from, kept however old: it is what the detectors
    /// learned.
    states: DashMap<String, (i32, Arc<CrossingDetectorState>)>,
    /// Windows older than the newest one by more than this are dropped.
    retention_ms: i64,
    updates: broadcast::Sender<Arc<CrossingWindow>>,
}

impl WindowStore {
    pub fn new(retention_ms: i64) -> Self {
        Self {
            crossings: DashMap::new(),
            states: DashMap::new(),
            retention_ms,
            updates: broadcast::channel(4096).0,
        }
    }

    /// Applies one published record: a window, or a detector snapshot.
    pub fn apply(&self, record: CrossingWindowRecord) {
        let Some(window) = record.window.as_ref() else {
            if let Some(state) = record.detector_state {
                self.states.insert(
                    state.crossing_id.clone(),
                    (record.source_partition, Arc::new(state)),
                );
            }
            return;
        };
        let Some(start) = window.start.as_ref().and_then(timestamp_to_ms) else {
            return;
        };
        let api = Arc::new(window.clone());
        let crossing_id = window.crossing_id.clone();
        let mut crossing = self.crossings.entry(crossing_id).or_default();
        crossing.windows.insert(start, Arc::new(record));
        let newest = *crossing
            .windows
            .last_key_value()
            .map(|(k, _)| k)
            .unwrap_or(&start);
        let horizon = newest - self.retention_ms;
        while let Some(entry) = crossing.windows.first_entry() {
            if *entry.key() >= horizon {
                break;
            }
            entry.remove();
        }
        drop(crossing);
        // Nobody listening is fine.
        let _ = self.updates.send(api);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CrossingWindow>> {
        self.updates.subscribe()
    }

    pub fn crossing_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.crossings.iter().map(|e| e.key().clone()).collect();
        ids.sort_unstable();
        ids
    }

    /// The newest open window and the newest closed one.
    pub fn current(&self, crossing_id: &str) -> (Option<CrossingWindow>, Option<CrossingWindow>) {
        let Some(crossing) = self.crossings.get(crossing_id) else {
            return (None, None);
        };
        let mut open = None;
        let mut closed = None;
        for record in crossing.windows.values().rev() {
            let Some(window) = &record.window else {
                continue;
            };
            if window.state == WindowState::Open as i32 {
                if open.is_none() && closed.is_none() {
                    open = Some(window.clone());
                }
            } else {
                closed = Some(window.clone());
                break;
            }
        }
        (open, closed)
    }

    /// Up to `limit` closed windows, newest first.
    pub fn recent(&self, crossing_id: &str, limit: usize) -> Vec<CrossingWindow> {
        self.crossings
            .get(crossing_id)
            .map(|c| {
                c.windows
                    .values()
                    .rev()
                    .filter_map(|r| r.window.as_ref())
                    .filter(|w| w.state != WindowState::Open as i32)
                    .take(limit)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Closed windows starting in `[from, to)`, oldest first.
    pub fn range(
        &self,
        crossing_id: &str,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Vec<CrossingWindow> {
        self.crossings
            .get(crossing_id)
            .map(|c| {
                c.windows
                    .range(from..to)
                    .filter_map(|(_, r)| r.window.as_ref())
                    .filter(|w| w.state != WindowState::Open as i32)
                    .take(limit)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Closed windows whose events came from `partition`, to resume
    /// processing it.
    pub fn closed_for_partition(&self, partition: i32) -> Vec<(String, Window)> {
        let mut out = Vec::new();
        for crossing in self.crossings.iter() {
            for record in crossing.windows.values() {
                if record.source_partition != partition {
                    continue;
                }
                if let Some((id, window)) = from_record(record)
                    && window.state != crate::window::WindowState::Open
                {
                    out.push((id, window));
                }
            }
        }
        out
    }

    /// The latest detector snapshots of crossings read from `partition`.
    pub fn states_for_partition(&self, partition: i32) -> Vec<CrossingDetectorState> {
        let mut out: Vec<CrossingDetectorState> = self
            .states
            .iter()
            .filter(|e| e.value().0 == partition)
            .map(|e| (*e.value().1).clone())
            .collect();
        out.sort_by(|a, b| a.crossing_id.cmp(&b.crossing_id));
        out
    }

    /// Every closed window of every crossing (for totals in tests and tools).
    pub fn all_closed(&self) -> Vec<CrossingWindow> {
        let mut out = Vec::new();
        for crossing in self.crossings.iter() {
            for record in crossing.windows.values() {
                if let Some(w) = &record.window
                    && w.state != WindowState::Open as i32
                {
                    out.push(w.clone());
                }
            }
        }
        out
    }
}
