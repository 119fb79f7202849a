//! The newest audit records, read back from the audit topic, for the
//! AuditService. Bounded: the topic keeps the whole trail (long retention);
//! this view keeps the most recent `capacity` records of it.

use std::collections::VecDeque;
use std::sync::{Arc, RwLock};

use borderflow_proto::audit::v1::{AuditOutcome, AuditRecord};
use borderflow_proto::timestamp_to_ms;

/// What a query asks for.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub principal: String,
    /// Substring of the method.
    pub method: String,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub outcome: Option<AuditOutcome>,
}

impl AuditQuery {
    pub fn matches(&self, record: &AuditRecord) -> bool {
        let t = record.time.as_ref().and_then(timestamp_to_ms).unwrap_or(0);
        (self.principal.is_empty() || record.principal == self.principal)
            && (self.method.is_empty() || record.method.contains(&self.method))
            && self.from_ms.is_none_or(|from| t >= from)
            && self.to_ms.is_none_or(|to| t < to)
            && self.outcome.is_none_or(|o| record.outcome == o as i32)
    }
}

#[derive(Debug)]
pub struct AuditStore {
    capacity: usize,
    records: RwLock<Kept>,
}

/// The records kept and the sequence number the next one gets.
#[derive(Debug, Default)]
struct Kept {
    /// (arrival sequence, record), oldest first.
    records: VecDeque<(u64, Arc<AuditRecord>)>,
    next: u64,
}

impl AuditStore {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            records: RwLock::new(Kept {
                next: 1,
                ..Kept::default()
            }),
        }
    }

    pub fn apply(&self, record: AuditRecord) {
        let mut kept = self.records.write().unwrap_or_else(|e| e.into_inner());
        if kept.records.len() == self.capacity {
            kept.records.pop_front();
        }
        let seq = kept.next;
        kept.records.push_back((seq, Arc::new(record)));
        kept.next += 1;
    }

    /// Records kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.records
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .records
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Up to `limit` matching records, newest first, older than the
    /// `before` cursor; also the cursor of the next page.
    pub fn list(
        &self,
        query: &AuditQuery,
        limit: usize,
        before: Option<u64>,
    ) -> (Vec<Arc<AuditRecord>>, Option<u64>) {
        let kept = self.records.read().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for (seq, record) in kept.records.iter().rev() {
            if before.is_some_and(|b| *seq >= b) || !query.matches(record) {
                continue;
            }
            if out.len() == limit {
                return (out, Some(*seq + 1));
            }
            out.push(record.clone());
        }
        (out, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(principal: &str, method: &str) -> AuditRecord {
        AuditRecord {
            principal: principal.into(),
            method: method.into(),
            ..AuditRecord::default()
        }
    }

    #[test]
    fn pages_newest_first_and_forgets_the_oldest_beyond_capacity() {
        let store = AuditStore::new(4);
        for i in 0..6 {
            store.apply(record(if i % 2 == 0 { "a" } else { "b" }, &format!("m{i}")));
        }
        assert_eq!(store.len(), 4);
        let all = AuditQuery::default();
        let (first, next) = store.list(&all, 3, None);
        let methods: Vec<&str> = first.iter().map(|r| r.method.as_str()).collect();
        assert_eq!(methods, ["m5", "m4", "m3"]);
        let (rest, next) = store.list(&all, 3, next);
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].method, "m2");
        assert_eq!(next, None);
        let only_a = AuditQuery {
            principal: "a".into(),
            ..AuditQuery::default()
        };
        let (a, _) = store.list(&only_a, 10, None);
        assert_eq!(
            a.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(),
            ["m4", "m2"]
        );
    }
}
