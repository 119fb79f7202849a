//! Ingest throughput: the generator's events, grouped by checkpoint into
//! batches, streamed over `StreamInspections` by many checkpoint streams at
//! once (each with a window of unacknowledged batches), until ingest has
//! acknowledged every event as delivered to Kafka.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use borderflow_proto::ingest::v1::StreamInspectionsRequest;
use borderflow_proto::inspection::v1::InspectionEvent;
use borderflow_simulator::link::{IngestClient, client};
use borderflow_simulator::setup::credentials::TokenIssuer;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, ClientTlsConfig};

use super::report::Throughput;
use super::timeline::Sampler;

/// One checkpoint's share of the workload.
pub struct StreamPlan {
    pub checkpoint_id: String,
    pub token: String,
    pub batches: Vec<StreamInspectionsRequest>,
}

/// Groups `events` by checkpoint (keeping their order) into batches of at
/// most `batch` events.
pub fn plan(events: &[InspectionEvent], batch: usize, tokens: &TokenIssuer) -> Vec<StreamPlan> {
    let mut by_checkpoint: HashMap<&str, Vec<InspectionEvent>> = HashMap::new();
    let mut order = Vec::new();
    for event in events {
        by_checkpoint
            .entry(&event.checkpoint_id)
            .or_insert_with(|| {
                order.push(event.checkpoint_id.as_str());
                Vec::new()
            })
            .push(event.clone());
    }
    order
        .into_iter()
        .map(|id| {
            let events = by_checkpoint.remove(id).unwrap_or_default();
            let batches = events
                .chunks(batch.max(1))
                .zip(1u64..)
                .map(|(chunk, sequence)| StreamInspectionsRequest {
                    sequence,
                    events: chunk.to_vec(),
                    heartbeat: None,
                })
                .collect();
            StreamPlan {
                checkpoint_id: id.to_owned(),
                token: tokens.token(id),
                batches,
            }
        })
        .collect()
}

/// `count` separate HTTP/2 connections to ingest.
pub async fn channels(
    addr: SocketAddr,
    tls: &ClientTlsConfig,
    count: usize,
) -> anyhow::Result<Vec<Channel>> {
    let mut channels = Vec::new();
    for _ in 0..count.max(1) {
        channels.push(
            borderflow_simulator::run::connect(&format!("https://{addr}"), Some(tls.clone()))
                .await?,
        );
    }
    Ok(channels)
}

/// Counters shared by the streams.
#[derive(Default)]
struct Progress {
    acked: Arc<AtomicU64>,
    rejected: AtomicU64,
}

/// Streams every plan, `concurrency` checkpoints at a time.
pub async fn run(
    plans: Vec<StreamPlan>,
    channels: &[Channel],
    concurrency: usize,
    window: usize,
) -> anyhow::Result<Throughput> {
    let total: u64 = plans
        .iter()
        .flat_map(|p| &p.batches)
        .map(|b| b.events.len() as u64)
        .sum();
    let queue = Arc::new(Mutex::new(VecDeque::from(plans)));
    let progress = Arc::new(Progress::default());
    let started = Instant::now();
    let sampler = Sampler::start(progress.acked.clone(), started);
    let mut workers = JoinSet::new();
    for worker in 0..concurrency.max(1) {
        let channel = channels[worker % channels.len()].clone();
        let queue = queue.clone();
        let progress = progress.clone();
        workers.spawn(async move {
            loop {
                let Some(plan) = queue.lock().expect("plan queue").pop_front() else {
                    return Ok::<_, anyhow::Error>(());
                };
                let id = plan.checkpoint_id.clone();
                let client = client(channel.clone(), &plan.token)?;
                stream(client, plan.batches, window, &progress)
                    .await
                    .with_context(|| format!("streaming for checkpoint {id}"))?;
            }
        });
    }
    while let Some(joined) = workers.join_next().await {
        joined??;
    }
    let elapsed = started.elapsed();
    let samples = sampler.finish().await;
    let acked = progress.acked.load(Ordering::Relaxed);
    let rejected = progress.rejected.load(Ordering::Relaxed);
    if acked != total {
        bail!("ingest acknowledged {acked} of {total} events ({rejected} rejected)");
    }
    Ok(Throughput::new(total, elapsed, Duration::ZERO, samples))
}

/// One checkpoint's stream: keeps up to `window` batches unacknowledged.
async fn stream(
    mut client: IngestClient,
    batches: Vec<StreamInspectionsRequest>,
    window: usize,
    progress: &Progress,
) -> anyhow::Result<()> {
    let window = window.max(1);
    let (requests, receiver) = mpsc::channel(window);
    let mut responses = client
        .stream_inspections(ReceiverStream::new(receiver))
        .await?
        .into_inner();
    let total = batches.len();
    let mut batches = batches.into_iter();
    let (mut in_flight, mut done) = (0usize, 0usize);
    while done < total {
        while in_flight < window {
            let Some(batch) = batches.next() else { break };
            requests
                .send(batch)
                .await
                .context("the stream closed while sending")?;
            in_flight += 1;
        }
        let Some(response) = responses.message().await? else {
            bail!("ingest ended the stream after {done} of {total} batches");
        };
        in_flight -= 1;
        done += 1;
        progress
            .acked
            .fetch_add(u64::from(response.accepted), Ordering::Relaxed);
        progress
            .rejected
            .fetch_add(response.rejections.len() as u64, Ordering::Relaxed);
    }
    drop(requests);
    while responses.message().await?.is_some() {}
    Ok(())
}
