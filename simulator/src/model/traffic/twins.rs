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
use std::collections::{BinaryHeap, HashMap, HashSet};

use borderflow_domain::time::MS_PER_HOUR;
use borderflow_proto::inspection::v1::{Direction, InspectionEvent, Outcome};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Emission, Emitted, REFUSAL_SHARE, stable_hash};
use crate::model::inject::{Injections, TwinClosure, UnreportedBooths, Vanishing, ZoneSlowdown};
use crate::model::network::Network;
use post::{Post, QUICK_WAIT_MS};
use record::{decide, document_of, lane_of, mirror, party_of, rekey, time_of};

mod post;
mod record;

/// How far back in time a twin's exit may lie before the event it leads
/// to: the longest wait and inspection at the leading post, the drive and
/// the twin's own queue.
pub const HORIZON_MS: i64 = 6 * MS_PER_HOUR;

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
    slowdowns: Vec<ZoneSlowdown>,
    unreported: Vec<UnreportedBooths>,
    /// Documents whose exit an unreporting booth swallowed, with the post
    /// and the occurrence: their next entry there is the incident's too
    /// (it looks like an entry without an exit).
    unreported_exits: HashMap<u64, (usize, u32)>,
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
        injections: &mut Injections,
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
            vanishing: std::mem::take(&mut injections.vanishing),
            closures: std::mem::take(&mut injections.twin_closures),
            slowdowns: std::mem::take(&mut injections.slowdowns),
            unreported: std::mem::take(&mut injections.unreported),
            unreported_exits: HashMap::new(),
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

    /// Plays the pair incidents of `injections` from now on (a trainer's
    /// injection while the traffic plays); they act on what is fed after.
    pub(super) fn inject(&mut self, injections: &mut Injections) {
        self.vanishing.append(&mut injections.vanishing);
        self.closures.append(&mut injections.twin_closures);
        self.slowdowns.append(&mut injections.slowdowns);
        self.unreported.append(&mut injections.unreported);
    }

    /// Takes the next item of the network's stream.
    pub(super) fn feed(&mut self, item: Emitted) {
        self.now = self.now.max(item.at_ms);
        let pair = self.leads.get(item.crossing).copied().flatten();
        if let (Emission::Event(event), Some(pair)) = (&item.emission, pair)
            && item.truth.is_none()
        {
            // Entries need the document (read from the zone) whatever they
            // decided; exits only when sent back.
            let entry = (event.direction == Direction::Entry as i32).then(|| document_of(event));
            if entry.is_some_and(|document| self.is_second_entry(event, document)) {
                return;
            }
            self.couple(pair, event, entry);
        }
        self.hold(item);
    }

    /// The next item whose time no later input can precede; with `done`,
    /// whatever is held.
    /// Items of booths planted as unreporting never come out.
    pub(super) fn release(&mut self, done: bool) -> Option<Emitted> {
        loop {
            let Reverse(Held(at, ..)) = self.held.peek()?;
            if !done && *at > self.now.saturating_sub(HORIZON_MS) {
                return None;
            }
            let Reverse(Held(.., mut item)) = self.held.pop()?;
            let silent = self.unreported.iter().find(|u| {
                u.crossing == item.crossing
                    && item.lane < u.booths
                    && (u.from_ms..u.to_ms).contains(&item.at_ms)
            });
            let Emission::Event(event) = &item.emission else {
                if silent.is_none() {
                    return Some(*item);
                }
                continue;
            };
            let exit = event.direction == Direction::Exit as i32;
            if let Some(u) = silent {
                if exit && event.outcome == Outcome::Admitted as i32 {
                    self.unreported_exits
                        .insert(document_of(event), (item.crossing, u.truth));
                }
                continue;
            }
            if !exit && item.truth.is_none() && !self.unreported_exits.is_empty() {
                let document = document_of(event);
                if let Some(&(crossing, truth)) = self.unreported_exits.get(&document)
                    && crossing == item.crossing
                {
                    self.unreported_exits.remove(&document);
                    item.truth = Some(truth);
                }
            }
            return Some(*item);
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
    fn is_second_entry(&mut self, event: &InspectionEvent, document: u64) -> bool {
        if self.returned.is_empty() {
            return false;
        }
        if event.outcome == Outcome::Unspecified as i32 {
            self.returned.contains(&document)
        } else {
            self.returned.remove(&document)
        }
    }

    /// The far side of one inspection at a leading post; `entry` is an
    /// entry's document.
    fn couple(&mut self, pair: usize, event: &InspectionEvent, entry: Option<u64>) {
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
        let lead_index = self.pairs[pair].lead.index;
        let slowdowns = &self.slowdowns;
        // A drive setting out at `at`, slowed by a planted slowdown then.
        let slowed = |drive: i64, at: i64| -> i64 {
            slowdowns
                .iter()
                .filter(|s| s.crossing == lead_index && (s.from_ms..s.to_ms).contains(&at))
                .fold(drive as f64, |d, s| d * s.factor) as i64
        };
        let Pair { lead, twin } = &mut self.pairs[pair];
        let mut out = Vec::new();
        if exit {
            let arrival = completed + slowed(twin.drive(&mut party), completed);
            if self
                .closures
                .iter()
                .any(|c| c.crossing == lead.index && (c.from_ms..c.to_ms).contains(&arrival))
            {
                // Turned back at the closed booths, without an inspection:
                // admitted again where the party left.
                let again = arrival + slowed(lead.drive(&mut party), arrival);
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
                    let again = slot.completed + slowed(lead.drive(&mut party), slot.completed);
                    let slot = lead.before(again + lead.service_ms(&mut own), &mut own);
                    out.push((lead.index, mirror(event, lead, Direction::Entry, slot)));
                    self.returned.insert(document_of(event));
                }
                out.push((twin.index, far));
            }
        } else {
            // A party held at second line queues again later from the
            // hall, not from the twin: it left the twin once.
            let document = entry.unwrap_or_else(|| document_of(event));
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
            let drive = twin.drive(&mut party);
            let left = (queued - slowed(drive, queued - drive)).max(earliest + 2 * QUICK_WAIT_MS);
            let slot = twin.before(left, &mut own);
            out.push((
                twin.index,
                decide(mirror(event, twin, Direction::Exit, slot), false, &mut own),
            ));
            // Refused: back to the twin, to try again another day.
            if outcome == Outcome::Refused {
                let slot = twin.queue(
                    completed + slowed(twin.drive(&mut party), completed),
                    &mut own,
                );
                // The twin's exit above is this event's mirror there already.
                let mut back = mirror(event, twin, Direction::Entry, slot);
                rekey(&mut back, twin.index);
                out.push((twin.index, decide(back, false, &mut own)));
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

#[cfg(test)]
mod tests;
