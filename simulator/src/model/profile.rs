//! Arrival intensity over time: a crossing's mean rate shaped by its daily
//! and weekly profile, its market days and special days and a slow trend
//! across weeks, zero outside opening hours and while the crossing is
//! closed, and scaled by incidents (surges, drops) over their spans.

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
    /// Bit `d` set: weekday `d` (Monday = 0) is a market day.
    market_days: u8,
    market_factor: f64,
    /// (local day since the epoch, factor) of the special days kept.
    special: Vec<(i64, f64)>,
    /// Growth per week from `trend_origin_ms` (0.02: 2 % a week).
    trend: f64,
    trend_origin_ms: i64,
    /// The latest time the rate is asked for (bounds the trend).
    horizon_ms: i64,
    /// Announced closures of the whole crossing, [from, to).
    closed: Vec<(i64, i64)>,
    /// Incident factors over [from, to) spans, multiplied where they overlap.
    spans: Vec<RateSpan>,
    /// An upper bound of the rate at any time (for thinning).
    max: f64,
}

/// A factor on a crossing's arrival rate over [from_ms, to_ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateSpan {
    pub from_ms: i64,
    pub to_ms: i64,
    pub factor: f64,
}

impl Intensity {
    pub fn new(crossing: &CrossingSpec, scale: f64) -> Self {
        let Profile {
            hourly,
            weekly,
            open_hours,
            utc_offset_hours,
            market_days,
            market_factor,
            special_days,
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
        let market_days = market_days
            .iter()
            .fold(0u8, |bits, day| bits | 1 << day.index());
        let mut intensity = Self {
            base,
            hourly,
            weekly,
            open: *open_hours,
            offset_ms: i64::from(*utc_offset_hours) * MS_PER_HOUR,
            market_days,
            market_factor: *market_factor,
            special: special_days
                .iter()
                .filter_map(|d| Some((d.day()?, d.factor)))
                .collect(),
            trend: 0.0,
            trend_origin_ms: 0,
            horizon_ms: 0,
            closed: Vec::new(),
            spans: Vec::new(),
            max: 0.0,
        };
        intensity.max = intensity.bound();
        intensity
    }

    /// The same intensity scaled by `spans` (incidents).
    pub fn with_spans(mut self, spans: Vec<RateSpan>) -> Self {
        self.spans = spans;
        self.max = self.bound();
        self
    }

    /// Adds an incident's factor over its span while the traffic plays (a
    /// trainer's injection); the bound for thinning follows it.
    pub(crate) fn add_span(&mut self, span: RateSpan) {
        self.spans.push(span);
        self.max = self.bound();
    }

    /// The same intensity growing by `per_week` (a fraction, negative for
    /// a decline) each week from `origin_ms`, asked for until `horizon_ms`.
    pub fn with_trend(mut self, per_week: f64, origin_ms: i64, horizon_ms: i64) -> Self {
        self.trend = per_week;
        self.trend_origin_ms = origin_ms;
        self.horizon_ms = horizon_ms;
        self.max = self.bound();
        self
    }

    /// The same intensity with the crossing closed over `spans` [from, to).
    pub fn with_closures(mut self, spans: Vec<(i64, i64)>) -> Self {
        self.closed = spans;
        self
    }

    fn trend_factor(&self, t_ms: i64) -> f64 {
        if self.trend == 0.0 {
            return 1.0;
        }
        let weeks = (t_ms - self.trend_origin_ms) as f64 / (7 * MS_PER_DAY) as f64;
        (1.0 + self.trend).powf(weeks)
    }

    fn special_factor(&self, t_ms: i64) -> f64 {
        let day = (t_ms + self.offset_ms).div_euclid(MS_PER_DAY);
        self.special
            .iter()
            .filter(|(d, _)| *d == day)
            .map(|(_, f)| *f)
            .product()
    }

    fn bound(&self) -> f64 {
        let peak = |values: &[f64]| values.iter().copied().fold(0.0, f64::max);
        let market = if self.market_days == 0 {
            1.0
        } else {
            self.market_factor.max(1.0)
        };
        // Overlapping spans multiply; bounding by the product of every
        // factor above one is loose but safe.
        let spans: f64 = self.spans.iter().map(|s| s.factor.max(1.0)).product();
        let special = self.special.iter().map(|(_, f)| *f).fold(1.0, f64::max);
        let trend = self
            .trend_factor(self.trend_origin_ms)
            .max(self.trend_factor(self.horizon_ms));
        self.base * peak(&self.hourly) * peak(&self.weekly) * market * spans * special * trend
    }

    /// Arrivals per millisecond at `t_ms`.
    pub fn at(&self, t_ms: i64) -> f64 {
        let local = t_ms + self.offset_ms;
        let hour = (local.rem_euclid(MS_PER_DAY) / MS_PER_HOUR) as usize;
        if !self.is_open_hour(hour as u32) || self.is_closed(t_ms) {
            return 0.0;
        }
        let weekday = Date::from_epoch_ms(local).weekday() as usize;
        let mut rate = self.base * self.hourly[hour] * self.weekly[weekday];
        if self.market_days & 1 << weekday != 0 {
            rate *= self.market_factor;
        }
        for span in &self.spans {
            if (span.from_ms..span.to_ms).contains(&t_ms) {
                rate *= span.factor;
            }
        }
        rate * self.special_factor(t_ms) * self.trend_factor(t_ms)
    }

    /// Whether an announced closure of the whole crossing covers `t_ms`.
    pub fn is_closed(&self, t_ms: i64) -> bool {
        self.closed
            .iter()
            .any(|(from, to)| (*from..*to).contains(&t_ms))
    }

    /// Whether `t_ms` falls on a market day (local time).
    pub fn is_market_day(&self, t_ms: i64) -> bool {
        let weekday = Date::from_epoch_ms(t_ms + self.offset_ms).weekday();
        self.market_days & 1 << weekday != 0
    }

    /// Local midnight at or before `t_ms`, in epoch milliseconds.
    pub fn local_day_start(&self, t_ms: i64) -> i64 {
        let local = t_ms + self.offset_ms;
        local - local.rem_euclid(MS_PER_DAY) - self.offset_ms
    }

    /// Expected arrivals over [from_ms, to_ms), integrated at a resolution
    /// of a quarter hour (the profile changes by the hour).
    pub fn expected_between(&self, from_ms: i64, to_ms: i64) -> f64 {
        const STEP: i64 = MS_PER_HOUR / 4;
        let mut total = 0.0;
        let mut t = from_ms;
        while t < to_ms {
            let next = (t - t.rem_euclid(STEP) + STEP).min(to_ms);
            total += self.at(t) * (next - t) as f64;
            t = next;
        }
        total
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

    /// Within opening hours and not closed by an announcement.
    pub fn is_open(&self, t_ms: i64) -> bool {
        self.is_open_hour(self.local_hour(t_ms)) && !self.is_closed(t_ms)
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

    pub(crate) fn crossing(profile: Profile) -> CrossingSpec {
        CrossingSpec {
            id: "X".into(),
            name: "X".into(),
            names: Default::default(),
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
            twin: None,
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
    fn market_days_and_incident_spans_raise_the_rate() {
        let monday = Date::new(2026, 5, 4).unwrap().start_epoch_ms();
        let plain = Intensity::new(&crossing(Profile::default()), 1.0);
        let market = Intensity::new(
            &crossing(Profile {
                market_days: vec![crate::model::network::Weekday::Tue],
                market_factor: 2.0,
                ..Profile::default()
            }),
            1.0,
        );
        let tuesday_noon = monday + MS_PER_DAY + 12 * MS_PER_HOUR;
        assert!((market.at(tuesday_noon) - 2.0 * plain.at(tuesday_noon)).abs() < 1e-12);
        assert_eq!(market.at(monday), plain.at(monday));
        assert!(market.is_market_day(tuesday_noon));
        let surge = plain.clone().with_spans(vec![RateSpan {
            from_ms: monday,
            to_ms: monday + MS_PER_HOUR,
            factor: 3.0,
        }]);
        assert!((surge.at(monday + 1) - 3.0 * plain.at(monday + 1)).abs() < 1e-12);
        assert_eq!(
            surge.at(monday + MS_PER_HOUR),
            plain.at(monday + MS_PER_HOUR)
        );
        assert!(surge.max() >= 3.0 * plain.max() - 1e-12);
        let day = plain.expected_between(monday, monday + MS_PER_DAY);
        assert!((day - 60.0 * 24.0).abs() < 1e-6, "{day}");
    }

    #[test]
    fn special_days_trends_and_closures_shape_the_rate() {
        use crate::model::network::{DayKind, SpecialDay};
        let monday = Date::new(2026, 5, 4).unwrap().start_epoch_ms();
        let plain = Intensity::new(&crossing(Profile::default()), 1.0);
        let holiday = Intensity::new(
            &crossing(Profile {
                utc_offset_hours: 5,
                special_days: vec![SpecialDay {
                    date: "2026-05-09".into(),
                    kind: DayKind::PublicHoliday,
                    name: "Victory Day".into(),
                    factor: 1.5,
                    countries: Vec::new(),
                }],
                ..Profile::default()
            }),
            1.0,
        );
        // Saturday 2026-05-09 in UTC+5: Friday 19:00 UTC to Saturday 19:00.
        let saturday = monday + 5 * MS_PER_DAY;
        let rate = |i: &Intensity, t: i64| i.at(t) / plain.at(t);
        assert!((rate(&holiday, saturday - 5 * MS_PER_HOUR) - 1.5).abs() < 1e-12);
        assert!((rate(&holiday, saturday + 18 * MS_PER_HOUR) - 1.5).abs() < 1e-12);
        assert!((rate(&holiday, saturday - 6 * MS_PER_HOUR) - 1.0).abs() < 1e-12);
        assert!(holiday.max() >= 1.5 * plain.max() - 1e-12);
        // 2 % a week: four weeks on, 1.02^4.
        let growing = plain
            .clone()
            .with_trend(0.02, monday, monday + 28 * MS_PER_DAY);
        let later = monday + 28 * MS_PER_DAY;
        assert!((rate(&growing, later) - 1.02f64.powi(4)).abs() < 1e-9);
        assert!((rate(&growing, monday) - 1.0).abs() < 1e-12);
        assert!(growing.max() >= growing.at(later) - 1e-15);
        // Closed for two hours: no arrivals, and the booths report closed.
        let closed = plain
            .clone()
            .with_closures(vec![(monday + MS_PER_HOUR, monday + 3 * MS_PER_HOUR)]);
        assert_eq!(closed.at(monday + 2 * MS_PER_HOUR), 0.0);
        assert!(!closed.is_open(monday + 2 * MS_PER_HOUR));
        assert!(closed.is_open(monday + 3 * MS_PER_HOUR));
        assert!(closed.at(monday + 3 * MS_PER_HOUR) > 0.0);
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
