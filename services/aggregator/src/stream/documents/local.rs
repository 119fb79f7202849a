//! A local copy of each by-document partition's changelog, on disk (redb,
//! one file per partition). It is where the partition's histories live:
//! memory holds the recent ones (`DocumentPartition::tiered`), the copy all
//! of them. A restart opens the copy and reads only the part of the
//! changelog written after it, so its time follows neither the history nor
//! the state.
//!
//! The copy only ever holds what the changelog holds: changes reach it once
//! the changelog has confirmed them, with the changelog offset they end at.
//! Writes run on a thread of their own, and say which of the partition's
//! generations of changes they complete: a history leaves memory only once
//! the copy holds its latest change. A copy that cannot be used (corrupt,
//! in another layout, older than the changelog keeps deletions, ahead of
//! it) is dropped and rebuilt from the changelog; one that fails a write is
//! dropped too, and the partition restored again.

mod cold;
mod format;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use borderflow_common::clock::now_ms;
use redb::{Database, Durability, ReadableTable, ReadableTableMetadata};
use tracing::warn;

pub(crate) use cold::Cold;
use format::{CHANGELOG, EXPIRY, FORMAT, STATE, TIMERS, Tables};

use crate::detect::document::stored::PARTITION_KEY;
use crate::metrics;
use crate::stream::output::Persist;

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
    /// The generation of changes the write completes (0: none).
    generation: u64,
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
    /// Per partition, the last generation of changes written.
    generations: Mutex<HashMap<i32, u64>>,
    writes: SyncSender<Write>,
    /// Older copies than this are not trusted: the changelog may have
    /// dropped the deletions made since (its `delete.retention.ms`).
    max_age_ms: i64,
}

/// What a restore found in the local copy.
pub struct Loaded {
    /// The changelog offset to read on from.
    pub next: i64,
    /// Records held.
    pub records: u64,
    /// The partition's own record.
    pub partition: Option<Vec<u8>>,
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
            generations: Mutex::new(HashMap::new()),
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
        let tx = db.begin_write()?;
        tx.open_table(STATE)?;
        tx.open_table(TIMERS)?;
        tx.open_table(EXPIRY)?;
        tx.open_table(CHANGELOG)?;
        tx.commit()?;
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

    /// A restore of `partition` begins: writes asked for before are void,
    /// and no generation of the new ownership is written yet.
    pub fn restoring(&self, partition: i32) {
        *self
            .epochs
            .lock()
            .expect("local stores lock")
            .entry(partition)
            .or_default() += 1;
        self.generations
            .lock()
            .expect("local stores lock")
            .insert(partition, 0);
    }

    /// Opens the partition's copy for a restore; `None` when there is no
    /// usable copy.
    pub fn open_copy(&self, partition: i32) -> anyhow::Result<Option<Loaded>> {
        let db = self.database(partition)?;
        let read = db.begin_read()?;
        let meta = read.open_table(CHANGELOG)?;
        let field =
            |name| -> anyhow::Result<Option<i64>> { Ok(meta.get(name)?.map(|v| v.value())) };
        let (Some(next), Some(written), format) =
            (field("next")?, field("written_at_ms")?, field("format")?)
        else {
            return Ok(None);
        };
        if format != Some(FORMAT) {
            warn!(
                partition,
                "the local state copy is in an older layout; rebuilding it"
            );
            return Ok(None);
        }
        if now_ms() - written > self.max_age_ms {
            warn!(
                partition,
                age_s = (now_ms() - written) / 1000,
                "the local state copy is older than the changelog keeps deletions; not used"
            );
            return Ok(None);
        }
        let state = read.open_table(STATE)?;
        Ok(Some(Loaded {
            next,
            records: state.len()?,
            partition: state.get(PARTITION_KEY)?.map(|v| v.value().to_vec()),
        }))
    }

    /// A reader of the partition's copy as it is now.
    pub(crate) fn cold(&self, partition: i32) -> anyhow::Result<Cold> {
        Cold::open(&self.database(partition)?.begin_read()?)
    }

    /// Whether the partition's copy is in use (it was not dropped since its
    /// restore).
    pub fn usable(&self, partition: i32) -> bool {
        !self
            .dropped
            .lock()
            .expect("local stores lock")
            .contains(&partition)
    }

    /// The last generation of the partition's changes the copy holds.
    pub fn generation(&self, partition: i32) -> u64 {
        *self
            .generations
            .lock()
            .expect("local stores lock")
            .get(&partition)
            .unwrap_or(&0)
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
            generation: 0,
        })
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

    fn write(&self, write: &Write) -> anyhow::Result<()> {
        if write.epoch != self.epoch(write.partition) || !self.usable(write.partition) {
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
            let mut tables = Tables {
                state: tx.open_table(STATE)?,
                timers: tx.open_table(TIMERS)?,
                expiry: tx.open_table(EXPIRY)?,
            };
            for (key, value) in &write.records {
                tables.apply(key, value.as_deref())?;
            }
            meta.insert("next", write.last_offset + 1)?;
            meta.insert("written_at_ms", now_ms())?;
            meta.insert("format", FORMAT)?;
        }
        tx.commit()?;
        if write.generation > 0 && write.epoch == self.epoch(write.partition) {
            self.generations
                .lock()
                .expect("local stores lock")
                .insert(write.partition, write.generation);
        }
        Ok(())
    }

    /// Bytes on disk of a partition's copy.
    pub fn size(&self, partition: i32) -> u64 {
        std::fs::metadata(self.path(partition)).map_or(0, |m| m.len())
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

fn write_loop(stores: &std::sync::Weak<LocalStores>, queue: &Receiver<Write>) {
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

#[cfg(test)]
mod tests;
