//! What drives one partition's state over its local copy: each record's
//! history (and the OVERSTAY checks falling due) read from the copy before
//! the record is stepped, and at each batch's end the forgotten histories
//! found by age, the changes taken, and what the copy holds evicted.

use super::local::Cold;
use super::{Claim, LocalStores};
use crate::metrics;
use crate::partition::effects::{Effects, Record};
use crate::partition::{DocumentPartition, DocumentStep, PartitionChanges};

/// A partition's state, and the reader of its local copy for the batch
/// under way: how the stage (and anything else that drives the state over
/// a local copy, such as the memory benchmark) steps records and ends
/// batches.
pub struct Owned {
    pub state: DocumentPartition,
    cold: Option<Cold>,
    /// Histories read from the copy this batch, counted at its end.
    loaded: usize,
    /// Keeps the standby off the partition's copy while it is owned.
    _claim: Option<Claim>,
}

impl Owned {
    pub fn new(state: DocumentPartition) -> Self {
        Self {
            state,
            cold: None,
            loaded: 0,
            _claim: None,
        }
    }

    /// The state of a partition `claim`ed from the standby.
    pub fn claimed(state: DocumentPartition, claim: Option<Claim>) -> Self {
        Self {
            _claim: claim,
            ..Self::new(state)
        }
    }

    fn cold(&mut self, local: Option<&LocalStores>) -> anyhow::Result<&Cold> {
        let local = local.ok_or_else(|| {
            anyhow::anyhow!("a history to read from a local copy, and none is kept")
        })?;
        let cold = match self.cold.take() {
            Some(cold) => cold,
            None => local.cold(self.state.partition())?,
        };
        Ok(self.cold.insert(cold))
    }

    /// Steps one record, first reading from `local` what it needs that
    /// memory does not hold; returns whether the rules saw an inspection.
    pub fn step<E>(
        &mut self,
        local: Option<&LocalStores>,
        record: &Record<'_>,
        out: &mut E,
    ) -> anyhow::Result<bool>
    where
        E: Effects,
        E::Error: std::error::Error + Send + Sync + 'static,
    {
        if let Some(key) = self.state.needs(record)
            && let Some(history) = self.cold(local)?.get(&key)?
        {
            self.state.load(key, &history).map_err(anyhow::Error::msg)?;
            self.loaded += 1;
        }
        loop {
            match self.state.step(record, out)? {
                DocumentStep::Processed => return Ok(true),
                DocumentStep::Skipped => return Ok(false),
                DocumentStep::NeedTimers(need) => {
                    let due = self.cold(local)?.due(need.after_ms, need.up_to_ms)?;
                    self.loaded += due.len();
                    for (key, history) in due {
                        self.state.load(key, &history).map_err(anyhow::Error::msg)?;
                    }
                    self.state.timers_loaded(need.up_to_ms);
                }
            }
        }
    }

    /// At a batch's end: forgets the histories in `local` past the
    /// retention when their time has come, and takes the batch's changes.
    pub fn take_changes(
        &mut self,
        local: Option<&LocalStores>,
    ) -> anyhow::Result<Option<PartitionChanges>> {
        let partition = self.state.partition();
        if let Some(local) = local {
            anyhow::ensure!(
                local.usable(partition),
                "the local state copy of partition {partition} failed a write; restoring the partition again"
            );
            if let Some(before) = self.state.take_expiry() {
                for key in self.cold(Some(local))?.stale(before)? {
                    self.state.forget(key);
                }
            }
        }
        metrics::document_histories_expired(self.state.take_expired());
        Ok(self.state.take_changes())
    }

    /// After the changes are handed on: evicts what `local` holds up to
    /// date, past the cache's size.
    pub fn evict(&mut self, local: Option<&LocalStores>) {
        metrics::document_histories_loaded(std::mem::take(&mut self.loaded));
        if let Some(local) = local {
            let persisted = local.generation(self.state.partition());
            metrics::document_histories_evicted(self.state.evict(persisted));
            // The next batch reads what was written since.
            self.cold = None;
        }
    }
}
