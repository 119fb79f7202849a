//! A document's recent passages, in event-time order.

use std::sync::Arc;

use borderflow_domain::ees::Stay;
use borderflow_domain::time::MS_PER_DAY;
use borderflow_proto::inspection::v1::{Direction, Outcome};

/// Where a passage happened, shared between the passages of a crossing.
#[derive(Debug, PartialEq)]
pub struct Place {
    pub crossing_id: Arc<str>,
    /// The country operating the crossing (empty when not registered).
    pub country: Arc<str>,
}

#[derive(Clone, Debug)]
pub struct Passage {
    pub event_id: u128,
    pub at_ms: i64,
    pub place: Arc<Place>,
    pub direction: i32,
    pub outcome: i32,
}

impl Passage {
    pub fn admitted(&self) -> bool {
        self.outcome == Outcome::Admitted as i32
    }

    pub fn is_entry(&self) -> bool {
        self.direction == Direction::Entry as i32
    }

    pub fn is_exit(&self) -> bool {
        self.direction == Direction::Exit as i32
    }

    pub fn refused(&self) -> bool {
        self.outcome == Outcome::Refused as i32
    }

    pub fn day(&self) -> i64 {
        self.at_ms.div_euclid(MS_PER_DAY)
    }
}

/// An occasion on which the document's holder crossed escorting minors
/// (`detect::escort`).
#[derive(Clone, Debug)]
pub struct Escorted {
    /// The adult's inspection.
    pub event_id: u128,
    pub at_ms: i64,
    pub place: Arc<Place>,
    pub direction: i32,
    pub minors: Vec<Minor>,
    /// The most young adults of the adult's party on one state's documents.
    pub young_adults: u32,
}

impl Escorted {
    pub fn day(&self) -> i64 {
        self.at_ms.div_euclid(MS_PER_DAY)
    }
}

/// A minor escorted, by pseudonymous key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Minor {
    pub event_id: u128,
    pub key: [u8; 32],
    pub age_years: Option<u32>,
    pub relation: i32,
}

/// The passages of one document.
#[derive(Debug, Default)]
pub struct History {
    passages: Vec<Passage>,
    pub nationality: Arc<str>,
    /// A pending OVERSTAY check: (country, deadline, entry event). Boxed:
    /// most documents have none, and the history's size is paid per
    /// document.
    pub deadline: Option<Box<(Arc<str>, i64, u128)>>,
    /// Escorts of minors within the trafficking look-back, in time order.
    /// Boxed like the deadline: few documents have any.
    pub escorts: Option<Box<Vec<Escorted>>>,
    /// When memory holds only some histories: the generation of changes
    /// in which the history was last used, and the one its last change
    /// went out with (`processor::tiers`).
    pub(super) touched: u64,
    pub(super) taken: u64,
}

impl History {
    pub fn passages(&self) -> &[Passage] {
        &self.passages
    }

    pub fn contains(&self, event_id: u128) -> bool {
        self.passages.iter().any(|p| p.event_id == event_id)
    }

    /// Inserts in time order; returns its index.
    pub fn insert(&mut self, passage: Passage) -> usize {
        let key = (passage.at_ms, passage.event_id);
        let index = self
            .passages
            .partition_point(|p| (p.at_ms, p.event_id) < key);
        // Most documents pass once or twice in the retention: room for
        // exactly what is held (a vector's default first step is four).
        self.passages.reserve_exact(1);
        self.passages.insert(index, passage);
        index
    }

    pub fn escorts(&self) -> &[Escorted] {
        self.escorts.as_deref().map_or(&[], Vec::as_slice)
    }

    /// Adds an escort in time order unless its inspection is held already;
    /// returns whether it was added.
    pub fn add_escort(&mut self, escort: Escorted) -> bool {
        let escorts = self.escorts.get_or_insert_with(Box::default);
        if escorts.iter().any(|e| e.event_id == escort.event_id) {
            return false;
        }
        let key = (escort.at_ms, escort.event_id);
        let index = escorts.partition_point(|e| (e.at_ms, e.event_id) < key);
        escorts.insert(index, escort);
        true
    }

    /// Forgets escorts older than `horizon_ms`.
    pub fn prune_escorts(&mut self, horizon_ms: i64) {
        if let Some(escorts) = &mut self.escorts {
            escorts.retain(|e| e.at_ms >= horizon_ms);
            if escorts.is_empty() {
                self.escorts = None;
            }
        }
    }

    /// Forgets passages older than `horizon_ms`.
    pub fn prune(&mut self, horizon_ms: i64) {
        let keep_from = self.passages.partition_point(|p| p.at_ms < horizon_ms);
        self.passages.drain(..keep_from);
    }

    pub fn last_ms(&self) -> Option<i64> {
        self.passages.last().map(|p| p.at_ms)
    }

    /// Admitted passages into or out of `country`, in order.
    pub fn admitted_in<'a>(
        &'a self,
        country: &'a str,
    ) -> impl Iterator<Item = (usize, &'a Passage)> + 'a {
        self.passages
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.admitted() && &*p.place.country == country)
    }

    /// Stays in `country` as (entry day, exit day) with the entry events,
    /// and the entry of a stay still open at the end.
    pub fn stays<'a>(&'a self, country: &'a str) -> (Vec<(Stay, u128)>, Option<&'a Passage>) {
        let mut stays = Vec::new();
        let mut open: Option<&Passage> = None;
        for (_, p) in self.admitted_in(country) {
            if p.is_entry() {
                // A second entry without an exit keeps the first one open:
                // presence counts from the earliest unmatched entry.
                open.get_or_insert(p);
            } else if p.is_exit()
                && let Some(entry) = open.take()
            {
                stays.push(((entry.day(), p.day()), entry.event_id));
            }
        }
        (stays, open)
    }
}
