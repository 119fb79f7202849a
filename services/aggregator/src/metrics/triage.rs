//! The triage figures: actions taken, how long anomalies wait to be
//! acknowledged, and what is open by severity, state and age. Labels are
//! bounded: action, outcome, severity, state and age band, never an
//! anomaly id or an operator.

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};

use borderflow_proto::analytics::v1::{AnomalyStatus, Severity};

use crate::store::{AnomalyStore, TriageStore};
use crate::triage::figures::{self, Figures, Item};
use crate::triage::lifecycle;

pub const TRIAGE_ACTIONS: &str = "borderflow_triage_actions_total";
pub const TRIAGE_TIME_TO_ACKNOWLEDGE: &str = "borderflow_triage_time_to_acknowledge_seconds";
pub const TRIAGE_OPEN: &str = "borderflow_triage_open_anomalies";
pub const TRIAGE_OLDEST_NEW: &str = "borderflow_triage_oldest_unacknowledged_seconds";

pub(super) fn describe() {
    describe_counter!(
        TRIAGE_ACTIONS,
        "Triage actions asked of this instance, by action and outcome: applied, refused (a wrong field or state), conflict (another action on the same anomaly won), failed (not written)."
    );
    describe_histogram!(
        TRIAGE_TIME_TO_ACKNOWLEDGE,
        metrics::Unit::Seconds,
        "Wall-clock time from an anomaly's publication to its first acknowledgement (acknowledging, escalating or dismissing it), by severity; observed by the instance that took the action."
    );
    describe_gauge!(
        TRIAGE_OPEN,
        "Anomalies not retracted, dismissed or closed, by severity, triage state (new, acknowledged, escalated) and age since publication (under_15m, 15m_to_1h, 1h_to_4h, 4h_to_1d, over_1d); every instance reports the same figures, so aggregate with max, not sum."
    );
    describe_gauge!(
        TRIAGE_OLDEST_NEW,
        metrics::Unit::Seconds,
        "How long the oldest anomaly nobody has acknowledged has waited since publication, by severity; 0 when none waits. Every instance reports the same figure."
    );
}

/// One action asked: `outcome` is applied, refused, conflict or failed.
pub fn triage_action(action: &'static str, outcome: &'static str) {
    counter!(TRIAGE_ACTIONS, "action" => action, "outcome" => outcome).increment(1);
}

/// The first acknowledgement of an anomaly of `severity`, `seconds` after
/// its publication.
pub fn acknowledged(severity: &'static str, seconds: f64) {
    histogram!(TRIAGE_TIME_TO_ACKNOWLEDGE, "severity" => severity).record(seconds.max(0.0));
}

/// The open anomalies and their waits, as computed now.
pub fn triage_figures(figures: &Figures) {
    for (&(severity, state, age), &count) in &figures.open {
        gauge!(TRIAGE_OPEN, "severity" => severity, "state" => state, "age" => age)
            .set(count as f64);
    }
    for (&severity, &seconds) in &figures.oldest_new_s {
        gauge!(TRIAGE_OLDEST_NEW, "severity" => severity).set(seconds);
    }
}

/// Computes the open anomalies and their waits from the stores at
/// `now_ms` and sets the gauges. An anomaly whose publication time is not
/// known (published before the store's capacity of times) counts from
/// `now_ms`, as new to this instance.
pub fn report_triage(anomalies: &AnomalyStore, triage: &TriageStore, now_ms: i64) -> Figures {
    let mut items = Vec::with_capacity(anomalies.len());
    anomalies.for_each(|anomaly| {
        let record = triage.get(&anomaly.id);
        items.push(Item {
            severity: Severity::try_from(anomaly.severity).unwrap_or_default(),
            retracted: anomaly.status == AnomalyStatus::Retracted as i32,
            state: lifecycle::state_of(record.as_deref()),
            raised_ms: triage.raised_ms(&anomaly.id).unwrap_or(now_ms),
        });
    });
    let figures = figures::figures(items, now_ms);
    triage_figures(&figures);
    figures
}
