//! A partition's twin posts, period by period, for the liaison exchange:
//! each post's inspections in each direction counted by nationality, sex
//! and age band, and their pair keys with the time of inspection.
//!
//! A period closes once the post's clock is `lateness` past its end: the
//! clock of its slowest booth among those heard from in the last hour (a
//! booth's clock is its largest event time, from inspections and
//! heartbeats alike), so a booth whose records come in behind the others'
//! is waited for, and one gone silent is not. A period is then taken whole,
//! empty ones included, so the neighbour knows a quiet period from a
//! missing one. A record for a period already taken amends it: the period
//! is published again, whole, within `AMEND_MS` (6 h of the post's time)
//! of being taken; later, the record is late and left
//! out of the exchange (counted). After a restart, a post resumes after
//! the last period its previous owner published (the liaison view knows
//! it), so no period is published again from a part of its records
//! (the liaison store keeps the fuller copy in any case); the committed
//! offset never passes
//! the first record of a period not yet taken. A record read twice (a
//! booth's batch sent again, which ingest publishes again) counts once: a
//! period knows the event ids it holds.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasherDefault;

use crate::detect::pair::PairKey;
use crate::ids::MixedHasher;
use crate::windows::cells::{CellKey, Cells};

/// Booths further behind the post's newest than this have gone silent:
/// the post's periods no longer wait for them.
const SILENT_BOOTH_MS: i64 = 3_600_000;

impl Post {
    fn heard(&mut self, checkpoint_id: &str, at_ms: i64) {
        match self.booths.get_mut(checkpoint_id) {
            Some(latest) => *latest = (*latest).max(at_ms),
            None => {
                self.booths.insert(checkpoint_id.to_owned(), at_ms);
            }
        }
    }

    /// The slowest booth's clock among those heard from lately.
    fn clock(&self) -> Option<i64> {
        let newest = *self.booths.values().max()?;
        self.booths
            .values()
            .copied()
            .filter(|t| *t >= newest - SILENT_BOOTH_MS)
            .min()
    }
}

/// What one record did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    Counted,
    /// Its period was published: it is published again with the record.
    Amended,
    /// Its period was published too long ago to be amended.
    Late,
    /// Its event was counted already.
    Duplicate,
}

/// How long after it was taken a period is still amended by a record
/// that comes late (a booth whose link was slow or down): its copy is
/// kept that long, of the post's time.
const AMEND_MS: i64 = 6 * 3_600_000;

/// One inspection of a twin post, as the exchange counts it.
#[derive(Clone, Copy, Debug)]
pub struct Passage<'a> {
    pub crossing_id: &'a str,
    pub checkpoint_id: &'a str,
    pub exit: bool,
    /// When the inspection completed: its period.
    pub at_ms: i64,
    /// What the exchange carries: when the traveller left (exit) or reached
    /// the post (entry).
    pub passage_ms: i64,
    /// How long the traveller waited in the queue.
    pub wait_ms: i64,
    /// Nationality, sex and age band only.
    pub cell: CellKey,
    /// The document's pair key, when ingest keyed it.
    pub key: Option<PairKey>,
    pub admitted: bool,
    pub offset: i64,
    /// The inspection's event id, when it is one (see [`crate::ids`]).
    pub event: Option<u128>,
}

/// A period taken: one post, one direction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PostPeriod {
    pub crossing_id: String,
    pub exit: bool,
    pub start_ms: i64,
    pub len_ms: i64,
    pub cells: Cells,
    /// Key, time, admitted; in the order inspected.
    pub passages: Vec<(PairKey, i64, bool)>,
    /// The longest wait in the queue of the period's travellers.
    pub longest_wait_ms: i64,
}

#[derive(Clone, Debug, Default)]
struct Open {
    cells: Cells,
    passages: Vec<(PairKey, i64, bool)>,
    longest_wait_ms: i64,
    first_offset: i64,
    /// A taken period's first record not yet published again.
    amend_offset: Option<i64>,
    /// The event ids counted.
    events: HashSet<u128, BuildHasherDefault<MixedHasher>>,
}

impl Open {
    /// Counts `p`; false when its event was counted already.
    fn add(&mut self, p: &Passage<'_>) -> bool {
        if let Some(event) = p.event
            && !self.events.insert(event)
        {
            return false;
        }
        self.cells.add(p.cell, 1);
        self.longest_wait_ms = self.longest_wait_ms.max(p.wait_ms);
        if let Some(key) = p.key {
            self.passages.push((key, p.passage_ms, p.admitted));
        }
        true
    }

    fn period(&self, crossing_id: &str, exit: bool, start_ms: i64, len_ms: i64) -> PostPeriod {
        PostPeriod {
            crossing_id: crossing_id.to_owned(),
            exit,
            start_ms,
            len_ms,
            cells: self.cells.clone(),
            passages: self.passages.clone(),
            longest_wait_ms: self.longest_wait_ms,
        }
    }
}

#[derive(Debug)]
struct Post {
    /// Each booth's largest event time.
    booths: HashMap<String, i64>,
    /// The end of the last period taken; `None` before the first.
    taken_through: Option<i64>,
    /// By (period start, exit).
    open: BTreeMap<(i64, bool), Open>,
    /// Taken periods still amended by late records.
    taken: BTreeMap<(i64, bool), Open>,
}

#[derive(Debug)]
pub struct PostPeriods {
    period_ms: i64,
    lateness_ms: i64,
    posts: HashMap<String, Post>,
    late: u64,
}

impl PostPeriods {
    pub fn new(period_ms: i64, lateness_ms: i64) -> Self {
        Self {
            period_ms: period_ms.max(60_000),
            lateness_ms,
            posts: HashMap::new(),
            late: 0,
        }
    }

    fn start_of(&self, at_ms: i64) -> i64 {
        at_ms - at_ms.rem_euclid(self.period_ms)
    }

    fn post(&mut self, crossing_id: &str) -> &mut Post {
        self.posts.entry(crossing_id.to_owned()).or_insert(Post {
            booths: HashMap::new(),
            taken_through: None,
            open: BTreeMap::new(),
            taken: BTreeMap::new(),
        })
    }

    /// The post's periods up to `through_ms` were published by a previous
    /// owner.
    pub fn resume(&mut self, crossing_id: &str, through_ms: i64) {
        let post = self.post(crossing_id);
        post.taken_through = Some(post.taken_through.map_or(through_ms, |t| t.max(through_ms)));
    }

    pub fn add(&mut self, p: Passage<'_>) -> Added {
        let start = self.start_of(p.at_ms);
        let post = self.post(p.crossing_id);
        post.heard(p.checkpoint_id, p.at_ms);
        if post.taken_through.is_some_and(|t| start < t) {
            let Some(taken) = post.taken.get_mut(&(start, p.exit)) else {
                self.late += 1;
                return Added::Late;
            };
            if !taken.add(&p) {
                return Added::Duplicate;
            }
            taken.amend_offset.get_or_insert(p.offset);
            return Added::Amended;
        }
        let open = post.open.entry((start, p.exit)).or_insert_with(|| Open {
            first_offset: p.offset,
            ..Open::default()
        });
        if open.add(&p) {
            Added::Counted
        } else {
            Added::Duplicate
        }
    }

    /// A booth of the post is heard from (a heartbeat).
    pub fn tick(&mut self, crossing_id: &str, checkpoint_id: &str, at_ms: i64) {
        self.post(crossing_id).heard(checkpoint_id, at_ms);
    }

    /// Every period whose end the post's clock has passed by the lateness,
    /// in time order per post, both directions, empty ones included.
    pub fn take(&mut self) -> Vec<PostPeriod> {
        let (period, lateness) = (self.period_ms, self.lateness_ms);
        let mut out = Vec::new();
        for (crossing_id, post) in &mut self.posts {
            let Some(clock) = post.clock() else {
                continue;
            };
            let boundary = {
                let due = clock.saturating_sub(lateness);
                due - due.rem_euclid(period)
            };
            // Amended periods first: they are older.
            for (&(start, exit), taken) in &mut post.taken {
                if taken.amend_offset.take().is_some() {
                    out.push(taken.period(crossing_id, exit, start, period));
                }
            }
            post.taken
                .retain(|(start, _), _| start + period + AMEND_MS > clock);
            let first = match (post.taken_through, post.open.keys().next()) {
                (Some(t), _) => t,
                (None, Some(&(start, _))) => start,
                (None, None) => continue,
            };
            let mut start = first;
            while start + period <= boundary {
                for exit in [false, true] {
                    let open = post.open.remove(&(start, exit)).unwrap_or_default();
                    out.push(open.period(crossing_id, exit, start, period));
                    post.taken.insert((start, exit), open);
                }
                start += period;
                post.taken_through = Some(start);
            }
        }
        out.sort_by(|a, b| {
            (a.start_ms, &a.crossing_id, a.exit).cmp(&(b.start_ms, &b.crossing_id, b.exit))
        });
        out
    }

    /// The first offset a period not yet taken, or an amendment not yet
    /// published, holds.
    pub fn oldest_offset(&self) -> Option<i64> {
        let open = self
            .posts
            .values()
            .flat_map(|p| p.open.values())
            .map(|o| o.first_offset);
        let amended = self
            .posts
            .values()
            .flat_map(|p| p.taken.values())
            .filter_map(|o| o.amend_offset);
        open.chain(amended).min()
    }

    /// Records left out since the start: their period was published.
    pub fn late(&self) -> u64 {
        self.late
    }

    /// The posts seen.
    pub fn posts(&self) -> impl Iterator<Item = &str> {
        self.posts.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: i64 = 15 * 60_000;

    fn passage(crossing_id: &str, exit: bool, at_ms: i64, offset: i64) -> Passage<'_> {
        Passage {
            crossing_id,
            checkpoint_id: "L01",
            exit,
            at_ms,
            passage_ms: at_ms,
            wait_ms: 0,
            cell: CellKey::default(),
            key: Some([offset as u8; 16]),
            admitted: true,
            offset,
            event: Some(1_000 + offset as u128),
        }
    }

    #[test]
    fn a_period_is_taken_once_the_post_is_past_it_quiet_ones_too() {
        let mut periods = PostPeriods::new(P, 5 * 60_000);
        periods.add(passage("KZ-A", true, 60_000, 10));
        periods.add(passage("KZ-A", false, 2 * 60_000, 11));
        assert!(periods.take().is_empty(), "the first period is open");
        assert_eq!(periods.oldest_offset(), Some(10));
        // The post's heartbeats carry its clock through a quiet period.
        periods.tick("KZ-A", "L01", 2 * P + 6 * 60_000);
        let taken = periods.take();
        let summary: Vec<(i64, bool, u64, usize)> = taken
            .iter()
            .map(|p| (p.start_ms, p.exit, p.cells.total(), p.passages.len()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (0, false, 1, 1),
                (0, true, 1, 1),
                (P, false, 0, 0),
                (P, true, 0, 0)
            ]
        );
        assert_eq!(periods.oldest_offset(), None);
        // A record of a taken period amends it: published again with it.
        assert_eq!(
            periods.add(passage("KZ-A", true, P + 1, 12)),
            Added::Amended
        );
        assert_eq!(periods.oldest_offset(), Some(12));
        let again = periods.take();
        assert_eq!(again.len(), 1);
        assert_eq!(
            (again[0].start_ms, again[0].exit, again[0].cells.total()),
            (P, true, 1)
        );
        assert!(periods.take().is_empty(), "once");
        // Past the amending time, a record is late and left out.
        periods.tick("KZ-A", "L01", 2 * P + AMEND_MS);
        periods.take();
        assert_eq!(periods.add(passage("KZ-A", true, P + 2, 13)), Added::Late);
        assert_eq!(periods.late(), 1);
    }

    #[test]
    fn a_booth_behind_the_others_is_waited_for_and_a_silent_one_is_not() {
        let mut periods = PostPeriods::new(P, 0);
        periods.tick("KZ-A", "L01", 0);
        periods.tick("KZ-A", "L02", 2 * P);
        assert!(periods.take().is_empty(), "L01 is behind");
        let mut late = passage("KZ-A", true, 10, 1);
        late.checkpoint_id = "L01";
        assert_eq!(periods.add(late), Added::Counted);
        // L01 silent for over an hour of the post's time: not waited for.
        periods.tick("KZ-A", "L02", 2 * P + SILENT_BOOTH_MS);
        assert_eq!(periods.take().len(), 2 * 6);
    }

    #[test]
    fn a_resumed_post_starts_after_what_was_published() {
        let mut periods = PostPeriods::new(P, 0);
        periods.resume("KZ-A", 4 * P);
        assert_eq!(periods.add(passage("KZ-A", true, 3 * P, 1)), Added::Late);
        periods.add(passage("KZ-A", true, 4 * P + 1, 2));
        periods.tick("KZ-A", "L01", 6 * P);
        let starts: Vec<i64> = periods.take().iter().map(|p| p.start_ms).collect();
        assert_eq!(starts, vec![4 * P, 4 * P, 5 * P, 5 * P]);
    }

    #[test]
    fn records_without_a_pair_key_are_counted_not_keyed() {
        let mut periods = PostPeriods::new(P, 0);
        let mut keyless = passage("KZ-A", true, 1, 1);
        keyless.key = None;
        periods.add(keyless);
        periods.tick("KZ-A", "L01", P);
        let taken = periods.take();
        assert_eq!((taken[1].cells.total(), taken[1].passages.len()), (1, 0));
    }

    #[test]
    fn a_record_read_twice_counts_once_open_or_taken() {
        let mut periods = PostPeriods::new(P, 0);
        let first = passage("KZ-A", true, 60_000, 1);
        assert_eq!(periods.add(first), Added::Counted);
        // The same inspection published again by ingest: a later offset.
        assert_eq!(
            periods.add(Passage { offset: 5, ..first }),
            Added::Duplicate
        );
        periods.tick("KZ-A", "L01", P);
        let taken = periods.take();
        assert_eq!((taken[1].cells.total(), taken[1].passages.len()), (1, 1));
        // Read again after the period was taken: no amendment either.
        assert_eq!(
            periods.add(Passage { offset: 9, ..first }),
            Added::Duplicate
        );
        assert!(periods.take().is_empty());
        // Another inspection of the period still amends it.
        let other = passage("KZ-A", true, 90_000, 2);
        assert_eq!(periods.add(other), Added::Amended);
        assert_eq!(periods.take()[0].cells.total(), 2);
    }
}
