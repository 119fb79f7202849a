//! Reading one partition of a topic on the restoring thread, up to an
//! offset or to its end, failing when it stops making progress.

use std::time::{Duration, Instant};

use borderflow_common::kafka::KafkaArgs;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};

/// How far to read.
#[derive(Clone, Copy, Debug)]
pub(super) enum Until {
    /// Up to this offset (exclusive).
    Offset(i64),
    /// To the end the broker reports, once nothing more arrives. (tansu
    /// reports a partition's high watermark as the first offset of its last
    /// batch, so reaching it is not enough; Kafka's is exact.)
    End,
}

/// The read was to start where the partition no longer has records (before
/// its start, or past the end of an empty partition).
#[derive(Debug)]
pub(super) struct NotHeld(pub(super) String);

impl std::fmt::Display for NotHeld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotHeld {}

/// Quiet needed at the reported end before the partition counts as read.
const QUIET_AT_END: Duration = Duration::from_millis(300);

/// Reads partitions of one topic.
pub(super) struct Reader<'a> {
    pub(super) kafka: &'a KafkaArgs,
    pub(super) client: &'a str,
    pub(super) topic: &'a str,
    /// Longest wait for the next record.
    pub(super) stall: Duration,
}

impl Reader<'_> {
    /// Reads `partition` from `from` (`None`: its start), handing each
    /// record to `apply`; returns the next offset after the last record
    /// read. Fails when no record arrives for `stall`, or when `from` is no
    /// longer held (before the partition's start).
    pub(super) fn read(
        &self,
        partition: i32,
        from: Option<i64>,
        until: Until,
        apply: impl FnMut(&BorrowedMessage<'_>) -> anyhow::Result<()>,
    ) -> anyhow::Result<i64> {
        read(self, partition, from, until, apply)
    }
}

fn read(
    Reader {
        kafka,
        client,
        topic,
        stall,
    }: &Reader<'_>,
    partition: i32,
    from: Option<i64>,
    until: Until,
    mut apply: impl FnMut(&BorrowedMessage<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<i64> {
    let (topic, stall) = (*topic, *stall);
    let reader: BaseConsumer = kafka.reader_config(client).create()?;
    let (low, high) = reader.fetch_watermarks(topic, partition, Timeout::After(stall))?;
    if let Some(from) = from
        && from < low
    {
        return Err(NotHeld(format!(
            "{topic} partition {partition} no longer holds offset {from} (it starts at {low})"
        ))
        .into());
    }
    if let Some(from) = from
        && from > 0
        && high == low
    {
        return Err(NotHeld(format!(
            "{topic} partition {partition} is empty, but the read is to start at {from}"
        ))
        .into());
    }
    let mut next = from.unwrap_or(low).max(low);
    let target = match until {
        Until::Offset(offset) => offset,
        Until::End => high,
    };
    if next >= target && (matches!(until, Until::Offset(_)) || high == low) {
        return Ok(next);
    }
    let mut list = TopicPartitionList::new();
    list.add_partition_offset(topic, partition, Offset::Offset(next))?;
    reader.assign(&list)?;
    let mut progressed = Instant::now();
    loop {
        let quiet = progressed.elapsed();
        match until {
            Until::Offset(end) if next >= end => return Ok(next),
            Until::End if next > high || (next >= high && quiet >= QUIET_AT_END) => {
                return Ok(next);
            }
            _ => {}
        }
        if quiet > stall {
            anyhow::bail!(
                "reading {topic} partition {partition} stalled at offset {next} of {target}"
            );
        }
        let Some(result) = reader.poll(Duration::from_millis(50)) else {
            continue;
        };
        let message = result?;
        progressed = Instant::now();
        if let Until::Offset(end) = until
            && message.offset() >= end
        {
            return Ok(next);
        }
        if message.offset() < next {
            // The start of a batch the read began inside of.
            continue;
        }
        next = message.offset() + 1;
        apply(&message)?;
    }
}
