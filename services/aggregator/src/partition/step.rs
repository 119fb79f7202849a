//! The inspections stage's work on one record and at each batch's end, as
//! pure functions over a partition's state: decode, the per-event rules,
//! the windows and the per-crossing detectors, the by-document copy, and
//! what a batch publishes.

use super::effects::{Effects, Record};
use super::{Disposition, PartitionState};
use crate::detect;
use crate::detect::rescan::Read;
use crate::protection;
use crate::windows::codec::{self, Decoded};

/// What a step did with its record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stepped {
    Heartbeat,
    Inspection(Disposition),
    DeadLettered,
}

impl Stepped {
    /// The records metric's label; dead letters are counted by kind on a
    /// metric of their own.
    pub fn label(self) -> Option<&'static str> {
        Some(match self {
            Self::Heartbeat => "heartbeat",
            Self::Inspection(Disposition::Counted) => "counted",
            Self::Inspection(Disposition::Amended) => "amended",
            Self::Inspection(Disposition::Duplicate) => "duplicate",
            Self::Inspection(Disposition::Replayed) => "replayed",
            Self::Inspection(Disposition::TooLate) => "too_late",
            Self::DeadLettered => return None,
        })
    }
}

impl PartitionState {
    /// Processes one record of the inspections topic.
    pub fn step<E: Effects>(
        &mut self,
        record: &Record<'_>,
        out: &mut E,
    ) -> Result<Stepped, E::Error> {
        let dead = |out: &mut E, err: codec::DecodeError| {
            out.dead_letter(record, err.kind(), &err.to_string())
                .map(|()| Stepped::DeadLettered)
        };
        let inspection = match codec::decode(record.payload) {
            Ok(Decoded::Heartbeat(beat)) => {
                self.heartbeat(
                    record.offset,
                    &beat.crossing_id,
                    &beat.checkpoint_id,
                    beat.at_ms,
                    beat.status,
                );
                return Ok(Stepped::Heartbeat);
            }
            Ok(Decoded::Inspection(inspection)) => inspection,
            Ok(Decoded::Escort(_)) => {
                return dead(
                    out,
                    codec::DecodeError::Invalid {
                        field: "escort",
                        reason: "is made by the aggregator for the by-document topic",
                    },
                );
            }
            Err(err) => return dead(out, err),
        };
        let (started_ms, event_ms) = match codec::times(&inspection) {
            Ok((_, started, completed)) => (started, completed),
            Err(err) => return dead(out, err),
        };
        let mut verdict =
            detect::event::evaluate(&inspection, event_ms, self.refs.as_ref(), &self.detect);
        let facts = match codec::facts(&inspection, verdict.alerted, &self.config.age_bands) {
            Ok(facts) => facts,
            Err(err) => return dead(out, err),
        };
        let disposition = self.inspection(record.offset, &inspection.crossing_id, &facts);
        for anomaly in &verdict.anomalies {
            out.anomaly(anomaly)?;
        }
        // A referral is made whenever the inspection is, however late; a
        // repeat of a counted event made it already. A replay makes it
        // again under the same case reference.
        if inspection.protection.is_some() && disposition != Disposition::Duplicate {
            let country = self
                .refs
                .crossing(&inspection.crossing_id)
                .map(|c| c.country.clone())
                .unwrap_or_default();
            for referral in
                protection::referrals(&inspection, event_ms, &self.config.age_bands, &country)
            {
                out.referral(&referral)?;
            }
        }
        // Replays and repeats are held again: the rescans are not part of
        // the windows' exactly-once bookkeeping, and ids make reports idempotent.
        self.rescans.read(&Read {
            checkpoint_id: &inspection.checkpoint_id,
            started_ms,
            event_ms,
            document: inspection.document.as_ref(),
        });
        if let (Some(failure), Some(document)) =
            (verdict.zone_failure.take(), inspection.document.as_ref())
            && let Some(now) = self.rescans.hold(
                record.offset,
                &inspection.checkpoint_id,
                event_ms,
                document,
                failure,
            )
        {
            out.anomaly(&now)?;
        }
        self.release_rescans();
        self.escorts.read(record.offset, event_ms, &inspection);
        let mut escorts = Vec::new();
        self.escorts.release(self.watermark(), &mut escorts);
        for (adult_key, escort) in escorts {
            out.by_document(&adult_key, &codec::encode_escort(escort))?;
        }
        // Every inspection, late or not, reaches the per-document rules.
        if let Some(document) = &inspection.document
            && document.document_key.len() == 32
        {
            out.by_document(&document.document_key, record.payload)?;
        }
        Ok(Stepped::Inspection(disposition))
    }

    /// At a batch's end: the windows it closed or amended, their statistics
    /// hours, the anomalies
    /// the per-crossing detectors raised and the detector snapshots due.
    pub fn publish<E: Effects>(&mut self, out: &mut E) -> Result<(), E::Error> {
        for closed in self.take_closed() {
            out.window(&closed)?;
        }
        for hour in self.take_hours() {
            out.hour(&hour)?;
        }
        for anomaly in self.take_anomalies() {
            out.anomaly(&anomaly)?;
        }
        for snapshot in self.take_snapshots() {
            out.snapshot(&snapshot)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
