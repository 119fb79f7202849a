//! Producing the aggregator's outputs and knowing when they are durable.
//!
//! Outputs of a batch of input records are tracked together; the batch's
//! input offsets may be stored for commit only once every output of it, and
//! of every batch before it, is confirmed.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use borderflow_proto::analytics::v1::Anomaly;
use futures::FutureExt;
use futures::channel::oneshot;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::future_producer::OwnedDeliveryResult;
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use tokio::runtime::Handle;

use crate::store::AnomalyStore;

/// One batch of inputs: its outputs in flight and the offsets it allows to
/// commit once they land.
#[derive(Default)]
pub struct Batch {
    deliveries: Vec<Pending>,
    /// (partition, next offset to consume after a restart).
    pub commits: Vec<(i32, i64)>,
}

/// An output's delivery report: from the producer, or passed on by the
/// relay once it has acted on it.
enum Pending {
    Direct(DeliveryFuture),
    Relayed(oneshot::Receiver<OwnedDeliveryResult>),
}

impl Pending {
    fn now_or_never(&mut self) -> Option<Result<OwnedDeliveryResult, oneshot::Canceled>> {
        match self {
            Self::Direct(delivery) => delivery.now_or_never(),
            Self::Relayed(report) => report.now_or_never(),
        }
    }
}

/// Shows this instance's own anomalies to its watchers as soon as Kafka has
/// confirmed them, instead of once its materialiser reads them back from the
/// anomalies topic: one consumer hop (a fetch wait) less between a detection
/// and `WatchAnomalies` or the dashboard. Only what is durable is shown; the
/// read-back finds the same record and changes nothing. The batch carrying
/// the anomaly is confirmed through the relay task, so it needs the
/// aggregator's runtime running (it is, until processing has stopped).
#[derive(Clone, Debug)]
pub struct Relay {
    store: Arc<AnomalyStore>,
    runtime: Handle,
}

impl Relay {
    pub fn new(store: Arc<AnomalyStore>, runtime: Handle) -> Self {
        Self { store, runtime }
    }

    fn relay(
        &self,
        delivery: DeliveryFuture,
        anomaly: Anomaly,
    ) -> oneshot::Receiver<OwnedDeliveryResult> {
        let (report, relayed) = oneshot::channel();
        let store = self.store.clone();
        self.runtime.spawn(async move {
            // A cancelled delivery drops `report`: the batch sees it cancelled.
            if let Ok(result) = delivery.await {
                if result.is_ok() {
                    store.apply_relayed(anomaly);
                }
                let _ = report.send(result);
            }
        });
        relayed
    }
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.deliveries.is_empty() && self.commits.is_empty()
    }

    /// Ok(true) once every output is confirmed, Err on a failed delivery.
    fn poll_done(&mut self) -> Result<bool, KafkaError> {
        while let Some(delivery) = self.deliveries.last_mut() {
            match delivery.now_or_never() {
                None => return Ok(false),
                Some(Ok(Ok(_))) => {
                    self.deliveries.pop();
                }
                Some(Ok(Err((err, _)))) => return Err(err),
                Some(Err(_)) => return Err(KafkaError::Canceled),
            }
        }
        Ok(true)
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

/// Sends an anomaly, relayed to this instance's store once delivered.
pub fn send_relayed(
    producer: &FutureProducer,
    batch: &mut Batch,
    relay: &Relay,
    topic: &str,
    anomaly: &Anomaly,
    payload: &[u8],
) -> Result<(), KafkaError> {
    let delivery = enqueue(
        producer,
        topic,
        anomaly.crossing_id.as_bytes(),
        payload,
        None,
    )?;
    let relayed = relay.relay(delivery, anomaly.clone());
    batch.deliveries.push(Pending::Relayed(relayed));
    Ok(())
}

fn enqueue(
    producer: &FutureProducer,
    topic: &str,
    key: &[u8],
    payload: &[u8],
    headers: Option<OwnedHeaders>,
) -> Result<DeliveryFuture, KafkaError> {
    loop {
        let mut record = FutureRecord::to(topic).key(key).payload(payload);
        if let Some(headers) = headers.clone() {
            record = record.headers(headers);
        }
        match producer.send_result(record) {
            Ok(delivery) => return Ok(delivery),
            Err((err, _)) if err.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) => {
                // librdkafka's own thread drains the queue; give it a moment.
                std::thread::sleep(Duration::from_millis(5));
            }
            Err((err, _)) => return Err(err),
        }
    }
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

/// Batches in order; the confirmed prefix yields offsets to store.
#[derive(Default)]
pub struct InFlight {
    batches: VecDeque<Batch>,
}

impl InFlight {
    pub fn push(&mut self, batch: Batch) {
        if !batch.is_empty() {
            self.batches.push_back(batch);
        }
    }

    pub fn len(&self) -> usize {
        self.batches.len()
    }

    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    /// Offsets of every batch whose outputs (and all before it) are
    /// confirmed, latest per partition last.
    pub fn confirmed(&mut self) -> Result<Vec<(i32, i64)>, KafkaError> {
        let mut out = Vec::new();
        while let Some(front) = self.batches.front_mut() {
            if !front.poll_done()? {
                break;
            }
            let done = self.batches.pop_front().expect("front exists");
            out.extend(done.commits);
        }
        Ok(out)
    }

    /// Waits (blocking) until every batch is confirmed or `limit` passes.
    pub fn drain(&mut self, limit: Duration) -> Result<Vec<(i32, i64)>, KafkaError> {
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        loop {
            out.extend(self.confirmed()?);
            if self.batches.is_empty() {
                return Ok(out);
            }
            if started.elapsed() > limit {
                return Err(KafkaError::Flush(RDKafkaErrorCode::OperationTimedOut));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}
