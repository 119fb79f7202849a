//! The after-action report: one self-contained HTML page a trainer hands
//! out after an exercise. On one event-time axis, the planted incidents,
//! the anomalies (as the scorecard judged them), the operators' triage
//! actions (wall time mapped to event time, `wallmap`) and the trainer's
//! actions; then the operators' scores, the tables per planted and per
//! anomaly kind, the distribution of detection delays, the false alarms
//! with their explanations, and the traffic of the crossings involved.
//!
//! Everything is inline (CSS, SVG): it opens without a network, has no
//! script, and prints (`@media print`). Words come from the catalogues
//! (`report-*`, `scorecard-*`), in English or Russian. Pure: the data is
//! read elsewhere (`cli::report`, the end of `run`).

mod record;
mod sections;
mod svg;
pub mod wallmap;

pub use record::ExerciseRecord;

use std::collections::BTreeMap;

use borderflow_i18n::{Args as _, Lang, message};
use borderflow_proto::analytics::v1::{Anomaly, Message};
use borderflow_proto::triage::v1::TriageRecord;

use crate::score::{Scope, Scorecard};
use crate::truth::Truth;

/// A trainer's action during the exercise (the exercise log).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainerAction {
    pub wall_ms: i64,
    pub event_ms: i64,
    pub action: String,
    pub detail: String,
}

/// What a report is made of.
#[derive(Clone, Copy, Debug)]
pub struct ReportInput<'a> {
    pub scorecard: &'a Scorecard,
    pub scope: &'a Scope,
    pub truth: &'a Truth,
    pub anomalies: &'a [Anomaly],
    pub triage: &'a [TriageRecord],
    /// Inspections per hour of the crossings involved: crossing → (hour
    /// start ms, inspections).
    pub traffic: &'a BTreeMap<String, Vec<(i64, u64)>>,
    pub trainer: &'a [TrainerAction],
    pub lang: Lang,
    /// When the report was made (wall clock).
    pub generated_ms: i64,
}

/// HTML-escapes text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `message` in `lang`, escaped.
fn say(lang: Lang, message: &Message) -> String {
    escape(&borderflow_i18n::render(lang, message))
}

/// A catalogue word in `lang`, escaped.
fn word(lang: Lang, key: &str) -> String {
    say(lang, &message(key))
}

const STYLE: &str = include_str!("report/report.css");

/// The report as one HTML document.
pub fn render(input: &ReportInput<'_>) -> String {
    let lang = input.lang;
    let card = input.scorecard;
    let title = say(
        lang,
        &message("report-title").text("scenario", card.scenario.clone()),
    );
    let mut html = format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title><style>{STYLE}</style></head><body>\n<header><h1>{title}</h1>",
        lang.code()
    );
    html.push_str(&sections::summary(input));
    html.push_str("</header>\n<main>\n");
    html.push_str(&sections::timeline(input));
    html.push_str(&sections::operators(input));
    html.push_str(&sections::trainer(input));
    html.push_str(&sections::kinds(input));
    html.push_str(&sections::delays(input));
    html.push_str(&sections::false_alarms(input));
    html.push_str(&sections::traffic(input));
    html.push_str("</main>\n</body></html>\n");
    html
}

#[cfg(test)]
mod tests;
