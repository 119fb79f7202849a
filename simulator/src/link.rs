//! One checkpoint's link to ingest: it batches what the booth produces,
//! keeps every batch in its outbox until acknowledged, streams over
//! `StreamInspections` with a bounded window of unacknowledged batches, and
//! reconnects with exponential backoff, resending what was not acknowledged.
//! The backoff is jittered: booths that lost ingest together (a restart, an
//! overload) come back spread out rather than in one burst.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use borderflow_common::grpc::{Authorized, Bearer, authorized};
use borderflow_proto::ingest::v1::ingest_service_client::IngestServiceClient;
use borderflow_proto::ingest::v1::{StreamInspectionsRequest, StreamInspectionsResponse};
use borderflow_proto::inspection::v1::{CheckpointHeartbeat, InspectionEvent};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;
use tonic::{Status, Streaming};

use crate::model::traffic::Emission;
use crate::outbox::Outbox;
use crate::stats::Stats;

/// What the simulation tells a checkpoint.
#[derive(Debug)]
pub enum Control {
    Emit(Emission),
    /// The link fails: keep everything locally.
    LinkDown,
    /// The link is back: send what piled up.
    LinkUp,
    /// Answers once everything emitted before it is acknowledged.
    Flush(tokio::sync::oneshot::Sender<()>),
}

#[derive(Clone, Debug)]
pub struct LinkConfig {
    pub batch_max: usize,
    /// How long a partial batch waits for more events.
    pub linger: Duration,
    /// Batches sent and not yet acknowledged.
    pub window: usize,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            batch_max: 200,
            linger: Duration::from_millis(50),
            window: 8,
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
        }
    }
}

pub type IngestClient = IngestServiceClient<Authorized>;

/// A checkpoint's client over a shared channel.
pub fn client(channel: Channel, token: &str) -> anyhow::Result<IngestClient> {
    Ok(
        IngestServiceClient::new(authorized(channel, Bearer::new(Some(token))?))
            .max_decoding_message_size(borderflow_common::grpc::MAX_MESSAGE_BYTES)
            .max_encoding_message_size(borderflow_common::grpc::MAX_MESSAGE_BYTES),
    )
}

struct Connection {
    requests: mpsc::Sender<StreamInspectionsRequest>,
    responses: Streaming<StreamInspectionsResponse>,
    /// Batches from the front of the outbox sent on this connection.
    sent: usize,
}

/// Runs a checkpoint until its input ends and every batch is acknowledged.
pub async fn run(
    mut client: IngestClient,
    mut input: mpsc::Receiver<Control>,
    mut outbox: Box<dyn Outbox>,
    config: LinkConfig,
    stats: Arc<Stats>,
) -> std::io::Result<()> {
    let mut sequence = outbox.batches().back().map_or(1, |b| b.sequence + 1);
    let mut events: Vec<InspectionEvent> = Vec::new();
    let mut heartbeat: Option<CheckpointHeartbeat> = None;
    let mut batch_started: Option<Instant> = None;
    let mut connection: Option<Connection> = None;
    let mut link_up = true;
    let mut input_open = true;
    let mut retry_at: Option<Instant> = None;
    let mut backoff = config.backoff_min;
    let mut flushes: Vec<tokio::sync::oneshot::Sender<()>> = Vec::new();
    loop {
        if !flushes.is_empty() && events.is_empty() && outbox.batches().is_empty() {
            for flush in flushes.drain(..) {
                let _ = flush.send(());
            }
        }
        if connection.is_none()
            && link_up
            && !outbox.batches().is_empty()
            && retry_at.is_none_or(|t| Instant::now() >= t)
        {
            match connect(&mut client, config.window).await {
                Ok(c) => {
                    connection = Some(c);
                    retry_at = None;
                }
                Err(status) => {
                    stats.failure(status.code());
                    retry_at = Some(Instant::now() + jittered(backoff));
                    backoff = (backoff * 2).min(config.backoff_max);
                }
            }
        }
        if let Some(c) = &mut connection {
            let mut broken = false;
            while c.sent < outbox.batches().len() && c.sent < config.window {
                let batch = outbox.batches()[c.sent].clone();
                let count = batch.events.len() as u64;
                if c.requests.send(batch).await.is_err() {
                    broken = true;
                    break;
                }
                c.sent += 1;
                stats.sent.fetch_add(count, Ordering::Relaxed);
            }
            if broken {
                connection = None;
                retry_at = Some(Instant::now() + jittered(backoff));
                continue;
            }
        }
        if !input_open && events.is_empty() && heartbeat.is_none() && outbox.batches().is_empty() {
            if let Some(c) = connection.take() {
                c.close().await;
            }
            return Ok(());
        }
        let linger_deadline = batch_started.map(|t| t + config.linger);
        tokio::select! {
            control = input.recv(), if input_open => match control {
                Some(Control::Emit(Emission::Event(event))) => {
                    if events.is_empty() {
                        batch_started = Some(Instant::now());
                    }
                    events.push(*event);
                    if events.len() >= config.batch_max {
                        seal(&mut outbox, &mut sequence, &mut events, &mut heartbeat, link_up, &stats)?;
                        batch_started = None;
                    }
                }
                Some(Control::Emit(Emission::Heartbeat(mut beat))) => {
                    beat.buffered_events = outbox.events() as u32;
                    heartbeat = Some(beat);
                    seal(&mut outbox, &mut sequence, &mut events, &mut heartbeat, link_up, &stats)?;
                    batch_started = None;
                }
                Some(Control::LinkDown) => {
                    link_up = false;
                    connection = None;
                }
                Some(Control::LinkUp) => {
                    link_up = true;
                    retry_at = None;
                    backoff = config.backoff_min;
                }
                Some(Control::Flush(done)) => {
                    seal(&mut outbox, &mut sequence, &mut events, &mut heartbeat, link_up, &stats)?;
                    batch_started = None;
                    flushes.push(done);
                }
                None => {
                    input_open = false;
                    seal(&mut outbox, &mut sequence, &mut events, &mut heartbeat, link_up, &stats)?;
                    batch_started = None;
                }
            },
            _ = sleep_until(linger_deadline.unwrap_or_else(Instant::now)), if linger_deadline.is_some() => {
                seal(&mut outbox, &mut sequence, &mut events, &mut heartbeat, link_up, &stats)?;
                batch_started = None;
            }
            response = next_response(&mut connection) => match response {
                Ok(Some(response)) => {
                    let expected = outbox.batches().front().map(|b| b.sequence);
                    if expected != Some(response.sequence) {
                        stats.failure(tonic::Code::Internal);
                        connection = None;
                        continue;
                    }
                    let acked_events = outbox.batches().front().map_or(0, |b| b.events.len()) as i64;
                    outbox.ack(response.sequence)?;
                    stats.buffered_delta(-acked_events);
                    if let Some(c) = &mut connection {
                        c.sent -= 1;
                    }
                    backoff = config.backoff_min;
                    stats.acked.fetch_add(u64::from(response.accepted), Ordering::Relaxed);
                    stats.rejected.fetch_add(response.rejections.len() as u64, Ordering::Relaxed);
                }
                Ok(None) => {
                    connection = None;
                    retry_at = Some(Instant::now() + jittered(backoff));
                }
                Err(status) => {
                    stats.failure(status.code());
                    connection = None;
                    retry_at = Some(Instant::now() + jittered(backoff));
                    backoff = (backoff * 2).min(config.backoff_max);
                }
            },
            _ = sleep_until(retry_at.unwrap_or_else(Instant::now)), if connection.is_none() && retry_at.is_some() && link_up => {}
        }
    }
}

/// A wait of between half and all of `backoff`, drawn afresh each time.
fn jittered(backoff: Duration) -> Duration {
    backoff.mul_f64(rand::random_range(0.5..=1.0))
}

/// Longest wait for ingest to end a stream the booth has finished with.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

impl Connection {
    /// Ends the stream the way gRPC expects: the requests end, then ingest
    /// ends its responses with a status. Dropping a stream with responses
    /// still open resets it instead, and a burst of resets (booths ending
    /// together) makes the server close the whole connection, failing every
    /// other booth's stream on it.
    async fn close(self) {
        let Self {
            requests,
            mut responses,
            ..
        } = self;
        drop(requests);
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            while let Ok(Some(_)) = responses.message().await {}
        })
        .await;
    }
}

async fn next_response(
    connection: &mut Option<Connection>,
) -> Result<Option<StreamInspectionsResponse>, Status> {
    match connection {
        Some(c) => c.responses.message().await,
        None => std::future::pending().await,
    }
}

async fn connect(client: &mut IngestClient, window: usize) -> Result<Connection, Status> {
    let (requests, receiver) = mpsc::channel(window.max(1));
    let responses = client
        .stream_inspections(ReceiverStream::new(receiver))
        .await?
        .into_inner();
    Ok(Connection {
        requests,
        responses,
        sent: 0,
    })
}

/// Closes the batch being built into the outbox. While the link is down a
/// heartbeat is dropped: it only means something live.
fn seal(
    outbox: &mut Box<dyn Outbox>,
    sequence: &mut u64,
    events: &mut Vec<InspectionEvent>,
    heartbeat: &mut Option<CheckpointHeartbeat>,
    link_up: bool,
    stats: &Stats,
) -> std::io::Result<()> {
    if !link_up {
        *heartbeat = None;
    }
    if events.is_empty() && heartbeat.is_none() {
        return Ok(());
    }
    let count = events.len() as i64;
    outbox.push(StreamInspectionsRequest {
        sequence: *sequence,
        events: std::mem::take(events),
        heartbeat: heartbeat.take(),
    })?;
    *sequence += 1;
    stats.buffered_delta(count);
    Ok(())
}
