//! The booths: queueing, service times, officers, outcomes.

use borderflow_domain::time::MS_PER_SECOND;
use borderflow_proto::inspection::v1::{Direction, InspectionEvent, Outcome, RefusalReason};
use rand::Rng;
use rand_distr::Distribution;

use super::{CrossingTraffic, Visit};
use crate::model::inject::Planted;
use crate::model::traffic::event::{Inspection, document_factor};
use crate::model::traffic::{REFUSAL_SHARE, SECONDARY_SHARE, uuid};

impl CrossingTraffic {
    /// Queues one traveller at `lane` or at the booth that frees first;
    /// returns the event, its booth and when it completes.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn inspect(
        &mut self,
        arrival: i64,
        direction: Direction,
        visit: Visit<'_>,
        lane: Option<u32>,
        officer: Option<&str>,
        score: f32,
        outcome: Outcome,
        reason: RefusalReason,
    ) -> (Box<InspectionEvent>, u32, i64) {
        let lane = self.pick_lane(lane, arrival);
        let started = self.free_from(lane, arrival);
        let mut service_s =
            self.service.sample(&mut self.rng) * document_factor(&visit.mrz, visit.minor);
        if visit.keyed {
            // Typing the fields the zone would have given.
            service_s += self.rng.random_range(40.0..120.0);
        }
        for span in &self.service_spans {
            if span.applies(lane, started) {
                service_s *= span.factor;
            }
        }
        let service_ms = (service_s * MS_PER_SECOND as f64).max(5_000.0) as i64;
        let completed = started + service_ms;
        self.lanes[lane as usize].free_at = completed;
        let on_duty;
        let officer = match officer {
            Some(o) => o,
            None => {
                on_duty = self.officer_at(lane, started);
                on_duty.as_str()
            }
        };
        let event = Inspection {
            event_id: uuid(&mut self.rng),
            lane,
            officer,
            direction,
            queued_ms: arrival,
            started_ms: started,
            completed_ms: completed,
            mrz: visit.mrz,
            keyed: visit.keyed,
            group_id: visit.group_id,
            escort: visit.escort,
            protection: visit.protection,
            biometric_score: score,
            outcome,
            refusal_reason: reason,
        }
        .into_event(&self.names);
        (event, lane, completed)
    }

    /// `lane` if the crossing has it, else the booth that frees first.
    /// `lane`, or the booth that frees first among those open at `at`
    /// (a closed booth frees only once it opens again; any, if all are
    /// closed: a planted party is still inspected).
    pub(super) fn pick_lane(&self, lane: Option<u32>, at: i64) -> u32 {
        lane.filter(|l| *l < self.spec.lanes).unwrap_or_else(|| {
            self.lanes
                .iter()
                .enumerate()
                .min_by_key(|(i, l)| {
                    let lane = *i as u32;
                    (
                        !self.lane_open(lane, at),
                        self.free_from(lane, at),
                        l.free_at,
                        lane,
                    )
                })
                .map_or(0, |(i, _)| i as u32)
        })
    }

    /// The officer on duty at `lane` at `at`.
    pub(super) fn officer_at(&self, lane: u32, at: i64) -> String {
        let hour = self.intensity.local_hour(at);
        self.names.officer_ids[self.spec.officer_on_duty(lane, hour) as usize].clone()
    }

    /// A record of an inspection that ended at `completed` (before the
    /// run), as the booth's history would hold it.
    pub(super) fn record(
        &mut self,
        completed: i64,
        direction: Direction,
        visit: Visit<'_>,
        score: f32,
        planted: &Planted,
    ) -> (Box<InspectionEvent>, u32, i64) {
        let lane = planted.lane.unwrap_or(0).min(self.spec.lanes - 1);
        let service = self.rng.random_range(30_000..180_000);
        let wait = self.rng.random_range(0..600_000);
        let hour = self.intensity.local_hour(completed);
        let officer = planted.officer.clone().unwrap_or_else(|| {
            self.names.officer_ids[self.spec.officer_on_duty(lane, hour) as usize].clone()
        });
        let event = Inspection {
            event_id: uuid(&mut self.rng),
            lane,
            officer: &officer,
            direction,
            queued_ms: completed - service - wait,
            started_ms: completed - service,
            completed_ms: completed,
            mrz: visit.mrz,
            keyed: visit.keyed,
            group_id: visit.group_id,
            escort: visit.escort,
            protection: visit.protection,
            biometric_score: score,
            outcome: planted.outcome,
            refusal_reason: planted.refusal_reason,
        }
        .into_event(&self.names);
        (event, lane, completed)
    }

    /// The base-rate outcome of a party's inspection.
    pub(super) fn outcome(&mut self, refusable: bool) -> (Outcome, RefusalReason) {
        let roll: f64 = self.rng.random();
        if roll < REFUSAL_SHARE && refusable {
            // Reasons seen at land borders without document fraud: no visa
            // or permit, no justification of the purpose, no means, an
            // entry ban.
            let reasons = [
                RefusalReason::C,
                RefusalReason::E,
                RefusalReason::G,
                RefusalReason::H,
            ];
            (
                Outcome::Refused,
                reasons[self.rng.random_range(0..reasons.len())],
            )
        } else if roll < REFUSAL_SHARE + SECONDARY_SHARE {
            (Outcome::ReferredToSecondary, RefusalReason::Unspecified)
        } else {
            (Outcome::Admitted, RefusalReason::Unspecified)
        }
    }
}
