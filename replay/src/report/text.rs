//! The report as an analyst reads it in a terminal.

use std::fmt::Write as _;

use super::{Pair, Report, RunSummary, SideBySide};
use crate::compare::Source;
use crate::diff::{Listed, Moved};

pub(super) fn render(report: &Report, listed: usize) -> String {
    let mut out = String::new();
    source(&mut out, report);
    runs(&mut out, &report.runs);
    kinds(&mut out, report);
    list(
        &mut out,
        "lost (raised only by the baseline)",
        &report.diff.lost,
        listed,
    );
    list(
        &mut out,
        "gained (raised only by the what-if)",
        &report.diff.gained,
        listed,
    );
    moved(&mut out, &report.diff.moved, listed);
    if let Some(scores) = &report.scores {
        side_by_side(&mut out, &scores.side_by_side);
    }
    out
}

fn source(out: &mut String, report: &Report) {
    let size = format!(
        "{} records, {:.1} MB",
        report.records,
        report.bytes as f64 / 1e6
    );
    let _ = match &report.source {
        Source::Scenario {
            name,
            seed,
            start,
            end,
            capture_seconds,
        } => writeln!(
            out,
            "What-if replay of scenario {name} (seed {seed}, {start} to {end}, and its tail): \
             {size}, generated in {capture_seconds:.2} s"
        ),
        Source::Records { file } => writeln!(out, "What-if replay of {file}: {size}"),
    };
    out.push('\n');
}

fn runs(out: &mut String, runs: &[RunSummary; 2]) {
    let _ = writeln!(
        out,
        "{:<9} {:>9} {:>9} {:>10} {:>12}  flags",
        "run", "anomalies", "retracted", "wall", "records/s"
    );
    for run in runs {
        let flags = if run.flags.is_empty() {
            "(production defaults)"
        } else {
            &run.flags
        };
        let _ = writeln!(
            out,
            "{:<9} {:>9} {:>9} {:>8.2} s {:>12.0}  {flags}",
            run.setting, run.anomalies, run.retracted, run.wall_seconds, run.records_per_second
        );
        if !run.dead_letters.is_empty() {
            let _ = writeln!(out, "          dead letters: {:?}", run.dead_letters);
        }
    }
    out.push('\n');
}

fn kinds(out: &mut String, report: &Report) {
    let diff = &report.diff;
    let _ = writeln!(
        out,
        "{:<24} {:>8} {:>8} {:>7} {:>7} {:>7}",
        "kind", "baseline", "what-if", "gained", "lost", "moved"
    );
    for k in &diff.kinds {
        let _ = writeln!(
            out,
            "{:<24} {:>8} {:>8} {:>7} {:>7} {:>7}",
            k.kind, k.baseline, k.what_if, k.gained, k.lost, k.moved
        );
    }
    let _ = writeln!(
        out,
        "{} the same in both (same id); moved: same kind, crossing and subject within {} of event time",
        diff.unchanged,
        duration(diff.tolerance_seconds)
    );
    out.push('\n');
}

fn list(out: &mut String, title: &str, anomalies: &[Listed], listed: usize) {
    let _ = writeln!(out, "{title}: {}", anomalies.len());
    for a in anomalies.iter().take(listed) {
        let _ = writeln!(out, "  {}", line(a));
    }
    more(out, anomalies.len(), listed);
    out.push('\n');
}

fn moved(out: &mut String, moved: &[Moved], listed: usize) {
    if moved.is_empty() {
        return;
    }
    let _ = writeln!(out, "moved: {}", moved.len());
    for m in moved.iter().take(listed) {
        let _ = writeln!(
            out,
            "  {} {} {} → {} ({:+} min)",
            m.baseline.kind,
            m.baseline.crossing_id,
            m.baseline.event_time,
            m.what_if.event_time,
            m.shift_seconds / 60
        );
    }
    more(out, moved.len(), listed);
    out.push('\n');
}

fn more(out: &mut String, len: usize, listed: usize) {
    if len > listed {
        let _ = writeln!(out, "  … and {} more (--json lists them all)", len - listed);
    }
}

fn line(a: &Listed) -> String {
    let subject = if a.subject.is_empty() {
        String::new()
    } else {
        format!(" [{}]", short(&a.subject))
    };
    format!(
        "{:<20} {:<14} {} {:<8}{subject} {}",
        a.kind, a.crossing_id, a.event_time, a.severity, a.explanation
    )
}

/// Keys are long hex: their start is enough to tell them apart here.
fn short(subject: &str) -> &str {
    subject.get(..12).unwrap_or(subject)
}

fn side_by_side(out: &mut String, s: &SideBySide) {
    let _ = writeln!(out, "scorecards (baseline → what-if)");
    let _ = writeln!(
        out,
        "  {:<34} {:>7}  {:>11}  {:>15}  {:>21}",
        "planted kind", "planted", "detected", "recall", "median delay"
    );
    for row in &s.incidents {
        let _ = writeln!(
            out,
            "  {:<34} {:>7}  {:>11}  {:>15}  {:>21}",
            row.kind,
            row.planted,
            arrow(row.detected, |n| n.to_string()),
            arrow(row.recall, |r| percent(Some(r))),
            arrow(row.median_delay_seconds, |d| {
                d.map_or_else(|| "-".to_owned(), seconds)
            }),
        );
    }
    if !s.false_alarms.is_empty() {
        let _ = writeln!(out, "  false alarms by anomaly kind");
        for row in &s.false_alarms {
            let _ = writeln!(
                out,
                "  {:<34} {:>7}  {:>11}",
                row.anomaly,
                "",
                arrow(row.false_alarms, |n| n.to_string())
            );
        }
    }
    let t = &s.totals;
    let _ = writeln!(
        out,
        "  totals: recall {}, false alarms {} ({} per 100 crossing-days)",
        arrow(t.recall, |r| percent(Some(r))),
        arrow(t.false_alarms, |n| n.to_string()),
        arrow(t.false_alarms_per_100_crossing_days, |v| {
            v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"))
        }),
    );
}

fn arrow<T: Copy>(pair: Pair<T>, show: impl Fn(T) -> String) -> String {
    format!("{} → {}", show(pair.baseline), show(pair.what_if))
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{:.0} %", v * 100.0))
}

fn seconds(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7_200.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3_600.0)
    }
}

fn duration(seconds: i64) -> String {
    match seconds {
        s if s % 3_600 == 0 => format!("{} h", s / 3_600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}
