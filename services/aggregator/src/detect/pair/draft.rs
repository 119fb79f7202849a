//! A twin pair's anomalies as operators read them: the catalogue message,
//! the evidence naming both posts, the severity.

use borderflow_i18n::{Args, message};
use borderflow_proto::analytics::v1::{AnomalyKind, Evidence, Measurement, Severity};

use super::FlowId;
use super::judge::{Check, Window};
use crate::detect::DetectConfig;
use crate::detect::anomaly::Draft;

pub(super) fn measure(name: &str, value: f64, unit: &str) -> Measurement {
    Measurement {
        name: name.to_owned(),
        value,
        unit: unit.to_owned(),
    }
}

pub(super) fn clock(ms: i64) -> String {
    let minutes = ms.div_euclid(60_000);
    format!(
        "{} {:02}:{:02} UTC",
        borderflow_domain::time::Date::from_epoch_ms(ms),
        minutes.div_euclid(60).rem_euclid(24),
        minutes.rem_euclid(60)
    )
}

/// A gap's anomaly: the window judged, ending at `end_ms`, judged at
/// `detected_ms`.
pub(super) fn gap_draft<'f>(
    id: &'f FlowId,
    check: Check,
    (end_ms, detected_ms): (i64, i64),
    window: Window,
    config: &DetectConfig,
) -> (Draft<'f>, Severity) {
    let Window {
        start_ms,
        began_ms,
        missing,
        total,
        expected,
    } = window;
    let key = match check {
        Check::Gone => "mirror-gap-gone",
        _ => "mirror-gap-unrecorded",
    };
    let severity = if missing >= 20 || missing as f64 >= 0.1 * total as f64 {
        Severity::High
    } else {
        Severity::Medium
    };
    let draft = Draft {
        kind: AnomalyKind::MirrorGap,
        severity,
        crossing_id: &id.told,
        event_ms: began_ms,
        detected_ms,
        message: message(key)
            .number("missing", missing as f64)
            .number("total", total as f64)
            .crossing("from", &id.from, &id.from)
            .crossing("to", &id.to, &id.to)
            .text("start", clock(start_ms))
            .number("minutes", ((end_ms - start_ms) / 60_000) as f64)
            .number(
                "hours",
                match check {
                    Check::Gone => config.mirror_horizon,
                    _ => config.mirror_lookback,
                }
                .as_secs_f64()
                    / 3_600.0,
            )
            .fixed("expected", expected, 1),
        evidence: Evidence {
            values: vec![
                measure(
                    match check {
                        Check::Gone => "left",
                        _ => "arrived",
                    },
                    total as f64,
                    "travellers",
                ),
                measure("missing", missing as f64, "travellers"),
                measure("expected", expected, "travellers"),
                measure(
                    "period_minutes",
                    ((end_ms - start_ms) / 60_000) as f64,
                    "min",
                ),
            ],
            baseline: Some(expected),
            threshold: Some(config.mirror_min_missing as f64),
            crossing_ids: vec![id.from.clone(), id.to.clone()],
            reference: format!("{}:{}", id.pair_id, check.label()),
            ..Evidence::default()
        },
    };
    (draft, severity)
}

pub(super) fn transit_draft(
    id: &FlowId,
    start_ms: i64,
    detected_ms: i64,
    travellers: usize,
    median: f64,
    usual: f64,
) -> (Draft<'_>, Severity) {
    let severity = if median >= 3.0 * usual {
        Severity::High
    } else {
        Severity::Medium
    };
    let minutes = |ms: f64| ms / 60_000.0;
    let draft = Draft {
        kind: AnomalyKind::TransitDelay,
        severity,
        crossing_id: &id.told,
        event_ms: start_ms,
        detected_ms,
        message: message("transit-delay")
            .crossing("from", &id.from, &id.from)
            .crossing("to", &id.to, &id.to)
            .text("start", clock(start_ms))
            .fixed("median", minutes(median), 0)
            .number("travellers", travellers as f64)
            .fixed("usual", minutes(usual), 0),
        evidence: Evidence {
            values: vec![
                measure("median_transit", minutes(median), "min"),
                measure("usual_transit", minutes(usual), "min"),
                measure("travellers", travellers as f64, "travellers"),
            ],
            baseline: Some(minutes(usual)),
            crossing_ids: vec![id.from.clone(), id.to.clone()],
            reference: format!("{}:{}", id.pair_id, Check::Transit.label()),
            ..Evidence::default()
        },
    };
    (draft, severity)
}
