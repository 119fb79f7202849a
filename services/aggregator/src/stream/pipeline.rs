//! A consumer-group pipeline: one thread polls a group consumer and drives a
//! [`Stage`] per assigned partition, producing the stage's outputs and
//! storing offsets only once those outputs are durable.
//!
//! Rebalances are handled inside `poll`, on the same thread: before
//! partitions are revoked every output is confirmed and the offsets of the
//! last finished batch are committed synchronously (draining in the callback
//! itself, not in another task; arroyo #559). A revoke can arrive in the
//! middle of a batch, so what the live state would commit is not safe: the
//! windows that batch closed are not produced yet, and the next owner must
//! replay them. Newly assigned partitions are paused while the stage
//! restores their state on another thread (`restore`), and resumed once it
//! is whole.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use borderflow_common::clock::now_ms;
use borderflow_common::kafka::{KafkaArgs, Topics};
use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::message::Message;
use rdkafka::producer::FutureProducer;
use rdkafka::statistics::Statistics;
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::metrics;
use crate::partition::effects::Record;
use crate::stream::output::{Batch, InFlight, Outputs, Relay};
use crate::stream::restore::Restorer;
use crate::stream::resume::{Resume, Step};
use borderflow_common::admin::ReadyFlag;

/// What a pipeline does with the records of its partitions.
pub trait Stage: Send + Sync + 'static {
    type Partition: Send;

    /// For logs and metrics.
    fn name(&self) -> &'static str;

    /// The input topic.
    fn topic<'a>(&self, topics: &'a Topics) -> &'a str;

    /// Once per rebalance, before its newly assigned partitions are
    /// restored, on the restoring thread (this may block); an error is
    /// tried again.
    fn before_assign(&self) -> anyhow::Result<()> {
        Ok(())
    }

    /// A newly assigned partition's state, whole, on the restoring thread
    /// (this may block for as long as the state takes to rebuild; nothing
    /// of the partition is processed meanwhile). `committed` is the group's
    /// committed offset for it, when known. An error is tried again from
    /// scratch: incomplete state is never returned.
    fn assign(&self, partition: i32, committed: Option<i64>) -> anyhow::Result<Self::Partition>;

    /// An error (an output not produced, state that cannot be read) stops
    /// processing; it starts again from the committed offsets.
    fn process(
        &self,
        state: &mut Self::Partition,
        record: &Record<'_>,
        out: &mut Outputs<'_>,
    ) -> anyhow::Result<()>;

    /// At the end of each batch: publish what the batch completed.
    fn finish(&self, state: &mut Self::Partition, out: &mut Outputs<'_>) -> anyhow::Result<()>;

    /// Every `tick` of wall time: provisional figures, not tracked for commits.
    fn tick(&self, _state: &mut Self::Partition, _out: &mut Outputs<'_>) {}

    /// The offset to resume from after a restart.
    fn commit_offset(&self, state: &Self::Partition) -> Option<i64>;
}

/// Longest a batch collects records before its outputs are published.
const BATCH_TIME: Duration = Duration::from_millis(50);
/// Records between two looks at the clock within a batch.
const CLOCK_EVERY: usize = 64;

#[derive(Clone, Debug)]
pub struct PipelineConfig {
    pub group_id: String,
    pub instance_id: Option<String>,
    /// Records processed between publishing results.
    pub max_batch: usize,
    /// How often [`Stage::tick`] runs.
    pub tick: Duration,
    /// Longest wait for outputs on revoke and shutdown.
    pub drain_deadline: Duration,
    /// Shows the stage's anomalies to this instance's watchers once durable.
    pub relay: Relay,
    /// Down while any assigned partition's state is being restored.
    pub ready: Option<ReadyFlag>,
}

struct State<P> {
    partitions: HashMap<i32, P>,
    /// Per partition, the resume offset as of the last finished batch.
    /// Records processed since then may have changed state whose outputs
    /// are not yet produced, so a revoke commits this, never the live
    /// state's offset.
    finished: HashMap<i32, i64>,
    /// Partitions assigned with a committed offset whose first record has
    /// not been seen yet (see [`crate::stream::resume`]).
    resuming: HashMap<i32, Resume>,
    in_flight: InFlight,
    /// Assigned partitions whose state is being restored (paused).
    restorer: Restorer<P>,
    /// A delivery failed, or a partition could not be taken on whole: the
    /// pipeline must restart from committed offsets.
    failed: Option<String>,
}

struct PipelineContext<S: Stage> {
    stage: Arc<S>,
    topic: String,
    config: PipelineConfig,
    state: Mutex<State<S::Partition>>,
    shutdown: CancellationToken,
}

impl<S: Stage> ClientContext for PipelineContext<S> {
    fn stats(&self, statistics: Statistics) {
        if let Some(topic) = statistics.topics.get(&self.topic) {
            for (partition, p) in &topic.partitions {
                if *partition >= 0 && p.consumer_lag >= 0 {
                    metrics::consumer_lag(&self.topic, *partition, p.consumer_lag);
                }
            }
        }
    }
}

impl<S: Stage> ConsumerContext for PipelineContext<S> {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(revoked) = rebalance else {
            return;
        };
        let mut state = self.state.lock().expect("pipeline state");
        if let Err(err) = state.in_flight.drain(self.config.drain_deadline) {
            warn!(stage = self.stage.name(), %err, "outputs not confirmed on revoke; not committing");
            state.failed = Some(err.to_string());
            for element in revoked.elements() {
                state.partitions.remove(&element.partition());
                state.finished.remove(&element.partition());
                state.resuming.remove(&element.partition());
                state.restorer.forget(element.partition());
            }
            return;
        }
        let mut offsets = TopicPartitionList::new();
        for element in revoked.elements() {
            state.partitions.remove(&element.partition());
            state.resuming.remove(&element.partition());
            state.restorer.forget(element.partition());
            if let Some(offset) = state.finished.remove(&element.partition()) {
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
            warn!(stage = self.stage.name(), %err, "commit on revoke failed; the next owner replays more");
        }
        info!(
            stage = self.stage.name(),
            partitions = revoked.count(),
            "partitions revoked"
        );
    }

    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Assign(assigned) = rebalance else {
            return;
        };
        if assigned.count() == 0 {
            self.state
                .lock()
                .expect("pipeline state")
                .restorer
                .assigned();
            return;
        }
        let started = Instant::now();
        // Without the committed offsets a partition's state could not be
        // restored to where its fetch starts: restart rather than guess.
        let committed = match consumer.committed_offsets(
            (*assigned).clone(),
            Timeout::After(self.config.drain_deadline),
        ) {
            Ok(list) => list
                .elements()
                .iter()
                .filter_map(|e| match e.offset() {
                    Offset::Offset(o) => Some((e.partition(), o)),
                    _ => None,
                })
                .collect::<HashMap<_, _>>(),
            Err(err) => {
                let mut state = self.state.lock().expect("pipeline state");
                state.failed = Some(format!("committed offsets unknown: {err}"));
                return;
            }
        };
        // Nothing of a partition is fetched until its state is whole.
        if let Err(err) = consumer.pause(assigned) {
            let mut state = self.state.lock().expect("pipeline state");
            state.failed = Some(format!("pausing the assigned partitions failed: {err}"));
            return;
        }
        let partitions: Vec<(i32, Option<i64>)> = assigned
            .elements()
            .iter()
            .map(|e| (e.partition(), committed.get(&e.partition()).copied()))
            .collect();
        let mut state = self.state.lock().expect("pipeline state");
        if let Err(err) =
            state
                .restorer
                .start(self.stage.clone(), partitions, self.shutdown.clone())
        {
            state.failed = Some(format!("no thread to restore partitions on: {err}"));
        }
        state.restorer.assigned();
        info!(
            stage = self.stage.name(),
            partitions = assigned.count(),
            committed_ms = started.elapsed().as_millis() as u64,
            "partitions assigned; restoring their state"
        );
    }
}

/// Resumes the partitions whose state was restored since the last call.
fn resume_restored<S: Stage>(consumer: &BaseConsumer<PipelineContext<S>>, topic: &str) {
    let context = consumer.context();
    let mut state = context.state.lock().expect("pipeline state");
    let state = &mut *state;
    for restored in state.restorer.take_done() {
        let id = restored.partition;
        if let Some(offset) = restored.committed.filter(|o| *o > 0) {
            state.resuming.insert(id, Resume::new(offset));
        }
        state.partitions.insert(id, restored.state);
        let mut list = TopicPartitionList::new();
        list.add_partition(topic, id);
        if let Err(err) = consumer.resume(&list) {
            state.failed = Some(format!("resuming partition {id} failed: {err}"));
        }
    }
}

/// Runs `stage` on the calling thread until `shutdown`; returns an error
/// when it must be restarted (an output could not be delivered).
pub fn run<S: Stage>(
    kafka: &KafkaArgs,
    topics: &Topics,
    producer: &FutureProducer,
    stage: S,
    config: PipelineConfig,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    let name = stage.name();
    let topic = stage.topic(topics).to_owned();
    let mut client_config =
        kafka.consumer_config(&format!("borderflow-aggregator-{name}"), &config.group_id);
    client_config.set("statistics.interval.ms", "5000");
    if let Some(instance) = &config.instance_id {
        client_config.set("group.instance.id", format!("{instance}-{name}"));
    }
    let context = PipelineContext {
        stage: Arc::new(stage),
        topic: topic.clone(),
        config: config.clone(),
        state: Mutex::new(State {
            partitions: HashMap::new(),
            finished: HashMap::new(),
            resuming: HashMap::new(),
            restorer: Restorer::new(name, config.ready.clone()),
            in_flight: InFlight::new(producer.clone()),
            failed: None,
        }),
        shutdown: shutdown.clone(),
    };
    let consumer: BaseConsumer<PipelineContext<S>> = client_config
        .create_with_context(context)
        .with_context(|| format!("creating the {name} consumer"))?;
    consumer
        .subscribe(&[&topic])
        .with_context(|| format!("subscribing to {topic}"))?;
    info!(stage = name, %topic, group = %config.group_id, "consuming");

    let mut last_tick = Instant::now();
    let result = loop {
        if shutdown.is_cancelled() {
            break Ok(());
        }
        resume_restored(&consumer, &topic);
        let mut batch = Batch::default();
        let started = Instant::now();
        let mut processed = 0usize;
        let mut failure = None;
        // (partition, creation time) of the batch's last record of each
        // partition: the processing delay is set once per batch.
        let mut newest: Vec<(i32, i64)> = Vec::new();
        // The clock is read every few records, not per record, and after
        // anything that may block (a seek).
        let mut unclocked = 0usize;
        while processed < config.max_batch {
            if unclocked == 0 {
                if started.elapsed() >= BATCH_TIME {
                    break;
                }
                unclocked = CLOCK_EVERY;
            }
            unclocked -= 1;
            let timeout = if processed == 0 {
                Duration::from_millis(100)
            } else {
                Duration::ZERO
            };
            match consumer.poll(timeout) {
                None => break,
                Some(Err(err)) => {
                    warn!(stage = name, %err, "consumer error");
                    break;
                }
                Some(Ok(message)) => {
                    processed += 1;
                    let context = consumer.context();
                    let mut guard = context.state.lock().expect("pipeline state");
                    let state = &mut *guard;
                    // Revoked while in flight: its new owner handles it.
                    // (A restoring partition is paused, and pausing drops
                    // what was fetched: none of its records come here.)
                    let Some(partition) = state.partitions.get_mut(&message.partition()) else {
                        if state.restorer.is_restoring(message.partition()) {
                            warn!(
                                stage = name,
                                partition = message.partition(),
                                "a record of a restoring partition; restarting from committed offsets"
                            );
                            state.failed = Some("a paused partition delivered a record".into());
                        }
                        continue;
                    };
                    if let Some(resume) = state.resuming.get_mut(&message.partition()) {
                        match resume.step(message.offset()) {
                            Step::Process => {
                                state.resuming.remove(&message.partition());
                            }
                            Step::Skip => continue,
                            Step::Rewind(to) => {
                                // The record is not processed either way:
                                // after the seek it is fetched again, and a
                                // failed seek is tried again on the next one.
                                if !rewind(
                                    &consumer,
                                    &topic,
                                    message.partition(),
                                    resume,
                                    message.offset(),
                                    to,
                                ) {
                                    resume.rewind_failed();
                                }
                                unclocked = 0;
                                continue;
                            }
                        }
                    }
                    if let Some(created) = message.timestamp().to_millis() {
                        match newest.iter_mut().find(|(p, _)| *p == message.partition()) {
                            Some(entry) => entry.1 = created,
                            None => newest.push((message.partition(), created)),
                        }
                    }
                    let mut out = Outputs {
                        producer,
                        topics,
                        batch: &mut batch,
                        relay: &config.relay,
                        source: &topic,
                    };
                    let record = Record {
                        partition: message.partition(),
                        offset: message.offset(),
                        key: message.key(),
                        payload: message.payload().unwrap_or_default(),
                    };
                    if let Err(err) = context.stage.process(partition, &record, &mut out) {
                        failure = Some(err);
                        break;
                    }
                }
            }
        }
        if !newest.is_empty() {
            let now = now_ms();
            for (partition, created) in newest {
                metrics::processing_delay(&topic, partition, now - created);
            }
        }
        let context = consumer.context();
        let mut state = context.state.lock().expect("pipeline state");
        let state = &mut *state;
        if failure.is_none() {
            for (id, partition) in &mut state.partitions {
                let mut out = Outputs {
                    producer,
                    topics,
                    batch: &mut batch,
                    relay: &config.relay,
                    source: &topic,
                };
                if let Err(err) = context.stage.finish(partition, &mut out) {
                    failure = Some(err);
                    break;
                }
                if let Some(offset) = context.stage.commit_offset(partition) {
                    batch.commits.push((*id, offset));
                    state.finished.insert(*id, offset);
                }
            }
        }
        if let Some(err) = failure {
            break Err(anyhow!("processing failed: {err:#}"));
        }
        state.in_flight.push(batch);
        if last_tick.elapsed() >= config.tick {
            last_tick = Instant::now();
            let mut untracked = Batch::default();
            for partition in state.partitions.values_mut() {
                let mut out = Outputs {
                    producer,
                    topics,
                    batch: &mut untracked,
                    relay: &config.relay,
                    source: &topic,
                };
                context.stage.tick(partition, &mut out);
            }
        }
        match state.in_flight.confirmed() {
            Ok(offsets) => store_offsets(&consumer, &topic, &offsets),
            Err(err) => break Err(anyhow!("an output was not delivered: {err}")),
        }
        if let Some(reason) = state.failed.take() {
            break Err(anyhow!(
                "outputs not confirmed during a rebalance: {reason}"
            ));
        }
    };
    shutdown_consumer(&consumer, &topic, config.drain_deadline, result.is_ok());
    result
}

/// Seeks a partition back: its fetch started past the committed offset.
/// Returns whether the seek was made.
fn rewind<C: ConsumerContext>(
    consumer: &BaseConsumer<C>,
    topic: &str,
    partition: i32,
    resume: &Resume,
    received: i64,
    to: i64,
) -> bool {
    debug!(
        topic,
        partition,
        committed = resume.committed(),
        received,
        to,
        "fetch resumed past the committed offset; rewinding"
    );
    metrics::resume_rewind(topic, partition);
    match consumer.seek(topic, partition, Offset::Offset(to), Duration::from_secs(5)) {
        Ok(()) => true,
        Err(err) => {
            warn!(topic, partition, %err, "rewinding to the committed offset failed; retrying");
            false
        }
    }
}

fn store_offsets<C: ConsumerContext>(
    consumer: &BaseConsumer<C>,
    topic: &str,
    offsets: &[(i32, i64)],
) {
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
fn shutdown_consumer<S: Stage>(
    consumer: &BaseConsumer<PipelineContext<S>>,
    topic: &str,
    deadline: Duration,
    clean: bool,
) {
    let context = consumer.context();
    let mut state = context.state.lock().expect("pipeline state");
    if clean {
        match state.in_flight.drain(deadline) {
            Ok(_) => {
                let mut list = TopicPartitionList::new();
                for (id, offset) in &state.finished {
                    let _ = list.add_partition_offset(topic, *id, Offset::Offset(*offset));
                }
                if list.count() > 0 {
                    match consumer.commit(&list, CommitMode::Sync) {
                        Ok(()) => info!(
                            stage = context.stage.name(),
                            "offsets committed on shutdown"
                        ),
                        Err(err) => {
                            warn!(stage = context.stage.name(), %err, "final commit failed")
                        }
                    }
                }
            }
            Err(err) => {
                warn!(stage = context.stage.name(), %err, "outputs not confirmed on shutdown; not committing")
            }
        }
    }
    state.partitions.clear();
    state.finished.clear();
    state.resuming.clear();
    drop(state);
    consumer.unsubscribe();
}
