//! The figures of a run: as a table for people, as JSON for tools.

use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::aggregator::AggregatorFigures;
use super::latency::LatencyFigures;
use super::recovery::RecoveryFigures;
use super::timeline::{Samples, Steadiness};

#[derive(Clone, Debug, Serialize)]
pub struct Throughput {
    pub records: u64,
    /// From the first record handled to the last.
    pub seconds: f64,
    pub per_second: f64,
    /// Before the first record was handled (connecting, joining a group).
    pub startup_seconds: f64,
    /// Its rate second by second (`None` under three seconds).
    pub steadiness: Option<Steadiness>,
    pub samples: Samples,
}

impl Throughput {
    pub fn new(records: u64, elapsed: Duration, startup: Duration, samples: Samples) -> Self {
        let seconds = elapsed.as_secs_f64().max(1e-6);
        Self {
            records,
            seconds,
            per_second: records as f64 / seconds,
            startup_seconds: startup.as_secs_f64(),
            steadiness: samples.steadiness(),
            samples,
        }
    }
}

/// A latency distribution, milliseconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Percentiles {
    pub count: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// (percentile, milliseconds) for the chart.
    pub curve: Vec<(f64, f64)>,
}

/// Percentiles drawn on the chart.
const CURVE: [f64; 16] = [
    0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 97.5, 99.0, 99.5, 99.75, 99.9, 99.95, 99.99, 99.999,
    100.0,
];

impl Percentiles {
    pub fn from_micros(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Self::default();
        }
        let ms = |v: u64| v as f64 / 1_000.0;
        Self {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p95_ms: ms(h.value_at_quantile(0.95)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            max_ms: ms(h.max()),
            curve: CURVE
                .iter()
                .map(|&p| (p, ms(h.value_at_percentile(p))))
                .collect(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RunSettings {
    pub broker: String,
    pub cores: usize,
    pub records: usize,
    pub crossings: usize,
    pub checkpoints: usize,
    pub documents: usize,
    pub partitions: i32,
    pub batch: usize,
    pub concurrency: usize,
    pub window: usize,
    pub connections: usize,
    pub linger_ms: u64,
    pub fetch_wait_ms: u64,
    pub compression: String,
    pub rate: u64,
    pub duration_seconds: f64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Memory {
    /// Peak resident set of the ingest process (VmHWM), MiB.
    pub ingest_peak_mib: Option<f64>,
    /// Peak resident set of the aggregator after the throughput phase.
    pub aggregator_after_throughput_mib: Option<f64>,
    /// Peak resident set of the aggregator at the end of the run.
    pub aggregator_peak_mib: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub settings: RunSettings,
    pub raw_producer: Option<Throughput>,
    pub ingest: Option<Throughput>,
    pub raw_consumer: Option<Throughput>,
    pub raw_pipeline: Option<Throughput>,
    pub aggregator: Option<AggregatorFigures>,
    pub latency: Option<LatencyFigures>,
    pub recovery: Vec<RecoveryFigures>,
    pub memory: Memory,
    pub ingest_over_raw_producer: Option<f64>,
    pub aggregator_over_raw_consumer: Option<f64>,
    pub aggregator_over_raw_pipeline: Option<f64>,
}

impl Report {
    pub fn with_ratios(mut self) -> Self {
        let ratio = |a: Option<f64>, b: Option<f64>| Some(a? / b?);
        self.ingest_over_raw_producer = ratio(
            self.ingest.as_ref().map(|t| t.per_second),
            self.raw_producer.as_ref().map(|t| t.per_second),
        );
        self.aggregator_over_raw_consumer = ratio(
            self.aggregator.as_ref().map(|a| a.all_stages.per_second),
            self.raw_consumer.as_ref().map(|t| t.per_second),
        );
        self.aggregator_over_raw_pipeline = ratio(
            self.aggregator.as_ref().map(|a| a.all_stages.per_second),
            self.raw_pipeline.as_ref().map(|t| t.per_second),
        );
        self
    }

    /// The table printed at the end of a run.
    pub fn table(&self) -> String {
        let s = &self.settings;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "borderflow-bench: {} records, {} crossings ({} checkpoints, {} documents), {} partitions, {} cores, broker: {}",
            s.records, s.crossings, s.checkpoints, s.documents, s.partitions, s.cores, s.broker
        );
        let _ = writeln!(
            out,
            "ingest streams: {} at once over {} connections, {} events per batch, window {}; producer linger {} ms, compression {}; consumer fetch wait {} ms",
            s.concurrency,
            s.connections,
            s.batch,
            s.window,
            s.linger_ms,
            s.compression,
            s.fetch_wait_ms
        );
        let _ = writeln!(out);
        let throughputs = self.raw_producer.is_some()
            || self.ingest.is_some()
            || self.raw_consumer.is_some()
            || self.raw_pipeline.is_some()
            || self.aggregator.is_some();
        if throughputs {
            let _ = writeln!(
                out,
                "{:<44} {:>14} {:>10} {:>10} {:>12} {:>12} {:>12}",
                "throughput",
                "records/s",
                "seconds",
                "startup s",
                "1-s p10",
                "1-s median",
                "1-s p90"
            );
        }
        let mut short = false;
        let mut row = |name: &str, t: &Option<Throughput>| {
            if let Some(t) = t {
                let (p10, median, p90) = t.steadiness.as_ref().map_or_else(
                    || ("-".to_owned(), "-".to_owned(), "-".to_owned()),
                    |s| {
                        (
                            format!("{:.0}", s.p10),
                            format!("{:.0}", s.median),
                            format!("{:.0}", s.p90),
                        )
                    },
                );
                let mark = if t.seconds < 10.0 { "*" } else { " " };
                short |= t.seconds < 10.0;
                let _ = writeln!(
                    out,
                    "{name:<44} {:>14.0} {:>9.2}{mark} {:>10.2} {p10:>12} {median:>12} {p90:>12}",
                    t.per_second, t.seconds, t.startup_seconds
                );
            }
        };
        row("raw producer (rdkafka → topic)", &self.raw_producer);
        row("ingest (gRPC streams → acked by Kafka)", &self.ingest);
        row("raw consumer (rdkafka, no work)", &self.raw_consumer);
        row(
            "raw pipeline (consume → produce → consume)",
            &self.raw_pipeline,
        );
        if let Some(a) = &self.aggregator {
            row(
                "aggregator, inspections stage",
                &Some(a.inspections_stage.clone()),
            );
            row(
                "aggregator, all stages incl. per-document",
                &Some(a.all_stages.clone()),
            );
        }
        if short {
            let _ = writeln!(
                out,
                "* under 10 s: the rate is not steady; raise --records for a ratio to rely on"
            );
        }
        let _ = writeln!(out);
        if let Some(r) = self.ingest_over_raw_producer {
            let _ = writeln!(
                out,
                "{:<44} {r:>14.3}   (target ≥ 0.5)",
                "ratio ingest / raw producer"
            );
        }
        if let Some(r) = self.aggregator_over_raw_pipeline {
            let _ = writeln!(
                out,
                "{:<44} {r:>14.3}   (target ≥ 0.9)",
                "ratio aggregator / raw pipeline"
            );
        }
        if let Some(r) = self.aggregator_over_raw_consumer {
            let _ = writeln!(out, "{:<44} {r:>14.3}", "ratio aggregator / raw consumer");
        }
        let steady = |t: Option<&Throughput>| t.and_then(|t| t.steadiness.clone());
        if let (Some(a), Some(p)) = (
            steady(self.aggregator.as_ref().map(|a| &a.all_stages)),
            steady(self.raw_pipeline.as_ref()),
        ) {
            let _ = writeln!(
                out,
                "{:<44} {:>14.3}   (p10–p90 of the 1-s rates: aggregator ±{:.0} %, raw pipeline ±{:.0} %)",
                "ratio aggregator / raw pipeline, medians",
                a.median / p.median.max(1e-9),
                a.spread() * 50.0,
                p.spread() * 50.0
            );
        }
        if let Some(l) = &self.latency {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "latency at {} events/s offered ({} events, {:.0} acked/s; {} of {} planted anomalies seen)",
                l.offered_per_second, l.events, l.acked_per_second, l.anomalies_seen, l.planted
            );
            let _ = writeln!(
                out,
                "{:<44} {:>10} {:>10} {:>10} {:>10}",
                "", "p50 ms", "p95 ms", "p99 ms", "max ms"
            );
            for (name, p) in [
                ("submit → ack (target p99 ≤ 20 ms)", &l.submit_to_ack),
                (
                    "submit → anomaly on WatchAnomalies (≤ 60)",
                    &l.submit_to_anomaly,
                ),
            ] {
                let _ = writeln!(
                    out,
                    "{name:<44} {:>10.1} {:>10.1} {:>10.1} {:>10.1}",
                    p.p50_ms, p.p95_ms, p.p99_ms, p.max_ms
                );
            }
        }
        if !self.recovery.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "recovery after kill -9 (target: ready ≤ 10 s at 10 M records, flat in N)"
            );
            let _ = writeln!(
                out,
                "{:<24} {:>12} {:>9} {:>11} {:>9} {:>10} {:>10} {:>10} {:>10} {:>11} {:>10}",
                "path",
                "records",
                "ready s",
                "caught up s",
                "restore s",
                "replayed",
                "local",
                "changelog",
                "read/s",
                "histories",
                "RSS MiB"
            );
            for r in &self.recovery {
                let _ = writeln!(
                    out,
                    "{:<24} {:>12} {:>9.1} {:>11.1} {:>9.1} {:>10} {:>10} {:>10} {:>10.0} {:>11} {:>10}",
                    r.path,
                    r.records,
                    r.ready_seconds,
                    r.caught_up_seconds,
                    r.restore_seconds,
                    r.replayed,
                    r.from_local,
                    r.from_changelog,
                    r.read_rate,
                    r.histories,
                    r.peak_rss_mib
                        .map_or_else(|| "-".to_owned(), |v| format!("{v:.0}"))
                );
            }
        }
        let m = &self.memory;
        let _ = writeln!(out);
        let mib = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
        let _ = writeln!(out, "{:<44} {:>14}", "peak RSS", "MiB");
        let _ = writeln!(out, "{:<44} {:>14}", "ingest", mib(m.ingest_peak_mib));
        let _ = writeln!(
            out,
            "{:<44} {:>14}",
            "aggregator after the throughput phase",
            mib(m.aggregator_after_throughput_mib)
        );
        let _ = writeln!(
            out,
            "{:<44} {:>14}",
            "aggregator at the end",
            mib(m.aggregator_peak_mib)
        );
        out
    }
}
