//! Anomalies as the dashboard shows them, and the `/api/anomalies` query.
//! Evidence keeps pseudonymous keys to a short prefix: enough to tell two
//! apart on a screen, not enough to look anything up.

use borderflow_i18n::Lang;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, AnomalyStatus, Severity};
use borderflow_proto::timestamp_to_ms;
use serde::{Deserialize, Serialize};

use crate::detect::References;
use crate::store::AnomalyQuery;

/// Hex digits of a document or person key the dashboard shows.
const KEY_PREFIX: usize = 8;
/// Event ids listed in the evidence (the count says how many there were).
const EVENT_IDS_SHOWN: usize = 10;
pub(crate) const DEFAULT_LIMIT: usize = 100;
pub(crate) const MAX_LIMIT: usize = 1_000;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct AnomalyView {
    pub(crate) id: String,
    /// `DOCUMENT_EXPIRED`, `FLOW_SURGE`, …
    pub(crate) kind: &'static str,
    /// `info` … `critical`, and its rank (1–5) for sorting and filtering.
    pub(crate) severity: &'static str,
    pub(crate) severity_rank: i32,
    pub(crate) crossing_id: String,
    pub(crate) event_time_ms: Option<i64>,
    pub(crate) detected_at_ms: Option<i64>,
    pub(crate) explanation: String,
    pub(crate) status: &'static str,
    pub(crate) revision: u32,
    pub(crate) evidence: EvidenceView,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct EvidenceView {
    pub(crate) event_count: usize,
    pub(crate) event_ids: Vec<String>,
    pub(crate) values: Vec<MeasurementView>,
    pub(crate) baseline: Option<f64>,
    pub(crate) threshold: Option<f64>,
    pub(crate) document_key: Option<String>,
    pub(crate) person_key: Option<String>,
    pub(crate) crossing_ids: Vec<String>,
    pub(crate) officer_id: Option<String>,
    pub(crate) checkpoint_id: Option<String>,
    pub(crate) reference: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct MeasurementView {
    pub(crate) name: String,
    pub(crate) value: f64,
    pub(crate) unit: String,
}

impl AnomalyView {
    /// The view of `a` with its explanation in `lang`.
    pub(crate) fn of(a: &Anomaly, lang: Lang, refs: &dyn References) -> Self {
        if lang == Lang::En {
            Self::from(a)
        } else {
            Self::from(&crate::grpc::language::localised(a, lang, refs))
        }
    }
}

impl From<&Anomaly> for AnomalyView {
    fn from(a: &Anomaly) -> Self {
        let severity = Severity::try_from(a.severity).unwrap_or_default();
        let e = a.evidence.clone().unwrap_or_default();
        let text = |s: String| (!s.is_empty()).then_some(s);
        Self {
            id: a.id.clone(),
            kind: AnomalyKind::name_of(a.kind),
            severity: severity.label(),
            severity_rank: severity as i32,
            crossing_id: a.crossing_id.clone(),
            event_time_ms: a.event_time.as_ref().and_then(timestamp_to_ms),
            detected_at_ms: a.detected_at.as_ref().and_then(timestamp_to_ms),
            explanation: a.explanation.clone(),
            status: if a.status == AnomalyStatus::Retracted as i32 {
                "retracted"
            } else {
                "open"
            },
            revision: a.revision,
            evidence: EvidenceView {
                event_count: e.event_ids.len(),
                event_ids: e.event_ids.into_iter().take(EVENT_IDS_SHOWN).collect(),
                values: e
                    .values
                    .into_iter()
                    .map(|m| MeasurementView {
                        name: m.name,
                        value: m.value,
                        unit: m.unit,
                    })
                    .collect(),
                baseline: e.baseline,
                threshold: e.threshold,
                document_key: key_prefix(&e.document_key),
                person_key: key_prefix(&e.person_key),
                crossing_ids: e.crossing_ids,
                officer_id: text(e.officer_id),
                checkpoint_id: text(e.checkpoint_id),
                reference: text(e.reference),
            },
        }
    }
}

/// The first hex digits of a key, marked as cut.
fn key_prefix(key: &str) -> Option<String> {
    if key.is_empty() {
        return None;
    }
    Some(match key.char_indices().nth(KEY_PREFIX) {
        Some((cut, _)) => format!("{}…", &key[..cut]),
        None => key.to_owned(),
    })
}

/// One kind as the dashboard lists it (`GET /api/kinds`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct KindView {
    /// `FLOW_SURGE`
    pub(crate) name: &'static str,
    /// `flow_surge`
    pub(crate) label: &'static str,
    /// `event`, `document`, `crossing`, `booth` or `officer`.
    pub(crate) scope: &'static str,
}

/// Every anomaly kind of the contract, in its order.
pub(crate) fn kinds() -> Vec<KindView> {
    AnomalyKind::ALL
        .into_iter()
        .map(|kind| KindView {
            name: kind.name(),
            label: kind.label(),
            scope: kind.scope().label(),
        })
        .collect()
}

/// `/api/anomalies` parameters; lists are comma-separated.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct AnomalyParams {
    pub(crate) kind: Option<String>,
    pub(crate) crossing: Option<String>,
    /// The least severity: a name (`high`) or a rank (`4`).
    pub(crate) severity: Option<String>,
    pub(crate) limit: Option<usize>,
}

impl AnomalyParams {
    /// The store query and the page size, or what is wrong with the request.
    pub(crate) fn parse(&self) -> Result<(AnomalyQuery, usize), String> {
        let mut query = AnomalyQuery::default();
        for kind in items(self.kind.as_deref()) {
            let kind = AnomalyKind::parse(kind)
                .ok_or_else(|| format!("kind: unknown anomaly kind {kind}"))?;
            query.kinds.push(kind as i32);
        }
        query.crossing_ids = items(self.crossing.as_deref()).map(str::to_owned).collect();
        if let Some(severity) = self.severity.as_deref().filter(|s| !s.is_empty()) {
            query.min_severity = Severity::parse(severity)
                .ok_or_else(|| format!("severity: unknown severity {severity}"))?
                as i32;
        }
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        Ok((query, limit))
    }
}

fn items(list: Option<&str>) -> impl Iterator<Item = &str> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests;
