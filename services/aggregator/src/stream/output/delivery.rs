//! Knowing when outputs are durable: the outputs of a batch of input
//! records are tracked together, and the batch's input offsets may be
//! stored for commit only once every output of it, and of every batch
//! before it, is confirmed.
//!
//! A batch may also carry state changes for a changelog. Those are written
//! only once the batch's other outputs are confirmed, so a changelog never
//! holds state whose outputs could still be lost; the batch's offsets are
//! stored once the changes are confirmed too.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::channel::oneshot;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::future_producer::OwnedDeliveryResult;
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};

/// One batch of inputs: its outputs in flight and the offsets it allows to
/// commit once they land.
#[derive(Default)]
pub struct Batch {
    pub(super) deliveries: Vec<Pending>,
    /// (partition, next offset to consume after a restart).
    pub commits: Vec<(i32, i64)>,
    /// State changes to write once every delivery above is confirmed.
    pub changes: Vec<StateChanges>,
    /// The changes written, waiting for their confirmation.
    written: Vec<Written>,
}

struct Written {
    changes: StateChanges,
    deliveries: Vec<DeliveryFuture>,
    /// The highest offset confirmed so far.
    last_offset: i64,
}

/// Records of one changelog partition, in order: `(key, value)`, a `None`
/// value deleting the key.
pub struct StateChanges {
    pub topic: String,
    pub partition: i32,
    pub records: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// Which of the partition's generations of changes the records are
    /// (counted by their writer, passed on to `persist`).
    pub generation: u64,
    /// Told once the records are durable.
    pub persist: Option<Arc<dyn Persist>>,
}

/// Where durable state changes go next (a local copy of the changelog).
pub trait Persist: Send + Sync {
    /// `records` (the changes of `generation`) are durable in `partition`
    /// of the changelog, the last of them at `last_offset`.
    fn persisted(
        &self,
        partition: i32,
        records: Vec<(Vec<u8>, Option<Vec<u8>>)>,
        last_offset: i64,
        generation: u64,
    );
}

/// An output's delivery report: from the producer, or passed on by the
/// relay once it has acted on it.
pub(super) enum Pending {
    Direct(DeliveryFuture),
    Relayed(oneshot::Receiver<OwnedDeliveryResult>),
}

impl Pending {
    fn now_or_never(&mut self) -> Option<Result<OwnedDeliveryResult, oneshot::Canceled>> {
        match self {
            Self::Direct(delivery) => delivery.now_or_never(),
            Self::Relayed(report) => report.now_or_never(),
        }
    }
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.deliveries.is_empty() && self.commits.is_empty() && self.changes.is_empty()
    }

    /// Ok(true) once every output and then every state change is
    /// confirmed, Err on a failed delivery.
    fn poll_done(&mut self, producer: &FutureProducer) -> Result<bool, KafkaError> {
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
        for changes in std::mem::take(&mut self.changes) {
            let mut deliveries = Vec::with_capacity(changes.records.len());
            for (key, value) in &changes.records {
                deliveries.push(write_change(
                    producer,
                    &changes.topic,
                    changes.partition,
                    key,
                    value.as_deref(),
                )?);
            }
            self.written.push(Written {
                changes,
                deliveries,
                last_offset: -1,
            });
        }
        for written in &mut self.written {
            while let Some(delivery) = written.deliveries.last_mut() {
                match delivery.now_or_never() {
                    None => return Ok(false),
                    Some(Ok(Ok(delivery))) => {
                        written.deliveries.pop();
                        written.last_offset = written.last_offset.max(delivery.offset);
                    }
                    Some(Ok(Err((err, _)))) => return Err(err),
                    Some(Err(_)) => return Err(KafkaError::Canceled),
                }
            }
        }
        for written in self.written.drain(..) {
            let StateChanges {
                partition,
                records,
                persist,
                generation,
                ..
            } = written.changes;
            if let Some(persist) = persist {
                persist.persisted(partition, records, written.last_offset, generation);
            }
        }
        Ok(true)
    }
}

/// Writes one state change to its changelog partition, waiting when the
/// producer's queue is full.
fn write_change(
    producer: &FutureProducer,
    topic: &str,
    partition: i32,
    key: &[u8],
    value: Option<&[u8]>,
) -> Result<DeliveryFuture, KafkaError> {
    let mut record = FutureRecord::<[u8], [u8]>::to(topic)
        .partition(partition)
        .key(key);
    if let Some(value) = value {
        record = record.payload(value);
    }
    super::queue(producer, record)
}

/// Batches in order; the confirmed prefix yields offsets to store.
pub struct InFlight {
    batches: VecDeque<Batch>,
    /// Writes the batches' state changes.
    producer: FutureProducer,
}

impl InFlight {
    pub fn new(producer: FutureProducer) -> Self {
        Self {
            batches: VecDeque::new(),
            producer,
        }
    }

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
            if !front.poll_done(&self.producer)? {
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
