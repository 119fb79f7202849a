//! Knowing when outputs are durable: the outputs of a batch of input
//! records are tracked together, and the batch's input offsets may be
//! stored for commit only once every output of it, and of every batch
//! before it, is confirmed.

use std::collections::VecDeque;
use std::time::Duration;

use futures::FutureExt;
use futures::channel::oneshot;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::DeliveryFuture;
use rdkafka::producer::future_producer::OwnedDeliveryResult;

/// One batch of inputs: its outputs in flight and the offsets it allows to
/// commit once they land.
#[derive(Default)]
pub struct Batch {
    pub(super) deliveries: Vec<Pending>,
    /// (partition, next offset to consume after a restart).
    pub commits: Vec<(i32, i64)>,
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
        self.deliveries.is_empty() && self.commits.is_empty()
    }

    /// Ok(true) once every output is confirmed, Err on a failed delivery.
    fn poll_done(&mut self) -> Result<bool, KafkaError> {
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
        Ok(true)
    }
}

/// Batches in order; the confirmed prefix yields offsets to store.
#[derive(Default)]
pub struct InFlight {
    batches: VecDeque<Batch>,
}

impl InFlight {
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
            if !front.poll_done()? {
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
