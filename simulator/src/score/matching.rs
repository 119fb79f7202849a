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

/// The event time a crossing-level anomaly judged: the aggregator stamps
/// it with the start of the first period in which the condition held, and
/// its evidence carries no end, so one detection period from there.
pub(super) fn judged(anomaly: &Anomaly, period_ms: i64) -> Option<(i64, i64)> {
    let start = time_of(anomaly.event_time.as_ref())?;
    Some((start, start.saturating_add(period_ms.max(1))))
}

/// Whether `anomaly`, of `kind`, concerns `o`: its evidence names one of
/// the occurrence's events, or (crossing-level kinds) it concerns the
/// occurrence's crossing, booth and officer where the occurrence names
/// them, and the period it judged overlaps the occurrence's span widened
/// by one period on each side (periods are not aligned with incidents, and
/// a condition can first show in the period next to one).
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
    let in_time = judged(anomaly, period_ms).is_some_and(|(from, to)| {
        let span = (o.start_ms - period_ms, o.end_ms + period_ms);
        from < span.1 && span.0 < to
    });
    here && officer_ok && booth_ok && in_time
}
