//! The per-document stage over Kafka: a thin adapter from the pipeline's
//! records to [`DocumentPartition::step`].
//!
//! A partition's state is the fold of its records: on assignment the stage
//! replays the partition from its start up to the committed offset without
//! publishing (those anomalies were published before, with the same ids),
//! then continues live. The replay runs on the restoring thread while the
//! partition is paused (`stream::restore`), for as long as it takes: a
//! replay that stops making progress for `replay_stall` fails and starts
//! again, and a partition is never processed on part of its history.

use std::sync::Arc;
use std::time::{Duration, Instant};

use borderflow_common::kafka::{KafkaArgs, Topics};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use tracing::info;

use crate::detect::{DetectConfig, References};
use crate::metrics;
use crate::partition::DocumentPartition;
use crate::partition::effects::Record;
use crate::store::ReferenceStore;
use crate::stream::output::Outputs;
use crate::stream::pipeline::Stage;

pub struct DocumentsStage {
    pub detect: Arc<DetectConfig>,
    pub allowed_lateness_ms: i64,
    pub reference: Arc<ReferenceStore>,
    pub kafka: KafkaArgs,
    pub topic: String,
    /// Longest wait for the next record of a replay before it is started
    /// again.
    pub replay_stall: Duration,
}

impl DocumentsStage {
    /// Folds `partition` from its start up to `until` (exclusive) into
    /// `state`, publishing nothing.
    fn replay(
        &self,
        partition: i32,
        until: i64,
        state: &mut DocumentPartition,
    ) -> anyhow::Result<u64> {
        let reader: BaseConsumer = self
            .kafka
            .reader_config("borderflow-aggregator-document-replay")
            .create()?;
        let mut list = TopicPartitionList::new();
        list.add_partition_offset(&self.topic, partition, Offset::Beginning)?;
        reader.assign(&list)?;
        let (low, _) =
            reader.fetch_watermarks(&self.topic, partition, Timeout::After(self.replay_stall))?;
        let mut progressed = Instant::now();
        let mut replayed = 0;
        let mut next = low;
        while next < until {
            if progressed.elapsed() > self.replay_stall {
                anyhow::bail!(
                    "replay of partition {partition} stalled at offset {next} of {until}"
                );
            }
            let Some(result) = reader.poll(Duration::from_millis(200)) else {
                continue;
            };
            let message = result?;
            progressed = Instant::now();
            next = message.offset() + 1;
            if message.offset() >= until {
                break;
            }
            let record = Record {
                partition,
                offset: message.offset(),
                key: message.key(),
                payload: message.payload().unwrap_or_default(),
            };
            if state.replay(&record) {
                replayed += 1;
            }
        }
        Ok(replayed)
    }
}

impl Stage for DocumentsStage {
    type Partition = DocumentPartition;

    fn name(&self) -> &'static str {
        "documents"
    }

    fn topic<'a>(&self, topics: &'a Topics) -> &'a str {
        &topics.by_document
    }

    fn assign(&self, partition: i32, committed: Option<i64>) -> anyhow::Result<DocumentPartition> {
        let refs: Arc<dyn References> = self.reference.clone();
        let mut state = DocumentPartition::new(self.detect.clone(), self.allowed_lateness_ms, refs)
            .in_partition(partition);
        if let Some(until) = committed.filter(|c| *c > 0) {
            let started = Instant::now();
            let records = self.replay(partition, until, &mut state)?;
            metrics::document_histories_replayed(records);
            info!(
                partition,
                records,
                documents = state.documents(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "document histories rebuilt"
            );
        }
        state.resume_at(committed);
        Ok(state)
    }

    fn process(
        &self,
        state: &mut DocumentPartition,
        record: &Record<'_>,
        out: &mut Outputs<'_>,
    ) -> Result<(), KafkaError> {
        if state.step(record, out)? {
            metrics::document_record();
        }
        Ok(())
    }

    fn finish(
        &self,
        state: &mut DocumentPartition,
        _out: &mut Outputs<'_>,
    ) -> Result<(), KafkaError> {
        metrics::document_histories(state.partition(), state.documents(), state.take_expired());
        Ok(())
    }

    fn commit_offset(&self, state: &DocumentPartition) -> Option<i64> {
        state.commit_offset()
    }
}
