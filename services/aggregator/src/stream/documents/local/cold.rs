//! Reads of a partition's copy while it is processed: the histories not in
//! memory, found by key, by a falling-due OVERSTAY check, or by age.
//!
//! A reader sees the copy as it was when it was opened (a snapshot): one
//! is opened per batch, after the histories evicted from memory were
//! written.

use fjall::Snapshot;

use super::format::{Tables, index_from, indexed, split};

pub(crate) struct Cold {
    state: Snapshot,
    timers: Snapshot,
    expiry: Snapshot,
}

/// A document's history in the changelog's form.
pub(crate) type Stored = ([u8; 32], Vec<u8>);

impl Cold {
    pub(super) fn open(tables: &Tables, at: fjall::Instant) -> Self {
        Self {
            state: tables.state.snapshot_at(at),
            timers: tables.timers.snapshot_at(at),
            expiry: tables.expiry.snapshot_at(at),
        }
    }

    /// A document's history, when the copy holds one.
    pub(crate) fn get(&self, key: &[u8; 32]) -> anyhow::Result<Option<Vec<u8>>> {
        match self.state.get(key)? {
            Some(value) => Ok(Some(split(&value)?.1.to_vec())),
            None => Ok(None),
        }
    }

    /// The histories with an OVERSTAY check due after `after_ms`, up to
    /// `up_to_ms` (inclusive).
    pub(crate) fn due(&self, after_ms: i64, up_to_ms: i64) -> anyhow::Result<Vec<Stored>> {
        let (Some(from), Some(to)) = (after_ms.checked_add(1), up_to_ms.checked_add(1)) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for entry in self.timers.range(index_from(from)..index_from(to)) {
            let (index, _) = entry?;
            let key = indexed(&index)
                .ok_or_else(|| anyhow::anyhow!("a timer index key of {} bytes", index.len()))?;
            let history = self
                .get(&key)?
                .ok_or_else(|| anyhow::anyhow!("a timer of a document the copy does not hold"))?;
            out.push((key, history));
        }
        Ok(out)
    }

    /// The documents without a pending check whose last passage is before
    /// `before_ms`.
    pub(crate) fn stale(&self, before_ms: i64) -> anyhow::Result<Vec<[u8; 32]>> {
        let mut out = Vec::new();
        for entry in self.expiry.range(..index_from(before_ms)) {
            let (index, _) = entry?;
            out.push(
                indexed(&index).ok_or_else(|| {
                    anyhow::anyhow!("an expiry index key of {} bytes", index.len())
                })?,
            );
        }
        Ok(out)
    }
}
