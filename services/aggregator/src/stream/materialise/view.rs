//! What the views with a reader of their own share: a thread that reads
//! where each partition starts and ends, assigns the topic, tells the view
//! once it has read what the topic held when the reader started, and then
//! follows. The bounds are read on that thread, so a slow broker delays
//! the view, never the instance's start or the partitions it resumes.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::{follow, partition_count};

/// How a view reads its topic.
pub(super) struct View<F, L, A> {
    /// The thread's name, and the view's in logs.
    pub(super) name: &'static str,
    pub(super) topic: String,
    /// The first offset to read of a partition holding `low..high`, of a
    /// topic of so many partitions.
    pub(super) first: F,
    /// Called once the records the topic held at start-up are read.
    pub(super) loaded: L,
    /// Called with every record.
    pub(super) apply: A,
}

impl<F, L, A> View<F, L, A>
where
    F: Fn(i64, i64, i32) -> i64 + Send + 'static,
    L: FnOnce() + Send + 'static,
    A: FnMut(&BorrowedMessage<'_>) + Send + 'static,
{
    /// Starts the view's thread with `consumer`; fails only when the topic
    /// does not exist.
    pub(super) fn spawn(
        self,
        consumer: BaseConsumer,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let partitions = partition_count(&consumer, &self.topic)?;
        let name = self.name;
        std::thread::Builder::new()
            .name(format!("{}-view", self.name))
            .spawn(move || self.run(&consumer, partitions, &shutdown))
            .with_context(|| format!("spawning the {name} view's thread"))?;
        Ok(())
    }

    fn run(self, consumer: &BaseConsumer, partitions: i32, shutdown: &CancellationToken) {
        let Self {
            name,
            topic,
            first,
            loaded,
            mut apply,
        } = self;
        let Some(mut pending) = assign(consumer, name, &topic, partitions, &first, shutdown) else {
            return;
        };
        let mut loaded = Some(loaded);
        if pending.is_empty()
            && let Some(loaded) = loaded.take()
        {
            loaded();
        }
        follow(consumer, name, shutdown, |message| {
            apply(message);
            let partition = message.partition();
            if pending
                .get(&partition)
                .is_some_and(|&end| message.offset() + 1 >= end)
            {
                pending.remove(&partition);
                if pending.is_empty()
                    && let Some(loaded) = loaded.take()
                {
                    loaded();
                    debug!(view = name, "read what the topic held at start-up");
                }
            }
        });
    }
}

/// Reads the bounds of every partition, retrying until `shutdown`, and
/// assigns each from `first`; returns where each non-empty range ended.
fn assign(
    consumer: &BaseConsumer,
    name: &'static str,
    topic: &str,
    partitions: i32,
    first: &impl Fn(i64, i64, i32) -> i64,
    shutdown: &CancellationToken,
) -> Option<HashMap<i32, i64>> {
    while !shutdown.is_cancelled() {
        match bounds(consumer, topic, partitions, first) {
            Ok((list, pending)) => match consumer.assign(&list) {
                Ok(()) => return Some(pending),
                Err(err) => warn!(view = name, %err, "assigning the topic failed; retrying"),
            },
            Err(err) => warn!(
                view = name,
                err = format!("{err:#}"),
                "reading the topic's bounds failed; retrying"
            ),
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    None
}

fn bounds(
    consumer: &BaseConsumer,
    topic: &str,
    partitions: i32,
    first: &impl Fn(i64, i64, i32) -> i64,
) -> anyhow::Result<(TopicPartitionList, HashMap<i32, i64>)> {
    let mut list = TopicPartitionList::new();
    let mut pending = HashMap::new();
    for partition in 0..partitions {
        let (low, high) = consumer
            .fetch_watermarks(topic, partition, Timeout::After(Duration::from_secs(10)))
            .with_context(|| format!("reading the bounds of {topic}/{partition}"))?;
        let from = first(low, high, partitions).clamp(low, high);
        if high > from {
            pending.insert(partition, high);
        }
        list.add_partition_offset(topic, partition, Offset::Offset(from))?;
    }
    Ok((list, pending))
}
