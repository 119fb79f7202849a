//! The liaison view's own reader: the exchange topic, whole (both
//! systems' records for the pairs), into the liaison store, on a thread
//! and a consumer of its own. The liaison stage waits for it to have read
//! what the topic held at start-up before it resumes a partition.
//!
//! Each record read live (after start-up) goes into this instance's audit
//! trail, accepted or refused; one read while the instance was down is in
//! the trail of the instances that were up, and in the exchange topic.

use std::sync::Arc;

use anyhow::Context;
use borderflow_common::clock::now_ms;
use borderflow_common::kafka::{KafkaArgs, Topics};
use borderflow_proto::Message as _;
use borderflow_proto::liaison::v1::LiaisonRecord;
use rdkafka::consumer::BaseConsumer;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::view::View;
use crate::metrics;
use crate::statistics::liaison::audit::received;
use crate::store::LiaisonStore;

/// Starts reading the exchange topic from its beginning into `store`; a
/// system holding no pair key takes no part in the exchange, and reads
/// nothing of it.
pub(super) fn start(
    kafka: &KafkaArgs,
    topics: &Topics,
    store: Arc<LiaisonStore>,
    instance: &str,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    if store.keys().is_empty() {
        store.mark_loaded();
        return Ok(());
    }
    let consumer: BaseConsumer = kafka
        .reader_config("borderflow-aggregator-liaison-view")
        .create()
        .context("creating the liaison view's consumer")?;
    let audit: FutureProducer = kafka
        .producer_config("borderflow-aggregator-liaison-audit")
        .create()
        .context("creating the liaison view's audit producer")?;
    let (topic, audit_topic, instance) = (
        topics.liaison.clone(),
        topics.audit.clone(),
        instance.to_owned(),
    );
    let loaded = store.clone();
    View {
        name: "liaison",
        topic: topic.clone(),
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
                let verdict = store.apply(&record);
                match &verdict {
                    Ok(()) => metrics::liaison_received(pair, "accepted"),
                    Err(refused) => {
                        metrics::liaison_received(pair, refused.label());
                        debug!(offset = message.offset(), %refused, "liaison record refused");
                    }
                }
                if store.is_loaded() {
                    let entry = received(
                        &record,
                        verdict.as_ref().copied(),
                        &topic,
                        &instance,
                        now_ms(),
                    );
                    let payload = entry.encode_to_vec();
                    let sent = audit.send_result(
                        FutureRecord::to(&audit_topic)
                            .key(entry.principal.as_bytes())
                            .payload(&payload),
                    );
                    if sent.is_err() {
                        metrics::audit_write_failure();
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
