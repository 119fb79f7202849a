//! Crossing windows as published on the crossing-stats topic, per crossing,
//! newest last. A window's record replaces the one kept only if it is at
//! least as new: closed beats open, then the offset it covers up to
//! (`through_offset`). Two owners of a partition can both have records of a
//! window in flight around a hand-over, and the topic interleaves them in
//! arrival order; the newest revision must win whatever that order.
//!
//! Every instance keeps days of windows of every crossing, so they are kept
//! as their encoded records (a few hundred bytes each, a third of their
//! decoded size) and decoded when asked for; queries read a handful. A
//! record this instance published itself is the very one its partition
//! keeps for late events ([`WindowStore::offer_published`]): one copy, not
//! two.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{
    CrossingDetectorState, CrossingWindow, CrossingWindowRecord, WindowState,
};
use borderflow_proto::timestamp_to_ms;
use dashmap::DashMap;
use tokio::sync::broadcast;

use crate::windows::publish::from_record;
use crate::windows::window::Window;

#[derive(Debug, Default)]
struct Crossing {
    windows: BTreeMap<i64, Stored>,
}

/// One window's latest record.
#[derive(Debug)]
struct Stored {
    source_partition: i32,
    open: bool,
    through_offset: i64,
    /// The encoded `CrossingWindowRecord`.
    record: Arc<[u8]>,
}

impl Stored {
    fn record(&self) -> Option<CrossingWindowRecord> {
        CrossingWindowRecord::decode(&*self.record).ok()
    }

    fn window(&self) -> Option<CrossingWindow> {
        self.record().and_then(|r| r.window)
    }

    /// Orders revisions of one window: a closed revision is newer than any
    /// open one; among either, the one covering more of the partition.
    fn newness(&self) -> (bool, i64) {
        (!self.open, self.through_offset)
    }
}

/// A closed window to resume from, and its record as published (kept as
/// is, so resuming does not encode it again).
#[derive(Debug)]
pub struct ClosedWindow {
    pub crossing_id: String,
    pub window: Window,
    pub record: Arc<[u8]>,
}

/// Window records this instance published and has not read back yet.
/// Entries live from publication to read-back (about one fetch); should
/// read-back stall (a failed delivery, a lagging view) the set is emptied
/// at [`Self::LIMIT`], which costs sharing, never correctness.
#[derive(Debug, Default)]
struct Published {
    pending: Mutex<HashSet<Arc<[u8]>>>,
}

impl Published {
    const LIMIT: usize = 1 << 16;

    fn offer(&self, record: &Arc<[u8]>) {
        let mut pending = self.pending.lock().expect("published records lock");
        if pending.len() >= Self::LIMIT {
            pending.clear();
        }
        pending.insert(record.clone());
    }

    fn take(&self, payload: &[u8]) -> Option<Arc<[u8]>> {
        self.pending
            .lock()
            .expect("published records lock")
            .take(payload)
    }

    fn len(&self) -> usize {
        self.pending.lock().expect("published records lock").len()
    }
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
    published: Published,
}

impl WindowStore {
    pub fn new(retention_ms: i64) -> Self {
        Self {
            crossings: DashMap::new(),
            states: DashMap::new(),
            retention_ms,
            updates: broadcast::channel(4096).0,
            published: Published::default(),
        }
    }

    /// Applies one published record: a window, or a detector snapshot.
    pub fn apply(&self, record: CrossingWindowRecord) {
        let encoded = record.encode_to_vec();
        self.apply_decoded(record, || encoded.into());
    }

    /// This instance sent `record` to the crossing-stats topic and keeps it
    /// for late events: when it is read back, the store keeps that copy
    /// rather than a second one.
    pub fn offer_published(&self, record: &Arc<[u8]>) {
        self.published.offer(record);
    }

    /// Records offered and not read back yet.
    pub fn published_pending(&self) -> usize {
        self.published.len()
    }

    /// Applies one record as read from the topic.
    pub fn apply_encoded(&self, payload: &[u8]) -> Result<(), borderflow_proto::DecodeError> {
        let record = CrossingWindowRecord::decode(payload)?;
        match self.published.take(payload) {
            Some(shared) => self.apply_decoded(record, || shared),
            None => self.apply_decoded(record, || payload.into()),
        }
        Ok(())
    }

    fn apply_decoded(&self, record: CrossingWindowRecord, encoded: impl FnOnce() -> Arc<[u8]>) {
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
        let stored = Stored {
            source_partition: record.source_partition,
            open: window.state == WindowState::Open as i32,
            through_offset: record.through_offset,
            record: encoded(),
        };
        let Some(window) = record.window else {
            return;
        };
        let mut crossing = self
            .crossings
            .entry(window.crossing_id.clone())
            .or_default();
        match crossing.windows.get_mut(&start) {
            Some(kept) if kept.newness() > stored.newness() => return,
            Some(kept) => *kept = stored,
            None => {
                crossing.windows.insert(start, stored);
            }
        }
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
        let _ = self.updates.send(Arc::new(window));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CrossingWindow>> {
        self.updates.subscribe()
    }

    /// Where a crossing's windows are kept from: every window starting
    /// earlier has been dropped.
    pub fn horizon(&self, crossing_id: &str) -> Option<i64> {
        let crossing = self.crossings.get(crossing_id)?;
        let newest = *crossing.windows.last_key_value()?.0;
        Some(newest - self.retention_ms)
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
        for stored in crossing.windows.values().rev() {
            if stored.open {
                if open.is_none() {
                    open = stored.window();
                }
            } else {
                closed = stored.window();
                if closed.is_some() {
                    break;
                }
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
                    .filter(|s| !s.open)
                    .filter_map(Stored::window)
                    .take(limit)
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
                    .map(|(_, s)| s)
                    .filter(|s| !s.open)
                    .filter_map(Stored::window)
                    .take(limit)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Closed windows whose events came from `partition`, to resume
    /// processing it: each decoded, with the record it was read as.
    pub fn closed_for_partition(&self, partition: i32) -> Vec<ClosedWindow> {
        let mut out = Vec::new();
        for crossing in self.crossings.iter() {
            for stored in crossing.windows.values() {
                if stored.source_partition != partition || stored.open {
                    continue;
                }
                if let Some((crossing_id, window)) = stored.record().as_ref().and_then(from_record)
                    && window.state != crate::windows::window::WindowState::Open
                {
                    out.push(ClosedWindow {
                        crossing_id,
                        window,
                        record: stored.record.clone(),
                    });
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
            out.extend(
                crossing
                    .windows
                    .values()
                    .filter(|s| !s.open)
                    .filter_map(Stored::window),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use borderflow_proto::analytics::v1::{CrossingWindow, CrossingWindowRecord, WindowState};
    use borderflow_proto::ms_to_timestamp;

    use std::sync::Arc;

    use borderflow_proto::Message as _;

    use super::WindowStore;

    fn record(state: WindowState, through_offset: i64, inspections: u64) -> CrossingWindowRecord {
        CrossingWindowRecord {
            window: Some(CrossingWindow {
                crossing_id: "KG-DOSTUK".into(),
                start: Some(ms_to_timestamp(900_000)),
                end: Some(ms_to_timestamp(1_800_000)),
                state: state as i32,
                inspections,
                ..Default::default()
            }),
            source_partition: 3,
            through_offset,
            ..Default::default()
        }
    }

    fn kept(store: &WindowStore) -> (i32, u64) {
        let (open, closed) = store.current("KG-DOSTUK");
        let window = closed.or(open).expect("the window is kept");
        (window.state, window.inspections)
    }

    #[test]
    fn a_later_revision_replaces_the_kept_one() {
        let store = WindowStore::new(i64::MAX / 4);
        store.apply(record(WindowState::Open, -1, 4));
        store.apply(record(WindowState::Open, -1, 6));
        assert_eq!(kept(&store), (WindowState::Open as i32, 6));
        store.apply(record(WindowState::Closed, 40, 7));
        store.apply(record(WindowState::Amended, 52, 8));
        assert_eq!(kept(&store), (WindowState::Amended as i32, 8));
    }

    #[test]
    fn a_revision_arriving_after_a_newer_one_is_ignored() {
        let store = WindowStore::new(i64::MAX / 4);
        store.apply(record(WindowState::Amended, 52, 8));
        // The previous owner's provisional and first closed revisions,
        // delivered late around a hand-over.
        store.apply(record(WindowState::Open, -1, 6));
        store.apply(record(WindowState::Closed, 40, 7));
        assert_eq!(kept(&store), (WindowState::Amended as i32, 8));
        assert_eq!(
            store.closed_for_partition(3)[0].window.counts.inspections,
            8
        );
    }

    #[test]
    fn a_record_published_here_is_kept_once() {
        let store = WindowStore::new(i64::MAX / 4);
        let published: Arc<[u8]> = record(WindowState::Closed, 40, 7).encode_to_vec().into();
        store.offer_published(&published);
        assert_eq!(store.published_pending(), 1);
        // Read back from the topic: equal bytes, another buffer.
        let read_back = published.to_vec();
        store.apply_encoded(&read_back).unwrap();
        assert_eq!(store.published_pending(), 0);
        assert_eq!(
            Arc::strong_count(&published),
            2,
            "the store holds the published copy"
        );
        assert_eq!(kept(&store), (WindowState::Closed as i32, 7));
        // A record published elsewhere is copied as before.
        let other = record(WindowState::Amended, 52, 8).encode_to_vec();
        store.apply_encoded(&other).unwrap();
        assert_eq!(kept(&store), (WindowState::Amended as i32, 8));
        assert_eq!(
            Arc::strong_count(&published),
            1,
            "the older revision was replaced"
        );
    }

    #[test]
    fn offered_records_never_read_back_are_bounded() {
        let store = WindowStore::new(i64::MAX / 4);
        for i in 0..super::Published::LIMIT + 10 {
            let bytes: Arc<[u8]> = record(WindowState::Closed, i as i64, 1)
                .encode_to_vec()
                .into();
            store.offer_published(&bytes);
        }
        assert!(store.published_pending() <= super::Published::LIMIT);
    }
}
