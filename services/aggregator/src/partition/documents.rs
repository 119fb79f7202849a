//! The per-document stage's work on one record of the by-document topic
//! (keyed by document key, so one partition holds a document's whole
//! history), as a pure step over the partition's document histories.

use std::sync::Arc;

use borderflow_proto::analytics::v1::Anomaly;

use super::effects::{Effects, Record};
use crate::detect::document::DocumentProcessor;
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
        }
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

    /// Processes one record; returns whether it was an inspection the
    /// rules saw (anything else is dead-lettered).
    pub fn step<E: Effects>(&mut self, record: &Record<'_>, out: &mut E) -> Result<bool, E::Error> {
        self.next = Some(record.offset + 1);
        if let Err((kind, reason)) = self.fold(record) {
            out.dead_letter(record, kind, &reason)?;
            return Ok(false);
        }
        for anomaly in self.found.drain(..) {
            out.anomaly(&anomaly)?;
        }
        Ok(true)
    }

    /// Folds a record published before (a replay on assignment) into the
    /// histories without publishing what the rules report: those anomalies
    /// were published then, with the same ids. Returns whether it was an
    /// inspection.
    pub fn replay(&mut self, record: &Record<'_>) -> bool {
        self.next = Some(record.offset + 1);
        let folded = self.fold(record).is_ok();
        self.found.clear();
        folded
    }

    fn fold(&mut self, record: &Record<'_>) -> Result<(), (&'static str, String)> {
        let key = record
            .key
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or((
                "invalid",
                "record key is not a 32-byte document key".to_owned(),
            ))?;
        let inspection = match codec::decode(record.payload) {
            Ok(Decoded::Inspection(inspection)) => inspection,
            Ok(Decoded::Heartbeat(_)) => {
                return Err(("invalid", "a heartbeat, not an inspection".to_owned()));
            }
            Err(err) => return Err((err.kind(), err.to_string())),
        };
        self.processor
            .process(key, &inspection, self.refs.as_ref(), &mut self.found);
        Ok(())
    }

    /// Resumes after `committed` (the group's committed offset).
    pub fn resume_at(&mut self, committed: Option<i64>) {
        self.next = committed;
    }

    /// The offset to resume from after a restart.
    pub fn commit_offset(&self) -> Option<i64> {
        self.next
    }

    /// Documents with a history.
    pub fn documents(&self) -> usize {
        self.processor.len()
    }
}
