//! The audit trail as the tests read it: every record on the audit topic.

use std::time::{Duration, Instant};

use borderflow_common::kafka::KafkaArgs;
use borderflow_proto::Message as _;
use borderflow_proto::audit::v1::{AuditPhase, AuditRecord};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message as _;

/// Whether a record is a call's own (one per call): a unary call's, a
/// refused call's, or a stream's opening.
pub fn is_call(record: &AuditRecord) -> bool {
    record.phase == AuditPhase::Complete as i32 || record.phase == AuditPhase::StreamOpened as i32
}

/// Every record of the audit `topic`, read until at least `calls` call
/// records arrived and the topic went quiet for a second, or `limit`.
pub fn read(
    kafka: &KafkaArgs,
    topic: &str,
    partitions: i32,
    calls: usize,
    limit: Duration,
) -> Vec<AuditRecord> {
    let consumer: BaseConsumer = kafka
        .reader_config("audit-check")
        .create()
        .expect("a reader");
    let mut list = rdkafka::TopicPartitionList::new();
    for p in 0..partitions {
        list.add_partition_offset(topic, p, rdkafka::Offset::Beginning)
            .expect("a partition");
    }
    consumer.assign(&list).expect("assigned");
    let deadline = Instant::now() + limit;
    let mut records = Vec::new();
    let mut last = Instant::now();
    while Instant::now() < deadline {
        let enough = records.iter().filter(|r| is_call(r)).count() >= calls;
        if enough && last.elapsed() > Duration::from_secs(1) {
            break;
        }
        let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        if let Some(record) = message.payload().and_then(|p| AuditRecord::decode(p).ok()) {
            records.push(record);
            last = Instant::now();
        }
    }
    records
}
