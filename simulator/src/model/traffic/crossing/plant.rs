//! Parties a scenario plants: queued like everyone, or sent as records of
//! the past.

use borderflow_domain::mrz;
use borderflow_domain::time::Date;
use borderflow_proto::inspection::v1::InspectionEvent;

use super::{CrossingTraffic, Happening, Visit};
use crate::model::biometric;
use crate::model::inject::{Escort, Planted};
use crate::model::traffic::uuid;

impl CrossingTraffic {
    /// A planted party: into the queue, or straight out as a record of the
    /// past.
    pub(super) fn plant(&mut self, at: i64, mut planted: Planted) {
        let group_id = if planted.members.len() > 1 {
            uuid(&mut self.rng)
        } else {
            String::new()
        };
        let mut guardian = String::new();
        let members = std::mem::take(&mut planted.members);
        for (m, member) in members.into_iter().enumerate() {
            let escort = match member.escort {
                Escort::Adult => None,
                Escort::With(relation) => Some((guardian.as_str(), relation)),
                Escort::Alone => None,
            };
            let visit = Visit {
                mrz: member.mrz,
                minor: member.escort != Escort::Adult,
                group_id: &group_id,
                escort,
                keyed: false,
                protection: member.protection,
            };
            let score = planted.biometric_score.unwrap_or_else(|| {
                // Planted travellers are who they say they are unless the
                // incident says otherwise; their enrolment is taken as a
                // few years old.
                let date = Date::from_epoch_ms(at);
                let lines: Vec<&str> = visit.mrz.iter().map(String::as_str).collect();
                let age = mrz::validate(&lines, date)
                    .birth_date()
                    .map_or(35, |born| born.age_on(date));
                biometric::genuine(&mut self.rng, self.modality, age, 3.0).score
            });
            let (event, lane, completed) = if planted.preamble {
                self.record(planted.at_ms, planted.direction, visit, score, &planted)
            } else {
                self.inspect(
                    at,
                    planted.direction,
                    visit,
                    planted.lane,
                    planted.officer.as_deref(),
                    score,
                    planted.outcome,
                    planted.refusal_reason,
                )
            };
            if m == 0 {
                guardian.clone_from(&event.event_id);
            }
            let when = if planted.preamble { at } else { completed };
            self.schedule_completion(when, lane, event, planted.truth);
        }
    }

    pub(super) fn schedule_completion(
        &mut self,
        at: i64,
        lane: u32,
        event: Box<InspectionEvent>,
        truth: Option<u32>,
    ) {
        self.schedule(at, Happening::Completion { lane, event, truth });
    }
}
