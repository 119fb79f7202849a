//! One crossing's discrete-event simulation: the calendar, arrivals and
//! heartbeats here; the population's parties (`arrive.rs`), planted ones
//! (`plant.rs`), the booths (`booth.rs`), closed booths (`closure.rs`) and
//! refusal campaigns (`campaign.rs`) beside it.

mod arrive;
mod booth;
mod campaign;
mod closure;
mod plant;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use borderflow_proto::inspection::v1::{
    CheckpointHeartbeat, CheckpointStatus, GuardianRelation, InspectionEvent,
};
use borderflow_proto::ms_to_timestamp;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal};

use super::event::Names;
use super::{Emission, Emitted, TrafficConfig, stable_hash};
use crate::model::inject::{
    CrossingInjections, LaneClosure, Planted, RefusalCampaign, ServiceSpan,
};
use crate::model::network::CrossingSpec;
use crate::model::population::Population;
use crate::model::profile::Intensity;
use crate::model::traveller::NumberSeries;

#[derive(Debug)]
enum Happening {
    Arrival,
    /// The next planted party (the list is in time order).
    Planted,
    Completion {
        lane: u32,
        event: Box<InspectionEvent>,
        truth: Option<u32>,
    },
    HeartbeatCheck(u32),
}

/// A calendar entry: (time, sequence) orders happenings deterministically.
struct Entry(i64, u64, Happening);

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.0, self.1) == (other.0, other.1)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.0, self.1).cmp(&(other.0, other.1))
    }
}

#[derive(Clone, Copy, Debug)]
struct Lane {
    free_at: i64,
    active_at: i64,
    status: CheckpointStatus,
}

/// One traveller as the booth will see them.
struct Visit<'a> {
    mrz: Vec<String>,
    minor: bool,
    group_id: &'a str,
    escort: Option<(&'a str, GuardianRelation)>,
}

pub(super) struct CrossingTraffic {
    index: usize,
    spec: CrossingSpec,
    names: Names,
    rng: ChaCha8Rng,
    intensity: Intensity,
    calendar: BinaryHeap<Reverse<Entry>>,
    sequence: u64,
    lanes: Vec<Lane>,
    service: LogNormal<f64>,
    service_spans: Vec<ServiceSpan>,
    closures: Vec<LaneClosure>,
    campaigns: Vec<RefusalCampaign>,
    planted: std::vec::IntoIter<Planted>,
    population: Population,
    numbers: NumberSeries,
    config: TrafficConfig,
}

impl CrossingTraffic {
    /// Crossing `index` of a network of `crossings`.
    pub(super) fn new(
        index: usize,
        crossings: usize,
        spec: &CrossingSpec,
        config: &TrafficConfig,
        changes: CrossingInjections,
    ) -> Self {
        let intensity = Intensity::new(spec, config.scale).with_spans(changes.rate_spans);
        // Service time around what the booths manage at capacity.
        let mean_s = f64::from(spec.lanes) * 3_600.0 / f64::from(spec.capacity_per_hour.max(1));
        let sigma: f64 = 0.45;
        let mu = mean_s.max(1.0).ln() - sigma * sigma / 2.0;
        let mut planted = changes.planted;
        // Preamble records first, then by time; the sort is stable so equal
        // times keep the planner's order.
        planted.sort_by_key(|p| (!p.preamble, p.at_ms));
        let lane = Lane {
            free_at: config.start_ms,
            active_at: config.start_ms,
            status: CheckpointStatus::Unspecified,
        };
        let mut traffic = Self {
            index,
            names: Names::new(spec),
            spec: spec.clone(),
            rng: ChaCha8Rng::seed_from_u64(config.seed ^ stable_hash(&spec.id)),
            intensity,
            calendar: BinaryHeap::new(),
            sequence: 0,
            lanes: vec![lane; spec.lanes as usize],
            service: LogNormal::new(mu, sigma).expect("valid log-normal parameters"),
            service_spans: changes.service_spans,
            closures: changes.closures,
            campaigns: changes.campaigns,
            planted: planted.into_iter(),
            population: Population::default(),
            numbers: NumberSeries::new(index, crossings),
            config: config.clone(),
        };
        if let Some(first) = traffic.next_arrival_after(config.start_ms) {
            traffic.schedule(first, Happening::Arrival);
        }
        traffic.schedule_planted();
        for lane in 0..spec.lanes {
            traffic.schedule(config.start_ms, Happening::HeartbeatCheck(lane));
        }
        traffic
    }

    fn schedule(&mut self, at: i64, happening: Happening) {
        self.sequence += 1;
        self.calendar
            .push(Reverse(Entry(at, self.sequence, happening)));
    }

    fn schedule_planted(&mut self) {
        if let Some(next) = self.planted.as_slice().first() {
            let at = if next.preamble {
                self.config.start_ms
            } else {
                next.at_ms
            };
            self.schedule(at, Happening::Planted);
        }
    }

    /// Next arrival of the thinned Poisson process, before the end.
    fn next_arrival_after(&mut self, mut t: i64) -> Option<i64> {
        let max = self.intensity.max();
        if max <= 0.0 {
            return None;
        }
        let gap = Exp::new(max).expect("positive rate");
        loop {
            t += gap.sample(&mut self.rng).ceil() as i64;
            if t >= self.config.end_ms {
                return None;
            }
            if self.rng.random::<f64>() * max < self.intensity.at(t) {
                return Some(t);
            }
        }
    }

    /// Runs the calendar until something is emitted.
    pub(super) fn next(&mut self) -> Option<Emitted> {
        while let Some(Reverse(Entry(at, _, happening))) = self.calendar.pop() {
            match happening {
                Happening::Arrival => {
                    self.arrive(at);
                    if let Some(next) = self.next_arrival_after(at) {
                        self.schedule(next, Happening::Arrival);
                    }
                }
                Happening::Planted => {
                    if let Some(planted) = self.planted.next() {
                        self.plant(at, planted);
                    }
                    self.schedule_planted();
                }
                Happening::Completion { lane, event, truth } => {
                    let l = &mut self.lanes[lane as usize];
                    l.active_at = l.active_at.max(at);
                    l.status = CheckpointStatus::Open;
                    return Some(Emitted {
                        at_ms: at,
                        crossing: self.index,
                        lane,
                        emission: Emission::Event(event),
                        truth,
                    });
                }
                Happening::HeartbeatCheck(lane) => {
                    if let Some(beat) = self.heartbeat(at, lane) {
                        return Some(beat);
                    }
                }
            }
        }
        None
    }

    /// A booth idle for the heartbeat interval reports itself; one check is
    /// pending per booth at any time.
    fn heartbeat(&mut self, at: i64, lane: u32) -> Option<Emitted> {
        if at >= self.config.end_ms {
            return None;
        }
        let idle = self.config.heartbeat_idle_ms;
        let l = self.lanes[lane as usize];
        if l.status != CheckpointStatus::Unspecified && at < l.active_at + idle {
            self.schedule(l.active_at + idle, Happening::HeartbeatCheck(lane));
            return None;
        }
        self.schedule(at + idle, Happening::HeartbeatCheck(lane));
        // A booth closed while the crossing is open says so.
        let status = if self.intensity.is_open(at) && !self.lane_closed(lane, at) {
            CheckpointStatus::Open
        } else {
            CheckpointStatus::Closed
        };
        if status == CheckpointStatus::Closed && l.status == CheckpointStatus::Closed {
            return None;
        }
        let l = &mut self.lanes[lane as usize];
        l.active_at = at;
        l.status = status;
        Some(Emitted {
            at_ms: at,
            crossing: self.index,
            lane,
            emission: Emission::Heartbeat(CheckpointHeartbeat {
                checkpoint_id: self.names.checkpoint_ids[lane as usize].clone(),
                crossing_id: self.names.crossing_id.clone(),
                at: Some(ms_to_timestamp(at)),
                status: status as i32,
                buffered_events: 0,
            }),
            truth: None,
        })
    }
}
