//! The statistics view's own reader: the statistics topic, whole, into the
//! statistics store, on a thread and a consumer of its own. The topic
//! grows for years and no processing depends on it, so it neither delays
//! a partition's resumption nor waits for one; the store says when it has
//! read what the topic held at start-up, and answers only from then on.

use std::sync::Arc;

use anyhow::Context;
use borderflow_common::kafka::KafkaArgs;
use borderflow_proto::Message as _;
use borderflow_proto::statistics::v1::HourRecord;
use rdkafka::consumer::BaseConsumer;
use rdkafka::message::{BorrowedMessage, Message};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use super::view::View;
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
    let loaded = store.clone();
    View {
        name: "statistics",
        topic: topic.to_owned(),
        first: |low, _, _| low,
        loaded: move || {
            loaded.mark_loaded();
            info!("statistics view loaded");
        },
        apply: move |message: &BorrowedMessage<'_>| {
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
        },
    }
    .spawn(consumer, shutdown)
}
