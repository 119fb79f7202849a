//! Anomalies from the anomalies topic, by id, newest first. A record with
//! an id already known replaces it (revisions, retractions) unless it is an
//! older revision; an identical replay changes nothing and is not broadcast
//! again. Anomalies this instance detected also arrive relayed, once Kafka
//! has them and before they are read back; a relayed record only adds an
//! id or a newer revision, so the topic's order decides everything else.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use borderflow_proto::analytics::v1::{Anomaly, AnomalyFilter, AnomalyStatus};
use borderflow_proto::timestamp_to_ms;
use dashmap::DashMap;
use tokio::sync::broadcast;

use super::CrossingScope;

#[derive(Debug)]
pub struct AnomalyStore {
    by_id: DashMap<String, Arc<Anomaly>>,
    /// (event time, id), for listing newest first.
    order: RwLock<BTreeSet<(i64, String)>>,
    open_by_crossing: RwLock<HashMap<String, u32>>,
    capacity: usize,
    updates: broadcast::Sender<Arc<Anomaly>>,
    /// Serialises writers (the materialiser and the relay), so that the
    /// check for a stale or repeated record and the write are one step.
    writer: Mutex<()>,
}

/// A filter over stored anomalies.
#[derive(Clone, Debug, Default)]
pub struct AnomalyQuery {
    pub crossing_ids: Vec<String>,
    pub kinds: Vec<i32>,
    pub min_severity: i32,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub include_retracted: bool,
    /// Only crossings this scope covers; `None` for every crossing.
    pub scope: Option<CrossingScope>,
}

impl From<&AnomalyFilter> for AnomalyQuery {
    fn from(filter: &AnomalyFilter) -> Self {
        Self {
            crossing_ids: filter.crossing_ids.clone(),
            kinds: filter.kinds.clone(),
            min_severity: filter.min_severity,
            from_ms: filter.from.as_ref().and_then(timestamp_to_ms),
            to_ms: filter.to.as_ref().and_then(timestamp_to_ms),
            include_retracted: filter.include_retracted,
            scope: None,
        }
    }
}

impl AnomalyQuery {
    pub fn matches(&self, anomaly: &Anomaly) -> bool {
        let t = event_ms(anomaly);
        (self.crossing_ids.is_empty() || self.crossing_ids.contains(&anomaly.crossing_id))
            && (self.kinds.is_empty() || self.kinds.contains(&anomaly.kind))
            && anomaly.severity >= self.min_severity
            && self.from_ms.is_none_or(|from| t >= from)
            && self.to_ms.is_none_or(|to| t < to)
            && (self.include_retracted || anomaly.status != AnomalyStatus::Retracted as i32)
            && self
                .scope
                .as_ref()
                .is_none_or(|scope| scope.covers(&anomaly.crossing_id))
    }
}

fn event_ms(anomaly: &Anomaly) -> i64 {
    anomaly
        .event_time
        .as_ref()
        .and_then(timestamp_to_ms)
        .unwrap_or(0)
}

fn is_open(anomaly: &Anomaly) -> bool {
    anomaly.status != AnomalyStatus::Retracted as i32
}

impl AnomalyStore {
    pub fn new(capacity: usize) -> Self {
        Self {
            by_id: DashMap::new(),
            order: RwLock::new(BTreeSet::new()),
            open_by_crossing: RwLock::new(HashMap::new()),
            capacity,
            updates: broadcast::channel(4096).0,
            writer: Mutex::new(()),
        }
    }

    /// Stores `anomaly` as read from the topic; returns whether anything
    /// changed.
    pub fn apply(&self, anomaly: Anomaly) -> bool {
        self.store(anomaly, |old, new| {
            *old == *new || old.revision > new.revision
        })
    }

    /// Stores `anomaly` as relayed by this instance once Kafka confirmed
    /// it, ahead of its read-back: only a new id or a newer revision. A
    /// relay may run late, after the topic already gave a later record of
    /// the same revision, which must stand.
    pub fn apply_relayed(&self, anomaly: Anomaly) -> bool {
        self.store(anomaly, |old, new| old.revision >= new.revision)
    }

    fn store(&self, anomaly: Anomaly, keep_old: impl Fn(&Anomaly, &Anomaly) -> bool) -> bool {
        let _writer = self.writer.lock().expect("anomaly writer lock");
        if self
            .by_id
            .get(&anomaly.id)
            .is_some_and(|old| keep_old(&old, &anomaly))
        {
            return false;
        }
        let anomaly = Arc::new(anomaly);
        let previous = self.by_id.insert(anomaly.id.clone(), anomaly.clone());
        {
            let mut order = self.order.write().expect("anomaly order lock");
            let mut open = self.open_by_crossing.write().expect("anomaly count lock");
            if let Some(old) = &previous {
                order.remove(&(event_ms(old), old.id.clone()));
                if is_open(old) {
                    decrement(&mut open, &old.crossing_id);
                }
            }
            order.insert((event_ms(&anomaly), anomaly.id.clone()));
            if is_open(&anomaly) {
                *open.entry(anomaly.crossing_id.clone()).or_default() += 1;
            }
            while order.len() > self.capacity {
                let Some((_, id)) = order.pop_first() else {
                    break;
                };
                if let Some((_, old)) = self.by_id.remove(&id)
                    && is_open(&old)
                {
                    decrement(&mut open, &old.crossing_id);
                }
            }
        }
        let _ = self.updates.send(anomaly);
        true
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Anomaly>> {
        self.updates.subscribe()
    }

    pub fn get(&self, id: &str) -> Option<Arc<Anomaly>> {
        self.by_id.get(id).map(|a| a.clone())
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn open_count(&self, crossing_id: &str) -> u32 {
        self.open_by_crossing
            .read()
            .expect("anomaly count lock")
            .get(crossing_id)
            .copied()
            .unwrap_or(0)
    }

    /// Up to `limit` matching anomalies, newest event time first, starting
    /// after the `(event time, id)` cursor; also returns the next cursor.
    pub fn list(
        &self,
        query: &AnomalyQuery,
        limit: usize,
        after: Option<(i64, String)>,
    ) -> (Vec<Arc<Anomaly>>, Option<(i64, String)>) {
        self.list_where(query, limit, after, |_| true)
    }

    /// [`Self::list`] of the anomalies that also satisfy `keep`.
    pub fn list_where(
        &self,
        query: &AnomalyQuery,
        limit: usize,
        after: Option<(i64, String)>,
        keep: impl Fn(&Anomaly) -> bool,
    ) -> (Vec<Arc<Anomaly>>, Option<(i64, String)>) {
        let order = self.order.read().expect("anomaly order lock");
        let mut out = Vec::new();
        let mut last = None;
        let iter: Box<dyn Iterator<Item = &(i64, String)>> = match &after {
            Some(cursor) => Box::new(order.range(..cursor.clone()).rev()),
            None => Box::new(order.iter().rev()),
        };
        for key in iter {
            if out.len() == limit {
                return (out, last);
            }
            if let Some(anomaly) = self.by_id.get(&key.1)
                && query.matches(&anomaly)
                && keep(&anomaly)
            {
                out.push(anomaly.clone());
                last = Some(key.clone());
            }
        }
        (out, None)
    }

    /// Every anomaly held (the figures' walk: no order needed).
    pub fn for_each(&self, mut each: impl FnMut(&Anomaly)) {
        for entry in &self.by_id {
            each(entry.value());
        }
    }
}

fn decrement(counts: &mut HashMap<String, u32>, crossing: &str) {
    if let Some(n) = counts.get_mut(crossing) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            counts.remove(crossing);
        }
    }
}

#[cfg(test)]
mod tests {
    use borderflow_proto::ms_to_timestamp;

    use super::*;

    fn anomaly(id: &str, revision: u32, status: AnomalyStatus) -> Anomaly {
        Anomaly {
            id: id.into(),
            crossing_id: "KZ-KORDAY".into(),
            event_time: Some(ms_to_timestamp(1_000)),
            status: status as i32,
            revision,
            ..Anomaly::default()
        }
    }

    #[test]
    fn a_repeat_is_stored_and_broadcast_once() {
        let store = AnomalyStore::new(10);
        let mut updates = store.subscribe();
        assert!(store.apply(anomaly("a", 1, AnomalyStatus::Open)));
        assert!(!store.apply(anomaly("a", 1, AnomalyStatus::Open)));
        assert_eq!(updates.try_recv().unwrap().id, "a");
        assert!(updates.try_recv().is_err());
        assert_eq!(store.open_count("KZ-KORDAY"), 1);
    }

    #[test]
    fn a_late_relay_does_not_overwrite_what_the_topic_gave() {
        let store = AnomalyStore::new(10);
        let mut read = anomaly("a", 1, AnomalyStatus::Open);
        read.explanation = "as read from the topic".into();
        assert!(store.apply(read));
        let mut relayed = anomaly("a", 1, AnomalyStatus::Open);
        relayed.explanation = "relayed late".into();
        assert!(!store.apply_relayed(relayed));
        assert_eq!(
            store.get("a").unwrap().explanation,
            "as read from the topic"
        );
        // A relayed retraction (a newer revision) is shown at once.
        assert!(store.apply_relayed(anomaly("a", 2, AnomalyStatus::Retracted)));
        assert_eq!(store.open_count("KZ-KORDAY"), 0);
    }

    #[test]
    fn an_older_revision_does_not_undo_a_retraction() {
        let store = AnomalyStore::new(10);
        assert!(store.apply(anomaly("a", 1, AnomalyStatus::Open)));
        assert!(store.apply(anomaly("a", 2, AnomalyStatus::Retracted)));
        assert!(!store.apply(anomaly("a", 1, AnomalyStatus::Open)));
        assert_eq!(
            store.get("a").unwrap().status,
            AnomalyStatus::Retracted as i32
        );
        assert_eq!(store.open_count("KZ-KORDAY"), 0);
        assert_eq!(store.len(), 1);
    }
}
