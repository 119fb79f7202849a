//! The Kafka edge of ingest: enqueue records, learn when they are durable.
//!
//! Admission is bounded twice: a semaphore caps the records in flight across
//! all clients (memory stays bounded under overload), and librdkafka's own
//! queue reports `QueueFull`. While the brokers are known to be down, work is
//! refused at once instead of queued to time out.

use std::sync::Arc;
use std::time::Duration;

use borderflow_common::kafka::{BrokerHealth, KafkaArgs};
use futures::future::try_join_all;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::error::PublishError;

/// One record for the inspections topic.
#[derive(Debug)]
pub struct OutRecord {
    pub key: String,
    pub payload: Vec<u8>,
}

#[derive(Clone)]
pub struct Publisher {
    producer: FutureProducer<BrokerHealth>,
    health: BrokerHealth,
    topic: Arc<str>,
    permits: Arc<Semaphore>,
    max_in_flight: usize,
}

/// How long a caller is willing to wait for capacity.
#[derive(Clone, Copy, Debug)]
pub enum Admission {
    /// Refuse with `Overloaded` when the limit is reached.
    Immediate,
    /// Wait up to this long for capacity (backpressure on a stream).
    Wait(Duration),
}

impl Publisher {
    pub fn new(
        kafka: &KafkaArgs,
        client_id: &str,
        topic: &str,
        max_in_flight: usize,
    ) -> anyhow::Result<Self> {
        let health = BrokerHealth::default();
        let producer: FutureProducer<BrokerHealth> = kafka
            .producer_config(client_id)
            .create_with_context(health.clone())?;
        Ok(Self {
            producer,
            health,
            topic: topic.into(),
            permits: Arc::new(Semaphore::new(max_in_flight)),
            max_in_flight,
        })
    }

    pub fn broker_health(&self) -> &BrokerHealth {
        &self.health
    }

    /// Records enqueued and not yet confirmed.
    pub fn in_flight(&self) -> usize {
        self.max_in_flight - self.permits.available_permits()
    }

    /// Enqueues `records` and returns a future that resolves once Kafka
    /// confirmed every one of them. Nothing is enqueued when admission fails.
    pub async fn publish(
        &self,
        records: Vec<OutRecord>,
        admission: Admission,
    ) -> Result<impl Future<Output = Result<(), PublishError>> + use<>, PublishError> {
        if self.health.is_down() {
            return Err(PublishError::BrokerUnavailable(
                "no broker reachable".into(),
            ));
        }
        let permit = self.admit(records.len(), admission).await?;
        let mut deliveries = Vec::with_capacity(records.len());
        for record in &records {
            let future = FutureRecord::to(&self.topic)
                .key(&record.key)
                .payload(&record.payload);
            match self.producer.send_result(future) {
                Ok(delivery) => deliveries.push(delivery),
                Err((error, _)) => {
                    // Records already enqueued still complete; the caller
                    // gets an error and retries, and the aggregator drops the
                    // repeats by event id.
                    return Err(classify(&error));
                }
            }
        }
        let health = self.health.clone();
        Ok(async move {
            let _permit: OwnedSemaphorePermit = permit;
            let outcome = try_join_all(deliveries.into_iter().map(|delivery| async move {
                match delivery.await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err((error, _))) => Err(classify(&error)),
                    Err(_) => Err(PublishError::BrokerUnavailable("producer closed".into())),
                }
            }))
            .await;
            if outcome.is_ok() {
                health.mark_up();
            }
            outcome.map(drop)
        })
    }

    async fn admit(
        &self,
        count: usize,
        admission: Admission,
    ) -> Result<OwnedSemaphorePermit, PublishError> {
        let count = u32::try_from(count).map_err(|_| PublishError::Overloaded)?;
        if count as usize > self.max_in_flight {
            return Err(PublishError::Overloaded);
        }
        match admission {
            Admission::Immediate => self
                .permits
                .clone()
                .try_acquire_many_owned(count)
                .map_err(|_| PublishError::Overloaded),
            Admission::Wait(limit) => {
                match tokio::time::timeout(limit, self.permits.clone().acquire_many_owned(count))
                    .await
                {
                    Ok(Ok(permit)) => Ok(permit),
                    _ => Err(PublishError::Overloaded),
                }
            }
        }
    }

    /// Asks a broker for metadata every `interval` until `shutdown`, keeping
    /// [`BrokerHealth`] current so requests fail fast while no broker answers.
    pub async fn probe_brokers(&self, interval: Duration, shutdown: CancellationToken) {
        // One slow answer is not an outage: two failed probes in a row are.
        const FAILURES_FOR_DOWN: u32 = 2;
        let mut failures = 0;
        loop {
            let producer = self.producer.clone();
            let topic = self.topic.clone();
            let reachable = tokio::task::spawn_blocking(move || {
                producer
                    .client()
                    .fetch_metadata(
                        Some(&topic),
                        Timeout::After(interval.max(Duration::from_secs(1))),
                    )
                    .is_ok()
            })
            .await
            .unwrap_or(false);
            let was_down = self.health.is_down();
            if reachable {
                failures = 0;
                self.health.mark_up();
                if was_down {
                    info!("kafka reachable again");
                }
            } else {
                failures += 1;
                if failures >= FAILURES_FOR_DOWN {
                    self.health.mark_down();
                    if !was_down {
                        warn!("kafka unreachable; refusing submissions until it answers");
                    }
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }

    /// Waits for every enqueued record to be delivered, up to `deadline`.
    pub fn flush(&self, deadline: Duration) -> Result<(), KafkaError> {
        self.producer.flush(Timeout::After(deadline))
    }
}

fn classify(error: &KafkaError) -> PublishError {
    match error.rdkafka_error_code() {
        Some(RDKafkaErrorCode::QueueFull) => PublishError::Overloaded,
        Some(RDKafkaErrorCode::MessageSizeTooLarge | RDKafkaErrorCode::InvalidMessageSize) => {
            PublishError::Rejected(error.to_string())
        }
        _ => PublishError::BrokerUnavailable(error.to_string()),
    }
}
