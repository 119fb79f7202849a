//! The run as a picture: throughput over time per phase, and the latency
//! distributions as percentile curves. Plain SVG, no dependencies.

use std::fmt::Write as _;

use super::report::Report;

const WIDTH: f64 = 1_100.0;
const HEIGHT: f64 = 420.0;
const PANEL: f64 = 470.0;
const PLOT_H: f64 = 300.0;
const TOP: f64 = 60.0;
const COLOURS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
];

struct Series<'a> {
    name: &'a str,
    points: Vec<(f64, f64)>,
}

pub fn svg(report: &Report) -> String {
    let mut throughput = Vec::new();
    let mut add = |name, t: Option<&super::report::Throughput>| {
        if let Some(t) = t {
            throughput.push(Series {
                name,
                points: t.samples.rates(),
            });
        }
    };
    add("raw producer", report.raw_producer.as_ref());
    add("ingest", report.ingest.as_ref());
    add("raw consumer", report.raw_consumer.as_ref());
    add("raw pipeline", report.raw_pipeline.as_ref());
    add(
        "aggregator (inspections)",
        report.aggregator.as_ref().map(|a| &a.inspections_stage),
    );
    add(
        "aggregator (per-document)",
        report.aggregator.as_ref().map(|a| &a.all_stages),
    );
    if let Some(l) = &report.latency {
        throughput.push(Series {
            name: "latency phase acks",
            points: l.samples.rates(),
        });
    }
    let mut latency = Vec::new();
    if let Some(l) = &report.latency {
        for (name, p) in [
            ("submit → ack", &l.submit_to_ack),
            ("submit → anomaly", &l.submit_to_anomaly),
        ] {
            latency.push(Series {
                name,
                points: p.curve.iter().map(|&(pct, ms)| (nines(pct), ms)).collect(),
            });
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let s = &report.settings;
    let _ = writeln!(
        out,
        r#"<text x="20" y="22" font-size="14">borderflow-bench: {} records, {} crossings, {} partitions, {} cores, {}</text>"#,
        s.records,
        s.crossings,
        s.partitions,
        s.cores,
        escape(&s.broker)
    );
    panel(
        &mut out,
        60.0,
        "throughput over time (records/s)",
        "seconds since the phase started",
        &throughput,
        |x| format!("{x:.0}"),
    );
    panel(
        &mut out,
        60.0 + PANEL + 90.0,
        "latency distribution (ms)",
        "percentile",
        &latency,
        |x| {
            let p = format!("{:.3}", 100.0 * (1.0 - 10f64.powf(-x)));
            format!("{}%", p.trim_end_matches('0').trim_end_matches('.'))
        },
    );
    let _ = writeln!(out, "</svg>");
    out
}

/// A percentile's position on a "number of nines" axis.
fn nines(percentile: f64) -> f64 {
    let rest = (1.0 - percentile / 100.0).max(1e-5);
    -rest.log10()
}

fn panel(
    out: &mut String,
    left: f64,
    title: &str,
    x_label: &str,
    series: &[Series<'_>],
    x_tick: impl Fn(f64) -> String,
) {
    let bottom = TOP + PLOT_H;
    let _ = writeln!(
        out,
        r#"<text x="{left}" y="{}" font-size="13">{}</text>"#,
        TOP - 12.0,
        escape(title)
    );
    let _ = writeln!(
        out,
        r##"<rect x="{left}" y="{TOP}" width="{PANEL}" height="{PLOT_H}" fill="none" stroke="#888"/>"##
    );
    let points = series.iter().flat_map(|s| &s.points);
    let x_max = points.clone().map(|p| p.0).fold(0.0, f64::max).max(1e-9);
    let y_max = points.map(|p| p.1).fold(0.0, f64::max).max(1e-9) * 1.05;
    for i in 0..=4 {
        let f = f64::from(i) / 4.0;
        let x = left + f * PANEL;
        let y = bottom - f * PLOT_H;
        let _ = writeln!(
            out,
            r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            left + PANEL,
            left - 4.0,
            y + 4.0,
            short(f * y_max)
        );
        let _ = writeln!(
            out,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            bottom + 16.0,
            escape(&x_tick(f * x_max))
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        left + PANEL / 2.0,
        bottom + 34.0,
        escape(x_label)
    );
    for (i, s) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let path: Vec<String> = s
            .points
            .iter()
            .map(|&(x, y)| {
                format!(
                    "{:.1},{:.1}",
                    left + x / x_max * PANEL,
                    bottom - y / y_max * PLOT_H
                )
            })
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{}"/>"#,
            path.join(" ")
        );
        let y = bottom + 50.0 + 14.0 * (i / 3) as f64;
        let x = left + 160.0 * (i % 3) as f64;
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="{:.1}" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="{y:.1}">{}</text>"#,
            y - 9.0,
            x + 14.0,
            escape(s.name)
        );
    }
}

fn short(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
