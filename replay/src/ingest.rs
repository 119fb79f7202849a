//! What ingest makes of a checkpoint's event before it reaches the
//! inspections topic: validated, the document read, personal data replaced
//! by keys ([`RecordBuilder`], ingest's own code). Built once per run, so
//! the keys are not cloned per event.

use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::twins::PairKeys;
use borderflow_ingest::record::RecordBuilder;
use borderflow_ingest::validate::{Limits, validate_event};
use borderflow_proto::inspection::v1::{Inspection, InspectionEvent};

/// Ingest's transformation, with one secret and the twin pairs' keys.
#[derive(Clone, Debug)]
pub struct Ingest {
    builder: RecordBuilder,
    limits: Limits,
}

impl Ingest {
    pub fn new(keys: Pseudonymiser, pairs: PairKeys) -> Self {
        Self {
            builder: RecordBuilder::new(keys, false).with_pairs(pairs),
            limits: Limits::default(),
        }
    }

    /// The record ingest publishes for `event`, stamped as ingested at
    /// `ingested_at_ms`; `None` when ingest refuses the event (it never
    /// reaches the stream).
    pub fn inspection(&self, event: InspectionEvent, ingested_at_ms: i64) -> Option<Inspection> {
        let times = validate_event(&event, &self.limits).ok()?;
        Some(self.builder.build(event, times, ingested_at_ms))
    }
}
