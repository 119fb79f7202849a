//! Progress over time: a counter sampled at a fixed interval while a phase
//! runs, for the throughput chart.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How often progress is sampled.
pub const INTERVAL: Duration = Duration::from_millis(100);

/// (seconds since the phase started, records done so far).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Samples(pub Vec<(f64, u64)>);

impl Samples {
    pub fn push(&mut self, at: Duration, done: u64) {
        self.0.push((at.as_secs_f64(), done));
    }

    /// Records per second between consecutive samples, at the end of each
    /// interval.
    pub fn rates(&self) -> Vec<(f64, f64)> {
        self.0
            .windows(2)
            .filter(|w| w[1].0 > w[0].0)
            .map(|w| (w[1].0, (w[1].1 - w[0].1) as f64 / (w[1].0 - w[0].0)))
            .collect()
    }
}

/// Samples `counter` every [`INTERVAL`] from `started` until stopped.
pub struct Sampler {
    stop: CancellationToken,
    task: JoinHandle<Samples>,
}

impl Sampler {
    pub fn start(counter: Arc<AtomicU64>, started: Instant) -> Self {
        let stop = CancellationToken::new();
        let task = tokio::spawn({
            let stop = stop.clone();
            async move {
                let mut samples = Samples::default();
                samples.push(started.elapsed(), counter.load(Ordering::Relaxed));
                let mut ticks = tokio::time::interval(INTERVAL);
                ticks.tick().await;
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = ticks.tick() => {}
                    }
                    samples.push(started.elapsed(), counter.load(Ordering::Relaxed));
                }
                samples.push(started.elapsed(), counter.load(Ordering::Relaxed));
                samples
            }
        });
        Self { stop, task }
    }

    pub async fn finish(self) -> Samples {
        self.stop.cancel();
        self.task.await.unwrap_or_default()
    }
}
