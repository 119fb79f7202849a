//! The re-scan grace of the MRZ_CHECK_DIGIT rule: a zone that fails its
//! checks is held, not reported, while its checkpoint may still read the
//! same document cleanly.
//!
//! Readers misread characters (0 and O, 1 and I, 8 and B…) and worn zones
//! fail until the officer keys the document in; either way a clean read of
//! the same document follows at the same checkpoint within moments. A
//! forged zone fails again, or nothing clean follows, and is reported.
//!
//! "The same document" is a clean read whose `document_key` or
//! `person_key` equals the failed read's. One misread character lies in one
//! field, and no field feeds both keys (the document key covers the
//! issuing state and number, the person key the names, birth date and
//! nationality), so at least one key of a misread zone is still right.
//!
//! The clock a held failure is judged against is its checkpoint's own: the
//! start of its later inspections. A booth inspects one traveller at a
//! time and reports each when done, in order, so once an inspection that
//! started after the grace is reported, any re-scan within the grace
//! already was. A partition's watermark runs with its busiest booths, and
//! a quiet booth re-scanning would look too late by it. Heartbeats say the
//! booth is alive, not that it is idle: one can come while the officer
//! keys a worn document in, which may take longer than the grace. So a
//! booth that starts nothing more (it closed, or fell silent) has its
//! failures released once its heartbeats or the partition's watermark
//! pass them by the longer fallback.

use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::inspection::v1::DocumentFacts;
use borderflow_proto::ms_to_timestamp;

use super::config::DetectConfig;

/// Failed reads waiting for a re-scan, in the order they were read.
#[derive(Debug)]
pub struct Rescans {
    grace_ms: i64,
    fallback_ms: i64,
    pending: Vec<Pending>,
}

#[derive(Debug)]
struct Pending {
    checkpoint_id: String,
    /// The failed read's event time (its completion).
    read_ms: i64,
    /// Its record's offset: a restart must replay from here to hold it again.
    offset: i64,
    document_key: Vec<u8>,
    person_key: Vec<u8>,
    /// The latest start of an inspection at the checkpoint since the
    /// failed read.
    started_ms: i64,
    /// The checkpoint's latest heartbeat since the failed read.
    alive_ms: i64,
    anomaly: Anomaly,
}

/// One read at a checkpoint, as the re-scan grace sees it.
#[derive(Clone, Copy, Debug)]
pub struct Read<'a> {
    pub checkpoint_id: &'a str,
    /// When the inspection started: the document is read then.
    pub started_ms: i64,
    /// When it completed (the event time).
    pub event_ms: i64,
    pub document: Option<&'a DocumentFacts>,
}

impl Rescans {
    pub fn new(config: &DetectConfig) -> Self {
        let grace_ms = config.rescan_grace.as_millis() as i64;
        Self {
            grace_ms,
            // A fallback shorter than the grace would release before the
            // checkpoint had its chance.
            fallback_ms: (config.rescan_fallback.as_millis() as i64).max(grace_ms),
            pending: Vec::new(),
        }
    }

    /// Failed reads held.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The offset of the oldest held read: committing past it would lose
    /// the failure on a restart.
    pub fn oldest_offset(&self) -> Option<i64> {
        self.pending.iter().map(|p| p.offset).min()
    }

    /// A read at a checkpoint: a clean one clears the failed reads of the
    /// same document it follows within the grace; any read moves the
    /// checkpoint's clock.
    pub fn read(&mut self, read: &Read<'_>) {
        if self.pending.is_empty() {
            return;
        }
        let grace = self.grace_ms;
        let clean = read.document.filter(|d| d.mrz_valid);
        self.pending.retain_mut(|p| {
            if p.checkpoint_id != read.checkpoint_id {
                return true;
            }
            let rescanned = clean.is_some_and(|d| {
                read.event_ms >= p.read_ms
                    && read.started_ms <= p.read_ms + grace
                    && (same_key(&d.document_key, &p.document_key)
                        || same_key(&d.person_key, &p.person_key))
            });
            p.started_ms = p.started_ms.max(read.started_ms);
            !rescanned
        });
    }

    /// A checkpoint's heartbeat at `at_ms`: alive, towards the fallback.
    pub fn beat(&mut self, checkpoint_id: &str, at_ms: i64) {
        for p in &mut self.pending {
            if p.checkpoint_id == checkpoint_id {
                p.alive_ms = p.alive_ms.max(at_ms);
            }
        }
    }

    /// Holds a failed read (at `offset`, of `document`) whose anomaly
    /// `anomaly` is reported unless a re-scan clears it. The same event
    /// held twice (a re-sent event) is held once. Without a grace nothing
    /// is held: the anomaly is returned to report at once.
    pub fn hold(
        &mut self,
        offset: i64,
        checkpoint_id: &str,
        read_ms: i64,
        document: &DocumentFacts,
        anomaly: Anomaly,
    ) -> Option<Anomaly> {
        if self.grace_ms == 0 {
            return Some(anomaly);
        }
        if self.pending.iter().any(|p| p.anomaly.id == anomaly.id) {
            return None;
        }
        self.pending.push(Pending {
            checkpoint_id: checkpoint_id.to_owned(),
            read_ms,
            offset,
            document_key: document.document_key.to_vec(),
            person_key: document.person_key.to_vec(),
            started_ms: read_ms,
            alive_ms: read_ms,
            anomaly,
        });
        None
    }

    /// Reports the failed reads no re-scan can clear any more: their
    /// checkpoint started an inspection after the grace, or its heartbeats
    /// or the `watermark` passed the fallback. Each is stamped detected
    /// when released.
    pub fn release(&mut self, watermark: Option<i64>, out: &mut Vec<Anomaly>) {
        if self.pending.is_empty() {
            return;
        }
        let (grace, fallback) = (self.grace_ms, self.fallback_ms);
        let mut kept = Vec::with_capacity(self.pending.len());
        for mut p in self.pending.drain(..) {
            let quiet = p.alive_ms.max(watermark.unwrap_or(i64::MIN));
            let released_at = if p.started_ms > p.read_ms + grace {
                Some(p.started_ms)
            } else {
                (quiet > p.read_ms + fallback).then_some(quiet)
            };
            match released_at {
                Some(at) => {
                    p.anomaly.detected_at = Some(ms_to_timestamp(at));
                    out.push(p.anomaly);
                }
                None => kept.push(p),
            }
        }
        self.pending = kept;
    }
}

/// Keys compare only when present: an empty key matches nothing.
fn same_key(a: &[u8], b: &[u8]) -> bool {
    !a.is_empty() && a == b
}

#[cfg(test)]
mod tests;
