//! The scorecard as a trainer reads it at the end of a run.

use std::fmt::Write as _;

use super::{KindScore, Scorecard};

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
        "  {:<34} {:>7} {:>8} {:>6} {:>7} {:>7} {:>9} {:>11}",
        "kind", "planted", "detected", "missed", "false", "recall", "precision", "delay (p50)"
    );
    for k in rows {
        let _ = writeln!(
            out,
            "  {:<34} {:>7} {:>8} {:>6} {:>7} {:>7} {:>9} {:>11}",
            k.kind,
            k.planted,
            k.detected,
            k.missed,
            k.false_alarms,
            percent(Some(k.recall)),
            percent(k.precision),
            k.delay
                .as_ref()
                .map_or_else(|| "-".to_owned(), |d| seconds(d.median_seconds)),
        );
    }
}

/// The scorecard as text, one line per incident kind.
pub fn render(card: &Scorecard) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scorecard: {} on {} (seed {}), {} to {}, {} anomalies scored",
        card.scenario, card.network, card.seed, card.start, card.end, card.anomalies
    );
    let _ = writeln!(out, "incidents:");
    rows(&mut out, &card.incidents);
    if !card.background.is_empty() {
        let _ = writeln!(out, "background (expected, not incidents):");
        rows(&mut out, &card.background);
    }
    let t = &card.totals;
    let _ = writeln!(
        out,
        "total: {} planted, {} detected, {} missed, {} false alarms, {} side effects; recall {}, precision {}",
        t.planted,
        t.detected,
        t.missed,
        t.false_alarms,
        card.side_effects,
        percent(Some(t.recall)),
        percent(t.precision)
    );
    for k in card.incidents.iter().filter(|k| k.missed > 0) {
        let _ = writeln!(out, "missed {}: {}", k.kind, k.missed_in.join(", "));
    }
    for alarm in card.false_alarms.iter().take(20) {
        let _ = writeln!(
            out,
            "false alarm {} at {} {}: {}",
            alarm.kind, alarm.crossing_id, alarm.event_time, alarm.explanation
        );
    }
    if card.false_alarms.len() > 20 {
        let _ = writeln!(
            out,
            "… and {} more false alarms (see the JSON)",
            card.false_alarms.len() - 20
        );
    }
    out
}
