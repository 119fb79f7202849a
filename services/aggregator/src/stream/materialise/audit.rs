//! The audit view's own reader: the tail of the audit topic into the audit
//! store, on a thread and a consumer of its own, so the trail — written on
//! every API call — never delays or disturbs the view processing waits for
//! when it resumes a partition.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use borderflow_common::kafka::KafkaArgs;
use borderflow_proto::Message as _;
use borderflow_proto::audit::v1::AuditRecord;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::{follow, partition_count};
use crate::metrics;
use crate::store::AuditStore;

/// Starts reading the newest records of `topic` that `store` keeps.
pub(super) fn start(
    kafka: &KafkaArgs,
    topic: &str,
    store: Arc<AuditStore>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let consumer: BaseConsumer = kafka
        .reader_config("borderflow-aggregator-audit-view")
        .create()
        .context("creating the audit view's consumer")?;
    let partitions = partition_count(&consumer, topic)?;
    // The trail grows for years: only its tail, as much as the store keeps.
    let keep = store.capacity().div_ceil(partitions as usize) as i64;
    let mut list = TopicPartitionList::new();
    for partition in 0..partitions {
        let (low, high) = consumer
            .fetch_watermarks(topic, partition, Timeout::After(Duration::from_secs(10)))
            .with_context(|| format!("reading the bounds of {topic}/{partition}"))?;
        list.add_partition_offset(topic, partition, Offset::Offset(low.max(high - keep)))?;
    }
    consumer
        .assign(&list)
        .context("assigning the audit topic")?;
    std::thread::Builder::new()
        .name("audit-view".into())
        .spawn(move || {
            follow(&consumer, "audit", &shutdown, |message| {
                match message.payload().map(AuditRecord::decode).transpose() {
                    Ok(Some(record)) => store.apply(record),
                    Ok(None) => {}
                    Err(err) => {
                        metrics::materialise_error(message.topic());
                        debug!(offset = message.offset(), %err, "skipping an unreadable audit record");
                    }
                }
            });
        })
        .context("spawning the audit view's thread")?;
    Ok(())
}
