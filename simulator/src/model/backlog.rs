//! A fluid estimate of the queue behind closed booths: arrivals in at the
//! expected rate, the open booths' capacity out, a quarter hour at a time.
//! Arrivals are counted as parties, fewer than travellers, so the figures
//! err short. Planting uses it to know when a closure's backlog has
//! cleared.

use borderflow_domain::time::MS_PER_HOUR;

use super::network::CrossingSpec;
use super::profile::Intensity;

const STEP: i64 = MS_PER_HOUR / 4;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backlog {
    /// The longest wait the queue reaches, ms.
    pub longest_wait_ms: i64,
    /// When the queue is gone again, with every booth open (at most a day
    /// after the closure).
    pub cleared_ms: i64,
}

/// The backlog of `spec` at `scale` with only `open` booths over
/// [from_ms, to_ms).
pub fn backlog(spec: &CrossingSpec, scale: f64, open: u32, from_ms: i64, to_ms: i64) -> Backlog {
    let intensity = Intensity::new(spec, scale);
    let per_booth =
        f64::from(spec.capacity_per_hour) / f64::from(spec.lanes.max(1)) / MS_PER_HOUR as f64;
    let (mut queue, mut longest) = (0.0_f64, 0.0_f64);
    let mut t = from_ms;
    while t < to_ms || (queue > 0.0 && t < to_ms + 24 * MS_PER_HOUR) {
        let closed = t < to_ms;
        let next = if closed {
            (t + STEP).min(to_ms)
        } else {
            t + STEP
        };
        let booths = if closed { open } else { spec.lanes };
        let served = per_booth * f64::from(booths);
        queue = (queue + intensity.expected_between(t, next) - served * (next - t) as f64).max(0.0);
        if closed {
            longest = longest.max(queue / served);
        }
        t = next;
    }
    Backlog {
        longest_wait_ms: longest as i64,
        cleared_ms: t.max(to_ms),
    }
}
