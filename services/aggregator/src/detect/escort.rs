//! Who crossed with whom, for the trafficking case: a minor's inspection
//! names the adult's (`accompanied_by`, an event id), and the case is
//! judged on the adult's document, which the minor's record does not
//! carry. So the inspections stage, where both records of a crossing
//! meet, pairs them: each adult's inspection is held for the pairing
//! window, the minors naming it join it in either order, and when the
//! window has passed the adult is released as one [`Escort`] — its minors
//! and the young adults of its group — for the by-document topic, keyed by
//! the adult's document key.
//!
//! A booth inspects a family or a party together, so the window is short
//! (minutes). Everything held keeps its record's offset: the stage commits
//! no further than the oldest, and a restart reads the pairs again. A
//! released escort may be published again on such a replay; the adult's
//! history keeps the first (by the adult's event id).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasherDefault;

use borderflow_proto::inspection::v1::{Escort, EscortedMinor, GuardianRelation, Inspection};
use borderflow_proto::ms_to_timestamp;
use bytes::Bytes;

use super::config::DetectConfig;
use crate::ids::{MixedHasher, parse_uuid, uuid_string};

type Map<K, V> = HashMap<K, V, BuildHasherDefault<MixedHasher>>;

/// The pairs waiting for their window to pass, in one partition.
#[derive(Debug)]
pub struct Escorts {
    window_ms: i64,
    minor_age: u32,
    young_until: u32,
    /// Adults' inspections by event id.
    adults: Map<u128, Adult>,
    /// Minors whose adult is not read yet, by the adult's event id.
    waiting: Map<u128, Vec<Minor>>,
    /// Young adults by (crossing, group id).
    groups: HashMap<(String, String), Group>,
    /// (release time, adult event id): when each held adult or waiting
    /// minor's adult is done with.
    due: BTreeSet<(i64, u128)>,
    /// Offsets held, with how many holds each.
    offsets: BTreeMap<i64, u32>,
    /// The watermark groups were last swept at.
    swept_ms: i64,
}

#[derive(Debug)]
struct Adult {
    offset: i64,
    at_ms: i64,
    crossing_id: String,
    direction: i32,
    document_key: [u8; 32],
    group: Option<(String, String)>,
    minors: Vec<Minor>,
}

#[derive(Clone, Debug)]
struct Minor {
    offset: i64,
    event_id: u128,
    key: Bytes,
    age_years: Option<u32>,
    relation: i32,
}

#[derive(Debug, Default)]
struct Group {
    /// (document key, issuing state) of its young adults, each once.
    young: Vec<([u8; 32], String)>,
    last_ms: i64,
    /// Offsets of the members held.
    offsets: Vec<i64>,
}

impl Group {
    /// The most young adults on documents of one issuer.
    fn one_issuer(&self) -> u32 {
        let mut counts: HashMap<&str, u32> = HashMap::new();
        for (_, issuer) in &self.young {
            *counts.entry(issuer).or_default() += 1;
        }
        counts.into_values().max().unwrap_or(0)
    }
}

impl Escorts {
    pub fn new(config: &DetectConfig) -> Self {
        Self {
            window_ms: config.escort_pairing.as_millis() as i64,
            minor_age: config.minor_age,
            young_until: config.young_adult_until,
            adults: Map::default(),
            waiting: Map::default(),
            groups: HashMap::new(),
            due: BTreeSet::new(),
            offsets: BTreeMap::new(),
            swept_ms: i64::MIN,
        }
    }

    /// Inspections held (adults and waiting minors) and groups.
    pub fn len(&self) -> usize {
        self.adults.len() + self.waiting.values().map(Vec::len).sum::<usize>() + self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The oldest offset a restart must read again to pair what is held.
    pub fn oldest_offset(&self) -> Option<i64> {
        self.offsets.first_key_value().map(|(o, _)| *o)
    }

    fn hold(&mut self, offset: i64) {
        *self.offsets.entry(offset).or_default() += 1;
    }

    fn unhold(&mut self, offset: i64) {
        if let Some(n) = self.offsets.get_mut(&offset) {
            *n -= 1;
            if *n == 0 {
                self.offsets.remove(&offset);
            }
        }
    }

    /// Reads an inspection at `offset` completed at `at_ms`.
    pub fn read(&mut self, offset: i64, at_ms: i64, inspection: &Inspection) {
        let (Some(traveller), Some(document)) = (&inspection.traveller, &inspection.document)
        else {
            return;
        };
        let Some(age) = traveller.age_years else {
            return;
        };
        let Some(event_id) = parse_uuid(&inspection.event_id) else {
            return;
        };
        let group = (!traveller.group_id.is_empty())
            .then(|| (inspection.crossing_id.clone(), traveller.group_id.clone()));
        if age < self.minor_age {
            let key = if document.person_key.len() == 32 {
                &document.person_key
            } else {
                &document.document_key
            };
            let Some(adult_id) = parse_uuid(&traveller.accompanied_by) else {
                return;
            };
            if key.len() != 32 {
                return;
            }
            let minor = Minor {
                offset,
                event_id,
                key: key.clone(),
                age_years: Some(age),
                relation: traveller.guardian_relation,
            };
            self.hold(offset);
            match self.adults.get_mut(&adult_id) {
                Some(adult) => adult.minors.push(minor),
                None => {
                    let waiting = self.waiting.entry(adult_id).or_default();
                    if waiting.is_empty() {
                        self.due.insert((at_ms + self.window_ms, adult_id));
                    }
                    waiting.push(minor);
                }
            }
            return;
        }
        let Ok(document_key) = <[u8; 32]>::try_from(&document.document_key[..]) else {
            return;
        };
        if let Some(group) = &group
            && age < self.young_until
        {
            let held = self.groups.entry(group.clone()).or_default();
            held.last_ms = held.last_ms.max(at_ms);
            if !held.young.iter().any(|(k, _)| *k == document_key) {
                held.young
                    .push((document_key, document.issuing_state.clone()));
                held.offsets.push(offset);
                self.hold(offset);
            }
        }
        if self.adults.contains_key(&event_id) {
            return;
        }
        // Minors waiting join it; their entry in `due` goes stale (the
        // adult is due by its own time).
        let minors = self.waiting.remove(&event_id).unwrap_or_default();
        self.hold(offset);
        self.due.insert((at_ms + self.window_ms, event_id));
        self.adults.insert(
            event_id,
            Adult {
                offset,
                at_ms,
                crossing_id: inspection.crossing_id.clone(),
                direction: inspection.direction,
                document_key,
                group,
                minors,
            },
        );
    }

    /// Releases what the watermark has passed by the pairing window: each
    /// adult with minors as an escort for its document, in release order.
    pub fn release(&mut self, watermark: Option<i64>, out: &mut Vec<([u8; 32], Escort)>) {
        let Some(watermark) = watermark else {
            return;
        };
        while let Some(&(due, id)) = self.due.first() {
            if due > watermark {
                break;
            }
            self.due.pop_first();
            if let Some(minors) = self.waiting.remove(&id) {
                // Their adult was never read: nothing to pair.
                for minor in minors {
                    self.unhold(minor.offset);
                }
            }
            if self
                .adults
                .get(&id)
                .is_none_or(|a| a.at_ms + self.window_ms != due)
            {
                // Released already, or a stale entry of minors who waited.
                continue;
            }
            let Some(adult) = self.adults.remove(&id) else {
                continue;
            };
            self.unhold(adult.offset);
            for minor in &adult.minors {
                self.unhold(minor.offset);
            }
            if adult.minors.is_empty() {
                continue;
            }
            let young = adult
                .group
                .as_ref()
                .and_then(|g| self.groups.get(g))
                .map_or(0, Group::one_issuer);
            let mut minors: Vec<_> = adult.minors.iter().collect();
            minors.sort_by_key(|m| m.event_id);
            minors.dedup_by_key(|m| m.event_id);
            let escort = Escort {
                event_id: uuid_string(id),
                crossing_id: adult.crossing_id,
                at: Some(ms_to_timestamp(adult.at_ms)),
                direction: adult.direction,
                minors: minors
                    .into_iter()
                    .map(|m| EscortedMinor {
                        event_id: uuid_string(m.event_id),
                        key: m.key.to_vec(),
                        age_years: m.age_years,
                        relation: m.relation,
                    })
                    .collect(),
                young_adults_one_issuer: young,
            };
            out.push((adult.document_key, escort));
        }
        // A group is needed while an adult of it may still be held: its
        // last member's time plus two windows covers an adult read up to a
        // window after it and held a window more. Swept once a window, not
        // on every record: a group kept a little longer only holds its
        // offsets a little longer.
        if watermark.saturating_sub(self.swept_ms) < self.window_ms {
            return;
        }
        self.swept_ms = watermark;
        let horizon = watermark - 2 * self.window_ms;
        let mut freed = Vec::new();
        self.groups.retain(|_, g| {
            let keep = g.last_ms >= horizon;
            if !keep {
                freed.extend(g.offsets.iter().copied());
            }
            keep
        });
        for offset in freed {
            self.unhold(offset);
        }
    }
}

/// Whether `relation` establishes who the minor is to the adult: a parent
/// or a legal guardian (a consent letter authorises; it does not relate).
pub fn parental(relation: i32) -> bool {
    matches!(
        GuardianRelation::try_from(relation),
        Ok(GuardianRelation::Parent | GuardianRelation::LegalGuardian)
    )
}

#[cfg(test)]
mod tests;
