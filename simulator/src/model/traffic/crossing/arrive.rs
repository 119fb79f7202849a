//! Arrivals from the crossing's population: who comes, as a party, with
//! which outcome, and when they will be back.

use std::ops::Range;

use borderflow_domain::minor::{ALONE_AGE, MINOR_AGE};
use borderflow_domain::time::{Date, MS_PER_DAY};
use borderflow_proto::inspection::v1::{Direction, GuardianRelation, Outcome, RefusalReason};
use rand::Rng;

use super::{CrossingTraffic, Visit};
use crate::model::biometric;
use crate::model::network::Mode;
use crate::model::population::{Member, Party, Passage};
use crate::model::traffic::{FAMILY_SHARE, uuid};
use crate::model::traveller::{format, nationality, new_traveller};
use crate::model::trips;

/// Travellers off a coach or a train reach the booths within this time.
const BURST_SPREAD_MS: i64 = 5 * 60_000;

impl CrossingTraffic {
    /// A coach or a train: its travellers reach the booths together, as
    /// parties of the crossing's population, over a few minutes.
    pub(super) fn burst(&mut self, burst: crate::model::background::Burst) {
        let mut travellers = 0;
        while travellers < burst.travellers as usize {
            let at = burst.at_ms + self.rng.random_range(0..BURST_SPREAD_MS);
            travellers += self.arrive_going(at, burst.entering);
        }
    }

    /// A party of the crossing's population joins the queue: one ready to
    /// go this way, or someone new.
    pub(super) fn arrive(&mut self, at: i64) {
        let entering = self.rng.random_bool(0.5);
        self.arrive_going(at, entering);
    }

    /// A party going in (or out) joins the queue; returns its size.
    fn arrive_going(&mut self, at: i64, entering: bool) -> usize {
        let id = match self.population.take_ready(entering, at) {
            Some(id) => id,
            None => {
                let party = self.new_party(entering, at);
                self.population.add(party)
            }
        };
        self.renew_documents(id, at);
        let party = self.population.get(id);
        let refusable = party.refused_at_ms.is_none();
        let count = party.members.len();
        let relation = party.escort;
        let day = at.div_euclid(MS_PER_DAY);
        let years = |from_day: i64| (day - from_day) as f64 / 365.25;
        let subjects: Vec<(u32, f64)> = party
            .members
            .iter()
            .map(|m| (years(m.born_day) as u32, years(m.issued_day)))
            .collect();
        let matches: Vec<biometric::Match> = subjects
            .into_iter()
            .map(|(age, enrolled)| biometric::genuine(&mut self.rng, self.modality, age, enrolled))
            .collect();
        let (outcome, reason) = self.outcome(refusable);
        let (mut outcome, mut reason, truth) = match self.campaign(id, entering, at) {
            Some((reason, truth)) => (Outcome::Refused, reason, Some(truth)),
            None => (outcome, reason, None),
        };
        // A member the officer would not clear at the second look goes to
        // second line, and the party waits with them.
        if outcome == Outcome::Admitted && matches.iter().any(|m| !m.cleared) {
            (outcome, reason) = (Outcome::ReferredToSecondary, RefusalReason::Unspecified);
        }
        let direction = if entering {
            Direction::Entry
        } else {
            Direction::Exit
        };
        let group_id = if count > 1 {
            uuid(&mut self.rng)
        } else {
            String::new()
        };
        let mut guardian = String::new();
        let mut done = at;
        for (m, matched) in matches.iter().enumerate() {
            let Member { mrz, minor, .. } = self.population.get(id).members[m].clone();
            // The first member leads the party: a minor there travels alone.
            let escorted = minor && m > 0;
            let mut visit = Visit {
                mrz,
                minor,
                group_id: &group_id,
                escort: escorted.then_some((guardian.as_str(), relation)),
                keyed: false,
                protection: None,
            };
            let reading = self.reading();
            let retaken = self.failed_reads(at, direction, &visit, reading);
            visit.keyed = retaken.keyed;
            let (event, lane, completed) = self.inspect(
                retaken.arrival,
                direction,
                visit,
                retaken.lane,
                None,
                matched.score,
                outcome,
                reason,
            );
            done = done.max(completed);
            if m == 0 {
                guardian.clone_from(&event.event_id);
            }
            self.schedule_completion(completed, lane, event, truth);
        }
        let passage = match outcome {
            Outcome::Admitted => Passage::Crossed,
            Outcome::Refused => Passage::Refused,
            _ => Passage::Held,
        };
        self.population
            .settle(id, passage, at, done, self.config.end_ms, &mut self.rng);
        count
    }

    /// Documents about to expire are renewed before the trip: a new
    /// document (number, dates) for the same traveller, whose history
    /// starts afresh under its new key.
    pub(super) fn renew_documents(&mut self, id: u32, at: i64) {
        let today = at.div_euclid(MS_PER_DAY);
        if self
            .population
            .get(id)
            .members
            .iter()
            .all(|m| m.expires_day > today + 1)
        {
            return;
        }
        let nationality = self.population.get(id).nationality.clone();
        let date = Date::from_epoch_ms(at);
        for m in 0..self.population.get(id).members.len() {
            let member = &self.population.get(id).members[m];
            if member.expires_day > today + 1 {
                continue;
            }
            let age = ((today - member.born_day) as f64 / 365.25) as u32;
            let renewed = self.member(&nationality, age..age + 1, date);
            self.population.get_mut(id).members[m] = renewed;
        }
    }

    pub(super) fn member(&mut self, nationality: &str, ages: Range<u32>, date: Date) -> Member {
        let minor = ages.end <= MINOR_AGE;
        let format = format(&mut self.rng, &self.spec, nationality);
        let traveller = new_traveller(
            &mut self.rng,
            nationality,
            format,
            date,
            ages,
            &self.spec.country,
            self.numbers.issue(),
        );
        Member {
            expires_day: traveller.document.expiry_date.days_since_epoch(),
            born_day: traveller.document.birth_date.days_since_epoch(),
            issued_day: traveller.issued.days_since_epoch(),
            mrz: traveller.mrz,
            minor,
        }
    }

    /// Someone who has not crossed here during the run: on the outside to
    /// come in, or on the inside to go out.
    pub(super) fn new_party(&mut self, entering: bool, at: i64) -> Party {
        let date = Date::from_epoch_ms(at);
        let nationality = nationality(&mut self.rng, &self.spec);
        let national = nationality == self.spec.country;
        let land = matches!(self.spec.mode, Mode::Road | Mode::Pedestrian);
        let neighbour = national || nationality == self.spec.neighbour;
        let habit = trips::habit(&mut self.rng, land, neighbour);
        let shape = PartyShape::draw(&mut self.rng, self.spec.mode);
        let members = (0..shape.adults + shape.minors)
            .map(|m| {
                let ages = if m < shape.adults {
                    shape.adult_ages.clone()
                } else {
                    shape.minor_ages.clone()
                };
                self.member(&nationality, ages, date)
            })
            .collect();
        Party {
            members,
            national,
            nationality,
            habit,
            inside: !entering,
            entered_day: None,
            refused_at_ms: None,
            escort: shape.escort,
        }
    }
}

/// Share of new parties that are one minor old enough to travel alone
/// (students, young workers): our estimate, a few in a thousand.
const LONE_MINOR_SHARE: f64 = 0.003;

/// Share of new parties at road, rail and air crossings that are school
/// groups (teachers with their pupils, the parents' consent in hand): our
/// estimate, about one coach a week at a busy road crossing.
const SCHOOL_GROUP_SHARE: f64 = 0.000_5;

/// Who a family's minors travel with (our estimate): mostly a parent; a
/// grandparent, relative or family friend carrying the parents' consent;
/// rarely a legal guardian.
const ESCORTS: [(GuardianRelation, f64); 3] = [
    (GuardianRelation::Parent, 0.9),
    (GuardianRelation::AuthorisedAdult, 0.08),
    (GuardianRelation::LegalGuardian, 0.02),
];

/// Who makes up a new party.
struct PartyShape {
    adults: u32,
    minors: u32,
    adult_ages: Range<u32>,
    minor_ages: Range<u32>,
    escort: GuardianRelation,
}

impl PartyShape {
    fn draw(rng: &mut impl Rng, mode: Mode) -> Self {
        let roll: f64 = rng.random();
        let schools = mode != Mode::Pedestrian && mode != Mode::Sea;
        if roll < FAMILY_SHARE {
            let mut pick: f64 = rng.random();
            let escort = ESCORTS
                .iter()
                .find(|(_, share)| {
                    pick -= share;
                    pick < 0.0
                })
                .map_or(GuardianRelation::Parent, |(relation, _)| *relation);
            Self {
                adults: rng.random_range(1..=2),
                minors: rng.random_range(1..=3),
                adult_ages: MINOR_AGE..80,
                minor_ages: 1..MINOR_AGE,
                escort,
            }
        } else if roll < FAMILY_SHARE + LONE_MINOR_SHARE {
            Self {
                adults: 0,
                minors: 1,
                adult_ages: MINOR_AGE..80,
                minor_ages: ALONE_AGE..MINOR_AGE,
                escort: GuardianRelation::Unspecified,
            }
        } else if schools && roll < FAMILY_SHARE + LONE_MINOR_SHARE + SCHOOL_GROUP_SHARE {
            Self {
                adults: rng.random_range(1..=2),
                minors: rng.random_range(10..=25),
                adult_ages: 25..65,
                minor_ages: 10..MINOR_AGE,
                escort: GuardianRelation::AuthorisedAdult,
            }
        } else {
            Self {
                adults: 1,
                minors: 0,
                adult_ages: MINOR_AGE..80,
                minor_ages: 1..MINOR_AGE,
                escort: GuardianRelation::Parent,
            }
        }
    }
}
