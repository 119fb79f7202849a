//! Aggregator throughput: a fresh consumer group over the filled
//! inspections topic, windows and every detector on, timed until both
//! stages have processed every record. Progress is read from the
//! aggregator's own counters on its `/metrics` endpoint.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::bail;
use borderflow_aggregator::metrics::{DOCUMENT_RECORDS, RECORDS};
use serde::Serialize;

use super::report::Throughput;
use super::timeline::Samples;
use borderflow_systest::admin::{http_get, metric_sum};

/// How often the counters are read.
const POLL: Duration = Duration::from_millis(50);

#[derive(Clone, Debug, Serialize)]
pub struct AggregatorFigures {
    /// Every stage done: windows, per-event and per-crossing rules on the
    /// inspections topic, and the per-document rules on its by-document
    /// copy.
    pub all_stages: Throughput,
    /// The inspections stage alone.
    pub inspections_stage: Throughput,
}

/// Counts of the two stages, read from `/metrics`.
async fn counts(admin: SocketAddr) -> Option<(u64, u64)> {
    let (status, body) = http_get(admin, "/metrics").await.ok()?;
    (status == 200).then(|| {
        (
            metric_sum(&body, RECORDS, &[]) as u64,
            metric_sum(&body, DOCUMENT_RECORDS, &[]) as u64,
        )
    })
}

/// Waits until the aggregator behind `admin` (started at `started`) has
/// processed `records` inspections records and `documents` by-document
/// records.
pub async fn measure(
    admin: SocketAddr,
    started: Instant,
    records: u64,
    documents: u64,
    limit: Duration,
) -> anyhow::Result<AggregatorFigures> {
    let mut inspections = Samples::default();
    let mut by_document = Samples::default();
    loop {
        if let Some((r, d)) = counts(admin).await {
            let at = started.elapsed();
            inspections.push(at, r);
            by_document.push(at, d);
            if r >= records && d >= documents {
                break;
            }
        }
        if started.elapsed() > limit {
            let (r, d) = counts(admin).await.unwrap_or_default();
            bail!(
                "aggregator processed {r} of {records} records and {d} of {documents} by-document records within {limit:?}"
            );
        }
        tokio::time::sleep(POLL).await;
    }
    let begin = crossing(&inspections, 1);
    let inspections_end = crossing(&inspections, records);
    let documents_end = crossing(&by_document, documents);
    Ok(AggregatorFigures {
        all_stages: Throughput::new(
            records,
            Duration::from_secs_f64((documents_end.max(inspections_end) - begin).max(1e-3)),
            Duration::from_secs_f64(begin),
            by_document.clone(),
        ),
        inspections_stage: Throughput::new(
            records,
            Duration::from_secs_f64((inspections_end - begin).max(1e-3)),
            Duration::from_secs_f64(begin),
            inspections,
        ),
    })
}

/// When the sampled count first reached `target`: the middle of the
/// interval in which it did.
fn crossing(samples: &Samples, target: u64) -> f64 {
    let points = &samples.0;
    match points.iter().position(|&(_, n)| n >= target) {
        Some(0) => points[0].0,
        Some(i) => (points[i - 1].0 + points[i].0) / 2.0,
        None => points.last().map_or(0.0, |p| p.0),
    }
}
