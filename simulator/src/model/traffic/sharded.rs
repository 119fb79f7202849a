//! The same stream generated on several threads. Crossings are independent
//! simulations (each has its own seeded generator), so shards of them run
//! apart, each on its own thread, and their time-ordered outputs are
//! merged by (time, crossing): the order [`Traffic`] gives, item for item.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::{Coupling, Emitted, Traffic, TrafficConfig, couple, coupled};
use crate::model::inject::Injections;
use crate::model::network::Network;

/// Items a shard hands over at a time.
pub(super) const CHUNK: usize = 1_024;
/// Chunks a shard may run ahead of the merge.
const AHEAD: usize = 8;

/// The network's traffic from `threads` generator threads.
pub struct ShardedTraffic {
    shards: Vec<Shard>,
    /// The coupled twin posts' far sides, when the scenario couples them.
    coupling: Option<Coupling>,
    /// (time, crossing, shard) of each shard's next item.
    heads: BinaryHeap<Reverse<(i64, usize, usize)>>,
}

struct Shard {
    from: Receiver<Vec<Emitted>>,
    chunk: std::vec::IntoIter<Emitted>,
    head: Option<Emitted>,
}

impl Shard {
    /// The next item, waiting for the next chunk when this one is used up;
    /// `None` once the shard's thread has finished.
    fn advance(&mut self) -> Option<Emitted> {
        loop {
            if let Some(item) = self.chunk.next() {
                return Some(item);
            }
            self.chunk = self.from.recv().ok()?.into_iter();
        }
    }
}

impl ShardedTraffic {
    pub fn new(network: &Network, config: &TrafficConfig, threads: usize) -> std::io::Result<Self> {
        Self::with_injections(network, config, Injections::default(), threads)
    }

    /// The traffic with a scenario's changes, on `threads` threads (at
    /// least one; more than the crossings leave some idle).
    pub fn with_injections(
        network: &Network,
        config: &TrafficConfig,
        mut injections: Injections,
        threads: usize,
    ) -> std::io::Result<Self> {
        let coupling = couple(network, config, &mut injections);
        let network = Arc::new(network.clone());
        let mut shards = Vec::new();
        for indices in balance(&network, threads.max(1)) {
            let mine = Injections {
                crossings: indices
                    .iter()
                    .filter_map(|i| injections.crossings.remove(i).map(|c| (*i, c)))
                    .collect(),
                couple_twins: injections.couple_twins,
                ..Injections::default()
            };
            let (to, from) = sync_channel(AHEAD);
            let (network, config) = (network.clone(), config.clone());
            std::thread::Builder::new()
                .name("traffic-shard".into())
                .spawn(move || generate(&network, &config, mine, &indices, &to))?;
            shards.push(Shard {
                from,
                chunk: Vec::new().into_iter(),
                head: None,
            });
        }
        let mut heads = BinaryHeap::new();
        for (n, shard) in shards.iter_mut().enumerate() {
            shard.head = shard.advance();
            if let Some(item) = &shard.head {
                heads.push(Reverse((item.at_ms, item.crossing, n)));
            }
        }
        Ok(Self {
            shards,
            coupling,
            heads,
        })
    }
}

/// Runs one shard, handing its stream over in chunks until it ends or the
/// merge is dropped.
fn generate(
    network: &Network,
    config: &TrafficConfig,
    injections: Injections,
    indices: &[usize],
    to: &SyncSender<Vec<Emitted>>,
) {
    let mut chunk = Vec::with_capacity(CHUNK);
    for item in Traffic::of_crossings(network, config, injections, indices) {
        chunk.push(item);
        if chunk.len() == CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            if to.send(full).is_err() {
                return;
            }
        }
    }
    if !chunk.is_empty() {
        let _ = to.send(chunk);
    }
}

/// Crossing indices per shard, each in increasing order, shards holding
/// about equal shares of the network's arrivals (largest crossings
/// first, each to the least loaded shard).
fn balance(network: &Network, shards: usize) -> Vec<Vec<usize>> {
    let shards = shards.min(network.crossings.len()).max(1);
    let mut order: Vec<usize> = (0..network.crossings.len()).collect();
    let rate = |i: usize| network.crossings[i].rate_per_hour.max(0.0);
    order.sort_by(|&a, &b| rate(b).total_cmp(&rate(a)).then(a.cmp(&b)));
    let mut load = vec![0.0_f64; shards];
    let mut out = vec![Vec::new(); shards];
    for i in order {
        let least = (0..shards)
            .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
            .unwrap_or(0);
        load[least] += rate(i);
        out[least].push(i);
    }
    for indices in &mut out {
        indices.sort_unstable();
    }
    out.retain(|indices| !indices.is_empty());
    out
}

impl Iterator for ShardedTraffic {
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

impl ShardedTraffic {
    /// The next item of the shards' merged streams.
    fn merged(&mut self) -> Option<Emitted> {
        let mut top = self.heads.peek_mut()?;
        let Reverse((_, _, n)) = *top;
        let shard = &mut self.shards[n];
        let item = shard.head.take();
        shard.head = shard.advance();
        match &shard.head {
            Some(next) => *top = Reverse((next.at_ms, next.crossing, n)),
            None => {
                PeekMut::pop(top);
            }
        }
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::networks;

    #[test]
    fn shards_share_the_arrivals_and_keep_every_crossing_once() {
        let network = networks::generated(50, 1);
        let shards = balance(&network, 3);
        let mut all: Vec<usize> = shards.iter().flatten().copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..50).collect::<Vec<_>>());
        let load =
            |s: &Vec<usize>| -> f64 { s.iter().map(|&i| network.crossings[i].rate_per_hour).sum() };
        let total: f64 = shards.iter().map(load).sum();
        for s in &shards {
            assert!(s.windows(2).all(|w| w[0] < w[1]));
            assert!(
                (load(s) - total / 3.0).abs() < total * 0.1,
                "{} of {total}",
                load(s)
            );
        }
    }
}
