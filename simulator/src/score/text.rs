//! The scorecard as a trainer reads it at the end of a run, in English or
//! Russian (the catalogues' `scorecard-*` messages); kinds, ids and figures
//! stay as in the JSON.

use std::fmt::Write as _;

use borderflow_i18n::{Args as _, Lang, message};

use super::{AnomalyKindScore, KindScore, OperatorScore, Operators, Scorecard};

/// A catalogue message without arguments in `lang`.
fn word(lang: Lang, key: &str) -> String {
    borderflow_i18n::render(lang, &message(key))
}

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

fn rows(out: &mut String, rows: &[KindScore], lang: Lang) {
    let w = |key: &str| word(lang, &format!("scorecard-col-{key}"));
    let _ = writeln!(
        out,
        "  {:<34} {:>7} {:>8} {:>6} {:>5} {:>7} {:>7} {:>9} {:>11}",
        w("kind"),
        w("planted"),
        w("detected"),
        w("missed"),
        w("duplicates"),
        w("false"),
        w("recall"),
        w("precision"),
        w("delay")
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

fn anomaly_rows(out: &mut String, rows: &[AnomalyKindScore], lang: Lang) {
    let w = |key: &str| word(lang, &format!("scorecard-col-{key}"));
    let _ = writeln!(
        out,
        "  {:<34} {:>8} {:>8} {:>5} {:>8} {:>7} {:>9}",
        w("anomaly"),
        w("expected"),
        w("detected"),
        w("duplicates"),
        w("excused"),
        w("false"),
        w("precision")
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

/// Up to `LISTED` lines of `items`, then how many more there are (the
/// message `scorecard-more-{what}`).
fn listed<T>(out: &mut String, lang: Lang, what: &str, items: &[T], line: impl Fn(&T) -> String) {
    for item in items.iter().take(LISTED) {
        let _ = writeln!(out, "{}", line(item));
    }
    if items.len() > LISTED {
        let more = message(&format!("scorecard-more-{what}"))
            .number("count", (items.len() - LISTED) as f64);
        let _ = writeln!(out, "{}", borderflow_i18n::render(lang, &more));
    }
}

/// The scorecard as text in `lang`: one line per planted kind and per
/// anomaly kind, totals, then what was missed, duplicated, excused and
/// false.
pub fn render(card: &Scorecard, lang: Lang) -> String {
    let say = |m| borderflow_i18n::render(lang, &m);
    let mut out = String::new();
    let header = message("scorecard-header")
        .text("scenario", card.scenario.clone())
        .text("network", card.network.clone())
        .text("seed", card.seed.to_string())
        .text("start", card.start.clone())
        .text("end", card.end.clone())
        .number("anomalies", card.anomalies as f64)
        .number("crossings", card.crossings as f64)
        .fixed("days", card.days, 2);
    let _ = writeln!(out, "{}", say(header));
    let _ = writeln!(out, "{}", word(lang, "scorecard-incidents"));
    rows(&mut out, &card.incidents, lang);
    if !card.background.is_empty() {
        let _ = writeln!(out, "{}", word(lang, "scorecard-background"));
        rows(&mut out, &card.background, lang);
    }
    if !card.anomaly_kinds.is_empty() {
        let _ = writeln!(out, "{}", word(lang, "scorecard-by-kind"));
        anomaly_rows(&mut out, &card.anomaly_kinds, lang);
    }
    let t = &card.totals;
    let total = message("scorecard-total")
        .number("planted", t.planted as f64)
        .number("detected", t.detected as f64)
        .number("missed", t.missed as f64)
        .number("duplicates", t.duplicates as f64)
        .number("side-effects", t.side_effects as f64)
        .number("false-alarms", t.false_alarms as f64)
        .text(
            "rate",
            t.false_alarms_per_100_crossing_days
                .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}")),
        )
        .text("recall", percent(Some(t.recall)))
        .text("precision", percent(t.precision));
    let _ = writeln!(out, "{}", say(total));
    for k in card.incidents.iter().filter(|k| k.missed > 0) {
        let missed = message("scorecard-missed")
            .text("kind", k.kind.clone())
            .text("incidents", k.missed_in.join(", "));
        let _ = writeln!(out, "{}", say(missed));
    }
    listed(&mut out, lang, "duplicates", &card.duplicates, |d| {
        say(message("scorecard-duplicate")
            .text("anomaly", d.anomaly.kind.clone())
            .text("crossing", d.anomaly.crossing_id.clone())
            .text("time", d.anomaly.event_time.clone())
            .text("kind", d.of.incident_kind.clone())
            .text("occurrence", d.of.occurrence.to_string())
            .text("incident", d.of.incident.clone()))
    });
    listed(&mut out, lang, "side-effects", &card.side_effects, |e| {
        say(message("scorecard-side-effect")
            .text("anomaly", e.anomaly.kind.clone())
            .text("crossing", e.anomaly.crossing_id.clone())
            .text("time", e.anomaly.event_time.clone())
            .text("kind", e.by.incident_kind.clone())
            .text("occurrence", e.by.occurrence.to_string())
            .text("incident", e.by.incident.clone())
            .text("reason", e.reason.clone()))
    });
    listed(&mut out, lang, "false-alarms", &card.false_alarms, |a| {
        say(message("scorecard-false-alarm")
            .text("anomaly", a.anomaly.kind.clone())
            .text("crossing", a.anomaly.crossing_id.clone())
            .text("time", a.anomaly.event_time.clone())
            .text("explanation", a.explanation.clone()))
    });
    if let Some(operators) = &card.operators {
        render_operators(&mut out, operators, lang);
    }
    out
}

fn median(delay: Option<&super::Delay>) -> String {
    delay.map_or_else(|| "-".to_owned(), |d| seconds(d.median_seconds))
}

fn operator_rows(out: &mut String, rows: &[OperatorScore], lang: Lang) {
    let w = |key: &str| word(lang, &format!("scorecard-col-{key}"));
    let _ = writeln!(
        out,
        "  {:<24} {:>7} {:>5} {:>9} {:>16} {:>14} {:>14} {:>16}",
        w("operator"),
        w("actions"),
        w("acknowledged"),
        w("escalated"),
        w("dismissed"),
        w("false-dismissed"),
        w("false-escalated"),
        w("to-ack"),
    );
    for o in rows {
        let _ = writeln!(
            out,
            "  {:<24} {:>7} {:>5} {:>9} {:>16} {:>14} {:>14} {:>16}",
            o.operator,
            o.actions,
            o.acknowledged,
            o.escalated,
            o.wrongly_dismissed,
            o.false_alarms_dismissed,
            o.false_alarms_escalated,
            median(o.time_to_acknowledge.as_ref()),
        );
    }
}

/// The operators' section: totals, one line per operator and team, and
/// what became of each detected incident.
fn render_operators(out: &mut String, o: &Operators, lang: Lang) {
    let say = |m| borderflow_i18n::render(lang, &m);
    let _ = writeln!(out, "{}", word(lang, "scorecard-operators"));
    let total = message("scorecard-operators-total")
        .number("escalated", o.escalated as f64)
        .number("acknowledged", o.acknowledged_only as f64)
        .number("dismissed", o.wrongly_dismissed as f64)
        .number("unnoticed", o.unnoticed as f64)
        .number("false-dismissed", o.false_alarms_dismissed as f64)
        .number("false-alarms", o.false_alarms as f64)
        .number("false-escalated", o.false_alarms_escalated as f64)
        .text("ack", median(o.time_to_acknowledge.as_ref()))
        .text("escalate", median(o.time_to_escalate.as_ref()));
    let _ = writeln!(out, "{}", say(total));
    if !o.operators.is_empty() {
        operator_rows(out, &o.operators, lang);
    }
    if !o.teams.is_empty() {
        let _ = writeln!(out, "{}", word(lang, "scorecard-operators-teams"));
        operator_rows(out, &o.teams, lang);
    }
    listed(out, lang, "incidents", &o.incidents, |i| {
        say(message("scorecard-incident-triage")
            .text(
                "outcome",
                word(lang, &format!("scorecard-outcome-{}", i.outcome)),
            )
            .text("kind", i.incident_kind.clone())
            .text("occurrence", i.occurrence.to_string())
            .text("incident", i.incident.clone())
            .text("crossing", i.crossing_id.clone())
            .text(
                "by",
                i.acknowledged_by.clone().unwrap_or_else(|| "-".into()),
            )
            .text(
                "after",
                i.acknowledged_after_seconds
                    .map_or_else(|| "-".to_owned(), seconds),
            ))
    });
}
