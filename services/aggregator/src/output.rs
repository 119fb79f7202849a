//! Producing the aggregator's outputs and knowing when they are durable.
//!
//! Outputs of a batch of input records are tracked together; the batch's
//! input offsets may be stored for commit only once every output of it, and
//! of every batch before it, is confirmed.

use std::collections::VecDeque;
use std::time::Duration;

use futures::FutureExt;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};

/// One batch of inputs: its outputs in flight and the offsets it allows to
/// commit once they land.
#[derive(Default)]
pub struct Batch {
    deliveries: Vec<DeliveryFuture>,
    /// (partition, next offset to consume after a restart).
    pub commits: Vec<(i32, i64)>,
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

/// Sends outputs with one producer, waiting when its queue is full.
pub fn send(
    producer: &FutureProducer,
    batch: &mut Batch,
    topic: &str,
    key: &[u8],
    payload: &[u8],
    headers: Option<OwnedHeaders>,
) -> Result<(), KafkaError> {
    loop {
        let mut record = FutureRecord::to(topic).key(key).payload(payload);
        if let Some(headers) = headers.clone() {
            record = record.headers(headers);
        }
        match producer.send_result(record) {
            Ok(delivery) => {
                batch.deliveries.push(delivery);
                return Ok(());
            }
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
