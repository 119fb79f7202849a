//! Reads of a partition's copy while it is processed: the histories not in
//! memory, found by key, by a falling-due OVERSTAY check, or by age.
//!
//! A reader sees the copy as it was when it was opened: one is opened per
//! batch, after the histories evicted from memory were written.

use redb::{ReadOnlyTable, ReadTransaction, ReadableTableMetadata};

use crate::detect::document::stored::PARTITION_KEY;

use super::format::{EXPIRY, STATE, TIMERS, index_from, indexed, split};

pub(crate) struct Cold {
    state: ReadOnlyTable<&'static [u8], &'static [u8]>,
    timers: ReadOnlyTable<&'static [u8], ()>,
    expiry: ReadOnlyTable<&'static [u8], ()>,
}

/// A document's history in the changelog's form.
pub(crate) type Stored = ([u8; 32], Vec<u8>);

impl Cold {
    pub(super) fn open(read: &ReadTransaction) -> anyhow::Result<Self> {
        Ok(Self {
            state: read.open_table(STATE)?,
            timers: read.open_table(TIMERS)?,
            expiry: read.open_table(EXPIRY)?,
        })
    }

    /// A document's history, when the copy holds one.
    pub(crate) fn get(&self, key: &[u8; 32]) -> anyhow::Result<Option<Vec<u8>>> {
        match self.state.get(key.as_slice())? {
            Some(value) => Ok(Some(split(value.value())?.1.to_vec())),
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
        let (from, to) = (index_from(from), index_from(to));
        for entry in self.timers.range(from.as_slice()..to.as_slice())? {
            let (index, _) = entry?;
            let key = indexed(index.value()).ok_or_else(|| {
                anyhow::anyhow!("a timer index key of {} bytes", index.value().len())
            })?;
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
        let to = index_from(before_ms);
        for entry in self.expiry.range(..to.as_slice())? {
            let (index, _) = entry?;
            out.push(indexed(index.value()).ok_or_else(|| {
                anyhow::anyhow!("an expiry index key of {} bytes", index.value().len())
            })?);
        }
        Ok(out)
    }

    /// Document histories the copy holds.
    pub(crate) fn documents(&self) -> anyhow::Result<u64> {
        let partition = u64::from(self.state.get(PARTITION_KEY)?.is_some());
        Ok(self.state.len()? - partition)
    }
}
