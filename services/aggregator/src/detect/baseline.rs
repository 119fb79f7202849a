//! Learned expectations: running means and variances that average their
//! first observations and then forget slowly, and the traffic profile of a
//! crossing by hour of the week, hour of the day and overall.

use borderflow_domain::time::{Date, MS_PER_DAY, MS_PER_HOUR};
use borderflow_proto::analytics::v1::MeanVar as MeanVarProto;

/// Observations after which the mean forgets exponentially.
const MEMORY: u32 = 8;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanVar {
    pub mean: f64,
    pub variance: f64,
    pub count: u32,
}

impl MeanVar {
    pub fn observe(&mut self, value: f64) {
        self.observe_with_memory(value, MEMORY);
    }

    /// Like `observe`, forgetting after `memory` observations.
    pub fn observe_with_memory(&mut self, value: f64, memory: u32) {
        self.count = self.count.saturating_add(1);
        let alpha = 1.0 / f64::from(self.count.min(memory.max(1)));
        let delta = value - self.mean;
        self.mean += alpha * delta;
        self.variance = (1.0 - alpha) * (self.variance + alpha * delta * delta);
    }

    pub fn to_proto(self) -> MeanVarProto {
        MeanVarProto {
            mean: self.mean,
            variance: self.variance,
            count: self.count,
        }
    }

    pub fn from_proto(p: &MeanVarProto) -> Self {
        Self {
            mean: p.mean,
            variance: p.variance,
            count: p.count,
        }
    }
}

/// Hours in a week, then in a day, then one overall slot.
pub const TRAFFIC_SLOTS: usize = 168 + 24 + 1;

/// Expected travellers per period, by when the period falls.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficProfile {
    pub slots: Vec<MeanVar>,
}

impl Default for TrafficProfile {
    fn default() -> Self {
        Self {
            slots: vec![MeanVar::default(); TRAFFIC_SLOTS],
        }
    }
}

fn slots_of(start_ms: i64) -> [usize; 3] {
    let hour = (start_ms.rem_euclid(MS_PER_DAY) / MS_PER_HOUR) as usize;
    let weekday = Date::from_epoch_ms(start_ms).weekday() as usize;
    [weekday * 24 + hour, 168 + hour, 168 + 24]
}

impl TrafficProfile {
    /// The expectation (mean, variance) for a period starting at
    /// `start_ms`, from the most specific slot with enough history: the
    /// same hour of the week seen twice, else the same hour of the day seen
    /// twice, else four periods overall.
    pub fn expected(&self, start_ms: i64) -> Option<MeanVar> {
        let [week, day, all] = slots_of(start_ms);
        [(week, 2), (day, 2), (all, 4)]
            .into_iter()
            .map(|(slot, needed)| (self.slots[slot], needed))
            .find(|(s, needed)| s.count >= *needed)
            .map(|(s, _)| s)
    }

    pub fn learn(&mut self, start_ms: i64, travellers: f64) {
        for slot in slots_of(start_ms) {
            self.slots[slot].observe(travellers);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_observations_are_averaged_then_forgotten_slowly() {
        let mut m = MeanVar::default();
        for v in [10.0, 20.0, 30.0] {
            m.observe(v);
        }
        assert!((m.mean - 20.0).abs() < 1e-9);
        for _ in 0..100 {
            m.observe(50.0);
        }
        // (7/8)^100 of the old distance is left.
        assert!((m.mean - 50.0).abs() < 1e-3);
        assert!(m.variance < 1e-2, "{}", m.variance);
    }

    #[test]
    fn the_profile_prefers_the_hour_of_the_week() {
        let monday = Date::new(2026, 5, 4).unwrap().start_epoch_ms();
        let mut p = TrafficProfile::default();
        assert!(p.expected(monday).is_none());
        // Eight periods at 09:00 on Mondays with 40, other days' 09:00 with 10.
        for week in 0..2 {
            for day in 0..7 {
                let t = monday + (week * 7 + day) * MS_PER_DAY + 9 * MS_PER_HOUR;
                p.learn(t, if day == 0 { 40.0 } else { 10.0 });
            }
        }
        let next_monday = monday + 14 * MS_PER_DAY + 9 * MS_PER_HOUR;
        assert!((p.expected(next_monday).unwrap().mean - 40.0).abs() < 1e-9);
        // 10:00 has no history: falls back to overall.
        assert!(p.expected(next_monday + MS_PER_HOUR).is_some());
    }
}
