//! Arrival intensity over time: a crossing's mean rate shaped by its daily
//! and weekly profile, zero outside opening hours.

use borderflow_domain::time::{Date, MS_PER_DAY, MS_PER_HOUR};

use super::network::{CrossingSpec, Profile};

/// Arrival rate of one crossing as a function of time, per millisecond.
#[derive(Clone, Debug)]
pub struct Intensity {
    /// Mean arrivals per millisecond.
    base: f64,
    hourly: [f64; 24],
    weekly: [f64; 7],
    open: [u32; 2],
    offset_ms: i64,
    /// An upper bound of the rate at any time (for thinning).
    max: f64,
}

impl Intensity {
    pub fn new(crossing: &CrossingSpec, scale: f64) -> Self {
        let Profile {
            hourly,
            weekly,
            open_hours,
            utc_offset_hours,
        } = &crossing.profile;
        let normalise = |values: &[f64]| -> Vec<f64> {
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            values
                .iter()
                .map(|v| if mean > 0.0 { v / mean } else { 0.0 })
                .collect()
        };
        let hourly: [f64; 24] = normalise(hourly).try_into().unwrap_or([1.0; 24]);
        let weekly: [f64; 7] = normalise(weekly).try_into().unwrap_or([1.0; 7]);
        let base = crossing.rate_per_hour * scale / MS_PER_HOUR as f64;
        let max = base
            * hourly.iter().copied().fold(0.0, f64::max)
            * weekly.iter().copied().fold(0.0, f64::max);
        Self {
            base,
            hourly,
            weekly,
            open: *open_hours,
            offset_ms: i64::from(*utc_offset_hours) * MS_PER_HOUR,
            max,
        }
    }

    /// Arrivals per millisecond at `t_ms`.
    pub fn at(&self, t_ms: i64) -> f64 {
        let local = t_ms + self.offset_ms;
        let hour = (local.rem_euclid(MS_PER_DAY) / MS_PER_HOUR) as usize;
        if !self.is_open_hour(hour as u32) {
            return 0.0;
        }
        let weekday = Date::from_epoch_ms(local).weekday() as usize;
        self.base * self.hourly[hour] * self.weekly[weekday]
    }

    pub fn max(&self) -> f64 {
        self.max
    }

    /// Local hour of the day at `t_ms`.
    pub fn local_hour(&self, t_ms: i64) -> u32 {
        ((t_ms + self.offset_ms).rem_euclid(MS_PER_DAY) / MS_PER_HOUR) as u32
    }

    pub fn is_open_hour(&self, hour: u32) -> bool {
        hour >= self.open[0] && hour < self.open[1]
    }

    pub fn is_open(&self, t_ms: i64) -> bool {
        self.is_open_hour(self.local_hour(t_ms))
    }

    /// Mean arrivals per hour over a week (the crossing's nominal rate).
    pub fn weekly_mean_per_hour(&self) -> f64 {
        self.base * MS_PER_HOUR as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::network::Mode;

    fn crossing(profile: Profile) -> CrossingSpec {
        CrossingSpec {
            id: "X".into(),
            name: "X".into(),
            country: "KAZ".into(),
            neighbour: "KGZ".into(),
            latitude: 43.0,
            longitude: 74.0,
            mode: Mode::Road,
            lanes: 2,
            officers: 4,
            capacity_per_hour: 100,
            rate_per_hour: 60.0,
            profile,
            nationals_share: 0.5,
            nationalities: Vec::new(),
        }
    }

    #[test]
    fn the_profile_shapes_the_rate_and_keeps_its_mean() {
        let mut hourly = vec![0.5; 24];
        hourly[8] = 12.5;
        let intensity = Intensity::new(
            &crossing(Profile {
                hourly,
                ..Profile::default()
            }),
            1.0,
        );
        let monday = Date::new(2026, 5, 4).unwrap().start_epoch_ms();
        let per_hour = |h: i64| intensity.at(monday + h * MS_PER_HOUR) * MS_PER_HOUR as f64;
        let mean: f64 = (0..24).map(per_hour).sum::<f64>() / 24.0;
        assert!((mean - 60.0).abs() < 1e-9, "{mean}");
        assert!(per_hour(8) > 10.0 * per_hour(9));
        assert!(intensity.max() * MS_PER_HOUR as f64 >= per_hour(8) - 1e-9);
    }

    #[test]
    fn closed_hours_have_no_traffic() {
        let intensity = Intensity::new(
            &crossing(Profile {
                open_hours: [6, 22],
                utc_offset_hours: 6,
                ..Profile::default()
            }),
            1.0,
        );
        let day = Date::new(2026, 5, 4).unwrap().start_epoch_ms();
        // 23:00 UTC is 05:00 local: closed; 02:00 UTC is 08:00 local: open.
        assert_eq!(intensity.at(day + 23 * MS_PER_HOUR), 0.0);
        assert!(intensity.at(day + 2 * MS_PER_HOUR) > 0.0);
    }
}
