//! Latency at a fixed offered load. Every checkpoint of the workload keeps
//! one stream open and sends, at each tick, the events the schedule (one
//! event every 1/rate seconds, in the generator's order) has made due. Each
//! event is timed from its tick's scheduled instant, so a client or server
//! that falls behind shows up in the figures instead of slowing the offer
//! (no coordinated omission): to its acknowledgement (submit → ack), and,
//! for the events planted with a corrupted machine-readable zone, to the
//! MRZ_CHECK_DIGIT anomaly arriving on `WatchAnomalies` (submit → anomaly).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use borderflow_domain::mrz::{Corruption, corrupt};
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::analytics::v1::{AnomalyFilter, AnomalyKind, WatchAnomaliesRequest};
use borderflow_proto::ingest::v1::StreamInspectionsRequest;
use borderflow_proto::inspection::v1::{InspectionEvent, document_read};
use borderflow_simulator::link::client;
use borderflow_simulator::setup::credentials::TokenIssuer;
use hdrhistogram::Histogram;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

use super::report::Percentiles;
use super::timeline::{Sampler, Samples};
use borderflow_systest::testbed::aggregator_channel;

#[derive(Clone, Debug)]
pub struct LatencyConfig {
    pub rate: u64,
    pub tick: Duration,
    pub plant_every: usize,
    pub seed: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct LatencyFigures {
    pub offered_per_second: u64,
    /// Events acknowledged over the time it took to send them all.
    pub acked_per_second: f64,
    pub events: u64,
    pub submit_to_ack: Percentiles,
    pub planted: u64,
    pub anomalies_seen: u64,
    pub submit_to_anomaly: Percentiles,
    pub samples: Samples,
}

/// Microsecond histograms shared by the streams and the watcher.
struct Recorder {
    ack: Mutex<Histogram<u64>>,
    anomaly: Mutex<Histogram<u64>>,
    /// Planted events sent, by event id: their scheduled submit instant.
    planted: Mutex<HashMap<String, Instant>>,
    acked: Arc<AtomicU64>,
    seen: AtomicU64,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

fn micros(d: Duration) -> u64 {
    (d.as_micros() as u64).max(1)
}

/// Corrupts the zone of one event in `every` (those read from an MRZ);
/// returns the planted event ids.
pub fn plant(events: &mut [InspectionEvent], every: usize, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut planted = Vec::new();
    for event in events.iter_mut().skip(every / 2).step_by(every.max(1)) {
        let Some(document_read::Source::Mrz(zone)) =
            event.document.as_mut().and_then(|d| d.source.as_mut())
        else {
            continue;
        };
        zone.lines = corrupt(&zone.lines, Corruption::SubstituteChecked, &mut rng);
        planted.push(event.event_id.clone());
    }
    planted
}

/// Offers `events` at `config.rate` over `channels` and watches the
/// aggregator at `analytics` for the planted anomalies.
pub async fn run(
    events: Vec<InspectionEvent>,
    planted: &[String],
    config: &LatencyConfig,
    channels: &[Channel],
    tokens: &TokenIssuer,
    analytics: SocketAddr,
    analytics_token: &Path,
) -> anyhow::Result<LatencyFigures> {
    let planted_ids: std::collections::HashSet<String> = planted.iter().cloned().collect();
    let recorder = Arc::new(Recorder {
        ack: Mutex::new(histogram()),
        anomaly: Mutex::new(histogram()),
        planted: Mutex::new(HashMap::new()),
        acked: Arc::new(AtomicU64::new(0)),
        seen: AtomicU64::new(0),
    });
    let watcher = watch(analytics, analytics_token, recorder.clone()).await?;

    // Each checkpoint's events with their offsets on the schedule.
    let total = events.len() as u64;
    let mut by_checkpoint: HashMap<String, VecDeque<(Duration, InspectionEvent, bool)>> =
        HashMap::new();
    for (i, event) in events.into_iter().enumerate() {
        let at = Duration::from_secs_f64(i as f64 / config.rate.max(1) as f64);
        let is_planted = planted_ids.contains(&event.event_id);
        by_checkpoint
            .entry(event.checkpoint_id.clone())
            .or_default()
            .push_back((at, event, is_planted));
    }
    let start = Instant::now() + Duration::from_millis(200);
    let sampler = Sampler::start(recorder.acked.clone(), start.into_std());
    let mut streams = JoinSet::new();
    for (i, (checkpoint, schedule)) in by_checkpoint.into_iter().enumerate() {
        let client = client(
            channels[i % channels.len()].clone(),
            &tokens.token(&checkpoint),
        )?;
        let recorder = recorder.clone();
        let tick = config.tick;
        streams.spawn(async move {
            offer(client, schedule, start, tick, &recorder)
                .await
                .with_context(|| format!("offering load for checkpoint {checkpoint}"))
        });
    }
    let mut last_sent = Instant::now();
    while let Some(joined) = streams.join_next().await {
        last_sent = last_sent.max(joined??);
    }
    let offer_seconds = (last_sent - start).as_secs_f64().max(1e-3);
    let samples = sampler.finish().await;
    // Planted anomalies still on their way get a few seconds.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !recorder.planted.lock().expect("planted").is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    watcher.abort();
    let acked = recorder.acked.load(Ordering::Relaxed);
    if acked != total {
        bail!("latency phase: {acked} of {total} events acknowledged");
    }
    let ack = recorder.ack.lock().expect("ack histogram");
    let anomaly = recorder.anomaly.lock().expect("anomaly histogram");
    Ok(LatencyFigures {
        offered_per_second: config.rate,
        acked_per_second: acked as f64 / offer_seconds,
        events: total,
        submit_to_ack: Percentiles::from_micros(&ack),
        planted: planted.len() as u64,
        anomalies_seen: recorder.seen.load(Ordering::Relaxed),
        submit_to_anomaly: Percentiles::from_micros(&anomaly),
        samples,
    })
}

/// Follows MRZ_CHECK_DIGIT anomalies and times the planted ones.
async fn watch(
    analytics: SocketAddr,
    token: &Path,
    recorder: Arc<Recorder>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut client = AnalyticsServiceClient::new(aggregator_channel(analytics, token).await?);
    let mut stream = client
        .watch_anomalies(WatchAnomaliesRequest {
            filter: Some(AnomalyFilter {
                kinds: vec![AnomalyKind::MrzCheckDigit as i32],
                ..AnomalyFilter::default()
            }),
            replay: 0,
        })
        .await
        .context("watching anomalies")?
        .into_inner();
    Ok(tokio::spawn(async move {
        while let Ok(Some(response)) = stream.message().await {
            let now = Instant::now();
            let Some(anomaly) = response.anomaly else {
                continue;
            };
            let Some(event_id) = anomaly.evidence.as_ref().and_then(|e| e.event_ids.first()) else {
                continue;
            };
            let submitted = recorder.planted.lock().expect("planted").remove(event_id);
            if let Some(submitted) = submitted {
                recorder.seen.fetch_add(1, Ordering::Relaxed);
                let _ = recorder
                    .anomaly
                    .lock()
                    .expect("anomaly histogram")
                    .record(micros(now - submitted));
            }
        }
    }))
}

/// One checkpoint's stream on the schedule; returns when its last batch
/// was sent and every batch acknowledged, with the last send instant.
async fn offer(
    mut client: borderflow_simulator::link::IngestClient,
    mut schedule: VecDeque<(Duration, InspectionEvent, bool)>,
    start: Instant,
    tick: Duration,
    recorder: &Recorder,
) -> anyhow::Result<Instant> {
    let (requests, receiver) = mpsc::channel(1_024);
    let mut responses = client
        .stream_inspections(ReceiverStream::new(receiver))
        .await?
        .into_inner();
    // (sequence, scheduled instant, events) of batches awaiting their ack.
    let mut pending: VecDeque<(u64, Instant, u64)> = VecDeque::new();
    let mut sequence = 0u64;
    let mut last_sent = start;
    let tick_ns = tick.as_nanos().max(1);
    while !schedule.is_empty() || !pending.is_empty() {
        let next_tick = schedule.front().map(|(at, _, _)| {
            let k = at.as_nanos().div_ceil(tick_ns);
            start + Duration::from_nanos((k * tick_ns) as u64)
        });
        tokio::select! {
            _ = tokio::time::sleep_until(next_tick.unwrap_or_else(Instant::now)), if next_tick.is_some() => {
                let due = next_tick.expect("guarded");
                let mut events = Vec::new();
                while schedule.front().is_some_and(|(at, _, _)| start + *at <= due) {
                    let (_, event, is_planted) = schedule.pop_front().expect("checked");
                    if is_planted {
                        recorder.planted.lock().expect("planted").insert(event.event_id.clone(), due);
                    }
                    events.push(event);
                }
                sequence += 1;
                pending.push_back((sequence, due, events.len() as u64));
                requests
                    .send(StreamInspectionsRequest { sequence, events, heartbeat: None })
                    .await
                    .context("the stream closed while sending")?;
                last_sent = Instant::now();
            }
            response = responses.message() => {
                let Some(response) = response? else {
                    bail!("ingest ended the stream with {} batches unacknowledged", pending.len());
                };
                let now = Instant::now();
                let Some((sequence, due, count)) = pending.pop_front() else {
                    bail!("an acknowledgement for no batch");
                };
                if sequence != response.sequence {
                    bail!("acknowledged batch {} while {sequence} was next", response.sequence);
                }
                recorder.acked.fetch_add(u64::from(response.accepted), Ordering::Relaxed);
                let _ = recorder.ack.lock().expect("ack histogram").record_n(micros(now - due), count);
            }
        }
    }
    drop(requests);
    while responses.message().await?.is_some() {}
    Ok(last_sent)
}
