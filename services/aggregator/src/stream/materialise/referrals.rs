//! The referral view's own reader: the referrals topic, whole, into the
//! referral store, on a thread and a consumer of its own. No processing
//! depends on it, so it neither delays a partition's resumption nor waits
//! for one. What the topic held at start-up is history (for replays);
//! once read, the store broadcasts what arrives after. A watcher asking
//! for recent referrals before then gets those read so far.

use std::sync::Arc;

use anyhow::Context;
use borderflow_common::kafka::KafkaArgs;
use borderflow_proto::Message as _;
use borderflow_proto::protection::v1::Referral;
use rdkafka::consumer::BaseConsumer;
use rdkafka::message::{BorrowedMessage, Message};
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::view::View;
use crate::metrics;
use crate::store::ReferralStore;

/// Starts reading `topic` from its beginning into `store`.
pub(super) fn start(
    kafka: &KafkaArgs,
    topic: &str,
    store: Arc<ReferralStore>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let consumer: BaseConsumer = kafka
        .reader_config("borderflow-aggregator-referrals-view")
        .create()
        .context("creating the referral view's consumer")?;
    let loaded = store.clone();
    View {
        name: "referrals",
        topic: topic.to_owned(),
        first: |low, _, _| low,
        loaded: move || loaded.mark_loaded(),
        apply: move |message: &BorrowedMessage<'_>| match message
            .payload()
            .map(Referral::decode)
            .transpose()
        {
            Ok(Some(referral)) => {
                store.apply(referral);
            }
            Ok(None) => {}
            Err(err) => {
                metrics::materialise_error(message.topic());
                debug!(offset = message.offset(), %err, "skipping an unreadable referral");
            }
        },
    }
    .spawn(consumer, shutdown)
}
