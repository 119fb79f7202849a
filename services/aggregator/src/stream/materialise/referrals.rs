//! The referral view's own reader: the referrals topic, whole, into the
//! referral store, on a thread and a consumer of its own. No processing
//! depends on it, so it neither delays a partition's resumption nor waits
//! for one; a watcher asking for recent referrals before it has read them
//! gets those read so far, then the rest as they arrive.

use std::sync::Arc;

use anyhow::Context;
use borderflow_common::kafka::KafkaArgs;
use borderflow_proto::Message as _;
use borderflow_proto::protection::v1::Referral;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::{follow, partition_count};
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
    let mut list = TopicPartitionList::new();
    for partition in 0..partition_count(&consumer, topic)? {
        list.add_partition_offset(topic, partition, Offset::Beginning)?;
    }
    consumer
        .assign(&list)
        .context("assigning the referrals topic")?;
    std::thread::Builder::new()
        .name("referrals-view".into())
        .spawn(move || {
            follow(&consumer, "referrals", &shutdown, |message| {
                match message.payload().map(Referral::decode).transpose() {
                    Ok(Some(referral)) => {
                        store.apply(referral);
                    }
                    Ok(None) => {}
                    Err(err) => {
                        metrics::materialise_error(message.topic());
                        debug!(offset = message.offset(), %err, "skipping an unreadable referral");
                    }
                }
            });
        })
        .context("spawning the referral view's thread")?;
    Ok(())
}
