//! The per-document stage: reads the by-document topic (records keyed by
//! document key, so one partition holds a document's whole history) and
//! applies the per-document rules.
//!
//! A partition's state is the fold of its records: on assignment the stage
//! replays the partition from its start up to the committed offset without
//! publishing (those anomalies were published before, with the same ids),
//! then continues live.

use std::sync::Arc;
use std::time::{Duration, Instant};

use borderflow_common::kafka::{KafkaArgs, Topics};
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::inspection::v1::{InspectionRecord, inspection_record};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use tracing::{info, warn};

use crate::detect::DetectConfig;
use crate::detect::document::DocumentProcessor;
use crate::metrics;
use crate::pipeline::{Outputs, Stage};
use crate::store::ReferenceStore;

pub struct DocumentsStage {
    pub detect: Arc<DetectConfig>,
    pub allowed_lateness_ms: i64,
    pub reference: Arc<ReferenceStore>,
    pub kafka: KafkaArgs,
    pub topic: String,
    /// Longest replay when resuming a partition.
    pub replay_deadline: Duration,
}

pub struct DocumentPartition {
    processor: DocumentProcessor,
    /// The next offset to process.
    next: Option<i64>,
}

/// The document key of a record, or why it has none.
fn key_of(message: &BorrowedMessage<'_>) -> Result<[u8; 32], &'static str> {
    message
        .key()
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .ok_or("record key is not a 32-byte document key")
}

fn inspection_of(payload: &[u8]) -> Option<borderflow_proto::inspection::v1::Inspection> {
    match InspectionRecord::decode(payload).ok()?.body? {
        inspection_record::Body::Inspection(inspection) => Some(inspection),
        inspection_record::Body::Heartbeat(_) => None,
    }
}

impl DocumentsStage {
    /// Folds `partition` from its start up to `until` (exclusive) into
    /// `processor`, discarding what the rules report.
    fn replay(
        &self,
        partition: i32,
        until: i64,
        processor: &mut DocumentProcessor,
    ) -> anyhow::Result<u64> {
        let reader: BaseConsumer = self
            .kafka
            .reader_config("borderflow-aggregator-document-replay")
            .create()?;
        let mut list = TopicPartitionList::new();
        list.add_partition_offset(&self.topic, partition, Offset::Beginning)?;
        reader.assign(&list)?;
        let (low, _) = reader.fetch_watermarks(
            &self.topic,
            partition,
            Timeout::After(self.replay_deadline),
        )?;
        let started = Instant::now();
        let mut discarded = Vec::new();
        let mut replayed = 0;
        let mut next = low;
        while next < until {
            if started.elapsed() > self.replay_deadline {
                anyhow::bail!(
                    "replay of partition {partition} reached only offset {next} of {until}"
                );
            }
            let Some(result) = reader.poll(Duration::from_millis(200)) else {
                continue;
            };
            let message = result?;
            next = message.offset() + 1;
            if message.offset() >= until {
                break;
            }
            if let (Ok(key), Some(inspection)) =
                (key_of(&message), message.payload().and_then(inspection_of))
            {
                processor.process(key, &inspection, &self.reference, &mut discarded);
                discarded.clear();
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

    fn assign(&self, partition: i32, committed: Option<i64>) -> DocumentPartition {
        let mut processor = DocumentProcessor::new(self.detect.clone(), self.allowed_lateness_ms);
        if let Some(until) = committed.filter(|c| *c > 0) {
            let started = Instant::now();
            match self.replay(partition, until, &mut processor) {
                Ok(records) => info!(
                    partition,
                    records,
                    documents = processor.len(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "document histories rebuilt"
                ),
                Err(err) => warn!(partition, %err, "document histories incomplete"),
            }
        }
        DocumentPartition {
            processor,
            next: committed,
        }
    }

    fn process(
        &self,
        state: &mut DocumentPartition,
        message: &BorrowedMessage<'_>,
        out: &mut Outputs<'_>,
    ) -> Result<(), KafkaError> {
        state.next = Some(message.offset() + 1);
        let key = match key_of(message) {
            Ok(key) => key,
            Err(reason) => return out.deadletter(message, "invalid", reason),
        };
        let Some(inspection) = message.payload().and_then(inspection_of) else {
            return out.deadletter(message, "undecodable", "not an inspection record");
        };
        let mut anomalies: Vec<Anomaly> = Vec::new();
        state
            .processor
            .process(key, &inspection, &self.reference, &mut anomalies);
        metrics::document_record();
        for anomaly in &anomalies {
            out.anomaly(anomaly)?;
        }
        Ok(())
    }

    fn finish(
        &self,
        _state: &mut DocumentPartition,
        _out: &mut Outputs<'_>,
    ) -> Result<(), KafkaError> {
        Ok(())
    }

    fn commit_offset(&self, state: &DocumentPartition) -> Option<i64> {
        state.next
    }
}
