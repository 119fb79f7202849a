//! A local copy of each by-document partition's changelog, on disk (redb,
//! one file per partition): a restart reads the copy and only the part of
//! the changelog written after it, so its time follows the state, not the
//! history.
//!
//! The copy only ever holds what the changelog holds: changes reach it once
//! the changelog has confirmed them, with the changelog offset they end at.
//! Writes run on a thread of their own; a copy behind the changelog only
//! means a longer tail to read on the next restore. A copy that cannot be
//! used (corrupt, older than the changelog keeps deletions, ahead of it) is
//! dropped and the state is restored from the changelog alone.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use borderflow_common::clock::now_ms;
use redb::{Database, Durability, ReadableTable, TableDefinition};
use tracing::warn;

use crate::metrics;
use crate::stream::output::Persist;

/// Key → latest value, as in the changelog.
const STATE: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("state");
/// "next": the changelog offset after the last change held;
/// "written_at_ms": when the copy was last written.
const CHANGELOG: TableDefinition<'_, &str, i64> = TableDefinition::new("changelog");

/// Page cache of each partition's file.
const CACHE_BYTES: usize = 16 << 20;
/// Changes waiting for the writer thread; the pipeline waits beyond that.
const QUEUE: usize = 256;

type Records = Vec<(Vec<u8>, Option<Vec<u8>>)>;

struct Write {
    partition: i32,
    /// The partition's epoch when the write was asked for.
    epoch: u64,
    records: Records,
    last_offset: i64,
}

/// The partitions' files under one directory.
pub struct LocalStores {
    dir: PathBuf,
    open: Mutex<HashMap<i32, Arc<Database>>>,
    /// Partitions whose copy was dropped: nothing is written to them until
    /// a restore has rebuilt them from the start of the changelog.
    dropped: Mutex<HashSet<i32>>,
    /// Per partition, bumped by each restore: writes asked for before it
    /// (by an earlier ownership, still queued) are not applied after it.
    epochs: Mutex<HashMap<i32, u64>>,
    writes: SyncSender<Write>,
    /// Older copies than this are not trusted: the changelog may have
    /// dropped the deletions made since (its `delete.retention.ms`).
    max_age_ms: i64,
}

/// What a restore found in the local copy.
pub struct Loaded {
    /// The changelog offset to read on from.
    pub next: i64,
    pub records: u64,
}

impl LocalStores {
    /// Stores under `dir/<changelog topic>`, created when missing.
    pub fn open(dir: &Path, changelog: &str, max_age: Duration) -> anyhow::Result<Arc<Self>> {
        let dir = dir.join(changelog);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("--state-dir: creating {}", dir.display()))?;
        let (writes, queue) = sync_channel(QUEUE);
        let stores = Arc::new(Self {
            dir,
            open: Mutex::new(HashMap::new()),
            dropped: Mutex::new(HashSet::new()),
            epochs: Mutex::new(HashMap::new()),
            writes,
            max_age_ms: max_age.as_millis() as i64,
        });
        let writer = Arc::downgrade(&stores);
        std::thread::Builder::new()
            .name("document-state-writer".into())
            .spawn(move || write_loop(&writer, &queue))
            .context("starting the local state writer")?;
        Ok(stores)
    }

    fn path(&self, partition: i32) -> PathBuf {
        self.dir.join(format!("{partition}.redb"))
    }

    fn database(&self, partition: i32) -> anyhow::Result<Arc<Database>> {
        let mut open = self.open.lock().expect("local stores lock");
        if let Some(db) = open.get(&partition) {
            return Ok(db.clone());
        }
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(self.path(partition))
            .with_context(|| format!("opening {}", self.path(partition).display()))?;
        let db = Arc::new(db);
        open.insert(partition, db.clone());
        Ok(db)
    }

    /// Drops a partition's copy (it could not be used); nothing is written
    /// to it until [`Self::rebuilding`].
    pub fn discard(&self, partition: i32) {
        self.dropped
            .lock()
            .expect("local stores lock")
            .insert(partition);
        self.open
            .lock()
            .expect("local stores lock")
            .remove(&partition);
        let path = self.path(partition);
        if let Err(err) = std::fs::remove_file(&path)
            && err.kind() != std::io::ErrorKind::NotFound
        {
            warn!(partition, %err, "removing an unusable local state copy failed");
        }
    }

    fn epoch(&self, partition: i32) -> u64 {
        *self
            .epochs
            .lock()
            .expect("local stores lock")
            .get(&partition)
            .unwrap_or(&0)
    }

    /// A restore of `partition` begins: writes asked for before are void.
    pub fn restoring(&self, partition: i32) {
        *self
            .epochs
            .lock()
            .expect("local stores lock")
            .entry(partition)
            .or_default() += 1;
    }

    /// Feeds every record of the partition's copy to `apply`; `None` when
    /// there is no usable copy.
    pub fn load(
        &self,
        partition: i32,
        mut apply: impl FnMut(&[u8], &[u8]) -> Result<(), String>,
    ) -> anyhow::Result<Option<Loaded>> {
        let db = self.database(partition)?;
        let read = db.begin_read()?;
        let meta = match read.open_table(CHANGELOG) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        let (Some(next), Some(written)) = (meta.get("next")?, meta.get("written_at_ms")?) else {
            return Ok(None);
        };
        let (next, written) = (next.value(), written.value());
        if now_ms() - written > self.max_age_ms {
            warn!(
                partition,
                age_s = (now_ms() - written) / 1000,
                "the local state copy is older than the changelog keeps deletions; not used"
            );
            return Ok(None);
        }
        let state = read.open_table(STATE)?;
        let mut records = 0;
        for entry in state.iter()? {
            let (key, value) = entry?;
            apply(key.value(), value.value())
                .map_err(|e| anyhow::anyhow!("local state copy: {e}"))?;
            records += 1;
        }
        Ok(Some(Loaded { next, records }))
    }

    /// A restore reads the partition's changelog from its start into an
    /// empty copy.
    pub fn rebuilding(&self, partition: i32) {
        self.discard(partition);
        self.dropped
            .lock()
            .expect("local stores lock")
            .remove(&partition);
    }

    /// Writes changelog records read on restore, ending at `last_offset`,
    /// before the partition is processed.
    pub fn write_now(
        &self,
        partition: i32,
        records: Records,
        last_offset: i64,
    ) -> anyhow::Result<()> {
        self.write(&Write {
            partition,
            epoch: self.epoch(partition),
            records,
            last_offset,
        })
    }

    fn write(&self, write: &Write) -> anyhow::Result<()> {
        if write.epoch != self.epoch(write.partition)
            || self
                .dropped
                .lock()
                .expect("local stores lock")
                .contains(&write.partition)
        {
            return Ok(());
        }
        let db = self.database(write.partition)?;
        let mut tx = db.begin_write()?;
        tx.set_durability(Durability::Eventual);
        {
            let mut meta = tx.open_table(CHANGELOG)?;
            let held = meta.get("next")?.map(|v| v.value()).unwrap_or(0);
            if write.last_offset < held {
                // Already held (a late write of an earlier owner).
                return Ok(());
            }
            let mut state = tx.open_table(STATE)?;
            for (key, value) in &write.records {
                match value {
                    Some(value) => {
                        state.insert(key.as_slice(), value.as_slice())?;
                    }
                    None => {
                        state.remove(key.as_slice())?;
                    }
                }
            }
            meta.insert("next", write.last_offset + 1)?;
            meta.insert("written_at_ms", now_ms())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Bytes on disk of a partition's copy.
    pub fn size(&self, partition: i32) -> u64 {
        std::fs::metadata(self.path(partition)).map_or(0, |m| m.len())
    }
}

impl Persist for LocalStores {
    fn persisted(&self, partition: i32, records: Records, last_offset: i64) {
        let write = Write {
            partition,
            epoch: self.epoch(partition),
            records,
            last_offset,
        };
        // Blocks when the writer is behind: the pipeline slows down rather
        // than the copy falling arbitrarily far behind.
        let _ = self.writes.send(write);
    }
}

fn write_loop(stores: &std::sync::Weak<LocalStores>, queue: &Receiver<Write>) {
    while let Ok(write) = queue.recv() {
        let Some(stores) = stores.upgrade() else {
            return;
        };
        if let Err(err) = stores.write(&write) {
            // The copy is behind now; the next restore reads more of the
            // changelog, or drops the copy if it is unusable.
            warn!(partition = write.partition, %err, "writing the local state copy failed");
            metrics::local_state_write_failed();
            stores.discard(write.partition);
        } else {
            metrics::local_state_size(write.partition, stores.size(write.partition));
        }
    }
}

#[cfg(test)]
mod tests;
