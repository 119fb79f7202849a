//! How long people stay on either side of a border before crossing again.
//!
//! Durations are chosen so that normal traffic never looks anomalous to
//! the per-document rules: a party alternates sides, and a foreigner's
//! presence in the crossing's country stays far below 90 days in any 180
//! (each stay at most 30 days, and the time away afterwards at least one
//! and a half times the days present, plus two).

use borderflow_domain::time::{MS_PER_DAY, MS_PER_HOUR};
use rand::Rng;

/// How a party travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Habit {
    /// Across and back the same day (workers, traders at land borders).
    Commuter,
    /// Days.
    Short,
    /// Weeks.
    Medium,
    /// Months away for nationals (labour migrants); the longest allowed
    /// visits for foreigners.
    Long,
    /// Crosses once each way and is not seen again.
    OneOff,
}

/// Longest stay of a foreigner in the crossing's country, days.
pub const MAX_FOREIGN_STAY_DAYS: i64 = 30;

/// Picks a habit. Commuting is for neighbours at land crossings.
pub fn habit(rng: &mut impl Rng, land: bool, neighbour: bool) -> Habit {
    let roll = rng.random_range(0..100);
    match roll {
        0..25 if land && neighbour => Habit::Commuter,
        0..40 => Habit::Short,
        40..70 => Habit::Medium,
        70..82 => Habit::Long,
        _ => Habit::OneOff,
    }
}

fn hours(rng: &mut impl Rng, range: std::ops::Range<i64>) -> i64 {
    rng.random_range(range.start * MS_PER_HOUR..range.end * MS_PER_HOUR)
}

fn days(rng: &mut impl Rng, range: std::ops::Range<i64>) -> i64 {
    rng.random_range(range.start * MS_PER_DAY..range.end * MS_PER_DAY)
}

/// Time until a party that has just come in (`entered`) or gone out goes
/// the other way again, or `None` when it will not.
///
/// `national`: the party holds the crossing country's documents, so being
/// inside is being at home. `presence_days`: days present in the country
/// during the stay that just ended (for a foreigner going out).
pub fn next_crossing_after(
    rng: &mut impl Rng,
    habit: Habit,
    national: bool,
    entered: bool,
    presence_days: i64,
) -> Option<i64> {
    let wait = match (national, entered, habit) {
        (true, _, Habit::OneOff) | (false, false, Habit::OneOff) => return None,
        // Nationals at home before leaving again.
        (true, true, Habit::Commuter) => hours(rng, 13..17),
        (true, true, Habit::Short) => days(rng, 3..20),
        (true, true, Habit::Medium) => days(rng, 10..60),
        (true, true, Habit::Long) => days(rng, 30..180),
        // Nationals abroad.
        (true, false, Habit::Commuter) => hours(rng, 5..10),
        (true, false, Habit::Short) => days(rng, 1..4),
        (true, false, Habit::Medium) => days(rng, 5..30),
        (true, false, Habit::Long) => days(rng, 30..150),
        // Foreigners visiting.
        (false, true, Habit::Commuter) => hours(rng, 4..10),
        (false, true, Habit::Short) => days(rng, 1..5),
        (false, true, Habit::Medium) => days(rng, 5..20),
        (false, true, Habit::Long | Habit::OneOff) => days(rng, 14..MAX_FOREIGN_STAY_DAYS - 2),
        // Foreigners at home, long enough to keep their presence low.
        (false, false, habit) => {
            let wanted = match habit {
                Habit::Commuter => hours(rng, 36..96),
                Habit::Short => days(rng, 7..30),
                Habit::Medium => days(rng, 30..90),
                _ => days(rng, 60..120),
            };
            // Day boundaries can add a day each side: one more to spare.
            wanted.max((presence_days * 3 / 2 + 2) * MS_PER_DAY)
        }
    };
    Some(wait)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn foreigners_stay_briefly_and_keep_away_long_enough() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for habit in [
            Habit::Commuter,
            Habit::Short,
            Habit::Medium,
            Habit::Long,
            Habit::OneOff,
        ] {
            for _ in 0..1_000 {
                let stay = next_crossing_after(&mut rng, habit, false, true, 0).unwrap();
                assert!(stay < MAX_FOREIGN_STAY_DAYS * MS_PER_DAY);
                let present = stay / MS_PER_DAY + 2;
                if let Some(away) = next_crossing_after(&mut rng, habit, false, false, present) {
                    assert!(away >= (present * 3 / 2 + 2) * MS_PER_DAY);
                }
            }
        }
        assert!(next_crossing_after(&mut rng, Habit::OneOff, true, false, 0).is_none());
    }
}
