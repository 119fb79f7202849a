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

/// How steady a phase ran: its rate over each whole second from its first
/// record to its last.
#[derive(Clone, Debug, Serialize)]
pub struct Steadiness {
    /// Whole seconds measured.
    pub seconds: usize,
    pub p10: f64,
    pub median: f64,
    pub p90: f64,
}

impl Steadiness {
    /// The p10–p90 range as a share of the median.
    pub fn spread(&self) -> f64 {
        (self.p90 - self.p10) / self.median.max(1e-9)
    }
}

impl Samples {
    /// Rates over consecutive spans of at least a second between the first
    /// sample with progress and the first one at the final count; `None`
    /// with fewer than three.
    pub fn steadiness(&self) -> Option<Steadiness> {
        let points = &self.0;
        let total = points.last()?.1;
        let start = points.iter().position(|p| p.1 > 0)?;
        let end = points.iter().position(|p| p.1 == total)?;
        let mut rates = Vec::new();
        let mut i = start;
        for j in start..=end {
            let span = points[j].0 - points[i].0;
            if span >= 1.0 {
                rates.push((points[j].1 - points[i].1) as f64 / span);
                i = j;
            }
        }
        if rates.len() < 3 {
            return None;
        }
        rates.sort_by(f64::total_cmp);
        let at = |q: f64| rates[((rates.len() - 1) as f64 * q).round() as usize];
        Some(Steadiness {
            seconds: rates.len(),
            p10: at(0.1),
            median: at(0.5),
            p90: at(0.9),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steadiness_is_measured_between_the_first_and_the_last_record() {
        // Two idle seconds, then 1000/s for 5 s with one slow second, then idle.
        let mut samples = Samples::default();
        let mut done = 0;
        for tenth in 0..=90u64 {
            let t = tenth as f64 / 10.0;
            if (2.0..7.0).contains(&t) {
                // A sample counts what was done in the tenth before it.
                done += if t > 4.0 && t <= 5.0 { 50 } else { 100 };
            }
            samples.0.push((t, done));
        }
        let s = samples.steadiness().unwrap();
        assert_eq!(s.seconds, 4);
        assert_eq!(s.median, 1000.0);
        assert_eq!(s.p10, 500.0);
        assert!((s.spread() - 0.5).abs() < 1e-9);
        assert!(Samples(vec![(0.0, 0), (0.5, 10)]).steadiness().is_none());
    }
}
