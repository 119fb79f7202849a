//! The report's sections, each a piece of HTML from the report's input.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use borderflow_domain::time::format_rfc3339;
use borderflow_i18n::{Args as _, message};
use borderflow_proto::timestamp_to_ms;
use borderflow_proto::triage::v1::TriageAction;

use super::svg::{self, Mark, Row, Rule};
use super::wallmap::WallMap;
use super::{ReportInput, escape, say, word};
use crate::score::{Judgement, KindScore, OperatorScore, judgements};

/// Rows of the timeline at most; the busiest crossings are kept.
const TIMELINE_ROWS: usize = 30;
/// False alarms listed at most (the JSON scorecard has them all).
const FALSE_ALARMS_LISTED: usize = 200;

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{:.0} %", v * 100.0))
}

fn duration(seconds: Option<f64>) -> String {
    let Some(s) = seconds else {
        return "–".to_owned();
    };
    if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7_200.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3_600.0)
    }
}

fn utc(ms: i64) -> String {
    format_rfc3339(ms).replace('T', " ").replace('Z', " UTC")
}

fn fact(out: &mut String, label: &str, value: &str) {
    let _ = write!(out, "<div><dt>{label}</dt><dd>{}</dd></div>", escape(value));
}

pub(super) fn summary(input: &ReportInput<'_>) -> String {
    let (card, lang) = (input.scorecard, input.lang);
    let t = &card.totals;
    let mut out = format!(
        "<p>{}</p><p class=\"note\">{}</p><dl class=\"facts\">",
        say(
            lang,
            &message("report-summary")
                .text("network", card.network.clone())
                .text("seed", card.seed.to_string())
                .text("start", utc(input.scope.start_ms))
                .text("end", utc(input.scope.end_ms))
        ),
        say(
            lang,
            &message("report-generated").text("time", utc(input.generated_ms))
        ),
    );
    let w = |key: &str| word(lang, key);
    fact(&mut out, &w("report-fact-planted"), &t.planted.to_string());
    fact(
        &mut out,
        &w("report-fact-detected"),
        &t.detected.to_string(),
    );
    fact(&mut out, &w("report-fact-recall"), &percent(Some(t.recall)));
    fact(
        &mut out,
        &w("report-fact-false-alarms"),
        &t.false_alarms.to_string(),
    );
    fact(&mut out, &w("report-fact-precision"), &percent(t.precision));
    if let Some(o) = &card.operators {
        let tasks = o.escalated + o.acknowledged_only + o.wrongly_dismissed + o.unnoticed;
        fact(
            &mut out,
            &w("report-fact-escalated"),
            &format!("{} / {tasks}", o.escalated),
        );
        fact(
            &mut out,
            &w("report-fact-to-ack"),
            &duration(o.time_to_acknowledge.as_ref().map(|d| d.median_seconds)),
        );
    }
    out.push_str("</dl>");
    out
}

pub(super) fn timeline(input: &ReportInput<'_>) -> String {
    let lang = input.lang;
    let (from, to) = (input.scope.start_ms, input.scope.end_ms);
    let judged: HashMap<String, Judgement> = judgements(input.scope, input.truth, input.anomalies)
        .into_iter()
        .map(|(id, _, j)| (id, j))
        .collect();
    let mut rows: BTreeMap<String, Vec<Mark>> = BTreeMap::new();
    for o in input.truth.planted() {
        for crossing in &o.crossings {
            rows.entry(crossing.clone()).or_default().push(Mark::Span {
                from_ms: o.start_ms,
                to_ms: o.end_ms.max(o.start_ms),
                label: format!("#{} {} ({})", o.id, o.label, o.kind),
            });
        }
    }
    let mut pairs = Vec::new();
    let by_id: HashMap<&str, &borderflow_proto::analytics::v1::Anomaly> =
        input.anomalies.iter().map(|a| (a.id.as_str(), a)).collect();
    for a in input.anomalies {
        let Some(judgement) = judged.get(&a.id) else {
            continue;
        };
        let Some(at) = a.event_time.as_ref().and_then(timestamp_to_ms) else {
            continue;
        };
        let class = match judgement {
            Judgement::Detects(_) => "detects",
            Judgement::Duplicate(_) => "duplicate",
            Judgement::Excused(_) => "excused",
            Judgement::FalseAlarm => "false",
        };
        rows.entry(a.crossing_id.clone())
            .or_default()
            .push(Mark::Anomaly {
                at_ms: at,
                class,
                title: format!("{} {} — {}", kind_name(a.kind), utc(at), a.explanation),
            });
    }
    for record in input.triage {
        if let (Some(raised), Some(a)) = (
            record.raised_at.as_ref().and_then(timestamp_to_ms),
            by_id.get(record.anomaly_id.as_str()),
        ) && let Some(detected) = a.detected_at.as_ref().and_then(timestamp_to_ms)
        {
            pairs.push((raised, detected));
        }
    }
    pairs.extend(input.trainer.iter().map(|t| (t.wall_ms, t.event_ms)));
    let map = WallMap::new(pairs);
    for record in input.triage {
        let Some(a) = by_id.get(record.anomaly_id.as_str()) else {
            continue;
        };
        for entry in &record.history {
            let Some(wall) = entry.at.as_ref().and_then(timestamp_to_ms) else {
                continue;
            };
            let Some(at) = map.event_ms(wall) else {
                continue;
            };
            rows.entry(a.crossing_id.clone())
                .or_default()
                .push(Mark::Action {
                    at_ms: at.clamp(from, to),
                    title: format!(
                        "{}: {} {} ({} {})",
                        entry.actor,
                        TriageAction::label_of(entry.action),
                        kind_name(a.kind),
                        word(lang, "report-wall"),
                        utc(wall)
                    ),
                });
        }
    }
    let mut ordered: Vec<(String, Vec<Mark>)> = rows.into_iter().collect();
    ordered.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    let hidden = ordered.len().saturating_sub(TIMELINE_ROWS);
    ordered.truncate(TIMELINE_ROWS);
    ordered.sort_by(|a, b| a.0.cmp(&b.0));
    let rows: Vec<Row> = ordered
        .into_iter()
        .map(|(label, marks)| Row { label, marks })
        .collect();
    let rules: Vec<Rule> = input
        .trainer
        .iter()
        .map(|t| Rule {
            at_ms: t.event_ms,
            label: format!("{}: {}", t.action, t.detail),
        })
        .collect();
    let mut out = format!(
        "<section id=\"timeline\"><h2>{}</h2><p class=\"note\">{}</p><div class=\"legend\">",
        word(lang, "report-timeline"),
        word(lang, "report-timeline-note")
    );
    for (class, key) in [
        ("l-incident", "report-legend-incident"),
        ("l-detects", "report-legend-detects"),
        ("l-duplicate", "report-legend-duplicate"),
        ("l-false", "report-legend-false"),
        ("l-action", "report-legend-action"),
        ("l-rule", "report-legend-rule"),
    ] {
        let _ = write!(out, "<span class=\"{class}\">{}</span>", word(lang, key));
    }
    out.push_str("</div>");
    out.push_str(&svg::timeline(&rows, &rules, from, to));
    if hidden > 0 {
        let _ = write!(
            out,
            "<p class=\"note\">{}</p>",
            say(
                lang,
                &message("report-rows-hidden").number("count", hidden as f64)
            )
        );
    }
    out.push_str("</section>\n");
    out
}

fn kind_name(kind: i32) -> &'static str {
    borderflow_proto::analytics::v1::AnomalyKind::name_of(kind)
}

fn operator_table(out: &mut String, lang: borderflow_i18n::Lang, rows: &[OperatorScore]) {
    let w = |key: &str| word(lang, &format!("scorecard-col-{key}"));
    let _ = write!(
        out,
        "<table class=\"operators\"><thead><tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
        w("operator"),
        w("actions"),
        w("acknowledged"),
        w("escalated"),
        w("dismissed"),
        w("false-dismissed"),
        w("false-escalated"),
        w("to-ack"),
        word(lang, "report-col-to-escalate"),
    );
    for o in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&o.operator),
            o.actions,
            o.acknowledged,
            o.escalated,
            o.wrongly_dismissed,
            o.false_alarms_dismissed,
            o.false_alarms_escalated,
            duration(o.time_to_acknowledge.as_ref().map(|d| d.median_seconds)),
            duration(o.time_to_escalate.as_ref().map(|d| d.median_seconds)),
        );
    }
    out.push_str("</tbody></table>");
}

pub(super) fn operators(input: &ReportInput<'_>) -> String {
    let lang = input.lang;
    let mut out = format!(
        "<section id=\"operators\"><h2>{}</h2><p class=\"note\">{}</p>",
        word(lang, "report-operators"),
        word(lang, "report-operators-note")
    );
    let Some(o) = &input.scorecard.operators else {
        let _ = writeln!(
            out,
            "<p>{}</p></section>",
            word(lang, "report-operators-none")
        );
        return out;
    };
    if o.operators.is_empty() {
        let _ = write!(out, "<p>{}</p>", word(lang, "report-operators-none"));
    } else {
        operator_table(&mut out, lang, &o.operators);
    }
    if !o.teams.is_empty() {
        let _ = write!(out, "<h3>{}</h3>", word(lang, "report-teams"));
        operator_table(&mut out, lang, &o.teams);
    }
    let _ = write!(
        out,
        "<h3>{}</h3><table class=\"incident-triage\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th class=\"num\">{}</th><th>{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
        word(lang, "report-incident-triage"),
        word(lang, "report-col-incident"),
        word(lang, "report-col-kind"),
        word(lang, "report-col-crossing"),
        word(lang, "report-col-outcome"),
        word(lang, "report-col-acknowledged-by"),
        word(lang, "report-col-after"),
        word(lang, "report-col-decided-by"),
        word(lang, "report-col-to-escalate"),
    );
    for i in &o.incidents {
        let _ = write!(
            out,
            "<tr><td>#{} {}</td><td>{}</td><td>{}</td><td class=\"outcome-{}\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            i.occurrence,
            escape(&i.incident),
            escape(&i.incident_kind),
            escape(&i.crossing_id),
            i.outcome,
            word(lang, &format!("scorecard-outcome-{}", i.outcome)),
            escape(i.acknowledged_by.as_deref().unwrap_or("–")),
            duration(i.acknowledged_after_seconds),
            escape(i.decided_by.as_deref().unwrap_or("–")),
            duration(i.escalated_after_seconds),
        );
    }
    out.push_str("</tbody></table></section>\n");
    out
}

pub(super) fn trainer(input: &ReportInput<'_>) -> String {
    let lang = input.lang;
    let mut out = format!(
        "<section id=\"trainer\"><h2>{}</h2>",
        word(lang, "report-trainer")
    );
    if input.trainer.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}</p></section>",
            word(lang, "report-trainer-none")
        );
        return out;
    }
    let _ = write!(
        out,
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        word(lang, "report-col-wall-time"),
        word(lang, "report-col-event-time"),
        word(lang, "report-col-action"),
        word(lang, "report-col-detail"),
    );
    for t in input.trainer {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            utc(t.wall_ms),
            utc(t.event_ms),
            escape(&t.action),
            escape(&t.detail)
        );
    }
    out.push_str("</tbody></table></section>\n");
    out
}

fn kind_table(out: &mut String, lang: borderflow_i18n::Lang, rows: &[KindScore]) {
    let w = |key: &str| word(lang, &format!("scorecard-col-{key}"));
    let _ = write!(
        out,
        "<table><thead><tr><th>{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
        w("kind"),
        w("anomaly"),
        w("planted"),
        w("detected"),
        w("missed"),
        w("duplicates"),
        w("false"),
        w("recall"),
        w("precision"),
        w("delay"),
    );
    for k in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&k.kind),
            escape(&k.expected_anomaly),
            k.planted,
            k.detected,
            k.missed,
            k.duplicates,
            k.false_alarms,
            percent(Some(k.recall)),
            percent(k.precision),
            duration(k.delay.as_ref().map(|d| d.median_seconds)),
        );
    }
    out.push_str("</tbody></table>");
}

pub(super) fn kinds(input: &ReportInput<'_>) -> String {
    let (lang, card) = (input.lang, input.scorecard);
    let mut out = format!(
        "<section id=\"kinds\"><h2>{}</h2>",
        word(lang, "report-incidents")
    );
    kind_table(&mut out, lang, &card.incidents);
    if !card.background.is_empty() {
        let _ = write!(out, "<h3>{}</h3>", word(lang, "report-background"));
        kind_table(&mut out, lang, &card.background);
    }
    let w = |key: &str| word(lang, &format!("scorecard-col-{key}"));
    let _ = write!(
        out,
        "<h3>{}</h3><table><thead><tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
        word(lang, "report-anomaly-kinds"),
        w("anomaly"),
        w("expected"),
        w("detected"),
        w("duplicates"),
        w("excused"),
        w("false"),
        w("precision"),
    );
    for k in &card.anomaly_kinds {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&k.anomaly),
            k.expected,
            k.true_positives,
            k.duplicates,
            k.side_effects,
            k.false_alarms,
            percent(k.precision),
        );
    }
    out.push_str("</tbody></table></section>\n");
    out
}

/// Event time from each detected planted occurrence's start to its first
/// detection, in seconds.
fn detection_delays(input: &ReportInput<'_>) -> Vec<f64> {
    let mut first: BTreeMap<u32, i64> = BTreeMap::new();
    for (_, at, judgement) in judgements(input.scope, input.truth, input.anomalies) {
        if let Judgement::Detects(o) | Judgement::Duplicate(o) = judgement {
            let slot = first.entry(o).or_insert(at);
            *slot = (*slot).min(at);
        }
    }
    input
        .truth
        .planted()
        .filter_map(|o| Some((first.get(&o.id)? - o.start_ms).max(0) as f64 / 1_000.0))
        .collect()
}

pub(super) fn delays(input: &ReportInput<'_>) -> String {
    let lang = input.lang;
    let delays = detection_delays(input);
    let mut out = format!(
        "<section id=\"delays\"><h2>{}</h2><p class=\"note\">{}</p>",
        word(lang, "report-delays"),
        say(
            lang,
            &message("report-delays-note").number("count", delays.len() as f64)
        ),
    );
    if !delays.is_empty() {
        out.push_str(&svg::histogram(&delays, 12));
    }
    out.push_str("</section>\n");
    out
}

pub(super) fn false_alarms(input: &ReportInput<'_>) -> String {
    let (lang, card) = (input.lang, input.scorecard);
    let mut out = format!(
        "<section id=\"false-alarms\"><h2>{}</h2>",
        word(lang, "report-false-alarms")
    );
    if card.false_alarms.is_empty() {
        let _ = writeln!(out, "<p>{}</p></section>", word(lang, "report-none"));
        return out;
    }
    let _ = write!(
        out,
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        word(lang, "report-col-event-time"),
        word(lang, "report-col-kind"),
        word(lang, "report-col-crossing"),
        word(lang, "report-col-explanation"),
    );
    for a in card.false_alarms.iter().take(FALSE_ALARMS_LISTED) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&a.anomaly.event_time),
            escape(&a.anomaly.kind),
            escape(&a.anomaly.crossing_id),
            escape(&a.explanation)
        );
    }
    out.push_str("</tbody></table>");
    if card.false_alarms.len() > FALSE_ALARMS_LISTED {
        let more = card.false_alarms.len() - FALSE_ALARMS_LISTED;
        let _ = write!(
            out,
            "<p class=\"note\">{}</p>",
            say(
                lang,
                &message("scorecard-more-false-alarms").number("count", more as f64)
            )
        );
    }
    out.push_str("</section>\n");
    out
}

pub(super) fn traffic(input: &ReportInput<'_>) -> String {
    let lang = input.lang;
    let mut out = format!(
        "<section id=\"traffic\"><h2>{}</h2><p class=\"note\">{}</p>",
        word(lang, "report-traffic"),
        word(lang, "report-traffic-note")
    );
    if input.traffic.is_empty() {
        let _ = write!(out, "<p>{}</p>", word(lang, "report-none"));
    }
    for (crossing, points) in input.traffic {
        let shaded: Vec<(i64, i64)> = input
            .truth
            .planted()
            .filter(|o| o.crossings.contains(crossing))
            .map(|o| (o.start_ms, o.end_ms.max(o.start_ms + 60_000)))
            .collect();
        let _ = write!(
            out,
            "<figure class=\"crossing-traffic\" data-crossing=\"{0}\"><figcaption>{0}</figcaption>{1}</figure>",
            escape(crossing),
            svg::traffic(points, &shaded, input.scope.start_ms, input.scope.end_ms)
        );
    }
    out.push_str("</section>\n");
    out
}
