//! What changed between two runs over the same range, pure.
//!
//! Each run's anomalies are its latest version of each (retracted ones
//! left out, as the scorecard leaves them out). Anomaly ids derive from
//! their inputs, so an anomaly both runs raised has the same id in both:
//! those match first. Of the rest, a baseline anomaly and a what-if anomaly
//! of the same kind, crossing and subject (the document, person, officer
//! or booth the evidence names, when it names one) whose event times lie
//! within the tolerance are the same finding **moved** (a surge flagged a
//! period later under a stricter threshold has a new id); they are paired
//! one to one, in time order, as many as can be. What is left is **lost**
//! (only the baseline raised it) or **gained** (only the what-if did).

use std::collections::BTreeMap;

use borderflow_domain::time::format_rfc3339;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, AnomalyStatus, Severity};
use borderflow_proto::timestamp_to_ms;
use serde::Serialize;

/// The default tolerance for a moved anomaly: one hour of event time (four
/// of the default detection periods).
pub const DEFAULT_TOLERANCE_MS: i64 = 3_600_000;

/// An anomaly as the report lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Listed {
    pub id: String,
    /// `FLOW_SURGE`.
    pub kind: String,
    pub crossing_id: String,
    /// The document, person, officer or booth the evidence names; empty
    /// when it names none.
    pub subject: String,
    /// RFC 3339, UTC.
    pub event_time: String,
    #[serde(skip)]
    pub event_ms: i64,
    /// `high`.
    pub severity: String,
    pub explanation: String,
}

/// One finding both runs made, at different event times.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Moved {
    pub baseline: Listed,
    pub what_if: Listed,
    /// The what-if's event time less the baseline's.
    pub shift_seconds: i64,
}

/// One anomaly kind's counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KindCounts {
    pub kind: String,
    pub baseline: usize,
    pub what_if: usize,
    pub gained: usize,
    pub lost: usize,
    pub moved: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Diff {
    pub tolerance_seconds: i64,
    /// Every kind either run raised, in the catalogue's order.
    pub kinds: Vec<KindCounts>,
    /// Raised by both runs, same id.
    pub unchanged: usize,
    pub gained: Vec<Listed>,
    pub lost: Vec<Listed>,
    pub moved: Vec<Moved>,
}

impl Diff {
    /// No anomaly gained, lost or moved.
    pub fn is_empty(&self) -> bool {
        self.gained.is_empty() && self.lost.is_empty() && self.moved.is_empty()
    }

    /// The counts of `kind` (`FLOW_SURGE`), zero when neither run raised it.
    pub fn kind(&self, kind: &str) -> KindCounts {
        self.kinds
            .iter()
            .find(|k| k.kind == kind)
            .cloned()
            .unwrap_or_else(|| KindCounts {
                kind: kind.to_owned(),
                ..KindCounts::default()
            })
    }
}

/// The difference from `baseline`'s anomalies to `what_if`'s, moving
/// findings up to `tolerance_ms` of event time.
pub fn diff(baseline: &[Anomaly], what_if: &[Anomaly], tolerance_ms: i64) -> Diff {
    let baseline = standing(baseline);
    let what_if = standing(what_if);
    let mut kinds: BTreeMap<i32, KindCounts> = BTreeMap::new();
    for a in &baseline {
        count(&mut kinds, a.kind).baseline += 1;
    }
    for a in &what_if {
        count(&mut kinds, a.kind).what_if += 1;
    }
    let ids: std::collections::HashSet<&str> = what_if.iter().map(|a| a.id.as_str()).collect();
    let both: std::collections::HashSet<&str> = baseline
        .iter()
        .map(|a| a.id.as_str())
        .filter(|id| ids.contains(id))
        .collect();
    // The rest, by kind, crossing and subject.
    type Group<'a> = (Vec<&'a Anomaly>, Vec<&'a Anomaly>);
    let mut groups: BTreeMap<(i32, &str, &str), Group<'_>> = BTreeMap::new();
    for a in baseline.iter().filter(|a| !both.contains(a.id.as_str())) {
        groups.entry(group_of(a)).or_default().0.push(a);
    }
    for a in what_if.iter().filter(|a| !both.contains(a.id.as_str())) {
        groups.entry(group_of(a)).or_default().1.push(a);
    }
    let mut out = Diff {
        tolerance_seconds: tolerance_ms / 1_000,
        unchanged: both.len(),
        ..Diff::default()
    };
    for ((kind, _, _), (mut lost, mut gained)) in groups {
        lost.sort_by_key(|a| (event_ms(a), a.id.as_str()));
        gained.sort_by_key(|a| (event_ms(a), a.id.as_str()));
        let (pairs, lost, gained) = pair_within(&lost, &gained, tolerance_ms);
        let counts = count(&mut kinds, kind);
        counts.moved += pairs.len();
        counts.lost += lost.len();
        counts.gained += gained.len();
        out.moved.extend(pairs.into_iter().map(|(b, w)| Moved {
            shift_seconds: (event_ms(w) - event_ms(b)) / 1_000,
            baseline: listed(b),
            what_if: listed(w),
        }));
        out.lost.extend(lost.into_iter().map(listed));
        out.gained.extend(gained.into_iter().map(listed));
    }
    let order = |a: &Listed| {
        (
            a.event_ms,
            a.kind.clone(),
            a.crossing_id.clone(),
            a.id.clone(),
        )
    };
    out.lost.sort_by_key(order);
    out.gained.sort_by_key(order);
    out.moved.sort_by_key(|m| order(&m.baseline));
    out.kinds = kinds.into_values().collect();
    out
}

fn count(kinds: &mut BTreeMap<i32, KindCounts>, kind: i32) -> &mut KindCounts {
    kinds.entry(kind).or_insert_with(|| KindCounts {
        kind: AnomalyKind::name_of(kind).to_owned(),
        ..KindCounts::default()
    })
}

/// Pairs `lost` with `gained` (each in event-time order) where their times
/// lie within `tolerance_ms`: a sweep that pairs as many as can be paired
/// (each pairs with the earliest partner still free in reach). Returns the
/// pairs and what is left of each side.
#[allow(clippy::type_complexity)]
fn pair_within<'a>(
    lost: &[&'a Anomaly],
    gained: &[&'a Anomaly],
    tolerance_ms: i64,
) -> (
    Vec<(&'a Anomaly, &'a Anomaly)>,
    Vec<&'a Anomaly>,
    Vec<&'a Anomaly>,
) {
    let (mut pairs, mut left_lost, mut left_gained) = (Vec::new(), Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < lost.len() && j < gained.len() {
        let (b, w) = (event_ms(lost[i]), event_ms(gained[j]));
        if (w - b).abs() <= tolerance_ms {
            pairs.push((lost[i], gained[j]));
            i += 1;
            j += 1;
        } else if b < w {
            left_lost.push(lost[i]);
            i += 1;
        } else {
            left_gained.push(gained[j]);
            j += 1;
        }
    }
    left_lost.extend_from_slice(&lost[i..]);
    left_gained.extend_from_slice(&gained[j..]);
    (pairs, left_lost, left_gained)
}

/// The anomalies that stand: retracted ones are left out.
fn standing(anomalies: &[Anomaly]) -> Vec<&Anomaly> {
    anomalies
        .iter()
        .filter(|a| a.status != AnomalyStatus::Retracted as i32)
        .collect()
}

fn group_of(a: &Anomaly) -> (i32, &str, &str) {
    (a.kind, a.crossing_id.as_str(), subject(a))
}

/// The document, person, officer or booth the evidence names, if any.
fn subject(a: &Anomaly) -> &str {
    a.evidence
        .as_ref()
        .and_then(|e| {
            [
                &e.document_key,
                &e.person_key,
                &e.officer_id,
                &e.checkpoint_id,
            ]
            .into_iter()
            .find(|s| !s.is_empty())
        })
        .map_or("", String::as_str)
}

fn event_ms(a: &Anomaly) -> i64 {
    a.event_time.as_ref().and_then(timestamp_to_ms).unwrap_or(0)
}

pub(crate) fn listed(a: &Anomaly) -> Listed {
    let at = event_ms(a);
    Listed {
        id: a.id.clone(),
        kind: AnomalyKind::name_of(a.kind).to_owned(),
        crossing_id: a.crossing_id.clone(),
        subject: subject(a).to_owned(),
        event_time: format_rfc3339(at),
        event_ms: at,
        severity: Severity::label_of(a.severity).to_owned(),
        explanation: a.explanation.clone(),
    }
}

#[cfg(test)]
mod tests;
