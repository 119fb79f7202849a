//! The newest protection referrals, read from the referrals topic, for the
//! referral watch: kept up to a capacity (oldest dropped first), each case
//! reference once, and broadcast to watchers as they arrive once the topic
//! has been read up to where it ended at start-up (the history before is
//! for replays, not news). A replay of a
//! referral already held is neither stored again nor broadcast; partners
//! upsert by case reference in any case, since one dropped from the store
//! and replayed comes again.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use borderflow_proto::protection::v1::Referral;
use tokio::sync::broadcast;

#[derive(Debug)]
pub struct ReferralStore {
    inner: RwLock<Inner>,
    capacity: usize,
    updates: broadcast::Sender<Arc<Referral>>,
    /// The topic was read up to where it ended at start-up: from then on
    /// what arrives is new and is broadcast (before, it is history, for
    /// replays only).
    loaded: AtomicBool,
}

#[derive(Debug, Default)]
struct Inner {
    by_reference: HashMap<String, Arc<Referral>>,
    /// Case references, oldest first.
    order: VecDeque<String>,
}

impl ReferralStore {
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: RwLock::new(Inner::default()),
            capacity: capacity.max(1),
            updates: broadcast::channel(4096).0,
            loaded: AtomicBool::new(false),
        }
    }

    /// The view holds what the topic held at start-up.
    pub fn mark_loaded(&self) {
        self.loaded.store(true, Ordering::Release);
    }

    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Stores and broadcasts a referral not held yet; `false` for a repeat.
    pub fn apply(&self, referral: Referral) -> bool {
        let referral = Arc::new(referral);
        {
            let mut inner = self.inner.write().expect("referral store lock");
            if inner.by_reference.contains_key(&referral.case_reference) {
                return false;
            }
            inner
                .by_reference
                .insert(referral.case_reference.clone(), referral.clone());
            inner.order.push_back(referral.case_reference.clone());
            while inner.order.len() > self.capacity {
                if let Some(oldest) = inner.order.pop_front() {
                    inner.by_reference.remove(&oldest);
                }
            }
        }
        if self.is_loaded() {
            let _ = self.updates.send(referral);
        }
        true
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Referral>> {
        self.updates.subscribe()
    }

    /// Up to `limit` of the newest referrals that pass `keep`, oldest first.
    pub fn recent(&self, limit: usize, keep: impl Fn(&Referral) -> bool) -> Vec<Arc<Referral>> {
        let inner = self.inner.read().expect("referral store lock");
        let mut out: Vec<Arc<Referral>> = inner
            .order
            .iter()
            .rev()
            .filter_map(|r| inner.by_reference.get(r))
            .filter(|r| keep(r))
            .take(limit)
            .cloned()
            .collect();
        out.reverse();
        out
    }

    pub fn len(&self) -> usize {
        self.inner.read().expect("referral store lock").order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn referral(reference: &str, crossing: &str) -> Referral {
        Referral {
            case_reference: reference.into(),
            crossing_id: crossing.into(),
            ..Referral::default()
        }
    }

    #[test]
    fn history_is_kept_for_replays_but_not_broadcast() {
        let store = ReferralStore::new(3);
        let mut updates = store.subscribe();
        assert!(store.apply(referral("old", "X")));
        store.mark_loaded();
        assert!(store.apply(referral("new", "X")));
        assert_eq!(updates.try_recv().unwrap().case_reference, "new");
        assert!(updates.try_recv().is_err());
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn each_case_once_newest_kept_and_broadcast_once() {
        let store = ReferralStore::new(3);
        store.mark_loaded();
        let mut updates = store.subscribe();
        assert!(store.apply(referral("a", "X")));
        assert!(!store.apply(referral("a", "X")), "a replay is a repeat");
        for r in ["b", "c", "d"] {
            assert!(store.apply(referral(r, if r == "c" { "Y" } else { "X" })));
        }
        assert_eq!(store.len(), 3, "the oldest went");
        let all: Vec<_> = store
            .recent(10, |_| true)
            .iter()
            .map(|r| r.case_reference.clone())
            .collect();
        assert_eq!(all, ["b", "c", "d"]);
        let x: Vec<_> = store
            .recent(1, |r| r.crossing_id == "X")
            .iter()
            .map(|r| r.case_reference.clone())
            .collect();
        assert_eq!(x, ["d"]);
        let mut broadcast = Vec::new();
        while let Ok(r) = updates.try_recv() {
            broadcast.push(r.case_reference.clone());
        }
        assert_eq!(broadcast, ["a", "b", "c", "d"]);
    }
}
