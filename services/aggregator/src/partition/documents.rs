//! The per-document stage's work on one record of the by-document topic
//! (keyed by document key, so one partition holds a document's whole
//! history), as a pure step over the partition's document histories.

use std::sync::Arc;

use borderflow_proto::analytics::v1::Anomaly;

use super::effects::{Effects, Record};
use crate::detect::document::stored::{self, PARTITION_KEY};
use crate::detect::document::{Change, DocumentProcessor, NeedTimers};
use crate::detect::{DetectConfig, References};
use crate::windows::codec::{self, Decoded};

/// One by-document partition's histories and position.
#[derive(Debug)]
pub struct DocumentPartition {
    processor: DocumentProcessor,
    refs: Arc<dyn References>,
    /// The next offset to process.
    next: Option<i64>,
    /// Scratch for the rules' findings.
    found: Vec<Anomaly>,
    partition: i32,
    /// Records before this offset are in the state already (restored from
    /// its durable form, which may be ahead of the committed offset).
    restored_to: i64,
    /// The offset the last changes were taken at.
    taken_at: Option<i64>,
}

/// What changed in a partition since its last changes were taken: each
/// changed document, then the partition's own record (its clock and next
/// offset), which comes last so that once it is durable the whole change is.
pub struct PartitionChanges {
    pub documents: Vec<Change>,
    pub partition: Vec<u8>,
    /// Their generation, with only some histories in memory (else 0).
    pub generation: u64,
}

/// What [`DocumentPartition::step`] did with a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentStep {
    /// An inspection, seen by the rules.
    Processed,
    /// In the restored state already, or dead-lettered.
    Skipped,
    /// Not processed: the checks due in the range must be loaded first
    /// ([`DocumentPartition::timers_loaded`]), then the record stepped
    /// again.
    NeedTimers(NeedTimers),
}

impl PartitionChanges {
    /// As changelog records (key, value or `None` to delete), the
    /// partition's record last.
    pub fn into_records(self) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        let mut records: Vec<_> = self
            .documents
            .into_iter()
            .map(|(key, value)| (key.to_vec(), value))
            .collect();
        records.push((PARTITION_KEY.to_vec(), Some(self.partition)));
        records
    }
}

impl DocumentPartition {
    pub fn new(
        detect: Arc<DetectConfig>,
        allowed_lateness_ms: i64,
        refs: Arc<dyn References>,
    ) -> Self {
        Self {
            processor: DocumentProcessor::new(detect, allowed_lateness_ms),
            refs,
            next: None,
            found: Vec::new(),
            partition: 0,
            restored_to: 0,
            taken_at: None,
        }
    }

    /// Keeps what changes, for [`Self::take_changes`].
    pub fn keep_changes(mut self) -> Self {
        self.processor.keep_changes();
        self
    }

    /// The whole state in its durable form, as a new changelog would hold
    /// it: every history, then the partition's record. Changes not taken
    /// yet are taken with it.
    pub fn durable_form(&mut self) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        let kept = self.processor.keeps_changes();
        self.processor.keep_changes();
        self.all_changed();
        let records = self
            .take_changes()
            .map_or_else(Vec::new, PartitionChanges::into_records);
        if !kept {
            self.processor.drop_changes();
        }
        records
    }

    /// Marks the whole state as changed: the next changes hold all of it.
    pub fn all_changed(&mut self) {
        self.processor.all_changed();
        self.taken_at = None;
    }

    /// What changed since the last call, or `None` when nothing did and the
    /// offset has not moved.
    pub fn take_changes(&mut self) -> Option<PartitionChanges> {
        let next = self.next?;
        let documents = self.processor.take_changes();
        if documents.is_empty() && self.taken_at == Some(next) {
            return None;
        }
        self.taken_at = Some(next);
        Some(PartitionChanges {
            documents,
            partition: stored::encode_partition(&self.processor.clock(next)),
            generation: self.processor.taken_generation(),
        })
    }

    /// Applies one record of the state's durable form (a document's
    /// history, a forgotten document, or the partition's own record).
    pub fn restore(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<(), String> {
        if key == PARTITION_KEY {
            let value = value.ok_or("the partition record is deleted")?;
            let stored = stored::decode_partition(value).map_err(|e| e.to_string())?;
            self.processor.set_clock(&stored);
            self.restored_to = stored.next_offset;
            self.next = Some(stored.next_offset);
            self.taken_at = self.next;
            return Ok(());
        }
        let key = <[u8; 32]>::try_from(key)
            .map_err(|_| format!("a key of {} bytes, not a document key", key.len()))?;
        self.processor
            .restore(key, value)
            .map_err(|e| format!("document history: {e}"))
    }

    /// The offset the restored state has taken in up to (0 when nothing
    /// was restored).
    pub fn restored_to(&self) -> i64 {
        self.restored_to
    }

    /// The by-document partition this state is of (for its metrics).
    pub fn in_partition(mut self, partition: i32) -> Self {
        self.partition = partition;
        self
    }

    pub fn partition(&self) -> i32 {
        self.partition
    }

    /// Histories forgotten since the last call: nothing of them was in the
    /// retention and no OVERSTAY check was pending.
    pub fn take_expired(&mut self) -> u64 {
        self.processor.take_expired()
    }

    /// Processes one record (anything but an inspection is dead-lettered).
    pub fn step<E: Effects>(
        &mut self,
        record: &Record<'_>,
        out: &mut E,
    ) -> Result<DocumentStep, E::Error> {
        if record.offset < self.restored_to {
            // In the restored state, its outputs durable.
            return Ok(DocumentStep::Skipped);
        }
        match self.fold(record) {
            Ok(Ok(())) => {}
            Ok(Err(need)) => return Ok(DocumentStep::NeedTimers(need)),
            Err((kind, reason)) => {
                self.next = Some(record.offset + 1);
                out.dead_letter(record, kind, &reason)?;
                return Ok(DocumentStep::Skipped);
            }
        }
        self.next = Some(record.offset + 1);
        for anomaly in self.found.drain(..) {
            out.anomaly(&anomaly)?;
        }
        Ok(DocumentStep::Processed)
    }

    /// Folds a record published before (a replay on assignment) into the
    /// histories without publishing what the rules report: those anomalies
    /// were published then, with the same ids. Returns whether it was an
    /// inspection.
    /// (A replay runs with every history in memory.)
    pub fn replay(&mut self, record: &Record<'_>) -> bool {
        self.next = Some(record.offset + 1);
        let folded = self.fold(record).is_ok();
        self.found.clear();
        folded
    }

    fn fold(
        &mut self,
        record: &Record<'_>,
    ) -> Result<Result<(), NeedTimers>, (&'static str, String)> {
        let key = record
            .key
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or((
                "invalid",
                "record key is not a 32-byte document key".to_owned(),
            ))?;
        let refs = self.refs.as_ref();
        match codec::decode(record.payload) {
            Ok(Decoded::Inspection(inspection)) => {
                Ok(self
                    .processor
                    .process(key, &inspection, refs, &mut self.found))
            }
            Ok(Decoded::Escort(escort)) => {
                Ok(self
                    .processor
                    .process_escort(key, &escort, refs, &mut self.found))
            }
            Ok(Decoded::Heartbeat(_)) => {
                Err(("invalid", "a heartbeat, not an inspection".to_owned()))
            }
            Err(err) => Err((err.kind(), err.to_string())),
        }
    }

    /// Resumes after `committed` (the group's committed offset), or where
    /// the restored state is, when that is further.
    pub fn resume_at(&mut self, committed: Option<i64>) {
        self.next = match (committed, self.next) {
            (Some(c), Some(n)) => Some(c.max(n)),
            (c, n) => c.or(n),
        };
    }

    /// The offset to resume from after a restart.
    pub fn commit_offset(&self) -> Option<i64> {
        self.next
    }

    /// Documents with a history in memory.
    pub fn documents(&self) -> usize {
        self.processor.len()
    }

    /// Holds at most about `capacity` histories in memory from now on, the
    /// rest in the owner's store (`detect::document::processor::tiers`).
    pub fn tiered(&mut self, capacity: usize) {
        self.processor.tiered(capacity);
    }

    /// The document key of a record whose history must be loaded before it
    /// is stepped.
    pub fn needs(&self, record: &Record<'_>) -> Option<[u8; 32]> {
        if record.offset < self.restored_to {
            return None;
        }
        let key = <[u8; 32]>::try_from(record.key?).ok()?;
        self.processor.needs(&key).then_some(key)
    }

    /// Puts a history read from the store in memory.
    pub fn load(&mut self, key: [u8; 32], bytes: &[u8]) -> Result<(), String> {
        self.processor
            .load(key, bytes)
            .map_err(|e| format!("document history: {e}"))
    }

    /// Every check due up to `up_to_ms` is loaded now.
    pub fn timers_loaded(&mut self, up_to_ms: i64) {
        self.processor.timers_loaded(up_to_ms);
    }

    /// See [`DocumentProcessor::take_expiry`].
    pub fn take_expiry(&mut self) -> Option<i64> {
        self.processor.take_expiry()
    }

    /// Forgets a history only in the store.
    pub fn forget(&mut self, key: [u8; 32]) {
        self.processor.forget(key);
    }

    /// See [`DocumentProcessor::evict`].
    pub fn evict(&mut self, persisted: u64) -> usize {
        self.processor.evict(persisted)
    }
}
