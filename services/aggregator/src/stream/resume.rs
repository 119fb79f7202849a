//! Where a partition's records start counting after an assignment.
//!
//! The group's committed offset says which records the previous owner
//! accounted for. Kafka answers a fetch from the middle of a record batch
//! with the whole batch (the client drops what precedes the position), but
//! some Kafka-protocol brokers answer with the *next* batch instead, which
//! would silently skip the rest of the batch holding the committed offset.
//! Exactness must not rest on that, so the first record after an assignment
//! is checked: a record past the committed offset, with nothing at or before
//! it seen yet, rewinds the fetch (further each time) and records before the
//! committed offset are skipped. On a broker that behaves, the first record
//! is the committed one and nothing is rewound.

/// What to do with a record of a partition being resumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Before the committed offset: already accounted for.
    Skip,
    /// The fetch started past the committed offset: seek here and retry.
    Rewind(i64),
    /// Process it, and every later record, normally.
    Process,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resume {
    committed: i64,
    /// How far before the committed offset the last rewind went.
    back: i64,
    /// `back` before the last rewind, restored if its seek failed.
    back_before: i64,
    /// A record before the committed offset was seen: the fetch covers it.
    covered: bool,
}

/// The first rewind goes at least this many records back.
const MIN_BACK: i64 = 16;

impl Resume {
    pub fn new(committed: i64) -> Self {
        Self {
            committed,
            back: 0,
            back_before: 0,
            covered: false,
        }
    }

    pub fn committed(&self) -> i64 {
        self.committed
    }

    /// Decides about the record at `offset`; after [`Step::Process`] the
    /// partition is resumed and this is no longer consulted.
    pub fn step(&mut self, offset: i64) -> Step {
        if offset < self.committed {
            self.covered = true;
            return Step::Skip;
        }
        // At the committed offset, or past it with the fetch known to
        // cover it (a genuine gap, e.g. a deleted or control record), or
        // with no room left to rewind.
        if offset == self.committed || self.covered || self.back >= self.committed {
            return Step::Process;
        }
        self.back_before = self.back;
        self.back = (self.back * 2).max(offset - self.committed).max(MIN_BACK);
        Step::Rewind((self.committed - self.back).max(0))
    }

    /// The seek of the last [`Step::Rewind`] failed: the rewind did not
    /// happen, so it neither counts towards running out of room (which
    /// would let a record past the committed offset be processed with the
    /// ones before it unseen) nor changes the next target.
    pub fn rewind_failed(&mut self) {
        self.back = self.back_before;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fetch_that_starts_at_the_committed_offset_is_processed() {
        let mut resume = Resume::new(100);
        assert_eq!(resume.step(100), Step::Process);
    }

    #[test]
    fn records_before_the_committed_offset_are_skipped() {
        let mut resume = Resume::new(100);
        assert_eq!(resume.step(90), Step::Skip);
        assert_eq!(resume.step(99), Step::Skip);
        assert_eq!(resume.step(100), Step::Process);
    }

    #[test]
    fn a_fetch_past_the_committed_offset_rewinds_further_each_time() {
        let mut resume = Resume::new(1_000);
        assert_eq!(resume.step(1_003), Step::Rewind(1_000 - 16));
        assert_eq!(resume.step(1_003), Step::Rewind(1_000 - 32));
        assert_eq!(resume.step(1_100), Step::Rewind(1_000 - 100));
        assert_eq!(resume.step(920), Step::Skip);
        assert_eq!(resume.step(1_000), Step::Process);
    }

    #[test]
    fn a_genuine_gap_after_covered_records_is_processed() {
        let mut resume = Resume::new(50);
        assert_eq!(resume.step(55), Step::Rewind(34));
        assert_eq!(resume.step(40), Step::Skip);
        assert_eq!(resume.step(52), Step::Process);
    }

    #[test]
    fn a_failed_seek_is_retried_and_never_lets_a_later_record_through() {
        let mut resume = Resume::new(40);
        for _ in 0..20 {
            assert_eq!(resume.step(45), Step::Rewind(24));
            resume.rewind_failed();
        }
        assert_eq!(resume.step(45), Step::Rewind(24));
        assert_eq!(resume.step(30), Step::Skip);
        assert_eq!(resume.step(40), Step::Process);
    }

    #[test]
    fn rewinding_stops_at_the_start_of_the_partition() {
        let mut resume = Resume::new(10);
        assert_eq!(resume.step(12), Step::Rewind(0));
        // Nothing before 12 exists any more (deleted by retention).
        assert_eq!(resume.step(12), Step::Process);
    }
}
