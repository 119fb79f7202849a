//! One crossing's discrete-event simulation: the calendar, arrivals and
//! heartbeats here; the population's parties (`arrive.rs`), planted ones
//! (`plant.rs`), the booths (`booth.rs`), closed booths (`closure.rs`),
//! refusal campaigns (`campaign.rs`) and the reads that fail before the
//! inspection that counts (`rescan.rs`) beside it. The background's
//! coaches, trains, closures and trend (`model::background`) are planned
//! when the crossing starts and played here.

mod arrive;
mod booth;
mod campaign;
mod closure;
mod plant;
mod rescan;

pub use rescan::{MISREAD_SHARE, WORN_ZONE_SHARE};

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use borderflow_proto::inspection::v1::{
    CheckpointHeartbeat, CheckpointStatus, GuardianRelation, InspectionEvent, Protection,
};
use borderflow_proto::ms_to_timestamp;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal};

use super::event::Names;
use super::{Emission, Emitted, FAMILY_SHARE, TrafficConfig, stable_hash};
use crate::model::background::{self, Burst, Closure};
use crate::model::biometric::Modality;
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
    /// The next coach or train (the list is in time order).
    Burst,
    /// A booth opens or closes by announcement: it says so at once.
    Announce(u32),
    /// A party planted while the traffic plays (`inject`): scheduled on
    /// its own, so the list planned up front keeps its calendar.
    Injected(Box<Planted>),
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
    /// The zone would not read: the officer keys the document in.
    keyed: bool,
    /// Asked for protection or found in need of it, and where referred.
    protection: Option<Protection>,
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
    bursts: std::vec::IntoIter<Burst>,
    /// Share of the intensity the bursts bring (plain arrivals leave it).
    burst_share: f64,
    /// Announced closures of single booths.
    booth_closures: Vec<Closure>,
    population: Population,
    numbers: NumberSeries,
    modality: Modality,
    config: TrafficConfig,
}

impl CrossingTraffic {
    /// Crossing `index` of a network of `crossings`. A post that `follows`
    /// its twin has no arrivals, coaches or closures of its own: its
    /// travellers are the twin's (`super::twins`); its booths still report
    /// and a scenario may still plant parties there.
    pub(super) fn new(
        index: usize,
        crossings: usize,
        spec: &CrossingSpec,
        config: &TrafficConfig,
        changes: CrossingInjections,
        follows: bool,
    ) -> Self {
        let widened;
        let spec = if follows {
            widened = open_for_the_twin(spec);
            &widened
        } else {
            spec
        };
        // The background is planned from a stream of its own, clear of the
        // scenario's incidents (a closure would hide them).
        let mut background_rng =
            ChaCha8Rng::seed_from_u64(config.seed ^ stable_hash(&spec.id) ^ BACKGROUND_STREAM);
        let busy = busy_spans(&changes);
        let closures = background::closures(
            &mut background_rng,
            spec,
            config.start_ms,
            config.end_ms,
            &busy,
        );
        let (whole, booth_closures): (Vec<Closure>, Vec<Closure>) = closures
            .into_iter()
            .filter(|_| !follows)
            .partition(|c| c.lane.is_none());
        let intensity = Intensity::new(spec, config.scale)
            .with_trend(
                background::trend(&mut background_rng),
                config.start_ms,
                config.end_ms,
            )
            .with_closures(whole.iter().map(|c| (c.from_ms, c.to_ms)).collect())
            .with_spans(changes.rate_spans);
        let mut bursts = background::bursts(
            &mut background_rng,
            spec,
            &intensity,
            config.start_ms,
            config.end_ms,
            config.scale,
        );
        if follows {
            bursts.clear();
        }
        let burst_share = background::burst_share(
            spec,
            &intensity,
            &bursts,
            1.0 + FAMILY_SHARE * 2.5,
            config.start_ms,
            config.end_ms,
        );
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
            bursts: bursts.into_iter(),
            burst_share,
            booth_closures,
            population: Population::default(),
            numbers: NumberSeries::new(index, crossings),
            modality: Modality::at(spec.mode),
            config: config.clone(),
        };
        if let Some(first) = traffic.next_arrival_after(config.start_ms)
            && !follows
        {
            traffic.schedule(first, Happening::Arrival);
        }
        traffic.schedule_planted();
        for lane in 0..spec.lanes {
            traffic.schedule(config.start_ms, Happening::HeartbeatCheck(lane));
        }
        traffic.schedule_burst();
        let announced: Vec<(i64, i64, Option<u32>)> = whole
            .iter()
            .chain(&traffic.booth_closures)
            .map(|c| (c.from_ms, c.to_ms, c.lane))
            .collect();
        for (from, to, lane) in announced {
            for lane in lane.map_or(0..spec.lanes, |l| l..l + 1) {
                traffic.schedule(from, Happening::Announce(lane));
                traffic.schedule(to, Happening::Announce(lane));
            }
        }
        traffic
    }

    /// The crossing's index in the network.
    pub(super) fn index(&self) -> usize {
        self.index
    }

    /// Plays `changes` from `from_ms` on: the crossing's own time, which
    /// what it has generated already has reached. Spans apply to what is
    /// decided from now on (arrivals not yet drawn, inspections not yet
    /// started); parties due earlier join the queue at `from_ms`, and
    /// records of the past go out then.
    pub(super) fn inject(&mut self, changes: CrossingInjections, from_ms: i64) {
        let CrossingInjections {
            rate_spans,
            service_spans,
            closures,
            campaigns,
            planted,
        } = changes;
        for span in rate_spans {
            self.intensity.add_span(span);
        }
        self.service_spans.extend(service_spans);
        self.closures.extend(closures);
        self.campaigns.extend(campaigns);
        for party in planted {
            let at = if party.preamble {
                from_ms
            } else {
                party.at_ms.max(from_ms)
            };
            self.schedule(at, Happening::Injected(Box::new(party)));
        }
    }

    fn schedule_burst(&mut self) {
        if let Some(next) = self.bursts.as_slice().first() {
            self.schedule(next.at_ms, Happening::Burst);
        }
    }

    /// Whether booth `lane` is open at `t_ms`: opening hours, and no
    /// announced closure of the crossing or the booth.
    pub(super) fn lane_open(&self, lane: u32, t_ms: i64) -> bool {
        self.intensity.is_open(t_ms)
            && !self.booth_closures.iter().any(|c| c.closes(lane, t_ms))
            && !self.lane_closed(lane, t_ms)
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
            if self.rng.random::<f64>() * max < self.intensity.at(t) * (1.0 - self.burst_share) {
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
                Happening::Burst => {
                    if let Some(burst) = self.bursts.next() {
                        self.burst(burst);
                    }
                    self.schedule_burst();
                }
                Happening::Announce(lane) => {
                    if let Some(beat) = self.announce(at, lane) {
                        return Some(beat);
                    }
                }
                Happening::Injected(planted) => self.plant(at, *planted),
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
        let status = self.status(lane, at);
        if status == CheckpointStatus::Closed && l.status == CheckpointStatus::Closed {
            return None;
        }
        Some(self.beat(at, lane, status))
    }

    fn status(&self, lane: u32, at: i64) -> CheckpointStatus {
        if self.lane_open(lane, at) {
            CheckpointStatus::Open
        } else {
            CheckpointStatus::Closed
        }
    }

    /// An announced opening or closing, sent when it happens; a booth
    /// closing finishes the travellers already at it first.
    fn announce(&mut self, at: i64, lane: u32) -> Option<Emitted> {
        if at >= self.config.end_ms {
            return None;
        }
        let status = self.status(lane, at);
        let l = self.lanes[lane as usize];
        if status == l.status {
            return None;
        }
        if status == CheckpointStatus::Closed && l.free_at > at {
            self.schedule(l.free_at, Happening::Announce(lane));
            return None;
        }
        Some(self.beat(at, lane, status))
    }

    fn beat(&mut self, at: i64, lane: u32, status: CheckpointStatus) -> Emitted {
        let l = &mut self.lanes[lane as usize];
        l.active_at = at;
        l.status = status;
        Emitted {
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
        }
    }
}

/// A following post keeps its booths open an hour and a transit longer
/// each side of its hours: its twin's last travellers of the day reach it
/// after the twin has closed, and its first have left it before.
fn open_for_the_twin(spec: &CrossingSpec) -> CrossingSpec {
    let mut spec = spec.clone();
    let [open, close] = spec.profile.open_hours;
    if (open, close) != (0, 24) {
        let transit_h = spec.twin.as_ref().map_or(0, |t| t.transit_ms / 3_600_000);
        let margin = u32::try_from(transit_h + 1).unwrap_or(1);
        spec.profile.open_hours = [open.saturating_sub(margin), (close + margin).min(24)];
    }
    spec
}

/// Distinguishes the background's stream from the arrivals' stream.
const BACKGROUND_STREAM: u64 = 0x6261_636b_6772_6f75;

/// Spans a scenario changes at the crossing: rate and service spans, and
/// an hour either side of each planted party.
fn busy_spans(changes: &CrossingInjections) -> Vec<(i64, i64)> {
    const MARGIN: i64 = 3_600_000;
    let rates = changes.rate_spans.iter().map(|s| (s.from_ms, s.to_ms));
    let services = changes.service_spans.iter().map(|s| (s.from_ms, s.to_ms));
    let planted = changes.planted.iter().map(|p| (p.at_ms, p.at_ms));
    rates
        .chain(services)
        .chain(planted)
        .map(|(from, to)| (from - MARGIN, to + MARGIN))
        .collect()
}
