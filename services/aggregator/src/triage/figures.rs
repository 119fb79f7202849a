//! What the triage figures count: every open anomaly (not retracted, not
//! dismissed or closed) by severity, triage state and how long ago it was
//! raised, and per severity how long the oldest new one has waited to be
//! acknowledged. Pure, from the anomalies and their records, at a given
//! wall-clock time.

use std::collections::BTreeMap;

use borderflow_proto::analytics::v1::Severity;
use borderflow_proto::triage::v1::TriageState;

/// Upper ends of the age bands, in seconds, with their labels; older
/// anomalies are `older`.
pub const AGE_BANDS: [(i64, &str); 4] = [
    (15 * 60, "under_15m"),
    (3_600, "15m_to_1h"),
    (4 * 3_600, "1h_to_4h"),
    (24 * 3_600, "4h_to_1d"),
];
pub const OLDER: &str = "over_1d";

/// The label of an age in seconds.
pub fn age_band(age_s: i64) -> &'static str {
    AGE_BANDS
        .iter()
        .find(|(upper, _)| age_s < *upper)
        .map_or(OLDER, |(_, label)| label)
}

/// One anomaly as the figures see it.
#[derive(Clone, Copy, Debug)]
pub struct Item {
    pub severity: Severity,
    pub retracted: bool,
    pub state: TriageState,
    /// When it was raised (wall clock).
    pub raised_ms: i64,
}

/// The figures at one moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// (severity, state, age band) → open anomalies.
    pub open: BTreeMap<(&'static str, &'static str, &'static str), u64>,
    /// Severity → seconds the oldest new anomaly has waited (0 when none).
    pub oldest_new_s: BTreeMap<&'static str, f64>,
}

/// The figures of `items` at `now_ms`. Every severity and state appears,
/// at zero when nothing is open, so a series drops to 0 rather than
/// vanishing when the last anomaly is dealt with.
pub fn figures(items: impl IntoIterator<Item = Item>, now_ms: i64) -> Figures {
    let mut out = Figures::default();
    let severities = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    for severity in severities {
        out.oldest_new_s.insert(severity.label(), 0.0);
        for state in TriageState::ALL.iter().filter(|s| s.is_open()) {
            for (_, band) in AGE_BANDS {
                out.open.insert((severity.label(), state.label(), band), 0);
            }
            out.open.insert((severity.label(), state.label(), OLDER), 0);
        }
    }
    for item in items {
        if item.retracted || !item.state.is_open() {
            continue;
        }
        let age_s = (now_ms - item.raised_ms).max(0) / 1_000;
        let severity = item.severity.label();
        *out.open
            .entry((severity, item.state.label(), age_band(age_s)))
            .or_default() += 1;
        if item.state == TriageState::New {
            let waited = out.oldest_new_s.entry(severity).or_default();
            *waited = waited.max((now_ms - item.raised_ms).max(0) as f64 / 1_000.0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(severity: Severity, state: TriageState, age_s: i64) -> Item {
        Item {
            severity,
            retracted: false,
            state,
            raised_ms: 10_000_000 - age_s * 1_000,
        }
    }

    #[test]
    fn open_anomalies_are_counted_by_severity_state_and_age() {
        let items = [
            item(Severity::High, TriageState::New, 60),
            item(Severity::High, TriageState::New, 1_200),
            item(Severity::High, TriageState::Acknowledged, 1_300),
            item(Severity::High, TriageState::Dismissed, 10),
            item(Severity::Low, TriageState::Escalated, 90_000),
            Item {
                retracted: true,
                ..item(Severity::Critical, TriageState::New, 5)
            },
        ];
        let f = figures(items, 10_000_000);
        assert_eq!(f.open[&("high", "new", "under_15m")], 1);
        assert_eq!(f.open[&("high", "new", "15m_to_1h")], 1);
        assert_eq!(f.open[&("high", "acknowledged", "15m_to_1h")], 1);
        assert_eq!(f.open[&("low", "escalated", "over_1d")], 1);
        assert_eq!(f.open[&("critical", "new", "under_15m")], 0, "retracted");
        assert_eq!(f.open.values().sum::<u64>(), 4, "dismissed is not open");
        assert_eq!(f.oldest_new_s["high"], 1_200.0);
        assert_eq!(f.oldest_new_s["low"], 0.0, "escalated is not waiting");
        assert_eq!(f.oldest_new_s["critical"], 0.0);
        // 5 severities × 3 open states × 5 bands, all present.
        assert_eq!(f.open.len(), 75);
    }

    #[test]
    fn age_bands_have_exclusive_upper_ends() {
        assert_eq!(age_band(0), "under_15m");
        assert_eq!(age_band(899), "under_15m");
        assert_eq!(age_band(900), "15m_to_1h");
        assert_eq!(age_band(86_399), "4h_to_1d");
        assert_eq!(age_band(86_400), "over_1d");
    }
}
