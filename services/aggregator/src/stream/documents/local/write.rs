//! Writes to the copies: changelog records read on restore, at once;
//! changes the changelog confirmed, on the writer thread. A write applies
//! only to the ownership it was asked for by, and never goes back behind
//! what the copy holds.

use std::sync::mpsc::Receiver;

use borderflow_common::clock::now_ms;
use fjall::PersistMode;
use tracing::warn;

use super::format::{Changes, FORMAT, Meta, meta_value};
use super::{LocalStores, Records};
use crate::metrics;
use crate::stream::output::Persist;

pub(super) struct Write {
    pub(super) partition: i32,
    /// The partition's epoch when the write was asked for.
    pub(super) epoch: u64,
    pub(super) records: Records,
    pub(super) last_offset: i64,
    /// The generation of changes the write completes (0: none).
    pub(super) generation: u64,
}

impl LocalStores {
    /// Writes changelog records read on restore, ending at `last_offset`,
    /// before the partition is processed.
    pub fn write_now(
        &self,
        partition: i32,
        records: Records,
        last_offset: i64,
    ) -> anyhow::Result<()> {
        self.write_changes(partition, records, last_offset, 0)
    }

    /// Writes changes of `generation`, durable in the changelog up to
    /// `last_offset`, at once rather than on the writer thread (for drivers
    /// of the state that keep no changelog, such as the benchmarks).
    pub fn write_changes(
        &self,
        partition: i32,
        records: Records,
        last_offset: i64,
        generation: u64,
    ) -> anyhow::Result<()> {
        self.write(&Write {
            partition,
            epoch: self.epoch(partition),
            records,
            last_offset,
            generation,
        })
    }

    /// Marks the partition's copy as current without changes (a copy
    /// following an idle changelog holds all of it).
    pub fn touch(&self, partition: i32) -> anyhow::Result<()> {
        if !self.usable(partition) {
            return Ok(());
        }
        let copy = self.copy(partition)?;
        let _writing = copy.writing.lock().expect("local copy write lock");
        if copy.tables.meta.get(Meta::Next.key())?.is_some() {
            copy.tables
                .meta
                .insert(Meta::WrittenAtMs.key(), now_ms().to_be_bytes())?;
            self.keyspace.persist(PersistMode::Buffer)?;
        }
        Ok(())
    }

    pub(super) fn write(&self, write: &Write) -> anyhow::Result<()> {
        if !self.usable(write.partition) {
            return Ok(());
        }
        let copy = self.copy(write.partition)?;
        let _writing = copy.writing.lock().expect("local copy write lock");
        if write.epoch != self.epoch(write.partition) {
            return Ok(());
        }
        let tables = &copy.tables;
        let meta = |field: Meta| -> anyhow::Result<Option<i64>> {
            tables
                .meta
                .get(field.key())?
                .map(|v| meta_value(&v))
                .transpose()
        };
        if write.last_offset < meta(Meta::Next)?.unwrap_or(0) {
            // Already held (a late write of an earlier owner).
            return Ok(());
        }
        let mut changes = Changes::default();
        for (key, value) in &write.records {
            changes.apply(tables, key, value.as_deref())?;
        }
        let documents = meta(Meta::Documents)?.unwrap_or(0);
        let mut batch = changes.into_batch(self.keyspace.batch(), tables, documents);
        batch.insert(
            &tables.meta,
            Meta::Next.key(),
            (write.last_offset + 1).to_be_bytes(),
        );
        batch.insert(
            &tables.meta,
            Meta::WrittenAtMs.key(),
            now_ms().to_be_bytes(),
        );
        batch.insert(&tables.meta, Meta::Format.key(), FORMAT.to_be_bytes());
        batch.commit()?;
        // To the operating system: a crash of the process loses nothing.
        self.keyspace.persist(PersistMode::Buffer)?;
        if write.generation > 0 && write.epoch == self.epoch(write.partition) {
            self.generations
                .lock()
                .expect("local stores lock")
                .insert(write.partition, write.generation);
        }
        Ok(())
    }
}

impl Persist for LocalStores {
    fn persisted(&self, partition: i32, records: Records, last_offset: i64, generation: u64) {
        let write = Write {
            partition,
            epoch: self.epoch(partition),
            records,
            last_offset,
            generation,
        };
        // Blocks when the writer is behind: the pipeline slows down rather
        // than the copy falling arbitrarily far behind.
        let _ = self.writes.send(write);
    }
}

pub(super) fn write_loop(stores: &std::sync::Weak<LocalStores>, queue: &Receiver<Write>) {
    while let Ok(write) = queue.recv() {
        let Some(stores) = stores.upgrade() else {
            return;
        };
        if let Err(err) = stores.write(&write) {
            // Histories evicted from memory may be missing from the copy
            // now: it is dropped, and the partition's stage restores again.
            warn!(partition = write.partition, %err, "writing the local state copy failed; dropping it");
            metrics::local_state_write_failed();
            stores.discard(write.partition);
        } else {
            metrics::local_state_size(write.partition, stores.size(write.partition));
        }
    }
}
