//! The people who use one crossing, and who come back: a party that crossed
//! waits on the other side until its trip is over, then takes the next
//! arrival going its way. A new party is made only when nobody is ready,
//! so entries and exits of a document alternate, and parties that will not
//! return within the run are forgotten (memory follows the people in
//! flight, not everyone ever seen).
//!
//! Each party belongs to one crossing, so no document appears at two
//! crossings in normal traffic.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use borderflow_domain::time::MS_PER_DAY;
use borderflow_proto::inspection::v1::GuardianRelation;
use rand::Rng;

use super::trips::{Habit, next_crossing_after};

/// One member's document zone, written once.
#[derive(Clone, Debug)]
pub struct Member {
    pub mrz: Vec<String>,
    pub minor: bool,
    /// UTC day the document expires: it is renewed before then.
    pub expires_day: i64,
    /// UTC days of birth and of the document's issue (the enrolment the
    /// booth's biometrics are matched against).
    pub born_day: i64,
    pub issued_day: i64,
}

/// A traveller or a family crossing together.
#[derive(Clone, Debug)]
pub struct Party {
    /// Adults first; minors travel with the first adult.
    pub members: Vec<Member>,
    /// Holds the documents of the crossing's country.
    pub national: bool,
    pub nationality: String,
    pub habit: Habit,
    /// In the crossing's country now.
    pub inside: bool,
    /// UTC day of the entry that began the current stay inside.
    pub entered_day: Option<i64>,
    /// When the party was refused: a traveller refused for a missing
    /// document comes back with it, so the base rate never refuses them
    /// again.
    pub refused_at_ms: Option<i64>,
    /// How the minors' escort (the first member) is related to them.
    pub escort: GuardianRelation,
}

/// How a party's inspection ended, as far as its whereabouts go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passage {
    /// Admitted: the party is now on the other side.
    Crossed,
    /// Referred to second line: the record shows no passage, so neither
    /// does the model; the party tries again later.
    Held,
    Refused,
}

/// Parties of one crossing, by side and by when they are ready to cross.
#[derive(Debug, Default)]
pub struct Population {
    parties: Vec<Option<Party>>,
    free: Vec<u32>,
    /// (ready at, party) of parties outside, waiting to enter.
    to_enter: BinaryHeap<Reverse<(i64, u32)>>,
    /// (ready at, party) of parties inside, waiting to leave.
    to_exit: BinaryHeap<Reverse<(i64, u32)>>,
}

impl Population {
    /// The party waiting longest to go in (`entering`) or out, if one is
    /// ready at `now_ms`.
    pub fn take_ready(&mut self, entering: bool, now_ms: i64) -> Option<u32> {
        let queue = if entering {
            &mut self.to_enter
        } else {
            &mut self.to_exit
        };
        match queue.peek() {
            Some(Reverse((ready, _))) if *ready <= now_ms => queue.pop().map(|Reverse((_, id))| id),
            _ => None,
        }
    }

    pub fn add(&mut self, party: Party) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.parties[id as usize] = Some(party);
                id
            }
            None => {
                self.parties.push(Some(party));
                (self.parties.len() - 1) as u32
            }
        }
    }

    pub fn get_mut(&mut self, id: u32) -> &mut Party {
        self.parties[id as usize]
            .as_mut()
            .expect("parties are looked up while they exist")
    }

    pub fn get(&self, id: u32) -> &Party {
        self.parties[id as usize]
            .as_ref()
            .expect("parties are looked up while they exist")
    }

    /// Parties known now (in flight or waiting).
    pub fn len(&self) -> usize {
        self.parties.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records how party `id`'s inspection, which began at `arrived_ms` and
    /// ended at `done_ms`, turned out, and schedules its next crossing;
    /// forgets it when that falls at or after `horizon_ms`.
    pub fn settle(
        &mut self,
        id: u32,
        passage: Passage,
        arrived_ms: i64,
        done_ms: i64,
        horizon_ms: i64,
        rng: &mut impl Rng,
    ) {
        let Some(party) = self.parties[id as usize].as_mut() else {
            return;
        };
        let wait = match passage {
            Passage::Crossed => {
                let entered = !party.inside;
                party.inside = entered;
                let presence = match (entered, party.entered_day) {
                    (false, Some(day)) => done_ms.div_euclid(MS_PER_DAY) - day + 1,
                    // Came in before the run: assume the longest stay.
                    (false, None) => super::trips::MAX_FOREIGN_STAY_DAYS + 1,
                    (true, _) => 0,
                };
                party.entered_day = entered.then(|| done_ms.div_euclid(MS_PER_DAY));
                next_crossing_after(rng, party.habit, party.national, entered, presence)
            }
            Passage::Held => Some(rng.random_range(2 * 3_600_000..24 * 3_600_000)),
            Passage::Refused => {
                party.refused_at_ms = Some(done_ms);
                Some(rng.random_range(MS_PER_DAY..5 * MS_PER_DAY))
            }
        };
        // Never queue again before this inspection is over.
        let ready = wait.map(|w| (arrived_ms + w).max(done_ms + 3_600_000));
        match ready {
            Some(ready) if ready < horizon_ms => {
                let queue = if party.inside {
                    &mut self.to_exit
                } else {
                    &mut self.to_enter
                };
                queue.push(Reverse((ready, id)));
            }
            _ => {
                self.parties[id as usize] = None;
                self.free.push(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn party(inside: bool, habit: Habit) -> Party {
        Party {
            members: vec![Member {
                mrz: Vec::new(),
                minor: false,
                expires_day: i64::MAX,
                born_day: 0,
                issued_day: 0,
            }],
            national: true,
            nationality: "KAZ".into(),
            habit,
            inside,
            entered_day: None,
            refused_at_ms: None,
            escort: GuardianRelation::Parent,
        }
    }

    #[test]
    fn a_party_that_crossed_waits_on_the_other_side() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut population = Population::default();
        let id = population.add(party(false, Habit::Commuter));
        let day = 10 * MS_PER_DAY;
        population.settle(id, Passage::Crossed, 0, 60_000, day, &mut rng);
        assert!(population.get(id).inside);
        assert_eq!(population.take_ready(true, day), None, "inside now");
        assert_eq!(population.take_ready(false, 60_000), None, "not yet");
        assert_eq!(population.take_ready(false, day), Some(id));
    }

    #[test]
    fn parties_gone_beyond_the_horizon_are_forgotten_and_slots_reused() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut population = Population::default();
        let id = population.add(party(false, Habit::OneOff));
        population.settle(id, Passage::Crossed, 0, 1, MS_PER_DAY, &mut rng);
        // A national one-off came home and will not leave again.
        assert!(population.is_empty());
        assert_eq!(population.add(party(true, Habit::Short)), id);
    }

    #[test]
    fn held_and_refused_parties_stay_on_their_side() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut population = Population::default();
        let id = population.add(party(false, Habit::Short));
        population.settle(id, Passage::Refused, 0, 1, 30 * MS_PER_DAY, &mut rng);
        assert!(!population.get(id).inside);
        assert_eq!(population.get(id).refused_at_ms, Some(1));
        assert_eq!(population.take_ready(true, 30 * MS_PER_DAY), Some(id));
    }
}
