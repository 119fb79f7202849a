//! Histories in two tiers: memory holds the ones in use, a store beside the
//! processor (the partition's local copy of its changelog) holds all of
//! them. The processor stays free of I/O: its owner reads the store and
//! hands over what a record needs before the record is processed.
//!
//! - A history not in memory is loaded by its owner before a record of its
//!   document is processed ([`DocumentProcessor::needs`]).
//! - OVERSTAY checks due soon are in memory: before the watermark passes
//!   what is loaded, processing asks for the checks due up to a little
//!   further ([`NeedTimers`]), and their histories stay in memory until
//!   the checks fire.
//! - A history leaves memory (least recently used first, once memory holds
//!   more than its capacity) only when its last change is in the store:
//!   changes are taken in numbered generations, and the owner says which
//!   generation the store holds.
//! - Histories past the retention are forgotten in memory as before; those
//!   only in the store are found by age by the owner, on the processor's
//!   hourly expiry ([`DocumentProcessor::take_expiry`]).
//!
//! The anomalies are the same as with every history in memory.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::DocumentProcessor;
use crate::ids::MixedHasher;

/// How far past the watermark OVERSTAY checks are loaded at a time.
pub const TIMER_LOOKAHEAD_MS: i64 = 6 * 3_600_000;

/// The checks due in `(after_ms, up_to_ms]` must be loaded before the
/// record can be processed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeedTimers {
    pub after_ms: i64,
    pub up_to_ms: i64,
}

#[derive(Debug)]
pub(super) struct Tiers {
    /// Histories memory holds before it evicts.
    capacity: usize,
    /// The generation the next changes are taken in (from 1).
    pub(super) generation: u64,
    /// The last generation the store holds.
    persisted: u64,
    /// Every check due up to here is in memory.
    pub(super) timers_to: i64,
    /// Deletions not yet in the store, with their generation: the store
    /// still holds those histories.
    pub(super) forgotten: HashMap<[u8; 32], u64, BuildHasherDefault<MixedHasher>>,
    /// Histories last seen before this are to be forgotten in the store.
    pub(super) expire_before: Option<i64>,
}

impl Tiers {
    pub(super) fn new(capacity: usize, timers_to: i64) -> Self {
        Self {
            capacity,
            generation: 1,
            persisted: 0,
            timers_to,
            forgotten: HashMap::default(),
            expire_before: None,
        }
    }
}

impl DocumentProcessor {
    /// Holds at most about `capacity` histories in memory from now on, the
    /// rest in the owner's store. Every history held now is taken to be in
    /// the store or among the changes not taken yet.
    pub fn tiered(&mut self, capacity: usize) {
        self.keep_changes();
        let timers_to = self.watermark().unwrap_or(i64::MIN);
        self.tiers = Some(Tiers::new(capacity.max(1), timers_to));
    }

    /// Whether the history of `key` must be loaded before a record of it is
    /// processed (it may be in the store, and it is not in memory).
    pub fn needs(&self, key: &[u8; 32]) -> bool {
        self.tiers.as_ref().is_some_and(|tiers| {
            !self.histories.contains_key(key) && !tiers.forgotten.contains_key(key)
        })
    }

    /// Puts a history read from the store in memory (not when memory holds
    /// a newer one).
    pub fn load(&mut self, key: [u8; 32], bytes: &[u8]) -> Result<(), prost::DecodeError> {
        if !self.needs(&key) {
            return Ok(());
        }
        self.restore(key, Some(bytes))
    }

    /// Every check due up to `up_to_ms` is in memory now.
    pub fn timers_loaded(&mut self, up_to_ms: i64) {
        if let Some(tiers) = &mut self.tiers {
            tiers.timers_to = tiers.timers_to.max(up_to_ms);
        }
    }

    /// Whether processing an event at `at_ms` would move the watermark past
    /// the checks in memory.
    pub(super) fn need_timers(&self, at_ms: i64) -> Result<(), NeedTimers> {
        let Some(tiers) = &self.tiers else {
            return Ok(());
        };
        let watermark =
            self.max_event_ms.map_or(at_ms, |t| t.max(at_ms)) - self.allowed_lateness_ms;
        if watermark <= tiers.timers_to {
            return Ok(());
        }
        Err(NeedTimers {
            after_ms: tiers.timers_to,
            up_to_ms: watermark.saturating_add(TIMER_LOOKAHEAD_MS),
        })
    }

    /// The age before which histories only in the store are to be
    /// forgotten, once per hourly expiry.
    pub fn take_expiry(&mut self) -> Option<i64> {
        self.tiers.as_mut().and_then(|t| t.expire_before.take())
    }

    /// Forgets a history only in the store (found by age, with no pending
    /// check).
    pub fn forget(&mut self, key: [u8; 32]) {
        if !self.needs(&key) {
            return;
        }
        if let Some(changes) = &mut self.changes {
            changes.forgotten.push(key);
            self.expired += 1;
        }
    }

    /// The generation the last changes were taken in (0 before any, or
    /// when histories are all in memory).
    pub fn taken_generation(&self) -> u64 {
        self.tiers.as_ref().map_or(0, |t| t.generation - 1)
    }

    /// Evicts histories the store holds up to date, least recently used
    /// first, down to nine tenths of the capacity, once memory holds more
    /// than the capacity; `persisted` is the last generation the store
    /// holds. Returns how many left memory.
    pub fn evict(&mut self, persisted: u64) -> usize {
        let Some(tiers) = &mut self.tiers else {
            return 0;
        };
        tiers.persisted = tiers.persisted.max(persisted);
        let persisted = tiers.persisted;
        tiers
            .forgotten
            .retain(|_, generation| *generation > persisted);
        if self.histories.len() <= tiers.capacity {
            return 0;
        }
        let changed = self.changes.as_ref().map(|c| &c.changed);
        let timers_to = tiers.timers_to;
        let mut candidates: Vec<(u64, [u8; 32])> = self
            .histories
            .iter()
            .filter(|(key, h)| {
                h.taken <= persisted
                    && changed.is_none_or(|c| !c.contains(*key))
                    && h.deadline.as_ref().is_none_or(|d| d.1 > timers_to)
            })
            .map(|(key, h)| (h.touched, *key))
            .collect();
        let excess = self.histories.len() - tiers.capacity * 9 / 10;
        if candidates.len() > excess {
            candidates.select_nth_unstable(excess);
            candidates.truncate(excess);
        }
        for (_, key) in &candidates {
            if let Some(history) = self.histories.remove(key)
                && let Some(deadline) = &history.deadline
            {
                self.timers.remove(&(deadline.1, *key));
            }
        }
        candidates.len()
    }
}
