//! Coupled twin posts: a traveller leaving one post of a crossing point
//! reaches the other country's post after the transit, and one arriving at
//! a post has left the other before.
//!
//! The pair's travellers are the leading post's (its population, its
//! arrivals, its scenario). Every ordinary party that the leading post
//! lets out is inspected on entry at the twin after a drive across the
//! zone between the posts and a wait at the twin's booths; every party it
//! inspects on entry was let out by the twin before it. The twin runs no
//! arrivals of its own, only its booths' heartbeats and whatever a scenario
//! plants there. A party refused entry at either post is sent back and
//! admitted again where it came from; one held at second line on entry
//! stays in the post's hall until it is decided.
//!
//! A twin's exit happens before the leading post's entry it leads to, so
//! the stream is held back by [`HORIZON_MS`] and released in time order.
//! Every draw comes from a generator seeded by the seed and the original
//! event, so the coupled stream depends on nothing but its inputs.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

use borderflow_domain::mrz;
use borderflow_domain::time::{Date, MS_PER_HOUR, MS_PER_SECOND};
use borderflow_proto::inspection::v1::{
    Direction, InspectionEvent, Outcome, RefusalReason, document_read,
};
use borderflow_proto::{Timestamp, ms_to_timestamp, timestamp_to_ms};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

use super::event::Names;
use super::{Emission, Emitted, REFUSAL_SHARE, stable_hash, uuid};
use crate::model::inject::{TwinClosure, Vanishing};
use crate::model::network::{CrossingSpec, Network};

/// How far back in time a twin's exit may lie before the event it leads
/// to: the longest wait and inspection at the leading post, the drive and
/// the twin's own queue.
pub const HORIZON_MS: i64 = 6 * MS_PER_HOUR;

/// Spread of the drive across the zone around the pair's typical transit
/// (log-normal sigma): most vehicles within half and twice the median.
const DRIVE_SIGMA: f64 = 0.35;

/// The longest wait at a post's exit booths, or on coming back to the post
/// just left: those queues are not modelled here.
const QUICK_WAIT_MS: i64 = 3 * 60_000;

/// One post of a pair, as the other sees it.
struct Post {
    index: usize,
    names: Names,
    spec: CrossingSpec,
    transit_ms: i64,
    service: LogNormal<f64>,
    /// When each booth is free again, for the travellers reaching this
    /// post from its twin.
    free_at: Vec<i64>,
}

/// One inspection's booth and times.
#[derive(Clone, Copy, Debug)]
struct Slot {
    lane: u32,
    queued: i64,
    started: i64,
    completed: i64,
}

impl Post {
    fn new(index: usize, spec: &CrossingSpec, transit_ms: i64) -> Self {
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

    fn local_hour(&self, at: i64) -> u32 {
        let local = at + i64::from(self.spec.profile.utc_offset_hours) * MS_PER_HOUR;
        (local.rem_euclid(24 * MS_PER_HOUR) / MS_PER_HOUR) as u32
    }

    /// The drive across the zone to this post.
    fn drive(&self, rng: &mut ChaCha8Rng) -> i64 {
        let drive = LogNormal::new(0.0, DRIVE_SIGMA)
            .expect("valid log-normal parameters")
            .sample(rng)
            * self.transit_ms as f64;
        drive.max(60_000.0) as i64
    }

    /// A traveller reaching this post at `arrival` queues for the booth
    /// that frees first: waiting emerges from the load, as at every post.
    fn queue(&mut self, arrival: i64, rng: &mut ChaCha8Rng) -> Slot {
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
    fn before(&self, completed: i64, rng: &mut ChaCha8Rng) -> Slot {
        let started = completed - self.service_ms(rng);
        Slot {
            lane: rng.random_range(0..self.spec.lanes),
            queued: started - rng.random_range(0..QUICK_WAIT_MS),
            started,
            completed,
        }
    }

    fn service_ms(&self, rng: &mut ChaCha8Rng) -> i64 {
        (self.service.sample(rng) * MS_PER_SECOND as f64).max(5_000.0) as i64
    }
}

/// A pair coupled: the leading post and its twin.
struct Pair {
    lead: Post,
    twin: Post,
}

/// The network's stream with its coupled pairs' far sides added.
pub(super) struct Coupling {
    seed: u64,
    /// Per crossing index: the pair it leads, if any.
    leads: Vec<Option<usize>>,
    pairs: Vec<Pair>,
    vanishing: Vec<Vanishing>,
    closures: Vec<TwinClosure>,
    /// Documents sent back to the leading post, whose next entry there the
    /// return already made.
    returned: HashSet<u64>,
    /// Documents held at the leading post's second line on entry: their
    /// next entry there comes from the hall, not from the twin.
    in_hall: HashSet<u64>,
    held: BinaryHeap<Reverse<Held>>,
    sequence: u64,
    /// The latest time fed in.
    now: i64,
    /// The run's end: nothing happens at or after it.
    end_ms: i64,
}

/// An item held back, ordered by (time, crossing, sequence).
struct Held(i64, usize, u64, Box<Emitted>);

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        (self.0, self.1, self.2) == (other.0, other.1, other.2)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.0, self.1, self.2).cmp(&(other.0, other.1, other.2))
    }
}

/// Distinguishes the coupling's draws from the crossings' own.
const TWIN_STREAM: u64 = 0x7477_696e_2d70_6f73;

impl Coupling {
    /// The coupling of `network`'s declared pairs, or `None` when it has
    /// none.
    pub(super) fn of(
        network: &Network,
        seed: u64,
        end_ms: i64,
        vanishing: Vec<Vanishing>,
        closures: Vec<TwinClosure>,
    ) -> Option<Self> {
        let mut leads = vec![None; network.crossings.len()];
        let mut pairs = Vec::new();
        for declared in &network.twins {
            let (Some(a), Some(b)) = (
                network.index_of(&declared.posts[0]),
                network.index_of(&declared.posts[1]),
            ) else {
                continue;
            };
            let transit_ms = (declared.transit_minutes * 60_000.0).round() as i64;
            leads[a] = Some(pairs.len());
            pairs.push(Pair {
                lead: Post::new(a, &network.crossings[a], transit_ms),
                twin: Post::new(b, &network.crossings[b], transit_ms),
            });
        }
        (!pairs.is_empty()).then(|| Self {
            seed,
            leads,
            pairs,
            vanishing,
            closures,
            returned: HashSet::new(),
            in_hall: HashSet::new(),
            held: BinaryHeap::new(),
            sequence: 0,
            now: i64::MIN,
            end_ms,
        })
    }

    /// Crossings whose travellers are their twin's.
    pub(super) fn followers(network: &Network) -> HashSet<usize> {
        network
            .twins
            .iter()
            .filter_map(|t| network.index_of(&t.posts[1]))
            .collect()
    }

    /// Takes the next item of the network's stream.
    pub(super) fn feed(&mut self, item: Emitted) {
        self.now = self.now.max(item.at_ms);
        let pair = self.leads.get(item.crossing).copied().flatten();
        match (&item.emission, pair) {
            (Emission::Event(event), Some(pair)) if item.truth.is_none() => {
                let event = event.clone();
                if self.is_second_entry(&event) {
                    return;
                }
                self.couple(pair, &event);
                self.hold(item);
            }
            _ => self.hold(item),
        }
    }

    /// The next item whose time no later input can precede; with `done`,
    /// whatever is held.
    pub(super) fn release(&mut self, done: bool) -> Option<Emitted> {
        let Reverse(Held(at, ..)) = self.held.peek()?;
        if done || *at <= self.now.saturating_sub(HORIZON_MS) {
            self.held.pop().map(|Reverse(Held(.., item))| *item)
        } else {
            None
        }
    }

    fn hold(&mut self, item: Emitted) {
        self.sequence += 1;
        self.held.push(Reverse(Held(
            item.at_ms,
            item.crossing,
            self.sequence,
            Box::new(item),
        )));
    }

    /// An entry at the leading post (or a failed read before it) of a
    /// party the twin sent back: the return was that entry.
    fn is_second_entry(&mut self, event: &InspectionEvent) -> bool {
        if event.direction != Direction::Entry as i32 || self.returned.is_empty() {
            return false;
        }
        let document = document_of(event);
        if event.outcome == Outcome::Unspecified as i32 {
            self.returned.contains(&document)
        } else {
            self.returned.remove(&document)
        }
    }

    /// The far side of one inspection at a leading post.
    fn couple(&mut self, pair: usize, event: &InspectionEvent) {
        let outcome = Outcome::try_from(event.outcome).unwrap_or(Outcome::Unspecified);
        // A read that failed before the inspection that counts moves no one.
        if outcome == Outcome::Unspecified {
            return;
        }
        let completed = time_of(event.completed_at.as_ref());
        let queued = time_of(event.queued_at.as_ref());
        let exit = event.direction == Direction::Exit as i32;
        if exit && (outcome != Outcome::Admitted || self.vanishes(pair, completed, event)) {
            return;
        }
        let mut party = self.rng(party_of(event));
        let mut own = self.rng(&event.event_id);
        let earliest = self.now.saturating_sub(HORIZON_MS);
        let Pair { lead, twin } = &mut self.pairs[pair];
        let mut out = Vec::new();
        if exit {
            let arrival = completed + twin.drive(&mut party);
            if self
                .closures
                .iter()
                .any(|c| c.crossing == lead.index && (c.from_ms..c.to_ms).contains(&arrival))
            {
                // Turned back at the closed booths, without an inspection:
                // admitted again where the party left.
                let again = arrival + lead.drive(&mut party);
                let slot = lead.before(again + lead.service_ms(&mut own), &mut own);
                let back = mirror(event, lead, Direction::Entry, slot);
                self.returned.insert(document_of(event));
                out.push((lead.index, decide(back, false, &mut own)));
            } else {
                let refused = own.random::<f64>() < REFUSAL_SHARE;
                let slot = twin.queue(arrival, &mut own);
                let far = decide(
                    mirror(event, twin, Direction::Entry, slot),
                    refused,
                    &mut own,
                );
                if refused {
                    // Sent back: admitted again at the post the party left.
                    let again = slot.completed + lead.drive(&mut party);
                    let slot = lead.before(again + lead.service_ms(&mut own), &mut own);
                    out.push((lead.index, mirror(event, lead, Direction::Entry, slot)));
                    self.returned.insert(document_of(event));
                }
                out.push((twin.index, far));
            }
        } else {
            // A party held at second line queues again later from the
            // hall, not from the twin: it left the twin once.
            let document = document_of(event);
            if self.in_hall.remove(&document) {
                if outcome == Outcome::ReferredToSecondary {
                    self.in_hall.insert(document);
                }
                return;
            }
            if outcome == Outcome::ReferredToSecondary {
                self.in_hall.insert(document);
            }
            // The party left the twin before queueing here.
            let left = (queued - twin.drive(&mut party)).max(earliest + 2 * QUICK_WAIT_MS);
            let slot = twin.before(left, &mut own);
            out.push((
                twin.index,
                decide(mirror(event, twin, Direction::Exit, slot), false, &mut own),
            ));
            // Refused: back to the twin, to try again another day.
            if outcome == Outcome::Refused {
                let slot = twin.queue(completed + twin.drive(&mut party), &mut own);
                out.push((
                    twin.index,
                    decide(mirror(event, twin, Direction::Entry, slot), false, &mut own),
                ));
            }
        }
        self.hold_all(pair, out);
    }

    fn hold_all(&mut self, pair: usize, out: Vec<(usize, Box<InspectionEvent>)>) {
        for (crossing, far) in out {
            let at = time_of(far.completed_at.as_ref());
            if at >= self.end_ms {
                continue;
            }
            let lane = lane_of(&self.pairs[pair], crossing, &far);
            self.hold(Emitted {
                at_ms: at,
                crossing,
                lane,
                emission: Emission::Event(far),
                truth: None,
            });
        }
    }

    /// Whether a planted disappearance takes this party: it leaves the
    /// leading post and never reaches the twin.
    fn vanishes(&mut self, pair: usize, at: i64, event: &InspectionEvent) -> bool {
        let lead = self.pairs[pair].lead.index;
        let party = party_of(event).to_owned();
        self.vanishing.iter_mut().any(|v| v.takes(lead, at, &party))
    }

    fn rng(&self, key: &str) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(self.seed ^ TWIN_STREAM ^ stable_hash(key))
    }
}

/// The same traveller's inspection at `post`: a new record of the same
/// document in `slot`, with the booth's officer on duty.
fn mirror(
    event: &InspectionEvent,
    post: &Post,
    direction: Direction,
    slot: Slot,
) -> Box<InspectionEvent> {
    let Slot {
        lane,
        queued,
        started,
        completed,
    } = slot;
    let hour = post.local_hour(started);
    let officer = post.spec.officer_on_duty(lane, hour) as usize;
    let mut far = Box::new(event.clone());
    far.event_id = mirrored_id(&event.event_id, post.index);
    far.crossing_id.clone_from(&post.names.crossing_id);
    far.lane_id.clone_from(&post.names.lane_ids[lane as usize]);
    far.checkpoint_id
        .clone_from(&post.names.checkpoint_ids[lane as usize]);
    far.officer_id.clone_from(&post.names.officer_ids[officer]);
    far.direction = direction as i32;
    far.mode = post.names.mode;
    far.queued_at = Some(ms_to_timestamp(queued));
    far.started_at = Some(ms_to_timestamp(started));
    far.completed_at = Some(ms_to_timestamp(completed));
    if let Some(traveller) = far.traveller.as_mut() {
        for id in [&mut traveller.group_id, &mut traveller.accompanied_by] {
            if !id.is_empty() {
                *id = mirrored_id(id, post.index);
            }
        }
    }
    if let Some(checks) = far.checks.as_mut() {
        checks.secondary_referral = false;
        checks.biometric_modality = post.names.modality;
    }
    far.protection = None;
    far
}

/// The far post's decision: admitted, or refused for one of the reasons a
/// land border refuses without document fraud.
fn decide(
    mut far: Box<InspectionEvent>,
    refused: bool,
    rng: &mut ChaCha8Rng,
) -> Box<InspectionEvent> {
    let reasons = [RefusalReason::C, RefusalReason::E, RefusalReason::G];
    let (outcome, reason) = if refused {
        (
            Outcome::Refused,
            reasons[rng.random_range(0..reasons.len())],
        )
    } else {
        (Outcome::Admitted, RefusalReason::Unspecified)
    };
    far.outcome = outcome as i32;
    far.refusal_reason = reason as i32;
    far
}

/// The id of an event's counterpart at crossing `post`: the same input
/// always gives the same id, so a party's escort and group links hold.
fn mirrored_id(id: &str, post: usize) -> String {
    let mut rng =
        ChaCha8Rng::seed_from_u64(stable_hash(id) ^ (post as u64).rotate_left(17) ^ TWIN_STREAM);
    uuid(&mut rng)
}

/// Members of one party travel together: their group, else themselves.
fn party_of(event: &InspectionEvent) -> &str {
    event
        .traveller
        .as_ref()
        .map(|t| t.group_id.as_str())
        .filter(|g| !g.is_empty())
        .unwrap_or(&event.event_id)
}

/// The document an inspection read (issuing state and number), as a
/// hash: the same whether the zone was read or the fields keyed in.
fn document_of(event: &InspectionEvent) -> u64 {
    match event.document.as_ref().and_then(|d| d.source.as_ref()) {
        Some(document_read::Source::Mrz(zone)) => {
            let lines: Vec<&str> = zone.lines.iter().map(String::as_str).collect();
            let report = mrz::validate(&lines, Date::from_epoch_ms(0));
            let state = report.issuing_state().trim_end_matches('<');
            stable_hash(&format!("{state}{}", report.document_number()))
        }
        Some(document_read::Source::Fields(fields)) => stable_hash(&format!(
            "{}{}",
            fields.issuing_state, fields.document_number
        )),
        None => stable_hash(&event.event_id),
    }
}

fn lane_of(pair: &Pair, crossing: usize, event: &InspectionEvent) -> u32 {
    let post = if crossing == pair.lead.index {
        &pair.lead
    } else {
        &pair.twin
    };
    post.names
        .lane_ids
        .iter()
        .position(|l| *l == event.lane_id)
        .unwrap_or(0) as u32
}

fn time_of(at: Option<&Timestamp>) -> i64 {
    at.and_then(timestamp_to_ms).unwrap_or(0)
}

#[cfg(test)]
mod tests;
