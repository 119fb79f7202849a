//! Producing the aggregator's outputs: [`Outputs`] carries out what the
//! pure steps ask for ([`Effects`]) with the output producer, and
//! `delivery` knows when they are durable.

mod delivery;
mod relay;

use std::time::Duration;

use borderflow_common::kafka::Topics;
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{Anomaly, CrossingWindowRecord};
use borderflow_proto::protection::v1::Referral;
use borderflow_proto::statistics::v1::HourRecord;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use tracing::debug;

use delivery::Pending;
pub use delivery::{Batch, InFlight, Persist, StateChanges};
pub use relay::Relay;

use crate::metrics;
use crate::partition::Closed;
use crate::partition::effects::{Effects, Record};
use crate::partition::hours::hour_key;
use crate::windows::publish::{snapshot_key, window_key};

/// Outputs of the batch in progress.
pub struct Outputs<'a> {
    pub producer: &'a FutureProducer,
    pub topics: &'a Topics,
    pub batch: &'a mut Batch,
    /// Where this instance's own anomalies go once durable.
    pub relay: &'a Relay,
    /// The input topic (named in dead letters).
    pub source: &'a str,
}

impl Outputs<'_> {
    pub fn send(
        &mut self,
        topic: &str,
        key: &[u8],
        payload: &[u8],
        headers: Option<OwnedHeaders>,
    ) -> Result<(), KafkaError> {
        send(self.producer, self.batch, topic, key, payload, headers)
    }
}

impl Effects for Outputs<'_> {
    type Error = KafkaError;

    /// Publishes an anomaly (keyed by crossing) and counts it.
    fn anomaly(&mut self, anomaly: &Anomaly) -> Result<(), KafkaError> {
        metrics::anomaly(anomaly);
        let delivery = enqueue(
            self.producer,
            &self.topics.anomalies,
            anomaly.crossing_id.as_bytes(),
            &anomaly.encode_to_vec(),
            None,
        )?;
        let relayed = self.relay.relay(delivery, anomaly.clone());
        self.batch.deliveries.push(Pending::Relayed(relayed));
        Ok(())
    }

    fn window(&mut self, closed: &Closed) -> Result<(), KafkaError> {
        metrics::window_published(closed);
        let key = window_key(&closed.record);
        let topic = &self.topics.crossing_stats;
        send(
            self.producer,
            self.batch,
            topic,
            key.as_bytes(),
            &closed.payload,
            None,
        )
    }

    fn hour(&mut self, hour: &HourRecord) -> Result<(), KafkaError> {
        let key = hour_key(hour);
        let topic = &self.topics.statistics;
        send(
            self.producer,
            self.batch,
            topic,
            key.as_bytes(),
            &hour.encode_to_vec(),
            None,
        )
    }

    /// Publishes a referral (keyed by crossing) and counts it.
    fn referral(&mut self, referral: &Referral) -> Result<(), KafkaError> {
        metrics::referral(referral);
        send(
            self.producer,
            self.batch,
            &self.topics.referrals,
            referral.crossing_id.as_bytes(),
            &referral.encode_to_vec(),
            None,
        )
    }

    fn snapshot(&mut self, snapshot: &CrossingWindowRecord) -> Result<(), KafkaError> {
        let key = snapshot_key(snapshot);
        let topic = &self.topics.crossing_stats;
        send(
            self.producer,
            self.batch,
            topic,
            key.as_bytes(),
            &snapshot.encode_to_vec(),
            None,
        )
    }

    fn by_document(&mut self, document_key: &[u8], payload: &[u8]) -> Result<(), KafkaError> {
        let topic = &self.topics.by_document;
        send(
            self.producer,
            self.batch,
            topic,
            document_key,
            payload,
            None,
        )
    }

    /// Sends the record to the dead-letter topic with the reason.
    fn dead_letter(
        &mut self,
        record: &Record<'_>,
        kind: &'static str,
        reason: &str,
    ) -> Result<(), KafkaError> {
        metrics::deadletter(kind);
        debug!(
            topic = self.source,
            partition = record.partition,
            offset = record.offset,
            reason,
            "dead-lettering a record"
        );
        let headers =
            deadletter_headers(kind, reason, self.source, record.partition, record.offset);
        let topic = &self.topics.deadletter;
        send(
            self.producer,
            self.batch,
            topic,
            record.key.unwrap_or_default(),
            record.payload,
            Some(headers),
        )
    }
}

/// Sends an output with one producer, waiting when its queue is full.
pub fn send(
    producer: &FutureProducer,
    batch: &mut Batch,
    topic: &str,
    key: &[u8],
    payload: &[u8],
    headers: Option<OwnedHeaders>,
) -> Result<(), KafkaError> {
    let delivery = enqueue(producer, topic, key, payload, headers)?;
    batch.deliveries.push(Pending::Direct(delivery));
    Ok(())
}

fn enqueue(
    producer: &FutureProducer,
    topic: &str,
    key: &[u8],
    payload: &[u8],
    headers: Option<OwnedHeaders>,
) -> Result<DeliveryFuture, KafkaError> {
    let mut record = FutureRecord::to(topic).key(key).payload(payload);
    if let Some(headers) = headers {
        record = record.headers(headers);
    }
    queue(producer, record)
}

/// Queues `record` with the producer, waiting while its queue is full.
fn queue(
    producer: &FutureProducer,
    mut record: FutureRecord<'_, [u8], [u8]>,
) -> Result<DeliveryFuture, KafkaError> {
    loop {
        match producer.send_result(record) {
            Ok(delivery) => return Ok(delivery),
            Err((err, returned))
                if err.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) =>
            {
                // librdkafka's own thread drains the queue; give it a moment.
                record = returned;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err((err, _)) => return Err(err),
        }
    }
}

/// Writes `records` (key, payload) to `topic` and waits until Kafka has
/// confirmed every one, waiting at most `timeout` for room in the producer's
/// queue (delivery itself is bounded by the producer's delivery timeout).
/// Returns where each landed.
pub async fn write_durable(
    producer: &FutureProducer,
    topic: &str,
    records: &[(String, Vec<u8>)],
    timeout: Duration,
) -> Result<Vec<(String, i32, i64)>, KafkaError> {
    let sends = records.iter().map(|(key, payload)| async move {
        producer
            .send(
                FutureRecord::to(topic).key(key).payload(payload),
                rdkafka::util::Timeout::After(timeout),
            )
            .await
            .map(|delivery| (topic.to_owned(), delivery.partition, delivery.offset))
            .map_err(|(err, _)| err)
    });
    futures::future::try_join_all(sends).await
}

/// Headers of a dead-letter record.
pub fn deadletter_headers(
    kind: &str,
    reason: &str,
    topic: &str,
    partition: i32,
    offset: i64,
) -> OwnedHeaders {
    let partition = partition.to_string();
    let offset = offset.to_string();
    OwnedHeaders::new()
        .insert(Header {
            key: "borderflow-error-kind",
            value: Some(kind),
        })
        .insert(Header {
            key: "borderflow-error",
            value: Some(reason),
        })
        .insert(Header {
            key: "borderflow-source-topic",
            value: Some(topic),
        })
        .insert(Header {
            key: "borderflow-source-partition",
            value: Some(&partition),
        })
        .insert(Header {
            key: "borderflow-source-offset",
            value: Some(&offset),
        })
}
