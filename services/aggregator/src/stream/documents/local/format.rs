//! How a partition's copy lays out the changelog's records, and the two
//! indexes kept beside them so that a history not in memory is still found
//! when its OVERSTAY check falls due or when it expires. Four keyspace
//! partitions per by-document partition:
//!
//! - `state`: key → value. A document's value is its history in the
//!   changelog's form behind a 16-byte header (its deadline and its last
//!   passage, [`Times`]); the partition's record is stored as it is.
//! - `timers`: (deadline, key) for every history with a pending check.
//! - `expiry`: (last passage, key) for every history without one.
//! - `meta`: where the copy is in the changelog ([`Meta`]).

use std::collections::HashMap;

use anyhow::Context;
use fjall::{Batch, PartitionHandle};

use crate::detect::document::stored::{self, Times};

/// The layout above; a copy in another is rebuilt from the changelog.
pub(super) const FORMAT: i64 = 3;

const HEADER: usize = 16;
/// `None` in a header field.
const NONE: i64 = i64::MIN;

/// The `meta` fields, each an `i64`.
#[derive(Clone, Copy)]
pub(super) enum Meta {
    /// The changelog offset after the last change held.
    Next,
    /// When the copy was last written.
    WrittenAtMs,
    /// [`FORMAT`].
    Format,
    /// Document histories held.
    Documents,
}

impl Meta {
    pub(super) fn key(self) -> &'static [u8] {
        match self {
            Self::Next => b"next",
            Self::WrittenAtMs => b"written_at_ms",
            Self::Format => b"format",
            Self::Documents => b"documents",
        }
    }
}

/// A meta field's value.
pub(super) fn meta_value(bytes: &[u8]) -> anyhow::Result<i64> {
    Ok(i64::from_be_bytes(bytes.try_into().map_err(|_| {
        anyhow::anyhow!("a meta value of {} bytes", bytes.len())
    })?))
}

/// A document key: 32 bytes (the partition's record has another length).
pub(super) fn document_key(key: &[u8]) -> Option<[u8; 32]> {
    <[u8; 32]>::try_from(key).ok()
}

/// An index key: the time, ordered as its bytes are, then the document.
pub(super) fn index_key(at_ms: i64, key: &[u8; 32]) -> [u8; 40] {
    let mut out = [0; 40];
    out[..8].copy_from_slice(&((at_ms as u64) ^ (1 << 63)).to_be_bytes());
    out[8..].copy_from_slice(key);
    out
}

/// The document key of an index key.
pub(super) fn indexed(index: &[u8]) -> Option<[u8; 32]> {
    index.get(8..).and_then(document_key)
}

/// The smallest index key at `at_ms` (a range bound).
pub(super) fn index_from(at_ms: i64) -> [u8; 40] {
    index_key(at_ms, &[0; 32])
}

fn header(times: Times) -> [u8; HEADER] {
    let mut out = [0; HEADER];
    out[..8].copy_from_slice(&times.deadline_ms.unwrap_or(NONE).to_be_bytes());
    out[8..].copy_from_slice(&times.last_ms.unwrap_or(NONE).to_be_bytes());
    out
}

fn field(bytes: &[u8]) -> Option<i64> {
    let value = i64::from_be_bytes(bytes.try_into().ok()?);
    (value != NONE).then_some(value)
}

/// A stored document value: its times and the changelog's value.
pub(super) fn split(value: &[u8]) -> anyhow::Result<(Times, &[u8])> {
    anyhow::ensure!(
        value.len() >= HEADER,
        "a document value of {} bytes",
        value.len()
    );
    let (head, body) = value.split_at(HEADER);
    let times = Times {
        deadline_ms: field(&head[..8]),
        last_ms: field(&head[8..]),
    };
    Ok((times, body))
}

/// The keyspace partitions of one by-document partition's copy.
pub(super) struct Tables {
    pub(super) state: PartitionHandle,
    pub(super) timers: PartitionHandle,
    pub(super) expiry: PartitionHandle,
    pub(super) meta: PartitionHandle,
}

/// One write's changes to a copy, each key's last one kept, so that a key
/// changed twice in a write (a changelog tail not yet compacted) leaves
/// its indexes right.
#[derive(Default)]
pub(super) struct Changes {
    state: HashMap<Vec<u8>, Option<Vec<u8>>>,
    timers: HashMap<[u8; 40], bool>,
    expiry: HashMap<[u8; 40], bool>,
    /// Change in the number of documents held.
    documents: i64,
}

impl Changes {
    /// Adds one changelog record (`None`: deleted).
    pub(super) fn apply(
        &mut self,
        tables: &Tables,
        key: &[u8],
        value: Option<&[u8]>,
    ) -> anyhow::Result<()> {
        let Some(document) = document_key(key) else {
            self.state.insert(key.to_vec(), value.map(<[u8]>::to_vec));
            return Ok(());
        };
        let old = match self.state.get(key) {
            Some(Some(stored)) => Some(split(stored)?.0),
            Some(None) => None,
            None => match tables.state.get(key)? {
                Some(stored) => Some(split(&stored)?.0),
                None => None,
            },
        };
        if let Some(old) = old {
            self.index(&document, old, false);
        }
        match value {
            Some(value) => {
                let times = stored::times(value).context("a document history")?;
                let mut stored = Vec::with_capacity(HEADER + value.len());
                stored.extend_from_slice(&header(times));
                stored.extend_from_slice(value);
                self.state.insert(key.to_vec(), Some(stored));
                self.index(&document, times, true);
                self.documents += i64::from(old.is_none());
            }
            None => {
                self.state.insert(key.to_vec(), None);
                self.documents -= i64::from(old.is_some());
            }
        }
        Ok(())
    }

    fn index(&mut self, key: &[u8; 32], times: Times, present: bool) {
        match (times.deadline_ms, times.last_ms) {
            (Some(deadline), _) => {
                self.timers.insert(index_key(deadline, key), present);
            }
            (None, Some(last)) => {
                self.expiry.insert(index_key(last, key), present);
            }
            (None, None) => {}
        }
    }

    /// The batch writing the changes, and the documents held after it
    /// (from `documents` before).
    pub(super) fn into_batch(self, mut batch: Batch, tables: &Tables, documents: i64) -> Batch {
        for (key, value) in self.state {
            match value {
                Some(value) => batch.insert(&tables.state, key, value),
                None => batch.remove(&tables.state, key),
            }
        }
        for (index, table) in [(self.timers, &tables.timers), (self.expiry, &tables.expiry)] {
            for (key, present) in index {
                if present {
                    batch.insert(table, key, []);
                } else {
                    batch.remove(table, key);
                }
            }
        }
        let documents = (documents + self.documents).max(0);
        batch.insert(&tables.meta, Meta::Documents.key(), documents.to_be_bytes());
        batch
    }
}
