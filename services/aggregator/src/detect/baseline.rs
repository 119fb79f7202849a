//! Learned expectations: running means and variances that average their
//! first observations and then forget slowly, and the traffic profile of a
//! crossing by hour of the week, hour of the day and overall, with its
//! market days apart.

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

    /// The expectation of a quantity `factor` times this one.
    pub fn scaled(self, factor: f64) -> Self {
        Self {
            mean: self.mean * factor,
            variance: self.variance * factor * factor,
            count: self.count,
        }
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

// The slot layout: hours of the week, hours of an ordinary day, one
// overall slot for ordinary days, hours of a declared market day.
const HOUR_OF_WEEK: usize = 0;
const HOUR_OF_DAY: usize = HOUR_OF_WEEK + 7 * 24;
const OVERALL: usize = HOUR_OF_DAY + 24;
const MARKET_HOUR: usize = OVERALL + 1;
/// Slots of a traffic profile.
pub const TRAFFIC_SLOTS: usize = MARKET_HOUR + 24;
/// Slots of profiles published before market days were declared.
pub const TRAFFIC_SLOTS_WITHOUT_MARKET: usize = MARKET_HOUR;
/// Periods over which the dispersion of traffic is averaged (two days of
/// 15-minute periods).
const DISPERSION_MEMORY: u32 = 192;
/// Periods of residuals before the learned dispersion is used.
const DISPERSION_MIN: u32 = 16;

/// Expected travellers per period, by when the period falls.
///
/// Travellers arrive in parties, coaches, trains and flight loads, so the
/// count of a period varies more than a Poisson count would: the profile
/// also learns the crossing's dispersion, the mean squared deviation from
/// the expectation relative to the expectation (1 for Poisson arrivals).
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficProfile {
    pub slots: Vec<MeanVar>,
    pub dispersion: MeanVar,
}

impl Default for TrafficProfile {
    fn default() -> Self {
        Self {
            slots: vec![MeanVar::default(); TRAFFIC_SLOTS],
            dispersion: MeanVar::default(),
        }
    }
}

/// The hour-of-week and hour-of-day slots of a period.
fn hour_slots(start_ms: i64) -> (usize, usize) {
    let hour = (start_ms.rem_euclid(MS_PER_DAY) / MS_PER_HOUR) as usize;
    let weekday = Date::from_epoch_ms(start_ms).weekday() as usize;
    (HOUR_OF_WEEK + weekday * 24 + hour, hour)
}

impl TrafficProfile {
    /// The expectation (mean, variance) for a period starting at
    /// `start_ms`, from the most specific slot with enough history: the
    /// same hour of the week seen in two weeks, else the same hour of the
    /// day seen twice, else four periods overall. On a declared market day
    /// (`market` is its declared factor) the hour of the day is that of
    /// earlier market days, else an ordinary day's scaled by the factor.
    ///
    /// An hour holds `periods_per_hour` periods: the hour of the week is
    /// trusted once it holds two weeks' worth, not after the first
    /// quarters of this very hour (a train due at twenty to the hour is not
    /// a surge against the quarters before it).
    pub fn expected(
        &self,
        start_ms: i64,
        market: Option<f64>,
        periods_per_hour: u32,
    ) -> Option<MeanVar> {
        let (week, hour) = hour_slots(start_ms);
        let enough = |slot: usize, needed: u32| {
            let s = self.slots[slot];
            (s.count >= needed).then_some(s)
        };
        let ordinary = || enough(HOUR_OF_DAY + hour, 2).or_else(|| enough(OVERALL, 4));
        let found = enough(week, 2 * periods_per_hour.max(1));
        match market {
            None => found.or_else(ordinary),
            Some(factor) => found
                .or_else(|| enough(MARKET_HOUR + hour, 2))
                .or_else(|| ordinary().map(|s| s.scaled(factor))),
        }
    }

    /// Learns a period's traffic, and how far it lay from the expectation
    /// of a slot specific to its hour.
    pub fn learn(&mut self, start_ms: i64, travellers: f64, market: Option<f64>) {
        let (week, hour) = hour_slots(start_ms);
        let day = if market.is_some() {
            MARKET_HOUR + hour
        } else {
            HOUR_OF_DAY + hour
        };
        let specific = [week, day]
            .into_iter()
            .map(|slot| self.slots[slot])
            .find(|s| s.count >= 2 && s.mean >= 1.0);
        if let Some(e) = specific {
            let residual = (travellers - e.mean).powi(2) / e.mean;
            self.dispersion
                .observe_with_memory(residual, DISPERSION_MEMORY);
        }
        self.slots[week].observe(travellers);
        self.slots[day].observe(travellers);
        // The overall slot describes ordinary days.
        if market.is_none() {
            self.slots[OVERALL].observe(travellers);
        }
    }

    /// Variance of a period's count per expected traveller (at least 1).
    pub fn dispersion(&self) -> f64 {
        if self.dispersion.count >= DISPERSION_MIN {
            self.dispersion.mean.max(1.0)
        } else {
            1.0
        }
    }

    /// Slots from a published profile; one published before market days
    /// were declared gains empty market-day slots.
    pub fn from_slots(slots: Vec<MeanVar>, dispersion: MeanVar) -> Option<Self> {
        let mut slots = slots;
        match slots.len() {
            TRAFFIC_SLOTS => {}
            TRAFFIC_SLOTS_WITHOUT_MARKET => slots.resize(TRAFFIC_SLOTS, MeanVar::default()),
            _ => return None,
        }
        Some(Self { slots, dispersion })
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
    fn the_hour_of_the_week_waits_for_a_second_week() {
        let monday = Date::new(2026, 5, 4).unwrap().start_epoch_ms();
        let quarter = MS_PER_HOUR / 4;
        let mut p = TrafficProfile::default();
        // Yesterday's 08:00 hour: quiet, then a train at 08:30.
        let sunday = monday - MS_PER_DAY + 8 * MS_PER_HOUR;
        for (q, n) in [5.0, 5.0, 60.0, 60.0].into_iter().enumerate() {
            p.learn(sunday + q as i64 * quarter, n, None);
        }
        // Today's first two quarters are quiet too.
        let today = monday + 8 * MS_PER_HOUR;
        p.learn(today, 5.0, None);
        p.learn(today + quarter, 5.0, None);
        // 08:30 is judged against the hour of the day, train included,
        // not against this hour's quiet quarters.
        let e = p.expected(today + 2 * quarter, None, 4).unwrap();
        assert!(e.mean > 15.0 && e.variance > 300.0, "{e:?}");
    }

    #[test]
    fn the_profile_prefers_the_hour_of_the_week() {
        let monday = Date::new(2026, 5, 4).unwrap().start_epoch_ms();
        let mut p = TrafficProfile::default();
        assert!(p.expected(monday, None, 1).is_none());
        // Eight periods at 09:00 on Mondays with 40, other days' 09:00 with 10.
        for week in 0..2 {
            for day in 0..7 {
                let t = monday + (week * 7 + day) * MS_PER_DAY + 9 * MS_PER_HOUR;
                p.learn(t, if day == 0 { 40.0 } else { 10.0 }, None);
            }
        }
        let next_monday = monday + 14 * MS_PER_DAY + 9 * MS_PER_HOUR;
        assert!((p.expected(next_monday, None, 1).unwrap().mean - 40.0).abs() < 1e-9);
        // 10:00 has no history: falls back to overall.
        assert!(p.expected(next_monday + MS_PER_HOUR, None, 1).is_some());
    }
}
