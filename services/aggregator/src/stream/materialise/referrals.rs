//! The referral view's own reader: the referrals topic, whole, into the
//! referral store, on a thread and a consumer of its own. No processing
//! depends on it, so it neither delays a partition's resumption nor waits
//! for one. What the topic held at start-up is history (for replays);
//! once read, the store broadcasts what arrives after. A watcher asking
//! for recent referrals before then gets those read so far.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use borderflow_common::kafka::KafkaArgs;
use borderflow_proto::Message as _;
use borderflow_proto::protection::v1::Referral;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::util::Timeout;
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
    // Where each partition ended at start-up: read to there, the history
    // is in.
    let mut pending: HashMap<i32, i64> = HashMap::new();
    for partition in 0..partition_count(&consumer, topic)? {
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
        .context("assigning the referrals topic")?;
    if pending.is_empty() {
        store.mark_loaded();
    }
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
                let partition = message.partition();
                if pending
                    .get(&partition)
                    .is_some_and(|&end| message.offset() + 1 >= end)
                {
                    pending.remove(&partition);
                    if pending.is_empty() {
                        store.mark_loaded();
                        debug!("referral history read");
                    }
                }
            });
        })
        .context("spawning the referral view's thread")?;
    Ok(())
}
