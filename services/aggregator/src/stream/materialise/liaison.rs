//! The liaison view's own reader: the exchange topic, whole (both
//! systems' records for the pairs), into the liaison store, on a thread
//! and a consumer of its own. The liaison stage waits for it to have read
//! what the topic held at start-up before it resumes a partition.

use std::sync::Arc;

use anyhow::Context;
use borderflow_common::kafka::KafkaArgs;
use borderflow_proto::Message as _;
use borderflow_proto::liaison::v1::LiaisonRecord;
use rdkafka::consumer::BaseConsumer;
use rdkafka::message::{BorrowedMessage, Message};
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::view::View;
use crate::metrics;
use crate::store::LiaisonStore;

/// Starts reading `topic` from its beginning into `store`.
pub(super) fn start(
    kafka: &KafkaArgs,
    topic: &str,
    store: Arc<LiaisonStore>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let consumer: BaseConsumer = kafka
        .reader_config("borderflow-aggregator-liaison-view")
        .create()
        .context("creating the liaison view's consumer")?;
    let loaded = store.clone();
    View {
        name: "liaison",
        topic: topic.to_owned(),
        first: |low, _, _| low,
        loaded: move || loaded.mark_loaded(),
        apply: move |message: &BorrowedMessage<'_>| match message
            .payload()
            .map(LiaisonRecord::decode)
            .transpose()
        {
            Ok(Some(record)) => {
                // Only a pair this system holds a key for names a label: a
                // record can claim any pair id.
                let pair = store
                    .keys()
                    .of_pair(&record.pair_id)
                    .map_or("unknown", |p| p.pair_id.as_str());
                match store.apply(&record) {
                    Ok(()) => metrics::liaison_received(pair, "accepted"),
                    Err(refused) => {
                        metrics::liaison_received(pair, refused.label());
                        debug!(offset = message.offset(), %refused, "liaison record refused");
                    }
                }
            }
            Ok(None) => {}
            Err(err) => {
                metrics::materialise_error(message.topic());
                debug!(offset = message.offset(), %err, "skipping an unreadable liaison record");
            }
        },
    }
    .spawn(consumer, shutdown)
}
