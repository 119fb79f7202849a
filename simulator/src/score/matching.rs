//! Whether an anomaly concerns an occurrence: by the events its evidence
//! names, or — for kinds judged per crossing, booth or officer — by where
//! it was judged and the period it judged. When it was detected plays no
//! part: that only measures the delay.

use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, Evidence};
use borderflow_proto::timestamp_to_ms;

use crate::truth::Occurrence;

pub(super) fn time_of(ts: Option<&borderflow_proto::Timestamp>) -> Option<i64> {
    ts.and_then(timestamp_to_ms)
}

/// Whether `anomaly`, of `kind`, concerns `o`: its evidence names one of
/// the occurrence's events, or (crossing-level kinds) it concerns the
/// occurrence's crossing, booth and officer where the occurrence names
/// them, and the period it judged is [`judged_within`] the occurrence's
/// span.
pub(super) fn matches(
    anomaly: &Anomaly,
    kind: AnomalyKind,
    o: &Occurrence,
    period_ms: i64,
) -> bool {
    let none = Evidence::default();
    let evidence = anomaly.evidence.as_ref().unwrap_or(&none);
    if evidence.event_ids.iter().any(|id| o.event_ids.contains(id)) {
        return true;
    }
    if !kind.scope().is_crossing_level() {
        return false;
    }
    let here = o.crossings.contains(&anomaly.crossing_id)
        || evidence
            .crossing_ids
            .iter()
            .any(|c| o.crossings.contains(c));
    let officer_ok = kind != AnomalyKind::OfficerOverride
        || o.officer
            .as_ref()
            .is_none_or(|id| *id == evidence.officer_id);
    let booth_ok = kind != AnomalyKind::CheckpointSilent
        || o.checkpoint
            .as_ref()
            .is_none_or(|id| *id == evidence.checkpoint_id);
    let in_time = time_of(anomaly.event_time.as_ref())
        .is_some_and(|since| judged_within(since, period_ms, o.start_ms, o.end_ms));
    here && officer_ok && booth_ok && in_time
}

/// Whether a crossing-level condition first held in the period of
/// `period_ms` starting at `since_ms` concerns an occurrence spanning
/// `[start_ms, end_ms)`: that period overlaps the span widened by one
/// period on each side (periods are not aligned with incidents, and a
/// condition can first show in the period next to one). The one rule by
/// which the scorecard and the tests match anomalies to incidents in time.
pub fn judged_within(since_ms: i64, period_ms: i64, start_ms: i64, end_ms: i64) -> bool {
    let (from, to) = (since_ms, since_ms.saturating_add(period_ms.max(1)));
    from < end_ms.saturating_add(period_ms) && start_ms.saturating_sub(period_ms) < to
}
