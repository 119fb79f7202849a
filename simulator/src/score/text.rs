//! The scorecard as a trainer reads it at the end of a run.

use std::fmt::Write as _;

use super::{AnomalyKindScore, KindScore, Scorecard};

/// Longer lists are cut here; the JSON has them whole.
const LISTED: usize = 20;

fn seconds(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7_200.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3_600.0)
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{:.0} %", v * 100.0))
}

fn rows(out: &mut String, rows: &[KindScore]) {
    let _ = writeln!(
        out,
        "  {:<34} {:>7} {:>8} {:>6} {:>5} {:>7} {:>7} {:>9} {:>11}",
        "kind",
        "planted",
        "detected",
        "missed",
        "dup",
        "false",
        "recall",
        "precision",
        "delay (p50)"
    );
    for k in rows {
        let _ = writeln!(
            out,
            "  {:<34} {:>7} {:>8} {:>6} {:>5} {:>7} {:>7} {:>9} {:>11}",
            k.kind,
            k.planted,
            k.detected,
            k.missed,
            k.duplicates,
            k.false_alarms,
            percent(Some(k.recall)),
            percent(k.precision),
            k.delay
                .as_ref()
                .map_or_else(|| "-".to_owned(), |d| seconds(d.median_seconds)),
        );
    }
}

fn anomaly_rows(out: &mut String, rows: &[AnomalyKindScore]) {
    let _ = writeln!(
        out,
        "  {:<34} {:>8} {:>8} {:>5} {:>8} {:>7} {:>9}",
        "anomaly", "expected", "detected", "dup", "excused", "false", "precision"
    );
    for k in rows {
        let _ = writeln!(
            out,
            "  {:<34} {:>8} {:>8} {:>5} {:>8} {:>7} {:>9}",
            k.anomaly,
            k.expected,
            k.true_positives,
            k.duplicates,
            k.side_effects,
            k.false_alarms,
            percent(k.precision),
        );
    }
}

/// Up to `LISTED` lines of `items`, then how many more there are.
fn listed<T>(out: &mut String, what: &str, items: &[T], line: impl Fn(&T) -> String) {
    for item in items.iter().take(LISTED) {
        let _ = writeln!(out, "{}", line(item));
    }
    if items.len() > LISTED {
        let _ = writeln!(
            out,
            "… and {} more {what} (see the JSON)",
            items.len() - LISTED
        );
    }
}

/// The scorecard as text: one line per planted kind and per anomaly kind,
/// totals, then what was missed, duplicated, excused and false.
pub fn render(card: &Scorecard) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scorecard: {} on {} (seed {}), {} to {}, {} anomalies scored, {} crossings × {:.2} days",
        card.scenario,
        card.network,
        card.seed,
        card.start,
        card.end,
        card.anomalies,
        card.crossings,
        card.days
    );
    let _ = writeln!(out, "incidents:");
    rows(&mut out, &card.incidents);
    if !card.background.is_empty() {
        let _ = writeln!(out, "background (expected, not incidents):");
        rows(&mut out, &card.background);
    }
    if !card.anomaly_kinds.is_empty() {
        let _ = writeln!(out, "by anomaly kind:");
        anomaly_rows(&mut out, &card.anomaly_kinds);
    }
    let t = &card.totals;
    let _ = writeln!(
        out,
        "total: {} planted, {} detected, {} missed, {} duplicates, {} side effects, {} false alarms \
         ({} per 100 crossing-days); recall {}, precision {}",
        t.planted,
        t.detected,
        t.missed,
        t.duplicates,
        t.side_effects,
        t.false_alarms,
        t.false_alarms_per_100_crossing_days
            .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}")),
        percent(Some(t.recall)),
        percent(t.precision)
    );
    for k in card.incidents.iter().filter(|k| k.missed > 0) {
        let _ = writeln!(out, "missed {}: {}", k.kind, k.missed_in.join(", "));
    }
    listed(&mut out, "duplicates", &card.duplicates, |d| {
        format!(
            "duplicate {} at {} {}: of {} #{} ({})",
            d.anomaly.kind,
            d.anomaly.crossing_id,
            d.anomaly.event_time,
            d.of.incident_kind,
            d.of.occurrence,
            d.of.incident
        )
    });
    listed(&mut out, "side effects", &card.side_effects, |e| {
        format!(
            "side effect {} at {} {}: of {} #{} ({}): {}",
            e.anomaly.kind,
            e.anomaly.crossing_id,
            e.anomaly.event_time,
            e.by.incident_kind,
            e.by.occurrence,
            e.by.incident,
            e.reason
        )
    });
    listed(&mut out, "false alarms", &card.false_alarms, |a| {
        format!(
            "false alarm {} at {} {}: {}",
            a.anomaly.kind, a.anomaly.crossing_id, a.anomaly.event_time, a.explanation
        )
    });
    out
}
