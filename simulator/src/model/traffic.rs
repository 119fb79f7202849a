//! The traffic of a whole network as one time-ordered stream.
//!
//! Each crossing is a small discrete-event simulation (`crossing.rs`):
//! parties arrive by a non-homogeneous Poisson process (thinning against
//! the profile's peak), come from the crossing's population of people who
//! return (`population.rs`), queue for the booth that frees first, and are
//! inspected for a service time drawn around the crossing's capacity, so
//! waiting emerges from load. Idle booths send heartbeats. Crossings are
//! merged by time; every crossing has its own seeded generator, so the
//! stream depends only on the seed, the network and the injections.

mod crossing;
mod event;
mod sharded;
mod twins;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;

use borderflow_proto::inspection::v1::{CheckpointHeartbeat, InspectionEvent};
use rand::Rng;

use super::inject::Injections;
use super::network::Network;
use crossing::CrossingTraffic;
pub use crossing::{MISREAD_SHARE, WORN_ZONE_SHARE};
pub use sharded::ShardedTraffic;
use twins::Coupling;
pub use twins::HORIZON_MS as TWIN_HORIZON_MS;

/// What to generate.
#[derive(Clone, Debug)]
pub struct TrafficConfig {
    pub start_ms: i64,
    pub end_ms: i64,
    pub seed: u64,
    /// Multiplies every crossing's rate.
    pub scale: f64,
    /// A booth idle this long sends a heartbeat.
    pub heartbeat_idle_ms: i64,
}

/// One thing a checkpoint sends.
#[derive(Clone, Debug)]
pub enum Emission {
    Event(Box<InspectionEvent>),
    Heartbeat(CheckpointHeartbeat),
}

/// An emission of booth `lane` of crossing `crossing` at `at_ms`.
#[derive(Clone, Debug)]
pub struct Emitted {
    pub at_ms: i64,
    pub crossing: usize,
    pub lane: u32,
    pub emission: Emission,
    /// The ground-truth occurrence a planted event belongs to.
    pub truth: Option<u32>,
}

/// Share of parties referred to second-line inspection: "a few percent" of
/// first-line checks, the order issue 5 takes from public figures.
pub const SECONDARY_SHARE: f64 = 0.025;
/// Share of parties refused: 0.07 % (EU external borders: Eurostat's
/// refusal statistics, migr_eirfs, count about half a million refusals a
/// year against several hundred million external-border crossings).
pub const REFUSAL_SHARE: f64 = 0.0007;
/// Share of arrivals that are families travelling together.
pub const FAMILY_SHARE: f64 = 0.08;

/// A UUID v4 drawn from `rng`.
pub fn uuid(rng: &mut impl Rng) -> String {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid::Builder::from_random_bytes(rng.random())
        .into_uuid()
        .hyphenated()
        .encode_lower(&mut buf)
        .to_owned()
}

/// FNV-1a: a hash that never changes between runs or platforms.
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The network's traffic, in time order (ties by crossing). Within a
/// crossing's stream the order is the simulation's; [`ShardedTraffic`]
/// gives the same stream generated on several threads.
pub struct Traffic {
    crossings: Vec<CrossingTraffic>,
    next: BinaryHeap<Reverse<(i64, usize)>>,
    buffered: Vec<Option<Emitted>>,
    /// The coupled twin posts' far sides, when the scenario couples them.
    coupling: Option<Coupling>,
    /// The time of the latest item taken from the crossings.
    merged_ms: i64,
}

impl Traffic {
    pub fn new(network: &Network, config: &TrafficConfig) -> Self {
        Self::with_injections(network, config, Injections::default())
    }

    /// The traffic with a scenario's changes played into it.
    pub fn with_injections(
        network: &Network,
        config: &TrafficConfig,
        mut injections: Injections,
    ) -> Self {
        let all: Vec<usize> = (0..network.crossings.len()).collect();
        let coupling = couple(network, config, &mut injections);
        let mut traffic = Self::of_crossings(network, config, injections, &all);
        traffic.coupling = coupling;
        traffic
    }

    /// The traffic of the crossings at `indices` (in increasing order) of
    /// `network`, exactly as they appear in the whole network's stream.
    pub(crate) fn of_crossings(
        network: &Network,
        config: &TrafficConfig,
        mut injections: Injections,
        indices: &[usize],
    ) -> Self {
        let followers = if injections.couple_twins {
            Coupling::followers(network)
        } else {
            Default::default()
        };
        let mut crossings: Vec<CrossingTraffic> = indices
            .iter()
            .map(|&i| {
                let changes = injections.crossings.remove(&i).unwrap_or_default();
                let spec = &network.crossings[i];
                let follows = followers.contains(&i);
                CrossingTraffic::new(i, network.crossings.len(), spec, config, changes, follows)
            })
            .collect();
        let mut next = BinaryHeap::new();
        let buffered = crossings
            .iter_mut()
            .enumerate()
            .map(|(index, c)| {
                let item = c.next();
                if let Some(item) = &item {
                    next.push(Reverse((item.at_ms, index)));
                }
                item
            })
            .collect();
        Self {
            crossings,
            next,
            buffered,
            coupling: None,
            merged_ms: config.start_ms,
        }
    }

    /// The earliest event time a change can still take effect at: what the
    /// crossings have generated reaches this far (with coupled twins, the
    /// stream handed out trails it by up to [`TWIN_HORIZON_MS`]).
    pub fn frontier(&self) -> i64 {
        self.merged_ms
    }

    /// Plays more changes while the traffic plays (a trainer's injection):
    /// each crossing takes them from its own time on, the time of the item
    /// it has ready (see `CrossingTraffic::inject`), so nothing generated
    /// is taken back and the stream stays in time order. A plain run never
    /// calls this, so what it generates is unchanged.
    pub fn inject(&mut self, mut injections: Injections) {
        let changed = std::mem::take(&mut injections.crossings);
        for (index, changes) in changed {
            let Some(at) = self.crossings.iter().position(|c| c.index() == index) else {
                continue;
            };
            let from_ms = self.buffered[at]
                .as_ref()
                .map_or(self.merged_ms, |item| item.at_ms);
            self.crossings[at].inject(changes, from_ms);
            // A crossing that had run out has something again.
            if self.buffered[at].is_none() {
                self.buffered[at] = self.crossings[at].next();
                if let Some(item) = &self.buffered[at] {
                    self.next.push(Reverse((item.at_ms, at)));
                }
            }
        }
        // Pair incidents validate only in scenarios that couple twins, so
        // without a coupling there are none.
        if let Some(coupling) = &mut self.coupling {
            coupling.inject(&mut injections);
        }
    }

    /// The next item of the crossings' merged streams.
    fn merged(&mut self) -> Option<Emitted> {
        // The crossing's next item replaces it at the top: one sift.
        let mut top = self.next.peek_mut()?;
        let Reverse((at_ms, index)) = *top;
        self.merged_ms = at_ms;
        let item = self.buffered[index].take();
        let following = self.crossings[index].next();
        match &following {
            Some(f) => *top = Reverse((f.at_ms, index)),
            None => {
                PeekMut::pop(top);
            }
        }
        self.buffered[index] = following;
        item
    }
}

/// The coupling of a scenario that couples twins; it takes the planted
/// pair incidents, which it plays.
fn couple(
    network: &Network,
    config: &TrafficConfig,
    injections: &mut Injections,
) -> Option<Coupling> {
    if !injections.couple_twins {
        return None;
    }
    Coupling::of(network, config.seed, config.end_ms, injections)
}

/// The next item of `source` with the coupled far sides woven in.
fn coupled(
    coupling: &mut Coupling,
    mut source: impl FnMut() -> Option<Emitted>,
) -> Option<Emitted> {
    loop {
        if let Some(item) = coupling.release(false) {
            return Some(item);
        }
        match source() {
            Some(item) => coupling.feed(item),
            None => return coupling.release(true),
        }
    }
}

impl Iterator for Traffic {
    type Item = Emitted;

    fn next(&mut self) -> Option<Emitted> {
        match self.coupling.take() {
            None => self.merged(),
            Some(mut coupling) => {
                let item = coupled(&mut coupling, || self.merged());
                self.coupling = Some(coupling);
                item
            }
        }
    }
}

#[cfg(test)]
mod tests;
