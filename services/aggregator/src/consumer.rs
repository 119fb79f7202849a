//! The inspections consumer: one thread polling the group consumer and
//! driving the partitions' windows, producing window results, dead letters
//! and the by-document copy, and storing offsets once those are durable.
//!
//! Rebalances are handled inside `poll` on the same thread: before
//! partitions are revoked every output is confirmed and their offsets are
//! committed synchronously; newly assigned partitions resume from the
//! materialised windows (after the view has caught up) and their committed
//! offsets.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use borderflow_common::kafka::{KafkaArgs, Topics};
use borderflow_proto::Message as _;
use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::producer::FutureProducer;
use rdkafka::statistics::Statistics;
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::codec::{self, DecodeError, Decoded};
use crate::materialise::Materialiser;
use crate::metrics;
use crate::output::{Batch, InFlight, deadletter_headers, send};
use crate::partition::{Disposition, PartitionState, WindowConfig};
use crate::store::WindowStore;

/// Settings of the inspections loop.
#[derive(Clone, Debug)]
pub struct LoopConfig {
    pub group_id: String,
    pub instance_id: Option<String>,
    pub windows: WindowConfig,
    /// Records processed between publishing results.
    pub max_batch: usize,
    /// How often open windows are published as provisional figures.
    pub open_publish_interval: Duration,
    /// Longest wait for outputs on revoke and shutdown.
    pub drain_deadline: Duration,
    /// Longest wait for the materialised view on assignment.
    pub catch_up_deadline: Duration,
}

/// State shared between the loop and the rebalance callbacks (which run
/// inside `poll`, on the same thread).
struct State {
    partitions: HashMap<i32, PartitionState>,
    in_flight: InFlight,
    /// A delivery failed: the loop must restart from committed offsets.
    failed: Option<String>,
}

struct LoopContext {
    topic: String,
    windows: Arc<WindowStore>,
    materialiser: Materialiser,
    config: LoopConfig,
    state: Mutex<State>,
}

impl ClientContext for LoopContext {
    fn stats(&self, statistics: Statistics) {
        if let Some(topic) = statistics.topics.get(&self.topic) {
            for (partition, p) in &topic.partitions {
                if *partition >= 0 && p.consumer_lag >= 0 {
                    metrics::consumer_lag(*partition, p.consumer_lag);
                }
            }
        }
    }
}

impl ConsumerContext for LoopContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(revoked) = rebalance else {
            return;
        };
        let mut state = self.state.lock().expect("loop state");
        // Everything produced so far must be durable before the offsets
        // that depend on it are committed (arroyo #559: drain here, not in
        // another task).
        if let Err(err) = state.in_flight.drain(self.config.drain_deadline) {
            warn!(%err, "outputs not confirmed on revoke; not committing");
            state.failed = Some(err.to_string());
            for element in revoked.elements() {
                state.partitions.remove(&element.partition());
            }
            return;
        }
        let mut offsets = TopicPartitionList::new();
        for element in revoked.elements() {
            if let Some(partition) = state.partitions.remove(&element.partition())
                && let Some(offset) = partition.commit_offset()
            {
                let _ = offsets.add_partition_offset(
                    &self.topic,
                    element.partition(),
                    Offset::Offset(offset),
                );
            }
        }
        if offsets.count() > 0
            && let Err(err) = consumer.commit(&offsets, CommitMode::Sync)
        {
            warn!(%err, "commit on revoke failed; the next owner replays more");
        }
        info!(partitions = revoked.count(), "partitions revoked");
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Assign(assigned) = rebalance else {
            return;
        };
        if assigned.count() == 0 {
            return;
        }
        if let Err(err) = self
            .materialiser
            .wait_caught_up(self.config.catch_up_deadline)
        {
            warn!(%err, "resuming partitions before the materialised view caught up");
        }
        let mut state = self.state.lock().expect("loop state");
        for element in assigned.elements() {
            let id = element.partition();
            let mut partition = PartitionState::new(id, self.config.windows);
            let restored = self.windows.closed_for_partition(id);
            let count = restored.len();
            for (crossing, window) in restored {
                partition.restore(&crossing, window);
            }
            debug!(partition = id, windows = count, "partition resumed");
            state.partitions.insert(id, partition);
        }
        info!(partitions = assigned.count(), "partitions assigned");
    }
}

/// Runs the inspections loop on the calling thread until `shutdown`; returns
/// an error when it must be restarted (a delivery failed).
pub fn run(
    kafka: &KafkaArgs,
    topics: &Topics,
    producer: FutureProducer,
    windows: Arc<WindowStore>,
    materialiser: Materialiser,
    config: LoopConfig,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    let mut client_config = kafka.consumer_config("borderflow-aggregator", &config.group_id);
    client_config.set("statistics.interval.ms", "5000");
    if let Some(instance) = &config.instance_id {
        client_config.set("group.instance.id", instance);
    }
    let context = LoopContext {
        topic: topics.inspections.clone(),
        windows,
        materialiser,
        config: config.clone(),
        state: Mutex::new(State {
            partitions: HashMap::new(),
            in_flight: InFlight::default(),
            failed: None,
        }),
    };
    let consumer: BaseConsumer<LoopContext> = client_config
        .create_with_context(context)
        .context("creating the inspections consumer")?;
    consumer
        .subscribe(&[&topics.inspections])
        .context("subscribing to the inspections topic")?;
    info!(topic = %topics.inspections, group = %config.group_id, "consuming inspections");

    let mut last_open_publish = Instant::now();
    let result = loop {
        if shutdown.is_cancelled() {
            break Ok(());
        }
        let mut batch = Batch::default();
        let started = Instant::now();
        let mut processed = 0usize;
        let mut failure = None;
        while processed < config.max_batch && started.elapsed() < Duration::from_millis(50) {
            let timeout = if processed == 0 {
                Duration::from_millis(100)
            } else {
                Duration::ZERO
            };
            match consumer.poll(timeout) {
                None => break,
                Some(Err(err)) => {
                    warn!(%err, "consumer error");
                    break;
                }
                Some(Ok(message)) => {
                    processed += 1;
                    let mut state = consumer.context().state.lock().expect("loop state");
                    if let Err(err) = process(&mut state, &producer, topics, &message, &mut batch) {
                        failure = Some(err);
                        break;
                    }
                }
            }
        }
        let context = consumer.context();
        let mut state = context.state.lock().expect("loop state");
        if let Some(err) =
            failure.or_else(|| finish_batch(&mut state, &producer, topics, batch).err())
        {
            break Err(anyhow!("producing outputs failed: {err}"));
        }
        if last_open_publish.elapsed() >= config.open_publish_interval {
            last_open_publish = Instant::now();
            publish_open(&mut state, &producer, topics);
        }
        match state.in_flight.confirmed() {
            Ok(offsets) => store_offsets(&consumer, &topics.inspections, &offsets),
            Err(err) => break Err(anyhow!("an output was not delivered: {err}")),
        }
        if let Some(reason) = state.failed.take() {
            break Err(anyhow!(
                "outputs not confirmed during a rebalance: {reason}"
            ));
        }
        for partition in state.partitions.values() {
            if let Some(watermark) = partition.watermark() {
                metrics::watermark(partition.partition, watermark);
            }
        }
    };
    shutdown_consumer(
        &consumer,
        &topics.inspections,
        config.drain_deadline,
        result.is_ok(),
    );
    result
}

/// Handles one record; errors only when an output cannot even be enqueued.
fn process(
    state: &mut State,
    producer: &FutureProducer,
    topics: &Topics,
    message: &BorrowedMessage<'_>,
    batch: &mut Batch,
) -> Result<(), KafkaError> {
    let Some(partition) = state.partitions.get_mut(&message.partition()) else {
        // Revoked while this record was in flight; its new owner handles it.
        return Ok(());
    };
    let offset = message.offset();
    if let Some(created) = message.timestamp().to_millis() {
        metrics::processing_delay(message.partition(), created);
    }
    let payload = message.payload().unwrap_or_default();
    let inspection = match codec::decode(payload) {
        Ok(Decoded::Heartbeat(beat)) => {
            partition.heartbeat(
                offset,
                &beat.crossing_id,
                &beat.checkpoint_id,
                beat.at_ms,
                beat.status,
            );
            metrics::record("heartbeat");
            return Ok(());
        }
        Ok(Decoded::Inspection(inspection)) => inspection,
        Err(err) => return deadletter(producer, topics, message, &err, batch),
    };
    let facts = match codec::facts(&inspection, false) {
        Ok(facts) => facts,
        Err(err) => return deadletter(producer, topics, message, &err, batch),
    };
    let disposition = partition.inspection(offset, &inspection.crossing_id, &facts);
    metrics::record(match disposition {
        Disposition::Counted => "counted",
        Disposition::Amended => "amended",
        Disposition::Duplicate => "duplicate",
        Disposition::Replayed => "replayed",
        Disposition::TooLate => "too_late",
    });
    // Every inspection, late or not, reaches the per-document rules.
    if let Some(document) = &inspection.document
        && document.document_key.len() == 32
    {
        send(
            producer,
            batch,
            &topics.by_document,
            &document.document_key,
            payload,
            None,
        )?;
    }
    Ok(())
}

fn deadletter(
    producer: &FutureProducer,
    topics: &Topics,
    message: &BorrowedMessage<'_>,
    error: &DecodeError,
    batch: &mut Batch,
) -> Result<(), KafkaError> {
    metrics::deadletter(error.kind());
    debug!(partition = message.partition(), offset = message.offset(), %error, "dead-lettering a record");
    let headers = deadletter_headers(
        error.kind(),
        &error.to_string(),
        message.topic(),
        message.partition(),
        message.offset(),
    );
    send(
        producer,
        batch,
        &topics.deadletter,
        message.key().unwrap_or_default(),
        message.payload().unwrap_or_default(),
        Some(headers),
    )
}

/// Publishes the windows the batch closed and queues the batch's commits.
fn finish_batch(
    state: &mut State,
    producer: &FutureProducer,
    topics: &Topics,
    mut batch: Batch,
) -> Result<(), KafkaError> {
    for partition in state.partitions.values_mut() {
        for closed in partition.take_closed() {
            metrics::window_published(&closed);
            let record = closed.record;
            let key = window_key(&record);
            send(
                producer,
                &mut batch,
                &topics.crossing_stats,
                key.as_bytes(),
                &record.encode_to_vec(),
                None,
            )?;
        }
        if let Some(offset) = partition.commit_offset() {
            batch.commits.push((partition.partition, offset));
        }
    }
    state.in_flight.push(batch);
    Ok(())
}

/// Provisional figures of open windows; not tracked for commits (the next
/// close supersedes them).
fn publish_open(state: &mut State, producer: &FutureProducer, topics: &Topics) {
    let mut untracked = Batch::default();
    for partition in state.partitions.values_mut() {
        for record in partition.take_open() {
            let key = window_key(&record);
            if let Err(err) = send(
                producer,
                &mut untracked,
                &topics.crossing_stats,
                key.as_bytes(),
                &record.encode_to_vec(),
                None,
            ) {
                debug!(%err, "provisional window not published");
            }
        }
    }
}

/// Kafka key of a window: crossing and window start.
pub fn window_key(record: &borderflow_proto::analytics::v1::CrossingWindowRecord) -> String {
    let window = record.window.as_ref();
    let start = window
        .and_then(|w| w.start.as_ref())
        .and_then(borderflow_proto::timestamp_to_ms)
        .unwrap_or_default();
    format!("{}@{start}", window.map_or("", |w| w.crossing_id.as_str()))
}

fn store_offsets(consumer: &BaseConsumer<LoopContext>, topic: &str, offsets: &[(i32, i64)]) {
    if offsets.is_empty() {
        return;
    }
    let mut latest: HashMap<i32, i64> = HashMap::new();
    for &(partition, offset) in offsets {
        latest.insert(partition, offset);
    }
    let mut list = TopicPartitionList::new();
    for (partition, offset) in latest {
        let _ = list.add_partition_offset(topic, partition, Offset::Offset(offset));
    }
    // Partitions revoked meanwhile refuse the store; their new owner
    // resumes from what was committed on revoke.
    let _ = consumer.store_offsets(&list);
}

/// Confirms outputs, commits what they allow, and leaves the group.
fn shutdown_consumer(
    consumer: &BaseConsumer<LoopContext>,
    topic: &str,
    deadline: Duration,
    clean: bool,
) {
    let mut state = consumer.context().state.lock().expect("loop state");
    if clean {
        match state.in_flight.drain(deadline) {
            Ok(offsets) => {
                let mut list = TopicPartitionList::new();
                for partition in state.partitions.values() {
                    if let Some(offset) = partition.commit_offset() {
                        let _ = list.add_partition_offset(
                            topic,
                            partition.partition,
                            Offset::Offset(offset),
                        );
                    }
                }
                drop(offsets);
                if list.count() > 0
                    && let Err(err) = consumer.commit(&list, CommitMode::Sync)
                {
                    warn!(%err, "final commit failed");
                } else {
                    info!("offsets committed on shutdown");
                }
            }
            Err(err) => warn!(%err, "outputs not confirmed on shutdown; not committing"),
        }
    }
    state.partitions.clear();
    drop(state);
    consumer.unsubscribe();
}
