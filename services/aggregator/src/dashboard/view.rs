//! What the dashboard shows of a crossing, built from the stores' records:
//! a compact summary per crossing with a state class, and chart points per
//! window. Pure, so the figures an operator sees are unit-tested.

use std::collections::{BTreeMap, HashMap};

use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyStatus, Crossing, CrossingWindow, Distribution, Severity, WindowState,
};
use borderflow_proto::inspection::v1::{ReferralCategory, TravelMode};
use borderflow_proto::timestamp_to_ms;
use serde::Serialize;

/// How long (event time) a serious anomaly keeps its crossing in `alert`.
pub(crate) const ALERT_HOLD_MS: i64 = 15 * 60_000;
/// Anomalies at least this severe put a crossing in `alert`.
pub(crate) const ALERT_SEVERITY: Severity = Severity::High;
/// Share of designed capacity above which a crossing is `busy`.
const BUSY_UTILISATION: f64 = 0.8;
/// 95th percentile queue wait above which a crossing is `busy`.
const BUSY_WAIT_P95_SECONDS: f64 = 20.0 * 60.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum State {
    Ok,
    Busy,
    Alert,
}

/// One row of the overview. Figures are rounded so that noise below what
/// the table shows does not count as a change worth sending.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct CrossingView {
    pub(crate) id: String,
    pub(crate) name: String,
    /// The name in other languages, by code (`ru`), from the registry.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) names: BTreeMap<String, String>,
    pub(crate) country: String,
    pub(crate) neighbour: String,
    /// Absent for a crossing only known from its traffic.
    pub(crate) lat: Option<f64>,
    pub(crate) lon: Option<f64>,
    pub(crate) mode: &'static str,
    pub(crate) capacity_per_hour: u32,
    /// Inspections per minute in the last closed window, or in the open
    /// window (`provisional`) before the first one closes.
    pub(crate) rate_per_min: f64,
    pub(crate) provisional: bool,
    /// End of the window the figures come from (epoch ms).
    pub(crate) window_end_ms: Option<i64>,
    /// Inspections so far in the open window.
    pub(crate) open_inspections: u64,
    /// Counts of the last closed window.
    pub(crate) inspections: u64,
    pub(crate) admitted: u64,
    pub(crate) refused: u64,
    pub(crate) referred: u64,
    pub(crate) wait_p50_s: Option<f64>,
    pub(crate) wait_p95_s: Option<f64>,
    pub(crate) open_anomalies: u32,
    pub(crate) state: State,
}

/// Everything a summary is built from.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Inputs<'a> {
    pub(crate) crossing: Option<&'a Crossing>,
    pub(crate) open: Option<&'a CrossingWindow>,
    pub(crate) closed: Option<&'a CrossingWindow>,
    pub(crate) open_anomalies: u32,
    /// A serious anomaly was seen recently.
    pub(crate) alert: bool,
}

pub(crate) fn summarise(id: &str, inputs: Inputs<'_>) -> CrossingView {
    let crossing = inputs.crossing;
    let basis = inputs.closed.or(inputs.open);
    let rate_per_min = basis.map_or(0.0, |w| round1(w.inspections as f64 / minutes(w)));
    let closed = inputs.closed;
    let wait = closed
        .and_then(|w| w.queue_wait.as_ref())
        .filter(|d| d.count > 0);
    let capacity_per_hour = crossing.map_or(0, |c| c.capacity_per_hour);
    let wait_p95_s = wait.map(|d| d.p95_seconds.round());
    let state = if inputs.alert {
        State::Alert
    } else if (capacity_per_hour > 0
        && rate_per_min * 60.0 >= BUSY_UTILISATION * f64::from(capacity_per_hour))
        || wait_p95_s.is_some_and(|p95| p95 >= BUSY_WAIT_P95_SECONDS)
    {
        State::Busy
    } else {
        State::Ok
    };
    CrossingView {
        id: id.to_owned(),
        name: crossing.map_or_else(String::new, |c| c.name.clone()),
        names: crossing.map_or_else(BTreeMap::new, |c| {
            c.names
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        }),
        country: crossing.map_or_else(String::new, |c| c.country.clone()),
        neighbour: crossing.map_or_else(String::new, |c| c.neighbour_country.clone()),
        lat: crossing.map(|c| c.latitude),
        lon: crossing.map(|c| c.longitude),
        mode: crossing.map_or("unknown", |c| mode_label(c.mode)),
        capacity_per_hour,
        rate_per_min,
        provisional: closed.is_none() && inputs.open.is_some(),
        window_end_ms: basis.and_then(|w| w.end.as_ref()).and_then(timestamp_to_ms),
        open_inspections: inputs.open.map_or(0, |w| w.inspections),
        inspections: closed.map_or(0, |w| w.inspections),
        admitted: closed.map_or(0, |w| w.admitted),
        refused: closed.map_or(0, |w| w.refused),
        referred: closed.map_or(0, |w| w.referred),
        wait_p50_s: wait.map(|d| d.p50_seconds.round()),
        wait_p95_s,
        open_anomalies: inputs.open_anomalies,
        state,
    }
}

/// The stream's event-time clock as far as one crossing's windows show it:
/// an open window has seen events from its start, a closed one to its end.
pub(crate) fn window_clock(window: &CrossingWindow) -> Option<i64> {
    let edge = if window.state == WindowState::Open as i32 {
        window.start.as_ref()
    } else {
        window.end.as_ref()
    };
    edge.and_then(timestamp_to_ms)
}

/// The newest serious anomaly per crossing, to tell which are in `alert`.
#[derive(Debug, Default)]
pub(crate) struct Alerts {
    newest_ms: HashMap<String, i64>,
}

impl Alerts {
    /// Takes note of `anomaly`; returns whether it is serious enough.
    pub(crate) fn note(&mut self, anomaly: &Anomaly) -> bool {
        if anomaly.severity < ALERT_SEVERITY as i32
            || anomaly.status == AnomalyStatus::Retracted as i32
        {
            return false;
        }
        let Some(t) = anomaly.event_time.as_ref().and_then(timestamp_to_ms) else {
            return false;
        };
        let newest = self
            .newest_ms
            .entry(anomaly.crossing_id.clone())
            .or_insert(t);
        *newest = (*newest).max(t);
        true
    }

    /// Whether `crossing` had a serious anomaly within the hold before `clock_ms`.
    pub(crate) fn active(&self, crossing: &str, clock_ms: i64) -> bool {
        self.newest_ms
            .get(crossing)
            .is_some_and(|t| *t >= clock_ms.saturating_sub(ALERT_HOLD_MS))
    }
}

/// One window of a crossing, for its charts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct WindowPoint {
    pub(crate) start_ms: Option<i64>,
    pub(crate) end_ms: Option<i64>,
    pub(crate) open: bool,
    pub(crate) inspections: u64,
    pub(crate) rate_per_min: f64,
    pub(crate) refused: u64,
    pub(crate) duration_p50_s: Option<f64>,
    pub(crate) duration_p95_s: Option<f64>,
    pub(crate) wait_p50_s: Option<f64>,
    pub(crate) wait_p95_s: Option<f64>,
    pub(crate) wait_p99_s: Option<f64>,
    /// Protection figures: requests, unaccompanied or separated minors,
    /// entries without valid documents, referrals by service.
    pub(crate) protection_requests: u64,
    pub(crate) unaccompanied_minors: u64,
    pub(crate) undocumented_entries: u64,
    pub(crate) referrals: BTreeMap<&'static str, u64>,
}

impl WindowPoint {
    /// Drops the protection figures (a role that does not read anomalies).
    pub(crate) fn hide_protection(&mut self) {
        self.protection_requests = 0;
        self.unaccompanied_minors = 0;
        self.undocumented_entries = 0;
        self.referrals.clear();
    }
}

impl From<&CrossingWindow> for WindowPoint {
    fn from(w: &CrossingWindow) -> Self {
        let percentile = |d: Option<&Distribution>, pick: fn(&Distribution) -> f64| {
            d.filter(|d| d.count > 0).map(|d| round1(pick(d)))
        };
        let duration = w.inspection_duration.as_ref();
        let wait = w.queue_wait.as_ref();
        Self {
            start_ms: w.start.as_ref().and_then(timestamp_to_ms),
            end_ms: w.end.as_ref().and_then(timestamp_to_ms),
            open: w.state == WindowState::Open as i32,
            inspections: w.inspections,
            rate_per_min: round1(w.inspections as f64 / minutes(w)),
            refused: w.refused,
            duration_p50_s: percentile(duration, |d| d.p50_seconds),
            duration_p95_s: percentile(duration, |d| d.p95_seconds),
            wait_p50_s: percentile(wait, |d| d.p50_seconds),
            wait_p95_s: percentile(wait, |d| d.p95_seconds),
            wait_p99_s: percentile(wait, |d| d.p99_seconds),
            protection_requests: w.protection_requests,
            unaccompanied_minors: w.unaccompanied_minors,
            undocumented_entries: w.undocumented_entries,
            referrals: w
                .referrals
                .iter()
                .map(|r| {
                    let category = ReferralCategory::try_from(r.category).unwrap_or_default();
                    (category.label(), r.count)
                })
                .collect(),
        }
    }
}

/// The window's length in minutes (one minute when it says nothing useful).
fn minutes(w: &CrossingWindow) -> f64 {
    let start = w.start.as_ref().and_then(timestamp_to_ms);
    let end = w.end.as_ref().and_then(timestamp_to_ms);
    match (start, end) {
        (Some(s), Some(e)) if e > s => (e - s) as f64 / 60_000.0,
        _ => 1.0,
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

pub(crate) fn mode_label(mode: i32) -> &'static str {
    match TravelMode::try_from(mode).unwrap_or_default() {
        TravelMode::Unspecified => "unknown",
        TravelMode::Air => "air",
        TravelMode::Road => "road",
        TravelMode::Rail => "rail",
        TravelMode::Sea => "sea",
        TravelMode::Pedestrian => "pedestrian",
    }
}

#[cfg(test)]
mod tests;
