//! The raw consumer baseline: a group consumer with the aggregator's
//! settings reading the inspections topic and doing nothing with it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use borderflow_common::kafka::KafkaArgs;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;

use super::report::Throughput;
use super::timeline::Sampler;

/// Polls `consumer` until `counter` (counting every record read) reaches
/// `expected` or `limit` has passed since `started`, touching each payload;
/// unsubscribes and returns when the first record came.
pub fn read_all(
    consumer: &BaseConsumer,
    counter: &AtomicU64,
    expected: u64,
    started: Instant,
    limit: Duration,
) -> Option<Duration> {
    let mut first = None;
    let mut bytes = 0usize;
    while counter.load(Ordering::Relaxed) < expected && started.elapsed() < limit {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
            first.get_or_insert_with(|| started.elapsed());
            bytes += message.payload().map_or(0, <[u8]>::len);
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
    std::hint::black_box(bytes);
    consumer.unsubscribe();
    first
}

/// Reads `expected` records of `topic` in a fresh consumer group.
pub async fn run(kafka: &KafkaArgs, topic: &str, expected: u64) -> anyhow::Result<Throughput> {
    let group = format!("borderflow-bench-raw-{}", uuid::Uuid::new_v4().simple());
    let consumer: BaseConsumer = kafka
        .consumer_config("borderflow-bench-consumer", &group)
        .create()?;
    consumer.subscribe(&[topic])?;
    let read = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let sampler = Sampler::start(read.clone(), started);
    let counter = read.clone();
    let (first, last) = tokio::task::spawn_blocking(move || {
        let first = read_all(
            &consumer,
            &counter,
            expected,
            started,
            Duration::from_secs(300),
        );
        (first.unwrap_or_default(), started.elapsed())
    })
    .await?;
    let samples = sampler.finish().await;
    let got = read.load(Ordering::Relaxed);
    if got < expected {
        bail!("raw consumer: read {got} of {expected} records within five minutes");
    }
    Ok(Throughput::new(expected, last - first, first, samples))
}
