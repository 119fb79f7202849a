//! Reads that fail at the booth before the inspection that counts: a
//! character misread by the reader, then a clean re-scan of the same
//! document; or a worn zone that fails once or twice until the officer
//! keys the document in. Each failed read is an inspection the booth
//! reports (its own event, no outcome: the officer abandoned it) and takes
//! booth time like any other.
//!
//! Rates, our estimate: passport readers' vendors quote first-pass MRZ
//! read rates of 99 % and better, and a slip the check digits catch is a
//! fraction of the rest (glare, a badly placed document); we take one read
//! in 200 (0.5 %). Zones worn past reading (laminate damage, old booklets)
//! are rarer, one document in 2,000 (0.05 %). Nothing in the events marks a
//! read as failed-then-retaken: the aggregator must work it out.

use borderflow_domain::mrz;
use borderflow_domain::time::{Date, MS_PER_SECOND};
use borderflow_proto::inspection::v1::{Direction, Outcome, RefusalReason};
use rand::Rng;

use super::{CrossingTraffic, Visit};
use crate::model::traffic::event::Inspection;
use crate::model::traffic::uuid;

/// Share of inspections preceded by a read with one character misread.
pub const MISREAD_SHARE: f64 = 0.005;

/// Share of inspections whose zone is worn: it fails until keyed in.
pub const WORN_ZONE_SHARE: f64 = 0.0005;

/// How the document reads at the booth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reading {
    Clean,
    /// One failed read, then a clean re-scan.
    Misread,
    /// This many failed reads, then the document keyed in.
    Worn(u8),
}

/// Where the inspection that counts begins after the failed reads.
pub(super) struct Retaken {
    pub arrival: i64,
    pub lane: Option<u32>,
    pub keyed: bool,
}

impl CrossingTraffic {
    pub(super) fn reading(&mut self) -> Reading {
        let roll: f64 = self.rng.random();
        if roll < WORN_ZONE_SHARE {
            Reading::Worn(self.rng.random_range(1..=2))
        } else if roll < WORN_ZONE_SHARE + MISREAD_SHARE {
            Reading::Misread
        } else {
            Reading::Clean
        }
    }

    /// The failed reads of `visit`'s document for a traveller queued at
    /// `arrival`, scheduled as the booth's own events; when and where the
    /// inspection that counts then starts.
    pub(super) fn failed_reads(
        &mut self,
        arrival: i64,
        direction: Direction,
        visit: &Visit<'_>,
        reading: Reading,
    ) -> Retaken {
        let (reads, keyed) = match reading {
            Reading::Clean => (0, false),
            Reading::Misread => (1, false),
            Reading::Worn(n) => (n, true),
        };
        let mut retaken = Retaken {
            arrival,
            lane: None,
            keyed: false,
        };
        for _ in 0..reads {
            let on = Date::from_epoch_ms(retaken.arrival);
            let Some(misread) = mrz::misread(&visit.mrz, on, &mut self.rng) else {
                // A zone without a slip the checks catch reads cleanly.
                return retaken;
            };
            let lane = self.pick_lane(retaken.lane, retaken.arrival);
            let started = retaken.arrival.max(self.lanes[lane as usize].free_at);
            // The reader gives up within seconds.
            let completed = started + self.rng.random_range(4..=15) * MS_PER_SECOND;
            self.lanes[lane as usize].free_at = completed;
            let officer = self.officer_at(lane, started);
            let event = Inspection {
                event_id: uuid(&mut self.rng),
                lane,
                officer: &officer,
                direction,
                queued_ms: arrival,
                started_ms: started,
                completed_ms: completed,
                mrz: misread,
                keyed: false,
                group_id: visit.group_id,
                escort: visit.escort,
                biometric_score: self.rng.random_range(0.82..0.995),
                outcome: Outcome::Unspecified,
                refusal_reason: RefusalReason::Unspecified,
                protection: None,
            }
            .into_event(&self.names);
            self.schedule_completion(completed, lane, event, None);
            // The document is taken again a few seconds to a minute later.
            retaken.arrival = completed + self.rng.random_range(3..=60) * MS_PER_SECOND;
            retaken.lane = Some(lane);
        }
        retaken.keyed = keyed;
        retaken
    }
}
