//! Declared crossing calendars, from the crossing registry: the weekdays of
//! the local markets that bring a crossing traffic, and dated special days
//! (public holidays, religious festivals) with their traffic factor. The
//! flow detectors judge a market day against earlier market days (or an
//! ordinary day scaled by the declared uplift), and a special day against
//! the ordinary expectation scaled by its factor, so a known market or
//! holiday is not a surge or a drop, while a surge on top of it still is.

use borderflow_domain::time::{Date, MS_PER_DAY, MS_PER_MINUTE};
use std::sync::Arc;

use borderflow_proto::analytics::v1::{Crossing, Weekday};

/// A crossing's market days and special days.
#[derive(Clone, Debug, PartialEq)]
pub struct MarketCalendar {
    /// Bit `d` set: weekday `d` (Monday = 0) is a market day.
    weekdays: u8,
    utc_offset_ms: i64,
    /// Expected traffic relative to an ordinary day (1 when unknown).
    factor: f64,
    /// (local day since the epoch, traffic factor) of the declared special
    /// days, sorted by day; shared, as every period reads it.
    special: Arc<[(i64, f64)]>,
}

impl MarketCalendar {
    /// The calendar a registry entry declares, if it declares market days
    /// or special days. Special days with an unreadable date are left out
    /// (the registry refuses them on write).
    pub fn of(crossing: &Crossing) -> Option<Self> {
        let weekdays = crossing
            .market_days
            .iter()
            .filter_map(|d| match Weekday::try_from(*d).ok()? {
                Weekday::Unspecified => None,
                day => Some(1u8 << (day as i32 - 1)),
            })
            .fold(0, |bits, bit| bits | bit);
        let known = |f: f64| f.is_finite() && f > 0.0;
        let mut special: Vec<(i64, f64)> = crossing
            .special_days
            .iter()
            .filter_map(|s| {
                let day = Date::parse(&s.date)?.days_since_epoch();
                Some((
                    day,
                    if known(s.traffic_factor) {
                        s.traffic_factor
                    } else {
                        1.0
                    },
                ))
            })
            .collect();
        special.sort_by_key(|(day, _)| *day);
        special.dedup_by_key(|(day, _)| *day);
        (weekdays != 0 || !special.is_empty()).then(|| Self {
            weekdays,
            utc_offset_ms: i64::from(crossing.utc_offset_minutes) * MS_PER_MINUTE,
            factor: if known(crossing.market_factor) {
                crossing.market_factor
            } else {
                1.0
            },
            special: special.into(),
        })
    }

    /// The declared traffic factor if `t_ms` falls on a special day (local
    /// time).
    pub fn special_factor(&self, t_ms: i64) -> Option<f64> {
        let day = (t_ms + self.utc_offset_ms).div_euclid(MS_PER_DAY);
        self.special
            .binary_search_by_key(&day, |(d, _)| *d)
            .ok()
            .map(|i| self.special[i].1)
    }

    /// The declared factor if `t_ms` falls on a market day (local time).
    pub fn market_factor(&self, t_ms: i64) -> Option<f64> {
        let weekday = Date::from_epoch_ms(t_ms + self.utc_offset_ms).weekday();
        (self.weekdays & 1 << weekday != 0).then_some(self.factor)
    }

    /// How many days before `t_ms` the latest day of the same kind (market
    /// or ordinary) fell: 1 when yesterday was alike, at most 7.
    pub fn days_to_alike(&self, t_ms: i64) -> i64 {
        let market = self.market_factor(t_ms).is_some();
        (1..7)
            .find(|d| self.market_factor(t_ms - d * MS_PER_DAY).is_some() == market)
            .unwrap_or(7)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use borderflow_domain::time::MS_PER_HOUR;

    fn dostuk() -> Crossing {
        Crossing {
            id: "KG-DOSTUK".into(),
            market_days: vec![Weekday::Tuesday as i32, Weekday::Saturday as i32],
            market_factor: 2.0,
            utc_offset_minutes: 360,
            ..Crossing::default()
        }
    }

    #[test]
    fn market_days_are_local_days() {
        let calendar = MarketCalendar::of(&dostuk()).unwrap();
        // Monday 2026-05-04 18:00 UTC is Tuesday 00:00 in Osh (UTC+6).
        let monday = Date::new(2026, 5, 4).unwrap().start_epoch_ms();
        assert_eq!(calendar.market_factor(monday + 17 * MS_PER_HOUR), None);
        assert_eq!(calendar.market_factor(monday + 18 * MS_PER_HOUR), Some(2.0));
        // Saturday, not Friday or Sunday.
        let friday_noon = monday + 4 * 24 * MS_PER_HOUR + 6 * MS_PER_HOUR;
        assert_eq!(calendar.market_factor(friday_noon), None);
        assert_eq!(
            calendar.market_factor(friday_noon + 24 * MS_PER_HOUR),
            Some(2.0)
        );
        assert_eq!(calendar.market_factor(friday_noon + 48 * MS_PER_HOUR), None);
    }

    #[test]
    fn an_entry_without_market_days_declares_no_calendar() {
        let tuesday = Date::new(2026, 5, 5).unwrap().start_epoch_ms() + 6 * MS_PER_HOUR;
        assert!(
            MarketCalendar::of(&Crossing {
                market_days: vec![],
                ..dostuk()
            })
            .is_none()
        );
        // Without a declared uplift, a market day expects an ordinary day.
        let plain = MarketCalendar::of(&Crossing {
            market_factor: 0.0,
            ..dostuk()
        })
        .unwrap();
        assert_eq!(plain.market_factor(tuesday), Some(1.0));
    }

    #[test]
    fn the_latest_alike_day() {
        let calendar = MarketCalendar::of(&dostuk()).unwrap();
        // Monday 2026-05-04, noon in Osh (06:00 UTC).
        let monday = Date::new(2026, 5, 4).unwrap().start_epoch_ms() + 6 * MS_PER_HOUR;
        let days_back: Vec<i64> = (0..7)
            .map(|d| calendar.days_to_alike(monday + d * MS_PER_DAY))
            .collect();
        // Mon→Sun, Tue→Sat, Wed→Mon, Thu→Wed, Fri→Thu, Sat→Tue, Sun→Fri.
        assert_eq!(days_back, vec![1, 3, 2, 1, 1, 4, 2]);
    }
}
