//! The report's charts as inline SVG: an exercise timeline with one row
//! per crossing involved, a histogram of delays, and an hourly traffic
//! line with the incidents shaded. Strings in, strings out: no scripts,
//! no fonts, nothing fetched, and they print.

use std::fmt::Write as _;

use super::escape;

const WIDTH: f64 = 1000.0;
const LABEL: f64 = 170.0;
const PLOT: f64 = WIDTH - LABEL - 20.0;
const ROW: f64 = 24.0;

/// One mark on the timeline.
#[derive(Clone, Debug)]
pub(super) enum Mark {
    /// A planted incident's span, with its label.
    Span {
        from_ms: i64,
        to_ms: i64,
        label: String,
    },
    /// An anomaly: `class` says what it was judged (`detects`, `duplicate`,
    /// `excused`, `false`), `title` what it was.
    Anomaly {
        at_ms: i64,
        class: &'static str,
        title: String,
    },
    /// An operator's action, mapped to event time.
    Action { at_ms: i64, title: String },
}

/// A row of the timeline.
#[derive(Clone, Debug)]
pub(super) struct Row {
    pub(super) label: String,
    pub(super) marks: Vec<Mark>,
}

/// A trainer's action across every row.
#[derive(Clone, Debug)]
pub(super) struct Rule {
    pub(super) at_ms: i64,
    pub(super) label: String,
}

fn x_of(t: i64, from: i64, to: i64) -> f64 {
    let span = (to - from).max(1) as f64;
    LABEL + ((t - from) as f64 / span).clamp(0.0, 1.0) * PLOT
}

/// Hour ticks (every `step` hours so at most ~12 show), labelled in UTC.
fn ticks(out: &mut String, from: i64, to: i64, height: f64) {
    let hours = ((to - from) as f64 / 3_600_000.0).max(1.0);
    let step = [1, 2, 3, 6, 12, 24, 48, 168]
        .into_iter()
        .find(|s| hours / f64::from(*s) <= 12.0)
        .unwrap_or(336) as i64
        * 3_600_000;
    let mut t = from - from.rem_euclid(step) + step;
    // A label needs room before the plot's right end.
    let last = to - ((to - from) as f64 * 60.0 / PLOT) as i64;
    while t < last {
        let x = x_of(t, from, to);
        let label = borderflow_domain::time::format_rfc3339(t);
        let short = if step >= 24 * 3_600_000 {
            &label[5..10]
        } else {
            &label[5..16]
        };
        let _ = write!(
            out,
            r#"<line class="tick" x1="{x:.1}" y1="0" x2="{x:.1}" y2="{height:.1}"/><text class="tick" x="{x:.1}" y="{:.1}">{}</text>"#,
            height + 14.0,
            escape(&short.replace('T', " "))
        );
        t += step;
    }
}

/// The timeline of `rows` over `[from, to)`, with `rules` across it.
pub(super) fn timeline(rows: &[Row], rules: &[Rule], from: i64, to: i64) -> String {
    let height = ROW * rows.len().max(1) as f64;
    let mut out = format!(
        r#"<svg class="timeline" viewBox="0 0 {WIDTH} {:.0}" role="img" xmlns="http://www.w3.org/2000/svg">"#,
        height + 24.0
    );
    ticks(&mut out, from, to, height);
    for (i, row) in rows.iter().enumerate() {
        let y = i as f64 * ROW;
        let _ = write!(
            out,
            r#"<text class="row" x="4" y="{:.1}">{}</text><line class="row" x1="{LABEL}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/>"#,
            y + ROW * 0.65,
            escape(&row.label),
            y + ROW,
            LABEL + PLOT,
            y + ROW
        );
        for mark in &row.marks {
            match mark {
                Mark::Span {
                    from_ms,
                    to_ms,
                    label,
                } => {
                    let (x0, x1) = (x_of(*from_ms, from, to), x_of(*to_ms, from, to));
                    let _ = write!(
                        out,
                        r#"<rect class="span" x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{}</title></rect>"#,
                        y + 3.0,
                        (x1 - x0).max(4.0),
                        ROW - 6.0,
                        escape(label)
                    );
                }
                Mark::Anomaly {
                    at_ms,
                    class,
                    title,
                } => {
                    let _ = write!(
                        out,
                        r#"<circle class="anomaly {class}" cx="{:.1}" cy="{:.1}" r="4"><title>{}</title></circle>"#,
                        x_of(*at_ms, from, to),
                        y + ROW / 2.0,
                        escape(title)
                    );
                }
                Mark::Action { at_ms, title } => {
                    let x = x_of(*at_ms, from, to);
                    let top = y + 4.0;
                    let _ = write!(
                        out,
                        r#"<path class="action" d="M{x:.1} {top:.1} l4 7 h-8 z"><title>{}</title></path>"#,
                        escape(title)
                    );
                }
            }
        }
    }
    for rule in rules {
        let x = x_of(rule.at_ms, from, to);
        let _ = write!(
            out,
            r#"<line class="rule" x1="{x:.1}" y1="0" x2="{x:.1}" y2="{height:.1}"><title>{}</title></line>"#,
            escape(&rule.label)
        );
    }
    out.push_str("</svg>");
    out
}

/// A histogram of `values` (seconds) in hours, `bins` wide bars.
pub(super) fn histogram(values: &[f64], bins: usize) -> String {
    let (w, h, left, bottom) = (480.0, 160.0, 36.0, 24.0);
    let mut out = format!(
        r#"<svg class="histogram" viewBox="0 0 {w} {h}" role="img" xmlns="http://www.w3.org/2000/svg">"#
    );
    let max = values.iter().copied().fold(0.0_f64, f64::max).max(1.0);
    let bins = bins.max(1);
    let mut counts = vec![0usize; bins];
    for v in values {
        let i = ((v / max) * bins as f64).floor() as usize;
        counts[i.min(bins - 1)] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let bar = (w - left - 8.0) / bins as f64;
    for (i, n) in counts.iter().enumerate() {
        let height = (h - bottom - 8.0) * *n as f64 / top;
        let x = left + i as f64 * bar;
        let from_h = max * i as f64 / bins as f64 / 3_600.0;
        let to_h = max * (i + 1) as f64 / bins as f64 / 3_600.0;
        let _ = write!(
            out,
            r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{height:.1}"><title>{from_h:.1}–{to_h:.1} h: {n}</title></rect>"#,
            x + 1.0,
            h - bottom - height,
            bar - 2.0,
        );
    }
    let _ = write!(
        out,
        r#"<text class="tick" x="{left}" y="{:.0}">0 h</text><text class="tick end" x="{:.0}" y="{:.0}">{:.1} h</text><text class="tick" x="2" y="14">{}</text></svg>"#,
        h - 6.0,
        w - 8.0,
        h - 6.0,
        max / 3_600.0,
        top as usize
    );
    out
}

/// Hourly counts `(hour start ms, inspections)` as a line over
/// `[from, to)`, with `shaded` spans (incidents) behind it.
pub(super) fn traffic(points: &[(i64, u64)], shaded: &[(i64, i64)], from: i64, to: i64) -> String {
    let (w, h, bottom) = (WIDTH, 120.0, 18.0);
    let mut out = format!(
        r#"<svg class="traffic" viewBox="0 0 {w} {:.0}" role="img" xmlns="http://www.w3.org/2000/svg">"#,
        h + 4.0
    );
    for (a, b) in shaded {
        let (x0, x1) = (x_of(*a, from, to), x_of(*b, from, to));
        let _ = write!(
            out,
            r#"<rect class="shade" x="{x0:.1}" y="0" width="{:.1}" height="{:.1}"/>"#,
            (x1 - x0).max(2.0),
            h - bottom
        );
    }
    let top = points.iter().map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let path: Vec<String> = points
        .iter()
        .map(|(t, n)| {
            let y = (h - bottom) - (h - bottom - 6.0) * *n as f64 / top;
            format!("{:.1},{y:.1}", x_of(*t, from, to))
        })
        .collect();
    if !path.is_empty() {
        let _ = write!(
            out,
            r#"<polyline class="line" points="{}"/>"#,
            path.join(" ")
        );
    }
    let _ = write!(
        out,
        r#"<text class="tick" x="{:.0}" y="12">{}/h</text>"#,
        LABEL - 60.0,
        top as u64
    );
    ticks(&mut out, from, to, h - bottom);
    out.push_str("</svg>");
    out
}
