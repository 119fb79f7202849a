//! `export`: a range of the inspections topic into a records file, read
//! as the aggregator's inspections stage reads it — every partition, from
//! the beginning, with the client settings [`KafkaArgs`] makes for every
//! borderflow service — up to the end each partition had when the export
//! started. Records are kept when their event time (an inspection's
//! completion, a heartbeat's time) falls in `[from, to)`; a record that
//! does not decode is kept whatever its time, since the aggregator read it
//! too (and dead-lettered it). The file's order is `merge`'s.
//!
//! The topic's end is where each partition ended when the export started.
//! Its high watermark says so on Apache Kafka; some Kafka-protocol brokers
//! (tansu) report the start of the last record batch instead, so past the
//! reported mark a partition is read on until it goes quiet for a second
//! (the aggregator's materialiser waits the same way) or a record stamped
//! after the export started arrives (by the broker timestamp, so a
//! producer's clock far ahead of this machine's would end it early).

mod merge;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use borderflow_aggregator::stream::materialise::partition_count;
use borderflow_common::clock::now_ms;
use borderflow_common::kafka::KafkaArgs;
use borderflow_proto::Message as _;
use borderflow_proto::inspection::v1::{InspectionRecord, inspection_record};
use borderflow_proto::timestamp_to_ms;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message as _;
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use tracing::info;

use crate::error::{Error, Result};
use crate::records::Writer;
use merge::Merge;

/// A partition at or past its reported end is done after this long
/// without a record.
const QUIET: Duration = Duration::from_secs(1);

/// An export gives up after this long without a record while partitions
/// are short of their ends.
const STALLED: Duration = Duration::from_secs(60);

/// What to export, and where to.
#[derive(Clone, Debug)]
pub struct Export {
    pub kafka: KafkaArgs,
    pub topic: String,
    /// Event times from (inclusive), ms since the epoch.
    pub from_ms: Option<i64>,
    /// Event times to (exclusive).
    pub to_ms: Option<i64>,
    pub out: PathBuf,
}

/// What an export did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    pub partitions: usize,
    /// Records read from the topic.
    pub read: usize,
    /// Records in the range, written.
    pub written: usize,
}

/// Where a partition's reading stands.
#[derive(Clone, Copy, Debug)]
struct Progress {
    /// The high watermark at the start, as the broker reports it.
    end: i64,
    /// Next offset to read.
    next: i64,
    /// The last record read.
    heard: Instant,
}

pub fn export(export: &Export) -> Result<Exported> {
    let kafka_error = |what: &str| {
        let what = what.to_owned();
        move |source: KafkaError| Error::Kafka { what, source }
    };
    let consumer: BaseConsumer = export
        .kafka
        .reader_config("borderflow-replay-export")
        .create()
        .map_err(kafka_error("creating the export consumer"))?;
    let started_ms = now_ms();
    let topic = export.topic.as_str();
    let partitions = partition_count(&consumer, topic).map_err(|e| Error::Topic {
        topic: topic.to_owned(),
        reason: format!("{e:#}"),
    })? as usize;
    let mut merge = Merge::new(partitions);
    let mut progress = Vec::with_capacity(partitions);
    let mut assignment = TopicPartitionList::new();
    for partition in 0..partitions {
        let (low, high) = consumer
            .fetch_watermarks(
                topic,
                partition as i32,
                Timeout::After(Duration::from_secs(10)),
            )
            .map_err(kafka_error(&format!(
                "reading the end of {topic}/{partition}"
            )))?;
        progress.push(Progress {
            end: high,
            next: low,
            heard: Instant::now(),
        });
        // Even one that looks empty: a broker reporting the start of the
        // last batch reports a partition of one batch as empty.
        assignment
            .add_partition_offset(topic, partition as i32, Offset::Beginning)
            .map_err(kafka_error("assigning the topic"))?;
    }
    info!(topic, partitions, "exporting");
    consumer
        .assign(&assignment)
        .map_err(kafka_error("assigning the topic"))?;
    let mut writer = Writer::create(&export.out)?;
    let mut read = 0;
    let mut last_record = Instant::now();
    while merge.open_count() > 0 {
        match consumer.poll(Duration::from_millis(100)) {
            None | Some(Err(KafkaError::PartitionEOF(_))) => {}
            Some(Err(err)) => return Err(kafka_error(&format!("reading {topic}"))(err)),
            Some(Ok(message)) => {
                let partition = message.partition() as usize;
                last_record = Instant::now();
                if partition >= partitions || !merge.is_open(partition) {
                    continue;
                }
                let at = &mut progress[partition];
                let timestamp = message.timestamp().to_millis().unwrap_or(i64::MIN);
                if at.next >= at.end && timestamp > started_ms {
                    // Written since the export started: past the range.
                    merge.close(partition);
                    continue;
                }
                read += 1;
                at.next = message.offset() + 1;
                at.heard = last_record;
                let payload = message.payload().unwrap_or_default();
                if in_range(payload, export.from_ms, export.to_ms) {
                    merge.push(partition, timestamp, payload.to_vec());
                }
            }
        }
        for (partition, at) in progress.iter().enumerate() {
            if merge.is_open(partition) && at.next >= at.end && at.heard.elapsed() >= QUIET {
                merge.close(partition);
            }
        }
        merge.release(|payload| writer.write(payload))?;
        if last_record.elapsed() > STALLED {
            return Err(Error::Topic {
                topic: topic.to_owned(),
                reason: format!(
                    "no record for {STALLED:?} with {} partitions short of their end",
                    merge.open_count()
                ),
            });
        }
    }
    merge.release(|payload| writer.write(payload))?;
    let written = writer.finish()?;
    info!(topic, read, written, "exported");
    Ok(Exported {
        partitions,
        read,
        written,
    })
}

/// Whether `payload`'s event time lies in `[from, to)`; a record that does
/// not decode, or has no time, is kept.
fn in_range(payload: &[u8], from_ms: Option<i64>, to_ms: Option<i64>) -> bool {
    if from_ms.is_none() && to_ms.is_none() {
        return true;
    }
    let Ok(record) = InspectionRecord::decode(payload) else {
        return true;
    };
    let at = match &record.body {
        Some(inspection_record::Body::Inspection(i)) => i.completed_at.as_ref(),
        Some(inspection_record::Body::Heartbeat(h)) => h.at.as_ref(),
        Some(inspection_record::Body::Escort(e)) => e.at.as_ref(),
        None => None,
    };
    let Some(at) = at.and_then(timestamp_to_ms) else {
        return true;
    };
    from_ms.is_none_or(|from| at >= from) && to_ms.is_none_or(|to| at < to)
}

#[cfg(test)]
mod tests {
    use borderflow_proto::inspection::v1::{CheckpointHeartbeat, Inspection};
    use borderflow_proto::ms_to_timestamp;

    use super::*;

    #[test]
    fn records_are_kept_by_event_time() {
        let inspection = |ms| {
            InspectionRecord {
                body: Some(inspection_record::Body::Inspection(Inspection {
                    completed_at: Some(ms_to_timestamp(ms)),
                    ..Default::default()
                })),
            }
            .encode_to_vec()
        };
        let beat = InspectionRecord {
            body: Some(inspection_record::Body::Heartbeat(CheckpointHeartbeat {
                at: Some(ms_to_timestamp(50)),
                ..Default::default()
            })),
        }
        .encode_to_vec();
        let (from, to) = (Some(100), Some(200));
        assert!(in_range(&inspection(100), from, to));
        assert!(in_range(&inspection(199), from, to));
        assert!(!in_range(&inspection(200), from, to));
        assert!(!in_range(&inspection(99), from, to));
        assert!(!in_range(&beat, from, to));
        assert!(in_range(&beat, None, to));
        assert!(in_range(&inspection(5), None, None));
        assert!(in_range(b"\xff\xff not a record", from, to));
    }
}
