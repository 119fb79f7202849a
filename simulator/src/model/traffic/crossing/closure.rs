//! Closed booths: a booth closed for a span serves no one in it, so the
//! travellers it would have served queue at the others (or for it to open
//! again), and the waits grow out of the queue model itself.

use super::CrossingTraffic;

impl CrossingTraffic {
    /// Whether booth `lane` is closed at `at_ms`.
    pub(super) fn lane_closed(&self, lane: u32, at_ms: i64) -> bool {
        self.closures.iter().any(|c| c.closes(lane, at_ms))
    }

    /// When booth `lane` can start on someone who arrives at `arrival`:
    /// once it is free and open.
    pub(super) fn free_from(&self, lane: u32, arrival: i64) -> i64 {
        let mut t = arrival.max(self.lanes[lane as usize].free_at);
        // Closures may follow one another: step past each one in force.
        while let Some(c) = self.closures.iter().find(|c| c.closes(lane, t)) {
            t = c.to_ms;
        }
        t
    }
}
