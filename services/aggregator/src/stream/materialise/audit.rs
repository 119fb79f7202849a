//! The audit view's own reader: the tail of the audit topic into the audit
//! store, on a thread and a consumer of its own, so the trail — written on
//! every API call — never delays or disturbs the view processing waits for
//! when it resumes a partition.

use std::sync::Arc;

use anyhow::Context;
use borderflow_common::kafka::KafkaArgs;
use borderflow_proto::Message as _;
use borderflow_proto::audit::v1::AuditRecord;
use rdkafka::consumer::BaseConsumer;
use rdkafka::message::{BorrowedMessage, Message};
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::view::View;
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
    // The trail grows for years: only its tail, as much as the store keeps.
    let capacity = store.capacity();
    View {
        name: "audit",
        topic: topic.to_owned(),
        first: move |low: i64, high: i64, partitions: i32| {
            low.max(high - capacity.div_ceil(partitions.max(1) as usize) as i64)
        },
        loaded: || {},
        apply: move |message: &BorrowedMessage<'_>| match message
            .payload()
            .map(AuditRecord::decode)
            .transpose()
        {
            Ok(Some(record)) => store.apply(record),
            Ok(None) => {}
            Err(err) => {
                metrics::materialise_error(message.topic());
                debug!(offset = message.offset(), %err, "skipping an unreadable audit record");
            }
        },
    }
    .spawn(consumer, shutdown)
}
