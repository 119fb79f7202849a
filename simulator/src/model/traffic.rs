//! The traffic of a whole network as one time-ordered stream.
//!
//! Each crossing is a small discrete-event simulation: travellers arrive by
//! a non-homogeneous Poisson process (thinning against the profile's peak),
//! queue for the booth that frees first, and are inspected for a service
//! time drawn around the crossing's capacity, so waiting emerges from load.
//! Idle booths send heartbeats. Crossings are merged by time; every crossing
//! has its own seeded generator, so the stream depends only on the seed and
//! the network.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use borderflow_domain::time::{Date, MS_PER_SECOND};
use borderflow_proto::inspection::v1::{
    BiometricModality, BoothChecks, CheckpointHeartbeat, CheckpointStatus, Direction, DocumentRead,
    GuardianRelation, InspectionEvent, MachineReadableZone, Outcome, RefusalReason,
    Traveller as TravellerProto, document_read,
};
use borderflow_proto::ms_to_timestamp;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal};

use super::network::{CrossingSpec, Mode, Network};
use super::profile::Intensity;
use super::traveller::{Traveller, format, nationality, new_traveller};

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
}

/// Share of travellers referred to second-line inspection.
const SECONDARY_SHARE: f64 = 0.025;
/// Share of travellers refused (≈0.07 %, EU external borders).
const REFUSAL_SHARE: f64 = 0.0007;
/// Share of arrivals that are families travelling together.
const FAMILY_SHARE: f64 = 0.08;

#[derive(Debug)]
enum Happening {
    Arrival,
    Completion(Box<Pending>),
    HeartbeatCheck(u32),
}

#[derive(Debug)]
struct Pending {
    lane: u32,
    event: InspectionEvent,
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

/// One crossing's discrete-event simulation.
struct CrossingTraffic {
    index: usize,
    spec: CrossingSpec,
    rng: ChaCha8Rng,
    intensity: Intensity,
    calendar: BinaryHeap<Reverse<Entry>>,
    sequence: u64,
    lane_free_at: Vec<i64>,
    lane_active_at: Vec<i64>,
    lane_status: Vec<CheckpointStatus>,
    service: LogNormal<f64>,
    config: TrafficConfig,
}

impl CrossingTraffic {
    fn new(index: usize, spec: &CrossingSpec, config: &TrafficConfig) -> Self {
        let intensity = Intensity::new(spec, config.scale);
        // Service time around what the booths manage at capacity.
        let mean_s = f64::from(spec.lanes) * 3_600.0 / f64::from(spec.capacity_per_hour.max(1));
        let sigma: f64 = 0.45;
        let mu = mean_s.max(1.0).ln() - sigma * sigma / 2.0;
        let mut traffic = Self {
            index,
            spec: spec.clone(),
            rng: ChaCha8Rng::seed_from_u64(config.seed ^ stable_hash(&spec.id)),
            intensity,
            calendar: BinaryHeap::new(),
            sequence: 0,
            lane_free_at: vec![config.start_ms; spec.lanes as usize],
            lane_active_at: vec![config.start_ms; spec.lanes as usize],
            lane_status: vec![CheckpointStatus::Unspecified; spec.lanes as usize],
            service: LogNormal::new(mu, sigma).expect("valid log-normal parameters"),
            config: config.clone(),
        };
        if let Some(first) = traffic.next_arrival_after(config.start_ms) {
            traffic.schedule(first, Happening::Arrival);
        }
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
    fn next(&mut self) -> Option<Emitted> {
        while let Some(Reverse(Entry(at, _, happening))) = self.calendar.pop() {
            match happening {
                Happening::Arrival => {
                    self.arrive(at);
                    if let Some(next) = self.next_arrival_after(at) {
                        self.schedule(next, Happening::Arrival);
                    }
                }
                Happening::Completion(pending) => {
                    let lane = pending.lane as usize;
                    self.lane_active_at[lane] = at;
                    self.lane_status[lane] = CheckpointStatus::Open;
                    self.schedule(
                        at + self.config.heartbeat_idle_ms,
                        Happening::HeartbeatCheck(pending.lane),
                    );
                    return Some(Emitted {
                        at_ms: at,
                        crossing: self.index,
                        lane: pending.lane,
                        emission: Emission::Event(Box::new(pending.event)),
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

    fn heartbeat(&mut self, at: i64, lane: u32) -> Option<Emitted> {
        let l = lane as usize;
        let idle = self.config.heartbeat_idle_ms;
        if at >= self.config.end_ms
            || at < self.lane_active_at[l] + idle
                && self.lane_status[l] != CheckpointStatus::Unspecified
        {
            return None;
        }
        self.schedule(at + idle, Happening::HeartbeatCheck(lane));
        let status = if self.intensity.is_open(at) {
            CheckpointStatus::Open
        } else {
            CheckpointStatus::Closed
        };
        if status == CheckpointStatus::Closed && self.lane_status[l] == CheckpointStatus::Closed {
            return None;
        }
        self.lane_active_at[l] = at;
        self.lane_status[l] = status;
        Some(Emitted {
            at_ms: at,
            crossing: self.index,
            lane,
            emission: Emission::Heartbeat(CheckpointHeartbeat {
                checkpoint_id: self.spec.checkpoint_id(lane),
                crossing_id: self.spec.id.clone(),
                at: Some(ms_to_timestamp(at)),
                status: status as i32,
                buffered_events: 0,
            }),
        })
    }

    /// A traveller, or a family, joins the queue.
    fn arrive(&mut self, at: i64) {
        let date = Date::from_epoch_ms(at);
        let nationality = nationality(&mut self.rng, &self.spec);
        let direction = if self.rng.random_bool(0.5) {
            Direction::Entry
        } else {
            Direction::Exit
        };
        let family = self.rng.random_bool(FAMILY_SHARE);
        let adults = if family {
            self.rng.random_range(1..=2)
        } else {
            1
        };
        let children = if family {
            self.rng.random_range(1..=3)
        } else {
            0
        };
        let group_id = if family {
            uuid(&mut self.rng)
        } else {
            String::new()
        };
        let mut guardian = String::new();
        for member in 0..adults + children {
            let minor = member >= adults;
            let ages = if minor { 1..18 } else { 18..85 };
            let format = format(&mut self.rng, &self.spec, &nationality);
            let traveller = new_traveller(&mut self.rng, &nationality, format, date, ages);
            let accompanied = if minor { Some(guardian.clone()) } else { None };
            let event_id = self.inspect(at, direction, &traveller, &group_id, accompanied);
            if member == 0 {
                guardian = event_id;
            }
        }
    }

    /// Queues one traveller at the booth that frees first; returns the
    /// event id.
    fn inspect(
        &mut self,
        arrival: i64,
        direction: Direction,
        traveller: &Traveller,
        group_id: &str,
        accompanied_by: Option<String>,
    ) -> String {
        let (lane, free_at) = self
            .lane_free_at
            .iter()
            .enumerate()
            .min_by_key(|(i, t)| (**t, *i))
            .map(|(i, t)| (i as u32, *t))
            .expect("crossings have at least one lane");
        let started = arrival.max(free_at);
        let service_ms =
            (self.service.sample(&mut self.rng) * MS_PER_SECOND as f64).max(5_000.0) as i64;
        let completed = started + service_ms;
        self.lane_free_at[lane as usize] = completed;
        let (outcome, reason) = self.outcome();
        let event_id = uuid(&mut self.rng);
        let officer = self.officer(lane, started);
        let event = InspectionEvent {
            event_id: event_id.clone(),
            crossing_id: self.spec.id.clone(),
            lane_id: CrossingSpec::lane_id(lane),
            checkpoint_id: self.spec.checkpoint_id(lane),
            officer_id: officer,
            direction: direction as i32,
            mode: self.spec.mode.proto() as i32,
            queued_at: Some(ms_to_timestamp(arrival)),
            started_at: Some(ms_to_timestamp(started)),
            completed_at: Some(ms_to_timestamp(completed)),
            document: Some(DocumentRead {
                source: Some(document_read::Source::Mrz(MachineReadableZone {
                    lines: traveller.mrz.clone(),
                })),
            }),
            traveller: Some(TravellerProto {
                age_years: None,
                group_id: group_id.to_owned(),
                accompanied_by: accompanied_by.clone().unwrap_or_default(),
                guardian_relation: if accompanied_by.is_some() {
                    GuardianRelation::Parent as i32
                } else {
                    GuardianRelation::Unspecified as i32
                },
            }),
            checks: Some(BoothChecks {
                biometric_score: Some(self.rng.random_range(0.82..0.995)),
                biometric_modality: if self.spec.mode == Mode::Air {
                    BiometricModality::Face
                } else {
                    BiometricModality::Fingerprint
                } as i32,
                secondary_referral: outcome == Outcome::ReferredToSecondary,
            }),
            outcome: outcome as i32,
            refusal_reason: reason as i32,
        };
        self.schedule(
            completed,
            Happening::Completion(Box::new(Pending { lane, event })),
        );
        event_id
    }

    fn outcome(&mut self) -> (Outcome, RefusalReason) {
        let roll: f64 = self.rng.random();
        if roll < REFUSAL_SHARE {
            let reasons = [
                RefusalReason::A,
                RefusalReason::C,
                RefusalReason::E,
                RefusalReason::G,
                RefusalReason::I,
            ];
            (
                Outcome::Refused,
                reasons[self.rng.random_range(0..reasons.len())],
            )
        } else if roll < REFUSAL_SHARE + SECONDARY_SHARE {
            (Outcome::ReferredToSecondary, RefusalReason::Unspecified)
        } else {
            (Outcome::Admitted, RefusalReason::Unspecified)
        }
    }

    /// The officer staffing `lane` on the shift in progress (three shifts).
    fn officer(&self, lane: u32, at: i64) -> String {
        let shift = self.intensity.local_hour(at) / 8;
        let k = (lane + shift * self.spec.lanes) % self.spec.officers;
        format!("{}-O{:03}", self.spec.id, k + 1)
    }
}

/// A UUID v4 drawn from `rng`.
pub fn uuid(rng: &mut impl Rng) -> String {
    uuid::Builder::from_random_bytes(rng.random())
        .into_uuid()
        .to_string()
}

/// FNV-1a: a hash that never changes between runs or platforms.
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The network's traffic, in time order (ties by crossing).
pub struct Traffic {
    crossings: Vec<CrossingTraffic>,
    next: BinaryHeap<Reverse<(i64, usize)>>,
    buffered: Vec<Option<Emitted>>,
}

impl Traffic {
    pub fn new(network: &Network, config: &TrafficConfig) -> Self {
        let mut crossings: Vec<CrossingTraffic> = network
            .crossings
            .iter()
            .enumerate()
            .map(|(i, spec)| CrossingTraffic::new(i, spec, config))
            .collect();
        let mut next = BinaryHeap::new();
        let buffered = crossings
            .iter_mut()
            .map(|c| {
                let item = c.next();
                if let Some(item) = &item {
                    next.push(Reverse((item.at_ms, c.index)));
                }
                item
            })
            .collect();
        Self {
            crossings,
            next,
            buffered,
        }
    }
}

impl Iterator for Traffic {
    type Item = Emitted;

    fn next(&mut self) -> Option<Emitted> {
        let Reverse((_, index)) = self.next.pop()?;
        let item = self.buffered[index].take();
        let following = self.crossings[index].next();
        if let Some(f) = &following {
            self.next.push(Reverse((f.at_ms, index)));
        }
        self.buffered[index] = following;
        item
    }
}

#[cfg(test)]
mod tests;
