//! How a partition's copy lays out the changelog's records, and the two
//! indexes kept beside them so that a history not in memory is still found
//! when its OVERSTAY check falls due or when it expires.
//!
//! - `state`: key → value. A document's value is its history in the
//!   changelog's form behind a 16-byte header (its deadline and its last
//!   passage, [`Times`]); the partition's record is stored as it is.
//! - `timers`: (deadline, key) for every history with a pending check.
//! - `expiry`: (last passage, key) for every history without one.

use anyhow::Context;
use redb::{ReadableTable, Table, TableDefinition};

use crate::detect::document::stored::{self, Times};

/// Key → latest value, as in the changelog (documents with [`Times`]).
pub(super) const STATE: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("state");
/// Sortable deadline ++ document key.
pub(super) const TIMERS: TableDefinition<'_, &[u8], ()> = TableDefinition::new("timers");
/// Sortable last passage ++ document key.
pub(super) const EXPIRY: TableDefinition<'_, &[u8], ()> = TableDefinition::new("expiry");
/// "next": the changelog offset after the last change held;
/// "written_at_ms": when the copy was last written; "format": [`FORMAT`].
pub(super) const CHANGELOG: TableDefinition<'_, &str, i64> = TableDefinition::new("changelog");

/// The layout above; a copy in another is rebuilt from the changelog.
pub(super) const FORMAT: i64 = 2;

const HEADER: usize = 16;
/// `None` in a header field.
const NONE: i64 = i64::MIN;

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

/// The three tables a write changes.
pub(super) struct Tables<'tx> {
    pub(super) state: Table<'tx, &'static [u8], &'static [u8]>,
    pub(super) timers: Table<'tx, &'static [u8], ()>,
    pub(super) expiry: Table<'tx, &'static [u8], ()>,
}

impl Tables<'_> {
    /// Applies one changelog record (`None`: deleted).
    pub(super) fn apply(&mut self, key: &[u8], value: Option<&[u8]>) -> anyhow::Result<()> {
        let Some(document) = document_key(key) else {
            match value {
                Some(value) => self.state.insert(key, value)?,
                None => self.state.remove(key)?,
            };
            return Ok(());
        };
        let old = match self.state.get(key)? {
            Some(old) => Some(split(old.value())?.0),
            None => None,
        };
        if let Some(old) = old {
            self.unindex(&document, old)?;
        }
        match value {
            Some(value) => {
                let times = stored::times(value).context("a document history")?;
                let mut stored = Vec::with_capacity(HEADER + value.len());
                stored.extend_from_slice(&header(times));
                stored.extend_from_slice(value);
                self.state.insert(key, stored.as_slice())?;
                self.index(&document, times)?;
            }
            None => {
                self.state.remove(key)?;
            }
        }
        Ok(())
    }

    fn index(&mut self, key: &[u8; 32], times: Times) -> anyhow::Result<()> {
        match (times.deadline_ms, times.last_ms) {
            (Some(deadline), _) => {
                self.timers
                    .insert(index_key(deadline, key).as_slice(), ())?;
            }
            (None, Some(last)) => {
                self.expiry.insert(index_key(last, key).as_slice(), ())?;
            }
            (None, None) => {}
        }
        Ok(())
    }

    fn unindex(&mut self, key: &[u8; 32], times: Times) -> anyhow::Result<()> {
        match (times.deadline_ms, times.last_ms) {
            (Some(deadline), _) => {
                self.timers.remove(index_key(deadline, key).as_slice())?;
            }
            (None, Some(last)) => {
                self.expiry.remove(index_key(last, key).as_slice())?;
            }
            (None, None) => {}
        }
        Ok(())
    }
}
