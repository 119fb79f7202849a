//! The Entry/Exit System stay calculator (Regulation (EU) 2017/2226, Art. 11;
//! Schengen Borders Code Art. 6): a third-country national may stay 90 days
//! in any 180-day period. For a day D, count the distinct days of presence
//! in the 180 days ending on D; the days of entry and of exit both count.
//!
//! Days are counted as days since the epoch (see [`crate::time::Date`]).

/// Days of presence allowed in any [`STAY_WINDOW_DAYS`] (SBC Art. 6(1)).
pub const STAY_LIMIT_DAYS: u32 = 90;

/// Length of the rolling window the stay limit applies to, in days.
pub const STAY_WINDOW_DAYS: u32 = 180;

/// A stay: entry day and exit day, both inclusive.
pub type Stay = (i64, i64);

/// Distinct days of presence in the `window` days ending on `day`.
pub fn days_present(stays: &[Stay], day: i64, window: u32) -> u32 {
    let from = day - i64::from(window) + 1;
    let mut covered: Vec<Stay> = stays
        .iter()
        .filter_map(|&(a, b)| {
            let (a, b) = (a.max(from), b.min(day));
            (a <= b).then_some((a, b))
        })
        .collect();
    covered.sort_unstable();
    let mut total = 0i64;
    let mut end = i64::MIN;
    for (a, b) in covered {
        let start = a.max(end + 1);
        if b >= start {
            total += b - start + 1;
        }
        end = end.max(b);
    }
    total as u32
}

/// The first day on which a traveller who entered on `entry_day` and stays
/// on is present more than `limit` days in the `window` ending that day,
/// given the earlier stays.
pub fn first_day_over(stays: &[Stay], entry_day: i64, limit: u32, window: u32) -> i64 {
    let mut all: Vec<Stay> = stays.to_vec();
    all.push((entry_day, entry_day));
    let open = all.len() - 1;
    let mut day = entry_day;
    loop {
        all[open].1 = day;
        if days_present(&all, day, window) > limit {
            return day;
        }
        // Presence grows by at most one day per day: jump to the first day
        // that could exceed the limit.
        let present = days_present(&all, day, window);
        day += i64::from(limit + 1 - present).max(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn d(y: i32, m: u32, day: u32) -> i64 {
        Date::new(y, m, day).unwrap().days_since_epoch()
    }

    #[test]
    fn the_published_eu_example() {
        // Stays 19-21 April 2014 and 18 June - 11 September 2014: 89 days on
        // 11 September 2014.
        let stays = [
            (d(2014, 4, 19), d(2014, 4, 21)),
            (d(2014, 6, 18), d(2014, 9, 11)),
        ];
        assert_eq!(days_present(&stays, d(2014, 9, 11), 180), 89);
        // One more day: 90, still allowed; the day after: over.
        let longer = [
            (d(2014, 4, 19), d(2014, 4, 21)),
            (d(2014, 6, 18), d(2014, 9, 12)),
        ];
        assert_eq!(days_present(&longer, d(2014, 9, 12), 180), 90);
        assert_eq!(
            first_day_over(&stays[..1], d(2014, 6, 18), 90, 180),
            d(2014, 9, 13)
        );
    }

    #[test]
    fn old_days_fall_out_of_the_window() {
        let stays = [(d(2024, 1, 1), d(2024, 3, 30))]; // 90 days
        assert_eq!(days_present(&stays, d(2024, 3, 30), 180), 90);
        // 180 days after the first day, it no longer counts.
        assert_eq!(days_present(&stays, d(2024, 6, 29), 180), 89);
        assert_eq!(days_present(&stays, d(2025, 1, 1), 180), 0);
    }

    #[test]
    fn overlapping_records_count_each_day_once() {
        let stays = [(10, 20), (15, 25), (25, 25)];
        assert_eq!(days_present(&stays, 30, 180), 16);
    }

    #[test]
    fn exactly_ninety_days_is_allowed() {
        let (limit, window) = (STAY_LIMIT_DAYS, STAY_WINDOW_DAYS);
        let entry = d(2026, 1, 1);
        let over = first_day_over(&[], entry, limit, window);
        assert_eq!(over - entry + 1, 91);
        assert_eq!(days_present(&[(entry, over - 1)], over - 1, window), 90);
    }

    #[test]
    fn earlier_stays_bring_the_limit_forward() {
        let entry = d(2026, 3, 1);
        let earlier = [(d(2026, 1, 1), d(2026, 1, 30))]; // 30 days
        let over = first_day_over(&earlier, entry, 90, 180);
        assert_eq!(days_present(&[earlier[0], (entry, over)], over, 180), 91);
        assert_eq!(over - entry + 1, 61);
    }
}
