//! The raw producer baseline: the same encoded records ingest publishes,
//! produced straight to a topic with the services' producer settings and
//! librdkafka's fastest path (a threaded producer counting delivery
//! reports), so the figure is what the broker and client can do at best.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use borderflow_common::kafka::KafkaArgs;
use rdkafka::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::ToBytes;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};

use super::report::Throughput;
use super::timeline::Sampler;
use crate::data::Encoded;

#[derive(Clone, Default)]
struct Deliveries {
    delivered: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        let counter = if result.is_ok() {
            &self.delivered
        } else {
            &self.failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Produces every record of `records` to `topic` and waits for every
/// delivery report.
pub async fn run(
    kafka: &KafkaArgs,
    topic: &str,
    records: Arc<Vec<Encoded>>,
) -> anyhow::Result<Throughput> {
    let context = Deliveries::default();
    let producer: ThreadedProducer<Deliveries> = kafka
        .producer_config("borderflow-bench-producer")
        .create_with_context(context.clone())?;
    let started = Instant::now();
    let sampler = Sampler::start(context.delivered.clone(), started);
    let topic = topic.to_owned();
    let total = records.len() as u64;
    let sent = tokio::task::spawn_blocking(move || -> Result<(), KafkaError> {
        for record in records.iter() {
            let next = BaseRecord::to(&topic)
                .key(record.key.as_str())
                .payload(record.payload.as_slice());
            send_waiting(&producer, next)?;
        }
        producer.flush(Duration::from_secs(60))
    });
    sent.await??;
    let elapsed = started.elapsed();
    let samples = sampler.finish().await;
    let failed = context.failed.load(Ordering::Relaxed);
    let delivered = context.delivered.load(Ordering::Relaxed);
    if failed > 0 || delivered != total {
        bail!("raw producer: {delivered} of {total} delivered, {failed} failed");
    }
    Ok(Throughput::new(total, elapsed, Duration::ZERO, samples))
}

/// Sends `record`, waiting while the producer's queue is full.
pub fn send_waiting<K, P, C>(
    producer: &ThreadedProducer<C>,
    mut record: BaseRecord<'_, K, P>,
) -> Result<(), KafkaError>
where
    K: ToBytes + ?Sized,
    P: ToBytes + ?Sized,
    C: ProducerContext<DeliveryOpaque = ()> + 'static,
{
    loop {
        match producer.send(record) {
            Ok(()) => return Ok(()),
            Err((err, back)) if err.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) => {
                record = back;
                std::thread::sleep(Duration::from_millis(1));
            }
            Err((err, _)) => return Err(err),
        }
    }
}
