//! The statistics view's own reader: the statistics topic, whole, into the
//! statistics store, on a thread and a consumer of its own. The topic
//! grows for years and no processing depends on it, so it neither delays
//! a partition's resumption nor waits for one; the store says when it has
//! read what the topic held at start-up, and answers only from then on.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use borderflow_common::kafka::KafkaArgs;
use borderflow_proto::Message as _;
use borderflow_proto::statistics::v1::HourRecord;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use super::{follow, partition_count};
use crate::metrics;
use crate::store::StatisticsStore;

/// Starts reading `topic` from its beginning into `store`.
pub(super) fn start(
    kafka: &KafkaArgs,
    topic: &str,
    store: Arc<StatisticsStore>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let consumer: BaseConsumer = kafka
        .reader_config("borderflow-aggregator-statistics-view")
        .create()
        .context("creating the statistics view's consumer")?;
    let partitions = partition_count(&consumer, topic)?;
    let mut list = TopicPartitionList::new();
    // Where each partition ended at start-up: read to there, the view is
    // whole.
    let mut pending: HashMap<i32, i64> = HashMap::new();
    for partition in 0..partitions {
        let (low, high) = consumer
            .fetch_watermarks(topic, partition, Timeout::After(Duration::from_secs(10)))
            .with_context(|| format!("reading the bounds of {topic}/{partition}"))?;
        if high > low {
            pending.insert(partition, high);
        }
        list.add_partition_offset(topic, partition, Offset::Beginning)?;
    }
    consumer
        .assign(&list)
        .context("assigning the statistics topic")?;
    if pending.is_empty() {
        store.mark_loaded();
    }
    std::thread::Builder::new()
        .name("statistics-view".into())
        .spawn(move || {
            follow(&consumer, "statistics", &shutdown, |message| {
                let applied = match message.payload().map(HourRecord::decode).transpose() {
                    Ok(Some(record)) => store
                        .apply(message.partition(), &record)
                        .map_err(|e| e.to_string()),
                    Ok(None) => Ok(()),
                    Err(err) => Err(err.to_string()),
                };
                if let Err(err) = applied {
                    metrics::materialise_error(message.topic());
                    debug!(offset = message.offset(), %err, "skipping an unreadable statistics record");
                }
                let partition = message.partition();
                if pending.get(&partition).is_some_and(|&end| message.offset() + 1 >= end) {
                    pending.remove(&partition);
                    if pending.is_empty() {
                        store.mark_loaded();
                        info!("statistics view loaded");
                    }
                }
            });
        })
        .context("spawning the statistics view's thread")?;
    Ok(())
}
