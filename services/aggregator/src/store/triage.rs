//! Every anomaly's triage record, read from the compacted triage topic, and
//! when each anomaly was first published (the broker's record time of its
//! first revision on the anomalies topic), where a time to acknowledge
//! starts.
//!
//! Each record is the whole state after one action, one revision past the
//! last. Writers on different instances may both build on the same
//! revision; the topic's order decides, the same on every instance: a
//! record is applied only when it is the first known for its anomaly or
//! exactly one revision past the one held. The losing writer finds its
//! action not applied, writes the winner again (so the compacted topic
//! keeps the winner as the latest record) and refuses its call.
//!
//! Records are kept for every anomaly ever triaged (human actions: few);
//! publication times are kept for the newest `capacity` anomalies.

use std::sync::{Arc, Mutex};

use borderflow_proto::triage::v1::TriageRecord;
use dashmap::DashMap;

#[derive(Debug)]
pub struct TriageStore {
    records: DashMap<String, Arc<TriageRecord>>,
    raised: DashMap<String, i64>,
    capacity: usize,
    /// Serialises appliers, so the revision check and the write are one step.
    writer: Mutex<()>,
}

/// What applying a record did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The record is the anomaly's state now.
    Accepted,
    /// The record equals the one held (a replay).
    Repeated,
    /// The record does not build on the one held: another action won.
    Conflicting,
}

impl TriageStore {
    pub fn new(capacity: usize) -> Self {
        Self {
            records: DashMap::new(),
            raised: DashMap::new(),
            capacity: capacity.max(1),
            writer: Mutex::new(()),
        }
    }

    /// Applies a record read from the triage topic.
    pub fn apply(&self, record: TriageRecord) -> Applied {
        let _writer = self.writer.lock().expect("triage writer lock");
        let applied = match self.records.get(&record.anomaly_id) {
            None => Applied::Accepted,
            Some(held) if **held == record => Applied::Repeated,
            Some(held) if record.revision == held.revision + 1 => Applied::Accepted,
            Some(_) => Applied::Conflicting,
        };
        if applied == Applied::Accepted {
            self.records
                .insert(record.anomaly_id.clone(), Arc::new(record));
        }
        applied
    }

    /// A deletion (a tombstone for `anomaly_id`): the record goes.
    pub fn remove(&self, anomaly_id: &str) {
        let _writer = self.writer.lock().expect("triage writer lock");
        self.records.remove(anomaly_id);
    }

    pub fn get(&self, anomaly_id: &str) -> Option<Arc<TriageRecord>> {
        self.records.get(anomaly_id).map(|r| r.clone())
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Notes that `anomaly_id` was published at `at_ms` (its first record
    /// counts; later revisions keep the first time).
    pub fn raised(&self, anomaly_id: &str, at_ms: i64) {
        if let Some(mut held) = self.raised.get_mut(anomaly_id) {
            *held = (*held).min(at_ms);
            return;
        }
        self.raised.insert(anomaly_id.to_owned(), at_ms);
        if self.raised.len() > self.capacity * 2 {
            self.forget_oldest();
        }
    }

    /// When `anomaly_id` was first published, if known.
    pub fn raised_ms(&self, anomaly_id: &str) -> Option<i64> {
        self.raised.get(anomaly_id).map(|t| *t)
    }

    /// Keeps the newest `capacity` publication times.
    fn forget_oldest(&self) {
        let mut times: Vec<i64> = self.raised.iter().map(|e| *e.value()).collect();
        let cut = times.len() - self.capacity;
        let (_, &mut oldest_kept, _) = times.select_nth_unstable(cut);
        self.raised.retain(|_, t| *t >= oldest_kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, revision: u32, assignee: &str) -> TriageRecord {
        TriageRecord {
            anomaly_id: id.into(),
            revision,
            assignee: assignee.into(),
            ..TriageRecord::default()
        }
    }

    #[test]
    fn the_topic_order_decides_between_actions_on_the_same_revision() {
        let store = TriageStore::new(10);
        assert_eq!(store.apply(record("a", 1, "")), Applied::Accepted);
        assert_eq!(store.apply(record("a", 2, "op-1")), Applied::Accepted);
        // Another instance built on revision 1 as well: it lost.
        assert_eq!(store.apply(record("a", 2, "op-2")), Applied::Conflicting);
        assert_eq!(store.get("a").unwrap().assignee, "op-1");
        // The loser writes the winner again: a repeat.
        assert_eq!(store.apply(record("a", 2, "op-1")), Applied::Repeated);
        assert_eq!(store.apply(record("a", 3, "op-2")), Applied::Accepted);
        assert_eq!(store.apply(record("a", 5, "")), Applied::Conflicting);
        // After compaction a reader may start at any revision.
        assert_eq!(store.apply(record("b", 7, "")), Applied::Accepted);
        store.remove("b");
        assert!(store.get("b").is_none());
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn the_first_publication_time_stands_and_old_ones_are_forgotten() {
        let store = TriageStore::new(2);
        store.raised("a", 500);
        store.raised("a", 900);
        store.raised("a", 400);
        assert_eq!(store.raised_ms("a"), Some(400));
        for (i, id) in ["b", "c", "d", "e"].into_iter().enumerate() {
            store.raised(id, 1_000 + i as i64);
        }
        // Five held, over twice the capacity: the newest two stay.
        assert_eq!(store.raised_ms("a"), None);
        assert_eq!(store.raised_ms("d"), Some(1_002));
        assert_eq!(store.raised_ms("e"), Some(1_003));
    }
}
