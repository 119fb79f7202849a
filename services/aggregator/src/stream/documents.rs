//! The per-document stage over Kafka: a thin adapter from the pipeline's
//! records to [`DocumentPartition::step`], with the partition's state kept
//! in a changelog.
//!
//! Each batch's changed histories, and last the partition's own record (its
//! clock and next offset), go to the partition of the compacted changelog
//! topic with the same number, once the batch's other outputs are durable;
//! the batch's offsets are committed once the changes are durable too. So
//! the changelog always holds a state whose outputs are durable, at or
//! ahead of the committed offset, and a new owner resumes where it ends.
//!
//! With `--state-dir`, the histories live in a local copy of the changelog
//! (`local`), and memory holds only those in use: a record's history is
//! read from the copy before the record is processed, the OVERSTAY checks
//! due next likewise, and histories whose latest change the copy holds
//! leave memory past the cache's size. On assignment the copy is opened
//! and the part of the changelog written after it read into it; without a
//! copy the state is restored into memory from the whole changelog. Only
//! where the changelog has no partition record yet (state kept before changelogs, or a
//! changelog topic created afresh) is the partition rebuilt the old way, by
//! folding the by-document partition from its start, and the whole state
//! then written to the changelog. The restore runs on the restoring thread
//! while the partition is paused (`stream::restore`), for as long as it
//! takes: a read that stops making progress for `replay_stall` fails and
//! starts again, and a partition is never processed on part of its state.

mod local;
mod owned;
mod read;
mod standby;

use std::sync::Arc;
use std::time::{Duration, Instant};

use borderflow_common::kafka::{KafkaArgs, Topics};
use rdkafka::consumer::BaseConsumer;
use rdkafka::message::Message;
use tracing::{info, warn};

pub use local::LocalStores;
pub use owned::Owned;
use read::{NotHeld, Reader, Until};
pub use standby::{Claim, Standby};

use crate::detect::document::stored::PARTITION_KEY;
use crate::detect::{DetectConfig, References};
use crate::metrics;
use crate::partition::DocumentPartition;
use crate::partition::effects::Record;
use crate::store::ReferenceStore;
use crate::stream::materialise::partition_count;
use crate::stream::output::{Outputs, Persist, StateChanges};
use crate::stream::pipeline::Stage;

/// Changelog records written to the local copy at once during a restore.
const RESTORE_CHUNK: usize = 20_000;

pub struct DocumentsStage {
    pub detect: Arc<DetectConfig>,
    pub allowed_lateness_ms: i64,
    pub reference: Arc<ReferenceStore>,
    pub kafka: KafkaArgs,
    /// The by-document topic.
    pub topic: String,
    /// Its changelog, co-partitioned.
    pub changelog: String,
    /// The local copy of the changelog, when kept.
    pub local: Option<Arc<LocalStores>>,
    /// Keeps the copies of the partitions not owned here current, when
    /// asked to.
    pub standby: Option<Arc<Standby>>,
    /// Histories each partition holds in memory, with a local copy.
    pub cache_documents: usize,
    /// Longest wait for the next record of a read before it is started
    /// again.
    pub replay_stall: Duration,
}

/// Fails unless the changelog has as many partitions as the by-document
/// topic: a partition's state is kept in the changelog partition with the
/// same number. Returns how many there are.
pub fn check_copartitioned(kafka: &KafkaArgs, topics: &Topics) -> anyhow::Result<i32> {
    let consumer: BaseConsumer = kafka
        .reader_config("borderflow-aggregator-topics")
        .create()?;
    let documents = partition_count(&consumer, &topics.by_document)?;
    let changelog = partition_count(&consumer, &topics.document_state)?;
    if documents != changelog {
        anyhow::bail!(
            "{} has {changelog} partitions and {} has {documents}: the document state changelog must have as many partitions as the by-document topic",
            topics.document_state,
            topics.by_document
        );
    }
    Ok(documents as i32)
}

/// Where a restored state came from, in records.
#[derive(Debug, Default)]
struct Restored {
    local: u64,
    changelog: u64,
    replayed: u64,
}

impl DocumentsStage {
    fn empty(&self, partition: i32) -> DocumentPartition {
        let refs: Arc<dyn References> = self.reference.clone();
        DocumentPartition::new(self.detect.clone(), self.allowed_lateness_ms, refs)
            .in_partition(partition)
            .keep_changes()
    }

    fn reader<'a>(&'a self, topic: &'a str) -> Reader<'a> {
        Reader {
            kafka: &self.kafka,
            client: "borderflow-aggregator-document-restore",
            topic,
            stall: self.replay_stall,
        }
    }

    /// Restores `state` from the local copy (when usable) and the
    /// changelog after it. With a copy, the histories stay in it; memory
    /// takes only the partition's own record.
    fn restore(&self, partition: i32, state: &mut DocumentPartition) -> anyhow::Result<Restored> {
        let mut restored = Restored::default();
        let mut from = None;
        if let Some(local) = &self.local {
            local.restoring(partition);
            match local.open_copy(partition) {
                Ok(Some(loaded)) => {
                    if let Some(record) = &loaded.partition {
                        state
                            .restore(PARTITION_KEY, Some(record))
                            .map_err(|e| anyhow::anyhow!("local state copy: {e}"))?;
                    }
                    restored.local = loaded.records;
                    from = Some(loaded.next);
                }
                Ok(None) => {}
                Err(err) => {
                    warn!(partition, %err, "the local state copy cannot be used; restoring from the changelog");
                }
            }
            if from.is_none() {
                local.rebuilding(partition);
            }
        }
        let mut chunk = Vec::new();
        let read = self
            .reader(&self.changelog)
            .read(partition, from, Until::End, |message| {
                let key = message.key().unwrap_or_default();
                restored.changelog += 1;
                // With a local copy, the histories go to it, not to memory.
                if self.local.is_none() || key == PARTITION_KEY {
                    state.restore(key, message.payload()).map_err(|e| {
                        anyhow::anyhow!("changelog offset {}: {e}", message.offset())
                    })?;
                }
                let Some(local) = &self.local else {
                    return Ok(());
                };
                chunk.push((key.to_vec(), message.payload().map(<[u8]>::to_vec)));
                if chunk.len() >= RESTORE_CHUNK {
                    local.write_now(partition, std::mem::take(&mut chunk), message.offset())?;
                }
                Ok(())
            });
        let next = match read {
            Ok(next) => next,
            Err(err) if from.is_some() && err.is::<NotHeld>() => {
                // The copy does not continue into what the changelog holds.
                warn!(partition, %err, "the local state copy is not continued by the changelog; restoring from the changelog");
                if let Some(local) = &self.local {
                    local.discard(partition);
                }
                *state = self.empty(partition);
                return self.restore(partition, state);
            }
            Err(err) => return Err(err),
        };
        if let Some(local) = &self.local
            && !chunk.is_empty()
        {
            local.write_now(partition, chunk, next - 1)?;
        }
        Ok(restored)
    }

    /// Folds the by-document partition from its start up to `until`
    /// (exclusive) into `state`, publishing nothing.
    fn replay(
        &self,
        partition: i32,
        until: i64,
        state: &mut DocumentPartition,
    ) -> anyhow::Result<u64> {
        let mut replayed = 0;
        self.reader(&self.topic)
            .read(partition, None, Until::Offset(until), |message| {
                let record = Record {
                    partition,
                    offset: message.offset(),
                    key: message.key(),
                    payload: message.payload().unwrap_or_default(),
                };
                if state.replay(&record) {
                    replayed += 1;
                }
                Ok(())
            })?;
        Ok(replayed)
    }
}

impl Stage for DocumentsStage {
    type Partition = Owned;

    fn name(&self) -> &'static str {
        "documents"
    }

    fn topic<'a>(&self, topics: &'a Topics) -> &'a str {
        &topics.by_document
    }

    fn assign(&self, partition: i32, committed: Option<i64>) -> anyhow::Result<Owned> {
        let started = Instant::now();
        let claim = self
            .standby
            .as_ref()
            .map(|standby| standby.claim(partition));
        let mut state = self.empty(partition);
        let mut restored = self.restore(partition, &mut state)?;
        let committed = committed.filter(|c| *c > 0);
        if let Some(until) = committed
            && state.restored_to() < until
        {
            // No changelog yet for this history (or one behind the
            // committed offset, which a changelog written by this stage
            // never is): rebuild it from the by-document topic and write
            // all of it.
            if state.restored_to() > 0 {
                warn!(
                    partition,
                    changelog = state.restored_to(),
                    committed = until,
                    "the changelog is behind the committed offset; rebuilding from the by-document topic"
                );
            }
            if let Some(local) = &self.local {
                // Rebuilt whole in memory, then written whole.
                local.rebuilding(partition);
            }
            state = self.empty(partition);
            restored.replayed = self.replay(partition, until, &mut state)?;
            state.all_changed();
        }
        if self.local.is_some() {
            state.tiered(self.cache_documents);
        }
        metrics::document_state_restored(restored.local, restored.changelog, restored.replayed);
        info!(
            partition,
            local = restored.local,
            changelog = restored.changelog,
            replayed = restored.replayed,
            in_memory = state.documents(),
            resume_at = state.restored_to().max(committed.unwrap_or(0)),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "document state restored"
        );
        state.resume_at(committed);
        Ok(Owned::claimed(state, claim))
    }

    fn process(
        &self,
        owned: &mut Owned,
        record: &Record<'_>,
        out: &mut Outputs<'_>,
    ) -> anyhow::Result<()> {
        if owned.step(self.local.as_deref(), record, out)? {
            metrics::document_record();
        }
        Ok(())
    }

    fn finish(&self, owned: &mut Owned, out: &mut Outputs<'_>) -> anyhow::Result<()> {
        if let Some(changes) = owned.take_changes(self.local.as_deref())? {
            let generation = changes.generation;
            let records = changes.into_records();
            metrics::document_state_changes(records.len());
            out.batch.changes.push(StateChanges {
                topic: self.changelog.clone(),
                partition: owned.state.partition(),
                records,
                generation,
                persist: self.local.clone().map(|local| local as Arc<dyn Persist>),
            });
        }
        owned.evict(self.local.as_deref());
        Ok(())
    }

    fn tick(&self, owned: &mut Owned, _out: &mut Outputs<'_>) {
        let partition = owned.state.partition();
        let in_memory = owned.state.documents();
        let held = match &self.local {
            None => Ok(in_memory as u64),
            Some(local) => local.documents(partition),
        };
        match held {
            Ok(held) => metrics::document_histories(partition, held, in_memory),
            Err(err) => {
                warn!(partition, %err, "counting the histories of the local state copy failed")
            }
        }
    }

    fn commit_offset(&self, owned: &Owned) -> Option<i64> {
        owned.state.commit_offset()
    }
}

#[cfg(test)]
mod tests;
