//! The stages' boundary with the world, sans-io: a step reads a [`Record`]
//! and asks for [`Effects`]. The Kafka adapters of the stream storey
//! produce each effect and track it until durable; the benches and the
//! broker-free tests collect or count them. Either way the same step runs.

use borderflow_proto::analytics::v1::{Anomaly, CrossingWindowRecord};
use borderflow_proto::protection::v1::Referral;
use borderflow_proto::statistics::v1::HourRecord;

use super::Closed;

/// One record of an input topic, as a stage sees it.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a [u8]>,
    pub payload: &'a [u8],
}

/// What a step asks of the world, in the order it asks. An error stops the
/// step; the adapter restarts from committed offsets, so nothing is lost.
pub trait Effects {
    type Error;

    /// An anomaly to publish (keyed by crossing).
    fn anomaly(&mut self, anomaly: &Anomaly) -> Result<(), Self::Error>;

    /// A window closed or amended, to publish under
    /// [`window_key`](crate::windows::publish::window_key).
    fn window(&mut self, closed: &Closed) -> Result<(), Self::Error>;

    /// A crossing's statistics hour, to publish under
    /// [`hour_key`](super::hours::hour_key) on the statistics topic.
    fn hour(&mut self, hour: &HourRecord) -> Result<(), Self::Error>;

    /// A protection referral, to publish keyed by its crossing on the
    /// referrals topic.
    fn referral(&mut self, referral: &Referral) -> Result<(), Self::Error>;

    /// A crossing's detector state, to publish under
    /// [`snapshot_key`](crate::windows::publish::snapshot_key).
    fn snapshot(&mut self, snapshot: &CrossingWindowRecord) -> Result<(), Self::Error>;

    /// An inspection's copy for the per-document rules, keyed by document.
    fn by_document(&mut self, document_key: &[u8], payload: &[u8]) -> Result<(), Self::Error>;

    /// `record` cannot be processed: to the dead-letter topic, with a kind
    /// (a bounded label) and the reason.
    fn dead_letter(
        &mut self,
        record: &Record<'_>,
        kind: &'static str,
        reason: &str,
    ) -> Result<(), Self::Error>;
}

/// For unit tests: keeps the anomalies, referrals and escorts (by the
/// adult's document key), drops windows, hours, snapshots and the
/// inspections' by-document copies, and fails on a dead letter (none is
/// expected).
#[cfg(test)]
#[derive(Default)]
pub struct Collected {
    pub anomalies: Vec<Anomaly>,
    pub referrals: Vec<Referral>,
    pub escorts: Vec<(Vec<u8>, borderflow_proto::inspection::v1::Escort)>,
}

#[cfg(test)]
impl Effects for Collected {
    type Error = std::convert::Infallible;

    fn anomaly(&mut self, anomaly: &Anomaly) -> Result<(), Self::Error> {
        self.anomalies.push(anomaly.clone());
        Ok(())
    }
    fn window(&mut self, _: &Closed) -> Result<(), Self::Error> {
        Ok(())
    }
    fn hour(&mut self, _: &HourRecord) -> Result<(), Self::Error> {
        Ok(())
    }
    fn referral(&mut self, referral: &Referral) -> Result<(), Self::Error> {
        self.referrals.push(referral.clone());
        Ok(())
    }
    fn snapshot(&mut self, _: &CrossingWindowRecord) -> Result<(), Self::Error> {
        Ok(())
    }
    fn by_document(&mut self, key: &[u8], payload: &[u8]) -> Result<(), Self::Error> {
        use borderflow_proto::Message as _;
        use borderflow_proto::inspection::v1::{InspectionRecord, inspection_record::Body};
        if let Ok(InspectionRecord {
            body: Some(Body::Escort(escort)),
        }) = InspectionRecord::decode(payload)
        {
            self.escorts.push((key.to_vec(), escort));
        }
        Ok(())
    }
    fn dead_letter(
        &mut self,
        _: &Record<'_>,
        kind: &'static str,
        _: &str,
    ) -> Result<(), Self::Error> {
        panic!("dead letter: {kind}");
    }
}
