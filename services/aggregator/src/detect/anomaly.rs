//! Building anomalies: deterministic ids and the common fields.

use borderflow_i18n::Lang;
use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyKind, AnomalyStatus, Evidence, Message, Severity,
};
use borderflow_proto::ms_to_timestamp;
use sha2::{Digest, Sha256};

/// An id derived from the anomaly's kind and inputs, so a replay produces
/// the same id and downstream readers upsert instead of duplicating.
pub fn anomaly_id(kind: AnomalyKind, parts: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    hash.update(kind.as_str_name().as_bytes());
    for part in parts {
        hash.update([0x1f]);
        hash.update(part);
    }
    hex::encode(&hash.finalize()[..16])
}

/// The fields every anomaly has.
pub struct Draft<'a> {
    pub kind: AnomalyKind,
    pub severity: Severity,
    pub crossing_id: &'a str,
    pub event_ms: i64,
    pub detected_ms: i64,
    /// The explanation, from the catalogues: stored in English, rendered
    /// in the language a reader asks for.
    pub message: Message,
    pub evidence: Evidence,
}

impl Draft<'_> {
    /// The anomaly with the id derived from `parts`.
    pub fn build(self, parts: &[&[u8]]) -> Anomaly {
        Anomaly {
            id: anomaly_id(self.kind, parts),
            kind: self.kind as i32,
            severity: self.severity as i32,
            crossing_id: self.crossing_id.to_owned(),
            event_time: Some(ms_to_timestamp(self.event_ms)),
            detected_at: Some(ms_to_timestamp(self.detected_ms)),
            explanation: borderflow_i18n::render(Lang::En, &self.message),
            evidence: Some(self.evidence),
            status: AnomalyStatus::Open as i32,
            revision: 1,
            message: Some(self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_separate_inputs() {
        let a = anomaly_id(AnomalyKind::FlowSurge, &[b"KZ-KOR", b"123"]);
        assert_eq!(a, anomaly_id(AnomalyKind::FlowSurge, &[b"KZ-KOR", b"123"]));
        assert_ne!(a, anomaly_id(AnomalyKind::FlowDrop, &[b"KZ-KOR", b"123"]));
        assert_ne!(a, anomaly_id(AnomalyKind::FlowSurge, &[b"KZ-KO", b"R123"]));
        assert_eq!(a.len(), 32);
    }
}
