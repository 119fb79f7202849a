//! The durable form of a by-document partition's state, as its changelog
//! and local store hold it: one record per document (its history) and one
//! for the partition (its event-time clock and the offset the state has
//! taken in). Protobuf, so fields can be added without a migration.

use std::sync::Arc;

use prost::Message;

use super::history::{Escorted, History, Minor, Passage, Place};

/// The key of the partition's own record: not a 32-byte document key, so
/// it can never collide with one.
pub const PARTITION_KEY: &[u8] = b"partition";

#[derive(Clone, PartialEq, Message)]
pub struct StoredHistory {
    #[prost(message, repeated, tag = "1")]
    pub passages: Vec<StoredPassage>,
    #[prost(string, tag = "2")]
    pub nationality: String,
    #[prost(message, optional, tag = "3")]
    pub deadline: Option<StoredDeadline>,
    #[prost(message, repeated, tag = "4")]
    pub escorts: Vec<StoredEscort>,
}

/// An escort of minors (`history::Escorted`).
#[derive(Clone, PartialEq, Message)]
pub struct StoredEscort {
    #[prost(fixed64, tag = "1")]
    pub event_hi: u64,
    #[prost(fixed64, tag = "2")]
    pub event_lo: u64,
    #[prost(sint64, tag = "3")]
    pub at_ms: i64,
    #[prost(string, tag = "4")]
    pub crossing_id: String,
    #[prost(string, tag = "5")]
    pub country: String,
    #[prost(int32, tag = "6")]
    pub direction: i32,
    #[prost(message, repeated, tag = "7")]
    pub minors: Vec<StoredMinor>,
    #[prost(uint32, tag = "8")]
    pub young_adults: u32,
}

#[derive(Clone, PartialEq, Message)]
pub struct StoredMinor {
    #[prost(fixed64, tag = "1")]
    pub event_hi: u64,
    #[prost(fixed64, tag = "2")]
    pub event_lo: u64,
    #[prost(bytes = "vec", tag = "3")]
    pub key: Vec<u8>,
    #[prost(uint32, optional, tag = "4")]
    pub age_years: Option<u32>,
    #[prost(int32, tag = "5")]
    pub relation: i32,
}

#[derive(Clone, PartialEq, Message)]
pub struct StoredPassage {
    #[prost(fixed64, tag = "1")]
    pub event_hi: u64,
    #[prost(fixed64, tag = "2")]
    pub event_lo: u64,
    #[prost(sint64, tag = "3")]
    pub at_ms: i64,
    #[prost(string, tag = "4")]
    pub crossing_id: String,
    #[prost(string, tag = "5")]
    pub country: String,
    #[prost(int32, tag = "6")]
    pub direction: i32,
    #[prost(int32, tag = "7")]
    pub outcome: i32,
}

/// A pending OVERSTAY check.
#[derive(Clone, PartialEq, Message)]
pub struct StoredDeadline {
    #[prost(string, tag = "1")]
    pub country: String,
    #[prost(sint64, tag = "2")]
    pub at_ms: i64,
    #[prost(fixed64, tag = "3")]
    pub entry_hi: u64,
    #[prost(fixed64, tag = "4")]
    pub entry_lo: u64,
}

/// The partition's record.
#[derive(Clone, PartialEq, Message)]
pub struct StoredPartition {
    /// The next by-document offset to process: every record before it is
    /// in the state, and every output of those records is durable.
    #[prost(int64, tag = "1")]
    pub next_offset: i64,
    #[prost(sint64, optional, tag = "2")]
    pub max_event_ms: Option<i64>,
    #[prost(sint64, tag = "3")]
    pub last_eviction_ms: i64,
}

fn split(id: u128) -> (u64, u64) {
    ((id >> 64) as u64, id as u64)
}

fn join(hi: u64, lo: u64) -> u128 {
    (u128::from(hi) << 64) | u128::from(lo)
}

pub fn encode(history: &History) -> Vec<u8> {
    let stored = StoredHistory {
        passages: history
            .passages()
            .iter()
            .map(|p| {
                let (event_hi, event_lo) = split(p.event_id);
                StoredPassage {
                    event_hi,
                    event_lo,
                    at_ms: p.at_ms,
                    crossing_id: p.place.crossing_id.to_string(),
                    country: p.place.country.to_string(),
                    direction: p.direction,
                    outcome: p.outcome,
                }
            })
            .collect(),
        nationality: history.nationality.to_string(),
        escorts: history.escorts().iter().map(encode_escort).collect(),
        deadline: history.deadline.as_ref().map(|d| {
            let (entry_hi, entry_lo) = split(d.2);
            StoredDeadline {
                country: d.0.to_string(),
                at_ms: d.1,
                entry_hi,
                entry_lo,
            }
        }),
    };
    stored.encode_to_vec()
}

/// Rebuilds a history; `place` and `nationality` share what the partition
/// already holds.
pub fn decode(
    bytes: &[u8],
    mut place: impl FnMut(&str, &str) -> Arc<Place>,
    nationality: impl FnOnce(&str) -> Arc<str>,
) -> Result<History, prost::DecodeError> {
    let stored = StoredHistory::decode(bytes)?;
    let mut history = History::default();
    history.nationality = nationality(&stored.nationality);
    history.deadline = stored.deadline.map(|d| {
        Box::new((
            Arc::<str>::from(d.country),
            d.at_ms,
            join(d.entry_hi, d.entry_lo),
        ))
    });
    for p in stored.passages {
        history.insert(Passage {
            event_id: join(p.event_hi, p.event_lo),
            at_ms: p.at_ms,
            place: place(&p.crossing_id, &p.country),
            direction: p.direction,
            outcome: p.outcome,
        });
    }
    for e in stored.escorts {
        let place = place(&e.crossing_id, &e.country);
        history.add_escort(decode_escort(e, place));
    }
    Ok(history)
}

fn encode_escort(e: &Escorted) -> StoredEscort {
    let (event_hi, event_lo) = split(e.event_id);
    StoredEscort {
        event_hi,
        event_lo,
        at_ms: e.at_ms,
        crossing_id: e.place.crossing_id.to_string(),
        country: e.place.country.to_string(),
        direction: e.direction,
        minors: e
            .minors
            .iter()
            .map(|m| {
                let (event_hi, event_lo) = split(m.event_id);
                StoredMinor {
                    event_hi,
                    event_lo,
                    key: m.key.to_vec(),
                    age_years: m.age_years,
                    relation: m.relation,
                }
            })
            .collect(),
        young_adults: e.young_adults,
    }
}

fn decode_escort(e: StoredEscort, place: Arc<Place>) -> Escorted {
    Escorted {
        event_id: join(e.event_hi, e.event_lo),
        at_ms: e.at_ms,
        place,
        direction: e.direction,
        minors: e
            .minors
            .into_iter()
            .filter_map(|m| {
                Some(Minor {
                    event_id: join(m.event_hi, m.event_lo),
                    key: m.key.try_into().ok()?,
                    age_years: m.age_years,
                    relation: m.relation,
                })
            })
            .collect(),
        young_adults: e.young_adults,
    }
}

/// What an index of the durable form needs of a history, read without
/// building it: its pending OVERSTAY deadline and its last passage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Times {
    pub deadline_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

/// [`StoredHistory`] with only the fields [`Times`] needs; the decoder
/// skips the others (strings included) without allocating them.
#[derive(Clone, PartialEq, Message)]
struct StoredTimes {
    #[prost(message, repeated, tag = "1")]
    passages: Vec<PassageTime>,
    #[prost(message, optional, tag = "3")]
    deadline: Option<DeadlineTime>,
}

#[derive(Clone, PartialEq, Message)]
struct PassageTime {
    #[prost(sint64, tag = "3")]
    at_ms: i64,
}

#[derive(Clone, PartialEq, Message)]
struct DeadlineTime {
    #[prost(sint64, tag = "2")]
    at_ms: i64,
}

/// The times of a history in its durable form.
pub fn times(bytes: &[u8]) -> Result<Times, prost::DecodeError> {
    let stored = StoredTimes::decode(bytes)?;
    Ok(Times {
        deadline_ms: stored.deadline.map(|d| d.at_ms),
        last_ms: stored.passages.iter().map(|p| p.at_ms).max(),
    })
}

pub fn encode_partition(partition: &StoredPartition) -> Vec<u8> {
    partition.encode_to_vec()
}

pub fn decode_partition(bytes: &[u8]) -> Result<StoredPartition, prost::DecodeError> {
    StoredPartition::decode(bytes)
}
