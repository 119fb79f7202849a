//! A checkpoint's store-and-forward buffer: every batch is kept until ingest
//! acknowledges it, so a link outage or a restart loses nothing. The disk
//! outbox is an append-only journal of batches and acknowledgements.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use borderflow_proto::Message;
use borderflow_proto::ingest::v1::StreamInspectionsRequest;

/// Unacknowledged batches, oldest first.
pub trait Outbox: Send {
    /// Keeps `batch` (durably, for a disk outbox) before it is sent.
    fn push(&mut self, batch: StreamInspectionsRequest) -> std::io::Result<()>;
    /// Forgets the oldest batch, which ingest acknowledged with `sequence`.
    fn ack(&mut self, sequence: u64) -> std::io::Result<()>;
    fn batches(&self) -> &VecDeque<StreamInspectionsRequest>;
    fn events(&self) -> usize {
        self.batches().iter().map(|b| b.events.len()).sum()
    }
}

/// Batches kept in memory only.
#[derive(Debug, Default)]
pub struct MemoryOutbox {
    batches: VecDeque<StreamInspectionsRequest>,
}

impl Outbox for MemoryOutbox {
    fn push(&mut self, batch: StreamInspectionsRequest) -> std::io::Result<()> {
        self.batches.push_back(batch);
        Ok(())
    }

    fn ack(&mut self, sequence: u64) -> std::io::Result<()> {
        if self.batches.front().is_some_and(|b| b.sequence == sequence) {
            self.batches.pop_front();
        }
        Ok(())
    }

    fn batches(&self) -> &VecDeque<StreamInspectionsRequest> {
        &self.batches
    }
}

/// Journal records: a tag byte, then a length-prefixed batch or a sequence.
const TAG_BATCH: u8 = 1;
const TAG_ACK: u8 = 2;
/// Rewrite the journal once this many acknowledged batches pile up, plus a
/// share of as many again that depends on the journal's path: booths started
/// together send alike (heartbeats while idle), and journals that all compact
/// at the same moment stall every link of the process at once.
const COMPACT_AFTER: usize = 1_024;

/// The compaction threshold of the journal at `path`: in
/// `COMPACT_AFTER..2 * COMPACT_AFTER`, fixed per path (FNV-1a).
fn compact_after(path: &Path) -> usize {
    let hash = path
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    COMPACT_AFTER + (hash % COMPACT_AFTER as u64) as usize
}

/// Batches journalled to a file, replayed when the checkpoint restarts.
#[derive(Debug)]
pub struct DiskOutbox {
    path: PathBuf,
    journal: BufWriter<File>,
    batches: VecDeque<StreamInspectionsRequest>,
    acked_since_compaction: usize,
    compact_after: usize,
    /// Sync to disk on every write (a real booth would); off for load runs.
    sync: bool,
}

impl DiskOutbox {
    /// Opens (or creates) the journal at `path`, recovering what it holds.
    pub fn open(path: &Path, sync: bool) -> std::io::Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let batches = if path.exists() {
            recover(path)?
        } else {
            VecDeque::new()
        };
        let mut outbox = Self {
            path: path.to_owned(),
            journal: BufWriter::new(OpenOptions::new().create(true).append(true).open(path)?),
            batches,
            acked_since_compaction: 0,
            compact_after: compact_after(path),
            sync,
        };
        outbox.compact()?;
        Ok(outbox)
    }

    fn write(&mut self, tag: u8, body: &[u8]) -> std::io::Result<()> {
        self.journal.write_all(&[tag])?;
        self.journal.write_all(&(body.len() as u32).to_le_bytes())?;
        self.journal.write_all(body)?;
        self.journal.flush()?;
        if self.sync {
            self.journal.get_ref().sync_data()?;
        }
        Ok(())
    }

    /// Rewrites the journal with only the unacknowledged batches: a new
    /// file renamed over the old, so a crash leaves one or the other whole.
    /// Synced (the file, then its directory) only when every write is: a
    /// journal that trusts the page cache for its appends gains nothing from
    /// syncing its rewrite.
    fn compact(&mut self) -> std::io::Result<()> {
        let tmp = self.path.with_extension("compacting");
        {
            let mut out = BufWriter::new(File::create(&tmp)?);
            for batch in &self.batches {
                let body = batch.encode_to_vec();
                out.write_all(&[TAG_BATCH])?;
                out.write_all(&(body.len() as u32).to_le_bytes())?;
                out.write_all(&body)?;
            }
            out.flush()?;
            if self.sync {
                out.get_ref().sync_all()?;
            }
        }
        std::fs::rename(&tmp, &self.path)?;
        if self.sync
            && let Some(dir) = self.path.parent()
        {
            File::open(dir)?.sync_all()?;
        }
        self.journal = BufWriter::new(OpenOptions::new().append(true).open(&self.path)?);
        self.acked_since_compaction = 0;
        Ok(())
    }
}

fn recover(path: &Path) -> std::io::Result<VecDeque<StreamInspectionsRequest>> {
    let mut reader = BufReader::new(File::open(path)?);
    let mut batches = VecDeque::new();
    loop {
        let mut head = [0u8; 5];
        match reader.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e),
        }
        let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; len];
        if reader.read_exact(&mut body).is_err() {
            // A record torn by a crash mid-write: everything before it holds.
            break;
        }
        match head[0] {
            TAG_BATCH => match StreamInspectionsRequest::decode(body.as_slice()) {
                Ok(batch) => batches.push_back(batch),
                Err(_) => break,
            },
            TAG_ACK if len == 8 => {
                let sequence = u64::from_le_bytes(body.try_into().expect("8 bytes"));
                if batches.front().is_some_and(|b| b.sequence == sequence) {
                    batches.pop_front();
                }
            }
            _ => break,
        }
    }
    Ok(batches)
}

impl Outbox for DiskOutbox {
    fn push(&mut self, batch: StreamInspectionsRequest) -> std::io::Result<()> {
        self.write(TAG_BATCH, &batch.encode_to_vec())?;
        self.batches.push_back(batch);
        Ok(())
    }

    fn ack(&mut self, sequence: u64) -> std::io::Result<()> {
        if self.batches.front().is_none_or(|b| b.sequence != sequence) {
            return Ok(());
        }
        self.write(TAG_ACK, &sequence.to_le_bytes())?;
        self.batches.pop_front();
        self.acked_since_compaction += 1;
        if self.acked_since_compaction >= self.compact_after {
            self.compact()?;
        }
        Ok(())
    }

    fn batches(&self) -> &VecDeque<StreamInspectionsRequest> {
        &self.batches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(sequence: u64) -> StreamInspectionsRequest {
        StreamInspectionsRequest {
            sequence,
            events: Vec::new(),
            heartbeat: None,
        }
    }

    #[test]
    fn a_reopened_journal_holds_exactly_the_unacknowledged_batches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp.journal");
        {
            let mut outbox = DiskOutbox::open(&path, true).unwrap();
            for s in 1..=5 {
                outbox.push(batch(s)).unwrap();
            }
            outbox.ack(1).unwrap();
            outbox.ack(2).unwrap();
            // Out of order: ignored.
            outbox.ack(4).unwrap();
        }
        let reopened = DiskOutbox::open(&path, true).unwrap();
        let left: Vec<u64> = reopened.batches().iter().map(|b| b.sequence).collect();
        assert_eq!(left, vec![3, 4, 5]);
    }

    #[test]
    fn a_torn_tail_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp.journal");
        {
            let mut outbox = DiskOutbox::open(&path, false).unwrap();
            outbox.push(batch(1)).unwrap();
            outbox.push(batch(2)).unwrap();
        }
        let len = std::fs::metadata(&path).unwrap().len();
        let file = OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(len - 1).unwrap();
        let reopened = DiskOutbox::open(&path, false).unwrap();
        assert_eq!(reopened.batches().len(), 1);
    }

    #[test]
    fn compaction_keeps_what_is_pending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp.journal");
        let mut outbox = DiskOutbox::open(&path, false).unwrap();
        let threshold = outbox.compact_after as u64;
        for s in 0..(threshold + 10) {
            outbox.push(batch(s)).unwrap();
        }
        for s in 0..threshold {
            outbox.ack(s).unwrap();
        }
        drop(outbox);
        let reopened = DiskOutbox::open(&path, false).unwrap();
        assert_eq!(reopened.batches().len(), 10);
        assert!(std::fs::metadata(&path).unwrap().len() < 200);
    }

    #[test]
    fn journals_of_different_booths_compact_at_different_counts() {
        let thresholds: std::collections::BTreeSet<usize> = (1..=20)
            .map(|lane| compact_after(Path::new(&format!("outbox/KZ-KORDAY-L{lane:02}.journal"))))
            .collect();
        assert!(thresholds.len() >= 18, "{thresholds:?}");
        assert!(
            thresholds
                .iter()
                .all(|t| (COMPACT_AFTER..2 * COMPACT_AFTER).contains(t))
        );
    }
}
