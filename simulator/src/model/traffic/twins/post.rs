//! One post of a coupled pair as its twin's travellers meet it: the
//! drive across the zone, the queue at its booths (a booth frees, the next
//! traveller starts) and its officers.

use borderflow_domain::time::{MS_PER_HOUR, MS_PER_SECOND};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

use crate::model::network::CrossingSpec;
use crate::model::traffic::event::Names;

/// Spread of the drive across the zone around the pair's typical transit
/// (log-normal sigma): most vehicles within half and twice the median.
const DRIVE_SIGMA: f64 = 0.35;

/// The longest wait at a post's exit booths, or on coming back to the post
/// just left: those queues are not modelled here.
pub(super) const QUICK_WAIT_MS: i64 = 3 * 60_000;

/// One post of a pair, as the other sees it.
pub(super) struct Post {
    pub(super) index: usize,
    pub(super) names: Names,
    pub(super) spec: CrossingSpec,
    pub(super) transit_ms: i64,
    pub(super) service: LogNormal<f64>,
    /// When each booth is free again, for the travellers reaching this
    /// post from its twin.
    pub(super) free_at: Vec<i64>,
}

/// One inspection's booth and times.
#[derive(Clone, Copy, Debug)]
pub(super) struct Slot {
    pub(super) lane: u32,
    pub(super) queued: i64,
    pub(super) started: i64,
    pub(super) completed: i64,
}

impl Post {
    pub(super) fn new(index: usize, spec: &CrossingSpec, transit_ms: i64) -> Self {
        let mean_s = f64::from(spec.lanes) * 3_600.0 / f64::from(spec.capacity_per_hour.max(1));
        let sigma: f64 = 0.45;
        let mu = mean_s.max(1.0).ln() - sigma * sigma / 2.0;
        Self {
            index,
            names: Names::new(spec),
            spec: spec.clone(),
            transit_ms,
            service: LogNormal::new(mu, sigma).expect("valid log-normal parameters"),
            free_at: vec![i64::MIN; spec.lanes as usize],
        }
    }

    pub(super) fn local_hour(&self, at: i64) -> u32 {
        let local = at + i64::from(self.spec.profile.utc_offset_hours) * MS_PER_HOUR;
        (local.rem_euclid(24 * MS_PER_HOUR) / MS_PER_HOUR) as u32
    }

    /// The drive across the zone to this post.
    pub(super) fn drive(&self, rng: &mut ChaCha8Rng) -> i64 {
        let drive = LogNormal::new(0.0, DRIVE_SIGMA)
            .expect("valid log-normal parameters")
            .sample(rng)
            * self.transit_ms as f64;
        drive.max(60_000.0) as i64
    }

    /// A traveller reaching this post at `arrival` queues for the booth
    /// that frees first: waiting emerges from the load, as at every post.
    pub(super) fn queue(&mut self, arrival: i64, rng: &mut ChaCha8Rng) -> Slot {
        let (lane, free) = self
            .free_at
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|(lane, free)| (*free, *lane))
            .unwrap_or((0, i64::MIN));
        let started = arrival.max(free);
        let completed = started + self.service_ms(rng);
        self.free_at[lane] = completed;
        Slot {
            lane: lane as u32,
            queued: arrival,
            started,
            completed,
        }
    }

    /// An inspection that ends at `completed`, after a short wait: leaving
    /// a post, or coming back to the one just left (its queue is its own
    /// simulation's, which this one does not see).
    pub(super) fn before(&self, completed: i64, rng: &mut ChaCha8Rng) -> Slot {
        let started = completed - self.service_ms(rng);
        Slot {
            lane: rng.random_range(0..self.spec.lanes),
            queued: started - rng.random_range(0..QUICK_WAIT_MS),
            started,
            completed,
        }
    }

    pub(super) fn service_ms(&self, rng: &mut ChaCha8Rng) -> i64 {
        (self.service.sample(rng) * MS_PER_SECOND as f64).max(5_000.0) as i64
    }
}
