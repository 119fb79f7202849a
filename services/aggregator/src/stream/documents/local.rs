//! A local copy of each by-document partition's changelog, on disk (an
//! LSM-tree keyspace, fjall, with four keyspace partitions per by-document
//! partition, `format`). It is where the partition's histories live:
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
mod write;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use borderflow_common::clock::now_ms;
use fjall::{Config, Keyspace, PartitionCreateOptions};
use tracing::warn;

pub(crate) use cold::Cold;
use format::{FORMAT, Meta, Tables, meta_value};
use write::{Write, write_loop};

use crate::detect::document::stored::PARTITION_KEY;

/// Block cache of the keyspace, for all partitions.
const CACHE_BYTES: u64 = 32 << 20;
/// Memtables of the keyspace before they are flushed, for all partitions.
const WRITE_BUFFER_BYTES: u64 = 32 << 20;
/// Block size of the histories' partition: point reads, and half the
/// block index of the default 4 KiB (its memory grows with the histories).
const STATE_BLOCK_BYTES: u32 = 8 << 10;
/// Block size of the index partitions.
const INDEX_BLOCK_BYTES: u32 = 32 << 10;
/// Changes waiting for the writer thread; the pipeline waits beyond that.
const QUEUE: usize = 256;

/// Changelog records: keys and values (`None`: deleted).
pub(crate) type Records = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// A partition's copy: its keyspace partitions, named by an incarnation
/// that a dropped copy's successor does not share.
struct Copy {
    tables: Tables,
    /// Held by each write: one at a time, each on the one before.
    writing: Mutex<()>,
}

/// The partitions' copies in one keyspace under one directory.
pub struct LocalStores {
    keyspace: Keyspace,
    open: Mutex<HashMap<i32, Arc<Copy>>>,
    /// Per partition, the latest incarnation used.
    incarnations: Mutex<HashMap<i32, u64>>,
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
    /// Document histories held.
    pub records: u64,
    /// The partition's own record.
    pub partition: Option<Vec<u8>>,
}

/// The keyspace partitions of a copy.
const TABLES: [&str; 4] = ["state", "timers", "expiry", "meta"];

fn table_name(partition: i32, incarnation: u64, table: &str) -> String {
    format!("p{partition}i{incarnation}-{table}")
}

/// (partition, incarnation) of a keyspace partition's name.
fn parse_name(name: &str) -> Option<(i32, u64)> {
    let (copy, _) = name.strip_prefix('p')?.split_once('-')?;
    let (partition, incarnation) = copy.split_once('i')?;
    Some((partition.parse().ok()?, incarnation.parse().ok()?))
}

impl LocalStores {
    /// Stores under `dir/<changelog topic>`, created when missing.
    pub fn open(dir: &Path, changelog: &str, max_age: Duration) -> anyhow::Result<Arc<Self>> {
        let dir = dir.join(changelog);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("--state-dir: creating {}", dir.display()))?;
        let keyspace = Config::new(&dir)
            .cache_size(CACHE_BYTES)
            .max_write_buffer_size(WRITE_BUFFER_BYTES)
            .flush_workers(1)
            .compaction_workers(1)
            .open()
            .with_context(|| format!("--state-dir: opening {}", dir.display()))?;
        let (writes, queue) = sync_channel(QUEUE);
        let stores = Arc::new(Self {
            keyspace,
            open: Mutex::new(HashMap::new()),
            incarnations: Mutex::new(HashMap::new()),
            dropped: Mutex::new(HashSet::new()),
            epochs: Mutex::new(HashMap::new()),
            generations: Mutex::new(HashMap::new()),
            writes,
            max_age_ms: max_age.as_millis() as i64,
        });
        stores.find_copies()?;
        let writer = Arc::downgrade(&stores);
        std::thread::Builder::new()
            .name("document-state-writer".into())
            .spawn(move || write_loop(&writer, &queue))
            .context("starting the local state writer")?;
        Ok(stores)
    }

    /// Notes the latest incarnation of each partition's copy, and deletes
    /// any earlier one (left by a crash while a copy was dropped).
    fn find_copies(&self) -> anyhow::Result<()> {
        let mut latest: HashMap<i32, u64> = HashMap::new();
        let names: Vec<String> = self
            .keyspace
            .list_partitions()
            .iter()
            .map(|n| n.to_string())
            .collect();
        for name in &names {
            if let Some((partition, incarnation)) = parse_name(name) {
                let entry = latest.entry(partition).or_default();
                *entry = (*entry).max(incarnation);
            }
        }
        for name in &names {
            if let Some((partition, incarnation)) = parse_name(name)
                && incarnation < latest[&partition]
            {
                let handle = self
                    .keyspace
                    .open_partition(name, PartitionCreateOptions::default())?;
                self.keyspace.delete_partition(handle)?;
            }
        }
        *self.incarnations.lock().expect("local stores lock") = latest;
        Ok(())
    }

    fn copy(&self, partition: i32) -> anyhow::Result<Arc<Copy>> {
        let mut open = self.open.lock().expect("local stores lock");
        if let Some(copy) = open.get(&partition) {
            return Ok(copy.clone());
        }
        let incarnation = *self
            .incarnations
            .lock()
            .expect("local stores lock")
            .entry(partition)
            .or_default();
        let handle = |table, options| {
            self.keyspace
                .open_partition(&table_name(partition, incarnation, table), options)
        };
        // The indexes are only scanned by range (and written blindly): no
        // bloom filters, whose memory grows with the keys, and larger
        // blocks, so fewer index entries.
        let index = || {
            PartitionCreateOptions::default()
                .bloom_filter_bits(None)
                .block_size(INDEX_BLOCK_BYTES)
        };
        let copy = Arc::new(Copy {
            writing: Mutex::new(()),
            tables: Tables {
                state: handle(
                    "state",
                    PartitionCreateOptions::default().block_size(STATE_BLOCK_BYTES),
                )?,
                timers: handle("timers", index())?,
                expiry: handle("expiry", index())?,
                meta: handle("meta", index())?,
            },
        });
        open.insert(partition, copy.clone());
        Ok(copy)
    }

    /// Drops a partition's copy (it could not be used); nothing is written
    /// to it until [`Self::rebuilding`]. A partition that never had a copy
    /// has nothing to drop.
    pub fn discard(&self, partition: i32) {
        self.dropped
            .lock()
            .expect("local stores lock")
            .insert(partition);
        let open = self
            .open
            .lock()
            .expect("local stores lock")
            .remove(&partition);
        let incarnation = {
            let mut incarnations = self.incarnations.lock().expect("local stores lock");
            let Some(&incarnation) = incarnations.get(&partition) else {
                return;
            };
            // The next copy of the partition is a new incarnation.
            incarnations.insert(partition, incarnation + 1);
            incarnation
        };
        let handles = match open.map(Arc::try_unwrap) {
            Some(Ok(copy)) => {
                let Tables {
                    state,
                    timers,
                    expiry,
                    meta,
                } = copy.tables;
                vec![state, timers, expiry, meta]
            }
            // A reader still holds it: its keyspace partitions are left to
            // the next start, which deletes what is not the latest.
            Some(Err(_)) => return,
            // Found on disk at start and not opened since.
            None => TABLES
                .iter()
                .map(|table| table_name(partition, incarnation, table))
                .filter(|name| self.keyspace.partition_exists(name))
                .filter_map(|name| {
                    self.keyspace
                        .open_partition(&name, PartitionCreateOptions::default())
                        .ok()
                })
                .collect(),
        };
        for handle in handles {
            if let Err(err) = self.keyspace.delete_partition(handle) {
                warn!(partition, %err, "deleting an unusable local state copy failed");
            }
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
        let copy = self.copy(partition)?;
        let meta = |field: Meta| -> anyhow::Result<Option<i64>> {
            copy.tables
                .meta
                .get(field.key())?
                .map(|v| meta_value(&v))
                .transpose()
        };
        let (Some(next), Some(written), format) = (
            meta(Meta::Next)?,
            meta(Meta::WrittenAtMs)?,
            meta(Meta::Format)?,
        ) else {
            return Ok(None);
        };
        if format != Some(FORMAT) {
            warn!(
                partition,
                "the local state copy is in another layout; rebuilding it"
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
        Ok(Some(Loaded {
            next,
            records: meta(Meta::Documents)?.unwrap_or(0).max(0) as u64,
            partition: copy.tables.state.get(PARTITION_KEY)?.map(|v| v.to_vec()),
        }))
    }

    /// A reader of the partition's copy as it is now.
    pub(crate) fn cold(&self, partition: i32) -> anyhow::Result<Cold> {
        let copy = self.copy(partition)?;
        Ok(Cold::open(&copy.tables, self.keyspace.instant()))
    }

    /// Document histories the partition's copy holds.
    pub fn documents(&self, partition: i32) -> anyhow::Result<u64> {
        let copy = self.copy(partition)?;
        match copy.tables.meta.get(Meta::Documents.key())? {
            Some(value) => Ok(meta_value(&value)?.max(0) as u64),
            None => Ok(0),
        }
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

    /// Bytes on disk of a partition's copy (the keyspace's shared journal
    /// not counted).
    pub fn size(&self, partition: i32) -> u64 {
        self.copy(partition).map_or(0, |copy| {
            let t = &copy.tables;
            [&t.state, &t.timers, &t.expiry, &t.meta]
                .iter()
                .map(|h| h.disk_space())
                .sum()
        })
    }
}

#[cfg(test)]
mod tests;
