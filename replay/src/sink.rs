//! Where the steps' effects go in a replay: what a run reports is kept,
//! what only feeds other services (windows, hours, snapshots) is dropped,
//! and the by-document copies are held for the per-document stage.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::ops::Range;

use borderflow_aggregator::partition::Closed;
use borderflow_aggregator::partition::effects::{Effects, Record};
use borderflow_proto::analytics::v1::{Anomaly, CrossingWindowRecord};
use borderflow_proto::protection::v1::Referral;
use borderflow_proto::statistics::v1::HourRecord;

/// Anomalies by id (a later version, such as a retraction, replaces an
/// earlier one), referrals by case reference, dead letters by kind (with
/// the first one's reason), and the by-document copies of the record being
/// stepped.
#[derive(Default)]
pub(crate) struct Sink {
    pub(crate) anomalies: BTreeMap<String, Anomaly>,
    pub(crate) referrals: BTreeMap<String, Referral>,
    pub(crate) dead_letters: BTreeMap<&'static str, u64>,
    pub(crate) first_dead_letter: Option<String>,
    pub(crate) copies: Copies,
}

/// By-document copies: keys and ranges into one buffer, reused from record
/// to record rather than a vector per copy.
#[derive(Default)]
pub(crate) struct Copies {
    bytes: Vec<u8>,
    index: Vec<([u8; 32], Range<usize>)>,
}

impl Copies {
    fn push(&mut self, key: [u8; 32], payload: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(payload);
        self.index.push((key, start..self.bytes.len()));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8; 32], &[u8])> {
        self.index
            .iter()
            .map(|(key, range)| (key, &self.bytes[range.clone()]))
    }

    /// Empties the copies, keeping the room.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.index.clear();
    }
}

impl Effects for Sink {
    type Error = Infallible;

    fn anomaly(&mut self, anomaly: &Anomaly) -> Result<(), Infallible> {
        match self.anomalies.get_mut(&anomaly.id) {
            Some(kept) => kept.clone_from(anomaly),
            None => {
                self.anomalies.insert(anomaly.id.clone(), anomaly.clone());
            }
        }
        Ok(())
    }

    fn hour(&mut self, _hour: &HourRecord) -> Result<(), Infallible> {
        Ok(())
    }

    fn referral(&mut self, referral: &Referral) -> Result<(), Infallible> {
        self.referrals
            .insert(referral.case_reference.clone(), referral.clone());
        Ok(())
    }

    fn window(&mut self, _closed: &Closed) -> Result<(), Infallible> {
        Ok(())
    }

    fn snapshot(&mut self, _snapshot: &CrossingWindowRecord) -> Result<(), Infallible> {
        Ok(())
    }

    fn by_document(&mut self, document_key: &[u8], payload: &[u8]) -> Result<(), Infallible> {
        if let Ok(key) = <[u8; 32]>::try_from(document_key) {
            self.copies.push(key, payload);
        }
        Ok(())
    }

    /// Counted: production sends it to the dead-letter topic and goes on.
    fn dead_letter(
        &mut self,
        _: &Record<'_>,
        kind: &'static str,
        reason: &str,
    ) -> Result<(), Infallible> {
        *self.dead_letters.entry(kind).or_default() += 1;
        if self.first_dead_letter.is_none() {
            self.first_dead_letter = Some(format!("{kind}: {reason}"));
        }
        Ok(())
    }
}
