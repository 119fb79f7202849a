//! The raw pipeline baseline: the same Kafka work as the aggregator with no
//! logic. One thread consumes the inspections topic in a fresh group and
//! produces every record (key and value unchanged) to a by-document topic
//! of its own, as the inspections stage produces its by-document copies;
//! a second thread consumes that topic in a group of its own, as the
//! per-document stage does. Timed from the start until the second thread
//! has read every record: what the aggregator's two stages would reach if
//! their work cost nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use borderflow_common::kafka::KafkaArgs;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};

use super::consumer::read_all;
use super::producer::send_waiting;
use super::report::Throughput;
use super::timeline::Sampler;

/// The baseline's by-document topic, among the run's topics.
pub fn topic(prefix: &str) -> String {
    format!("{prefix}raw-pipeline-by-document")
}

/// Longest the baseline may take.
const LIMIT: Duration = Duration::from_secs(300);

/// Pipes `expected` records of `input` through `through` and reads them
/// back.
pub async fn run(
    kafka: &KafkaArgs,
    input: &str,
    through: &str,
    expected: u64,
) -> anyhow::Result<Throughput> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    let copier: BaseConsumer = kafka
        .consumer_config("borderflow-bench-pipeline", &format!("bench-pipe-{run}"))
        .create()?;
    copier.subscribe(&[input])?;
    let reader: BaseConsumer = kafka
        .consumer_config(
            "borderflow-bench-pipeline",
            &format!("bench-pipe-{run}-second"),
        )
        .create()?;
    reader.subscribe(&[through])?;
    let producer: ThreadedProducer<_> = kafka
        .producer_config("borderflow-bench-pipeline")
        .create()?;

    let copied = Arc::new(AtomicU64::new(0));
    let read = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let sampler = Sampler::start(read.clone(), started);
    let copy = {
        let copied = copied.clone();
        let through = through.to_owned();
        tokio::task::spawn_blocking(move || -> anyhow::Result<Duration> {
            let mut first = None;
            while copied.load(Ordering::Relaxed) < expected && started.elapsed() < LIMIT {
                let Some(result) = copier.poll(Duration::from_millis(100)) else {
                    continue;
                };
                let message = result?;
                first.get_or_insert_with(|| started.elapsed());
                let mut record = BaseRecord::to(&through);
                if let Some(key) = message.key() {
                    record = record.key(key);
                }
                if let Some(payload) = message.payload() {
                    record = record.payload(payload);
                }
                send_waiting(&producer, record)?;
                copied.fetch_add(1, Ordering::Relaxed);
            }
            producer.flush(Duration::from_secs(60))?;
            copier.unsubscribe();
            Ok(first.unwrap_or_default())
        })
    };
    let counter = read.clone();
    let last = tokio::task::spawn_blocking(move || {
        read_all(&reader, &counter, expected, started, LIMIT);
        started.elapsed()
    })
    .await?;
    let first = copy.await??;
    let samples = sampler.finish().await;
    let got = read.load(Ordering::Relaxed);
    if got < expected {
        bail!("raw pipeline: read back {got} of {expected} records within {LIMIT:?}");
    }
    // Timed as the aggregator is: from the first record in to the last out.
    Ok(Throughput::new(expected, last - first, first, samples))
}
