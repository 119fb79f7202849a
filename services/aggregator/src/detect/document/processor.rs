//! The per-document rules of one by-document partition: histories by
//! document key, OVERSTAY deadlines as event-time timers fired by the
//! partition's watermark, and retention so the state stays bounded; with
//! a store beside it, only the histories in use stay in memory (`tiers`).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use borderflow_domain::ees::days_present;
use borderflow_domain::time::MS_PER_DAY;
use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::inspection::v1::{Escort, Inspection};
use borderflow_proto::timestamp_to_ms;

use super::history::{Escorted, History, Minor, Passage, Place};
use super::rules::{Context, on_insert, overstay_anomaly};
use super::stored::{self, StoredPartition};
use super::trafficking;
use crate::detect::References;
use crate::detect::config::DetectConfig;
use crate::ids::{MixedHasher, parse_uuid};
use crate::windows::codec::times;

mod tiers;

use tiers::Tiers;
pub use tiers::{NeedTimers, TIMER_LOOKAHEAD_MS};

#[derive(Debug)]
pub struct DocumentProcessor {
    config: Arc<DetectConfig>,
    allowed_lateness_ms: i64,
    /// Boxed: a hash table keeps spare buckets (up to half of them after it
    /// grows), and a spare bucket costs what one entry's value does.
    histories: HashMap<[u8; 32], Box<History>, BuildHasherDefault<MixedHasher>>,
    /// (deadline, document): OVERSTAY checks due at the deadline.
    timers: BTreeSet<(i64, [u8; 32])>,
    places: HashMap<String, Arc<Place>>,
    /// Nationality codes, shared by the histories (a few hundred exist).
    nationalities: HashMap<Box<str>, Arc<str>>,
    max_event_ms: Option<i64>,
    last_eviction_ms: i64,
    /// Histories forgotten by the retention since [`Self::take_expired`].
    expired: u64,
    /// What changed since [`Self::take_changes`], when changes are kept.
    changes: Option<Changes>,
    /// When only some histories are in memory.
    tiers: Option<Tiers>,
}

/// Documents whose history changed or was forgotten.
#[derive(Debug, Default)]
struct Changes {
    changed: HashSet<[u8; 32], BuildHasherDefault<MixedHasher>>,
    forgotten: Vec<[u8; 32]>,
}

/// One changed document: its key and its history, or `None` once the
/// history is forgotten.
pub type Change = ([u8; 32], Option<Vec<u8>>);

impl DocumentProcessor {
    pub fn new(config: Arc<DetectConfig>, allowed_lateness_ms: i64) -> Self {
        Self {
            config,
            allowed_lateness_ms,
            histories: HashMap::default(),
            timers: BTreeSet::new(),
            places: HashMap::new(),
            nationalities: HashMap::new(),
            max_event_ms: None,
            last_eviction_ms: i64::MIN,
            expired: 0,
            changes: None,
            tiers: None,
        }
    }

    /// Keeps what changes from now on, for [`Self::take_changes`].
    pub fn keep_changes(&mut self) {
        self.changes.get_or_insert_with(Changes::default);
    }

    /// Whether changes are kept.
    pub fn keeps_changes(&self) -> bool {
        self.changes.is_some()
    }

    /// Stops keeping changes, forgetting those not taken.
    pub fn drop_changes(&mut self) {
        self.changes = None;
    }

    fn changed(&mut self, key: [u8; 32]) {
        if let Some(changes) = &mut self.changes {
            changes.changed.insert(key);
        }
    }

    /// Marks every history as changed (after a rebuild from the by-document
    /// topic, so the next changes hold the whole state).
    pub fn all_changed(&mut self) {
        if let Some(changes) = &mut self.changes {
            changes.changed.extend(self.histories.keys().copied());
        }
    }

    /// The histories changed and forgotten since the last call, in their
    /// durable form (`stored`).
    pub fn take_changes(&mut self) -> Vec<Change> {
        let Some(changes) = &mut self.changes else {
            return Vec::new();
        };
        let generation = self.tiers.as_ref().map_or(0, |t| t.generation);
        let mut out = Vec::with_capacity(changes.changed.len() + changes.forgotten.len());
        for key in changes.forgotten.drain(..) {
            if !changes.changed.contains(&key) {
                out.push((key, None));
                if let Some(tiers) = &mut self.tiers {
                    tiers.forgotten.insert(key, generation);
                }
            }
        }
        for key in changes.changed.drain() {
            let history = self.histories.get_mut(&key).map(|h| {
                h.taken = generation;
                stored::encode(h)
            });
            out.push((key, history));
        }
        if let Some(tiers) = &mut self.tiers {
            tiers.generation += 1;
        }
        out
    }

    /// The partition's clock, in its durable form.
    pub fn clock(&self, next_offset: i64) -> StoredPartition {
        StoredPartition {
            next_offset,
            max_event_ms: self.max_event_ms,
            last_eviction_ms: self.last_eviction_ms,
        }
    }

    /// Sets the partition's clock from its durable form.
    pub fn set_clock(&mut self, stored: &StoredPartition) {
        self.max_event_ms = stored.max_event_ms;
        self.last_eviction_ms = stored.last_eviction_ms;
    }

    /// Puts a document's history in its durable form in place (`None`: the
    /// history was forgotten), with its OVERSTAY check.
    pub fn restore(
        &mut self,
        key: [u8; 32],
        bytes: Option<&[u8]>,
    ) -> Result<(), prost::DecodeError> {
        let history = match bytes {
            Some(bytes) => {
                let places = &mut self.places;
                let nationalities = &mut self.nationalities;
                Some(stored::decode(
                    bytes,
                    |crossing, country| match places.get(crossing) {
                        Some(place) if *place.country == *country => place.clone(),
                        _ => {
                            let place = Arc::new(Place {
                                crossing_id: crossing.into(),
                                country: country.into(),
                            });
                            places.insert(crossing.to_owned(), place.clone());
                            place
                        }
                    },
                    |code| intern(nationalities, code),
                )?)
            }
            None => None,
        };
        if let Some(old) = self.histories.get(&key).and_then(|h| h.deadline.as_ref()) {
            self.timers.remove(&(old.1, key));
        }
        match history {
            Some(history) => {
                if let Some(deadline) = &history.deadline {
                    self.timers.insert((deadline.1, key));
                }
                self.histories.insert(key, Box::new(history));
            }
            None => {
                self.histories.remove(&key);
            }
        }
        Ok(())
    }

    /// Histories forgotten since the last call.
    pub fn take_expired(&mut self) -> u64 {
        std::mem::take(&mut self.expired)
    }

    /// Documents with a history in memory.
    pub fn len(&self) -> usize {
        self.histories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.histories.is_empty()
    }

    pub fn watermark(&self) -> Option<i64> {
        self.max_event_ms.map(|t| t - self.allowed_lateness_ms)
    }

    fn place(&mut self, crossing_id: &str, refs: &dyn References) -> Arc<Place> {
        let country = || {
            refs.crossing(crossing_id)
                .map(|c| c.country.clone())
                .unwrap_or_default()
        };
        match self.places.get(crossing_id) {
            Some(place) if !place.country.is_empty() => place.clone(),
            _ => {
                // Unknown until the crossing is registered; look again then.
                let place = Arc::new(Place {
                    crossing_id: crossing_id.into(),
                    country: country().into(),
                });
                self.places.insert(crossing_id.to_owned(), place.clone());
                place
            }
        }
    }

    /// Adds one inspection of document `key`; anomalies go to `out`. With
    /// only some histories in memory, the history of `key` must have been
    /// loaded ([`Self::needs`]); the inspection is not processed while
    /// checks it would make due are not in memory.
    pub fn process(
        &mut self,
        key: [u8; 32],
        inspection: &Inspection,
        refs: &dyn References,
        out: &mut Vec<Anomaly>,
    ) -> Result<(), NeedTimers> {
        let (Some(event_id), Ok((_, _, at_ms))) =
            (parse_uuid(&inspection.event_id), times(inspection))
        else {
            return Ok(());
        };
        self.need_timers(at_ms)?;
        self.max_event_ms = Some(self.max_event_ms.map_or(at_ms, |t| t.max(at_ms)));
        let place = self.place(&inspection.crossing_id, refs);
        let now_ms = self.max_event_ms.unwrap_or(at_ms);
        let history = self.histories.entry(key).or_default();
        if let Some(tiers) = &self.tiers {
            history.touched = tiers.generation;
        }
        if !history.contains(event_id) {
            if history.nationality.is_empty()
                && let Some(document) = &inspection.document
            {
                history.nationality = intern(&mut self.nationalities, &document.nationality);
            }
            let index = history.insert(Passage {
                event_id,
                at_ms,
                place,
                direction: inspection.direction,
                outcome: inspection.outcome,
            });
            let before = history.deadline.as_ref().map(|d| d.1);
            let ctx = Context {
                key: &key,
                config: &self.config,
                refs,
                now_ms,
            };
            on_insert(history, index, &ctx, out);
            let keep = self.config.document_retention.as_millis() as i64;
            history.prune(now_ms - keep);
            let after = history.deadline.as_ref().map(|d| d.1);
            if after != before {
                if let Some(deadline) = before {
                    self.timers.remove(&(deadline, key));
                }
                if let Some(deadline) = after {
                    self.timers.insert((deadline, key));
                }
            }
            self.changed(key);
        }
        self.advance(refs, out);
        Ok(())
    }

    /// Adds an escort of minors by the holder of document `key`
    /// (`detect::escort`) and judges the trafficking case; like
    /// [`Self::process`] for what must be in memory.
    pub fn process_escort(
        &mut self,
        key: [u8; 32],
        escort: &Escort,
        refs: &dyn References,
        out: &mut Vec<Anomaly>,
    ) -> Result<(), NeedTimers> {
        let (Some(event_id), Some(at_ms)) = (
            parse_uuid(&escort.event_id),
            escort.at.as_ref().and_then(timestamp_to_ms),
        ) else {
            return Ok(());
        };
        self.need_timers(at_ms)?;
        let place = self.place(&escort.crossing_id, refs);
        let now_ms = self.max_event_ms.map_or(at_ms, |t| t.max(at_ms));
        let minors = escort
            .minors
            .iter()
            .filter_map(|m| {
                Some(Minor {
                    event_id: parse_uuid(&m.event_id)?,
                    key: <[u8; 32]>::try_from(&m.key[..]).ok()?,
                    age_years: m.age_years,
                    relation: m.relation,
                })
            })
            .collect();
        let history = self.histories.entry(key).or_default();
        if let Some(tiers) = &self.tiers {
            history.touched = tiers.generation;
        }
        let added = history.add_escort(Escorted {
            event_id,
            at_ms,
            place,
            direction: escort.direction,
            minors,
            young_adults: escort.young_adults_one_issuer,
        });
        if added {
            let ctx = Context {
                key: &key,
                config: &self.config,
                refs,
                now_ms,
            };
            trafficking::on_escort(history, &ctx, out);
            history.prune_escorts(now_ms - self.config.trafficking_window.as_millis() as i64);
            self.changed(key);
        }
        self.advance(refs, out);
        Ok(())
    }

    /// Fires due OVERSTAY deadlines and forgets stale histories.
    fn advance(&mut self, refs: &dyn References, out: &mut Vec<Anomaly>) {
        let Some(watermark) = self.watermark() else {
            return;
        };
        while let Some(&(deadline, key)) = self.timers.first() {
            if deadline > watermark {
                break;
            }
            self.timers.pop_first();
            let Some(history) = self.histories.get_mut(&key) else {
                continue;
            };
            if history.deadline.as_ref().is_none_or(|d| d.1 != deadline) {
                continue;
            }
            let Some(due) = history.deadline.take() else {
                continue;
            };
            if let Some(changes) = &mut self.changes {
                changes.changed.insert(key);
            }
            let (country, _, entry_event) = *due;
            let Some(entry) = history
                .passages()
                .iter()
                .find(|p| p.event_id == entry_event)
                .cloned()
            else {
                continue;
            };
            let (stays, _) = history.stays(&country);
            let over_day = deadline.div_euclid(MS_PER_DAY);
            let mut all: Vec<_> = stays.iter().map(|(s, _)| *s).collect();
            all.push((entry.day(), over_day));
            let present = days_present(&all, over_day, self.config.stay_window_days);
            let ctx = Context {
                key: &key,
                config: &self.config,
                refs,
                now_ms: watermark.max(deadline),
            };
            let mut anomaly = overstay_anomaly(
                &ctx,
                &country,
                &entry,
                entry_event,
                over_day,
                present,
                self.config.stay_limit_days,
                self.config.stay_window_days,
            );
            anomaly.detected_at = Some(borderflow_proto::ms_to_timestamp(watermark.max(deadline)));
            out.push(anomaly);
        }
        if watermark.saturating_sub(self.last_eviction_ms) >= 3_600_000 {
            self.last_eviction_ms = watermark;
            let horizon = watermark - self.config.document_retention.as_millis() as i64;
            let before = self.histories.len();
            let mut changes = self.changes.as_mut();
            self.histories.retain(|key, h| {
                let keep = h.deadline.is_some() || h.last_ms().is_some_and(|t| t >= horizon);
                if !keep && let Some(changes) = changes.as_mut() {
                    changes.forgotten.push(*key);
                    changes.changed.remove(key);
                }
                keep
            });
            self.expired += (before - self.histories.len()) as u64;
            if let Some(tiers) = &mut self.tiers {
                tiers.expire_before = Some(horizon);
            }
        }
    }
}

/// The partition's one copy of a nationality code.
fn intern(nationalities: &mut HashMap<Box<str>, Arc<str>>, code: &str) -> Arc<str> {
    match nationalities.get(code) {
        Some(shared) => shared.clone(),
        None => {
            let shared: Arc<str> = code.into();
            nationalities.insert(code.into(), shared.clone());
            shared
        }
    }
}

#[cfg(test)]
mod tests;
