//! The export's order: each partition's records in offset order (what a
//! partition guarantees, and what the aggregator relies on per crossing),
//! interleaved across partitions by their broker timestamps, the order in
//! which a caught-up aggregator reads them. A record is released once
//! every partition still being read has one waiting, so the queues stay
//! short while all partitions are fetched alike.

use std::collections::VecDeque;

pub(crate) struct Merge {
    queues: Vec<VecDeque<(i64, Vec<u8>)>>,
    open: Vec<bool>,
}

impl Merge {
    pub(crate) fn new(partitions: usize) -> Self {
        Self {
            queues: vec![VecDeque::new(); partitions],
            open: vec![true; partitions],
        }
    }

    pub(crate) fn push(&mut self, partition: usize, timestamp_ms: i64, payload: Vec<u8>) {
        self.queues[partition].push_back((timestamp_ms, payload));
    }

    /// No more records will come from `partition`.
    pub(crate) fn close(&mut self, partition: usize) {
        self.open[partition] = false;
    }

    pub(crate) fn is_open(&self, partition: usize) -> bool {
        self.open[partition]
    }

    /// Partitions still being read.
    pub(crate) fn open_count(&self) -> usize {
        self.open.iter().filter(|o| **o).count()
    }

    /// Hands `each` every record that can go out now, in order: the
    /// earliest head while no open partition's queue is empty.
    pub(crate) fn release<E>(
        &mut self,
        mut each: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        loop {
            let blocked = self
                .queues
                .iter()
                .zip(&self.open)
                .any(|(queue, open)| *open && queue.is_empty());
            if blocked {
                return Ok(());
            }
            // Ties go to the lower partition: a stable order.
            let Some(next) = (0..self.queues.len())
                .filter(|p| !self.queues[*p].is_empty())
                .min_by_key(|p| (self.queues[*p][0].0, *p))
            else {
                return Ok(());
            };
            let (_, payload) = self.queues[next].pop_front().expect("a head");
            each(&payload)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(merge: &mut Merge) -> Vec<u8> {
        let mut out = Vec::new();
        merge
            .release(|p| {
                out.push(p[0]);
                Ok::<(), ()>(())
            })
            .unwrap();
        out
    }

    #[test]
    fn partitions_interleave_by_timestamp_and_keep_their_own_order() {
        let mut m = Merge::new(2);
        m.push(0, 10, vec![1]);
        m.push(0, 30, vec![2]);
        // Nothing from partition 1 yet: nothing can go.
        assert!(drain(&mut m).is_empty());
        m.push(1, 20, vec![3]);
        m.push(1, 5, vec![4]); // a producer's clock behind: order kept
        assert_eq!(drain(&mut m), [1, 3, 4]);
        // Partition 1 is empty again and open: 2 waits.
        m.close(1);
        assert_eq!(m.open_count(), 1);
        assert_eq!(drain(&mut m), [2]);
        m.close(0);
        assert!(drain(&mut m).is_empty());
    }

    #[test]
    fn ties_go_to_the_lower_partition() {
        let mut m = Merge::new(3);
        m.push(2, 7, vec![2]);
        m.push(1, 7, vec![1]);
        m.close(0);
        m.close(1);
        m.close(2);
        assert_eq!(drain(&mut m), [1, 2]);
    }
}
