//! Arrivals from the crossing's population: who comes, as a party, with
//! which outcome, and when they will be back.

use borderflow_domain::minor::MINOR_AGE;
use borderflow_domain::time::{Date, MS_PER_DAY};
use borderflow_proto::inspection::v1::{Direction, GuardianRelation, Outcome};
use rand::Rng;

use super::{CrossingTraffic, Visit};
use crate::model::network::Mode;
use crate::model::population::{Member, Party, Passage};
use crate::model::traffic::{FAMILY_SHARE, REFUSAL_MEMORY_MS, uuid};
use crate::model::traveller::{format, nationality, new_traveller};
use crate::model::trips;

impl CrossingTraffic {
    /// A party of the crossing's population joins the queue: one ready to
    /// go this way, or someone new.
    pub(super) fn arrive(&mut self, at: i64) {
        let entering = self.rng.random_bool(0.5);
        let id = match self.population.take_ready(entering, at) {
            Some(id) => id,
            None => {
                let party = self.new_party(entering, at);
                self.population.add(party)
            }
        };
        let party = self.population.get(id);
        let refusable = party
            .refused_at_ms
            .is_none_or(|t| at - t > REFUSAL_MEMORY_MS);
        let count = party.members.len();
        let (outcome, reason) = self.outcome(refusable);
        let (outcome, reason, truth) = match self.campaign(id, entering, at) {
            Some((reason, truth)) => (Outcome::Refused, reason, Some(truth)),
            None => (outcome, reason, None),
        };
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
        self.renew_documents(id, at);
        for m in 0..count {
            let Member { mrz, minor, .. } = self.population.get(id).members[m].clone();
            let visit = Visit {
                mrz,
                minor,
                group_id: &group_id,
                escort: minor.then_some((guardian.as_str(), GuardianRelation::Parent)),
            };
            let score = self.rng.random_range(0.82..0.995);
            let (event, lane, completed) =
                self.inspect(at, direction, visit, None, None, score, outcome, reason);
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
            let minor = member.minor;
            let renewed = self.member(&nationality, minor, date);
            self.population.get_mut(id).members[m] = renewed;
        }
    }

    pub(super) fn member(&mut self, nationality: &str, minor: bool, date: Date) -> Member {
        let ages = if minor { 1..17 } else { MINOR_AGE..80 };
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
        let family = self.rng.random_bool(FAMILY_SHARE);
        let (adults, minors) = if family {
            (self.rng.random_range(1..=2), self.rng.random_range(1..=3))
        } else {
            (1, 0)
        };
        let members = (0..adults + minors)
            .map(|m| self.member(&nationality, m >= adults, date))
            .collect();
        Party {
            members,
            national,
            nationality,
            habit,
            inside: !entering,
            entered_day: None,
            refused_at_ms: None,
        }
    }
}
