//! Live counters of a simulation run, shared by every checkpoint.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Stats {
    /// Events the model produced.
    pub generated: AtomicU64,
    /// Events sent on a stream (resends count again).
    pub sent: AtomicU64,
    /// Events ingest acknowledged as durable.
    pub acked: AtomicU64,
    /// Events ingest refused as invalid.
    pub rejected: AtomicU64,
    pub heartbeats: AtomicU64,
    /// Simulated time of the latest emission, epoch milliseconds.
    pub sim_time_ms: AtomicI64,
    /// Events in checkpoint outboxes, waiting for acknowledgement.
    pub buffered: AtomicI64,
    failures: Mutex<BTreeMap<String, u64>>,
}

impl Stats {
    pub fn failure(&self, code: tonic::Code) {
        *self
            .failures
            .lock()
            .expect("stats lock")
            .entry(format!("{code:?}"))
            .or_default() += 1;
    }

    /// Failed calls by status code.
    pub fn failures(&self) -> BTreeMap<String, u64> {
        self.failures.lock().expect("stats lock").clone()
    }

    pub(crate) fn buffered_delta(&self, delta: i64) {
        self.buffered.fetch_add(delta, Ordering::Relaxed);
    }
}
