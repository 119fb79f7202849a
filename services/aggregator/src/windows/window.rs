//! One event-time window of one crossing: the counts, distributions and
//! bookkeeping that make it exact across restarts (event ids for
//! de-duplication, the offsets it covers).

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use borderflow_proto::analytics::v1::{
    CheckpointActivity, DetectorSample, NationalityCount, OfficerTally as OfficerTallyProto,
    ReferralCount,
};
use borderflow_proto::inspection::v1::{CheckpointStatus, Direction, Outcome, TravelMode};

use super::cells::{AgeBand, CellKey, CellValues, Cells, Field};
use super::histogram::LogHistogram;
use crate::ids::{MixedHasher, uuid_string};

/// Publication state of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowState {
    Open,
    Closed,
    Amended,
}

/// What one inspection contributes to its window.
#[derive(Clone, Copy, Debug)]
pub struct EventFacts<'a> {
    pub event_id: u128,
    pub event_ms: i64,
    pub direction: i32,
    pub mode: i32,
    pub outcome: i32,
    pub refusal_reason: i32,
    pub duration_ms: u64,
    pub wait_ms: u64,
    pub nationality: &'a str,
    /// The document's sex (the contract's `Sex`).
    pub sex: i32,
    /// The traveller's age band; `None` when the age is unknown.
    pub age_band: Option<AgeBand>,
    pub minor: bool,
    pub document_failure: bool,
    /// The traveller raised a per-event or reference-list alert.
    pub alerted: bool,
    pub officer_id: &'a str,
    pub checkpoint_id: &'a str,
    /// The family or travel group (empty when travelling alone).
    pub group_id: &'a str,
    pub protection: ProtectionFacts,
}

/// What an inspection says of the traveller's need for protection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProtectionFacts {
    /// Asked for asylum or international protection.
    pub requested: bool,
    pub trafficking_suspected: bool,
    /// Referred to: bit `category − 1` of the contract's `ReferralCategory`.
    pub referrals: u8,
    /// A minor with no adult or with an unrelated one.
    pub unaccompanied_minor: bool,
    /// An entry decided without a valid travel document.
    pub undocumented_entry: bool,
    /// A decided entry (what `entry_in_need` counts among).
    pub entering: bool,
}

impl ProtectionFacts {
    /// An entry of someone in need of protection: asking for it, without a
    /// valid document, an unaccompanied or separated minor, or a suspected
    /// victim of trafficking. Set by [`codec::protection`](super::codec::protection) only for entries.
    pub fn entry_in_need(&self) -> bool {
        self.entering
            && (self.requested
                || self.trafficking_suspected
                || self.unaccompanied_minor
                || self.undocumented_entry)
    }
}

/// Referral categories counted (the contract's `ReferralCategory` 1 to 4).
pub const REFERRAL_CATEGORIES: usize = 4;

/// Humanitarian figures of a window.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProtectionCounts {
    pub requests: u64,
    pub trafficking_suspected: u64,
    pub unaccompanied_minors: u64,
    pub undocumented_entries: u64,
    /// Entries of travellers with any of the above.
    pub entries_in_need: u64,
    /// Indexed by `ReferralCategory` − 1.
    pub referrals: [u64; REFERRAL_CATEGORIES],
}

impl ProtectionCounts {
    fn add(&mut self, p: &ProtectionFacts) {
        self.requests += u64::from(p.requested);
        self.trafficking_suspected += u64::from(p.trafficking_suspected);
        self.unaccompanied_minors += u64::from(p.unaccompanied_minor);
        self.undocumented_entries += u64::from(p.undocumented_entry);
        self.entries_in_need += u64::from(p.entry_in_need());
        for (i, n) in self.referrals.iter_mut().enumerate() {
            *n += u64::from(p.referrals >> i & 1);
        }
    }

    /// The referrals as counted per category, non-zero only.
    pub fn referral_counts(&self) -> Vec<ReferralCount> {
        self.referrals
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| ReferralCount {
                category: i as i32 + 1,
                count: *n,
            })
            .collect()
    }

    /// Back from counts per category (unknown categories ignored).
    pub fn referrals_from(counts: &[ReferralCount]) -> [u64; REFERRAL_CATEGORIES] {
        let mut out = [0; REFERRAL_CATEGORIES];
        for c in counts {
            if (1..=REFERRAL_CATEGORIES as i32).contains(&c.category) {
                out[c.category as usize - 1] = c.count;
            }
        }
        out
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub inspections: u64,
    pub entries: u64,
    pub exits: u64,
    /// Indexed by `TravelMode` − 1.
    pub modes: [u64; 5],
    pub admitted: u64,
    pub refused: u64,
    pub referred: u64,
    /// Indexed by `RefusalReason` − 1 (A … I).
    pub reasons: [u64; 9],
    pub document_failures: u64,
    pub alerts: u64,
    pub minors: u64,
    pub late_events: u64,
    /// By direction (entry, exit) and outcome (admitted, refused, referred).
    pub flows: [[u64; 3]; 2],
    /// Travellers who waited longer than the service level.
    pub waits_over_sla: u64,
    pub protection: ProtectionCounts,
}

/// Per-officer figures of a window, for officers who saw alerted travellers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfficerTally {
    pub officer_id: String,
    pub alerted: u32,
    pub alerted_admitted: u32,
    /// Events of alerted travellers admitted (evidence), at most a few.
    pub admitted_event_ids: Vec<String>,
}

/// A checkpoint's activity in a window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointSeen {
    pub checkpoint_id: String,
    pub events: u32,
    pub last_seen_ms: i64,
    pub status: CheckpointStatus,
}

/// Evidence ids kept per officer tally.
const MAX_EVIDENCE_IDS: usize = 8;

#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
    pub state: WindowState,
    /// Publications so far.
    pub revision: u32,
    pub counts: Counts,
    pub duration: LogHistogram,
    pub wait: LogHistogram,
    /// (ISO 3166 alpha-3 or ICAO code, count), in order of first appearance.
    pub nationalities: Vec<(String, u64)>,
    pub officers: Vec<OfficerTally>,
    pub checkpoints: Vec<CheckpointSeen>,
    /// Inspections by every statistics dimension.
    pub cells: Cells,
    /// Cells counted since the last publication, not yet in the metrics.
    unreported_cells: Cells,
    ids: EventIds,
    /// Lowest offset counted while open: commits may not pass it.
    pub first_offset: i64,
    /// Every record of this window with an offset up to here is included.
    pub through_offset: i64,
    /// Changed since last published.
    pub dirty: bool,
    /// Flows already reported to the metrics.
    reported_flows: [[u64; 3]; 2],
    /// The service-level wait, milliseconds.
    sla_ms: u64,
    /// What the detectors saw at the first close (on-time events only).
    pub sample: Option<DetectorSample>,
    /// Refusal decisions: a party refused together is one.
    refused_parties: u64,
    /// Hashes of the groups refused so far (refusals are rare: a list).
    refused_groups: Vec<u64>,
    /// Parties by nationality, in order of first appearance: a group
    /// travelling together is one party (the nationality-mix rule judges
    /// parties, so a school group or a coach is not a shift).
    party_nationalities: Vec<(String, u64)>,
    /// Hashes of the groups counted so far (a window holds few).
    groups: Vec<u64>,
    /// The protection figures of entries only: what the detectors judge
    /// arrivals by.
    entry_protection: ProtectionCounts,
}

fn counted(counts: &[(String, u64)]) -> Vec<NationalityCount> {
    counts
        .iter()
        .map(|(n, count)| NationalityCount {
            nationality: n.clone(),
            count: *count,
        })
        .collect()
}

/// Counts one more of `nationality`.
fn tally(counts: &mut Vec<(String, u64)>, nationality: &str) {
    match counts.iter_mut().find(|(n, _)| n == nationality) {
        Some((_, count)) => *count += 1,
        None => counts.push((nationality.to_owned(), 1)),
    }
}

/// Whether `group_id` is new to `seen` (hashes of groups), noting it; a
/// traveller alone is always new.
fn first_of_group(seen: &mut Vec<u64>, group_id: &str) -> bool {
    if group_id.is_empty() {
        return true;
    }
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(group_id, &mut hasher);
    let hash = std::hash::Hasher::finish(&hasher);
    if seen.contains(&hash) {
        return false;
    }
    seen.push(hash);
    true
}

/// The statistics cell of an inspection: a refusal reason counts only
/// with a refusal.
pub fn cell_key(facts: &EventFacts<'_>) -> CellKey {
    CellKey::new(&CellValues {
        direction: facts.direction,
        sex: facts.sex,
        age_band: facts.age_band,
        nationality: facts.nationality,
        mode: facts.mode,
        outcome: facts.outcome,
        refusal_reason: if facts.outcome == Outcome::Refused as i32 {
            facts.refusal_reason
        } else {
            0
        },
    })
}

/// Result of adding an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    Counted,
    Duplicate,
}

impl Window {
    pub fn new(start_ms: i64, size_ms: i64, sla_ms: u64) -> Self {
        Self {
            start_ms,
            end_ms: start_ms + size_ms,
            state: WindowState::Open,
            revision: 0,
            counts: Counts::default(),
            duration: LogHistogram::default(),
            wait: LogHistogram::default(),
            nationalities: Vec::new(),
            officers: Vec::new(),
            checkpoints: Vec::new(),
            cells: Cells::default(),
            unreported_cells: Cells::default(),
            ids: EventIds::Open(HashSet::default()),
            first_offset: i64::MAX,
            through_offset: -1,
            dirty: false,
            reported_flows: [[0; 3]; 2],
            sla_ms,
            sample: None,
            refused_parties: 0,
            refused_groups: Vec::new(),
            party_nationalities: Vec::new(),
            groups: Vec::new(),
            entry_protection: ProtectionCounts::default(),
        }
    }

    /// Flows counted since the last call (for counters that must see every
    /// inspection once, however late).
    pub fn take_unreported_flows(&mut self) -> [[u64; 3]; 2] {
        let mut delta = [[0; 3]; 2];
        for (d, row) in self.counts.flows.iter().enumerate() {
            for (o, &n) in row.iter().enumerate() {
                delta[d][o] = n - self.reported_flows[d][o];
            }
        }
        self.reported_flows = self.counts.flows;
        delta
    }

    /// Cells counted since the last call, for the metrics.
    pub fn take_unreported_cells(&mut self) -> Cells {
        std::mem::take(&mut self.unreported_cells)
    }

    pub fn contains_id(&self, id: u128) -> bool {
        self.ids.contains(id)
    }

    /// Counts an inspection unless its event id was counted before.
    pub fn add(&mut self, facts: &EventFacts<'_>, offset: i64) -> Added {
        if !self.ids.insert(facts.event_id) {
            return Added::Duplicate;
        }
        let c = &mut self.counts;
        c.inspections += 1;
        match Direction::try_from(facts.direction) {
            Ok(Direction::Entry) => c.entries += 1,
            Ok(Direction::Exit) => c.exits += 1,
            _ => {}
        }
        if let Ok(mode) = TravelMode::try_from(facts.mode)
            && mode != TravelMode::Unspecified
        {
            c.modes[mode as usize - 1] += 1;
        }
        match Outcome::try_from(facts.outcome) {
            Ok(Outcome::Admitted) => c.admitted += 1,
            Ok(Outcome::Refused) => {
                c.refused += 1;
                let first = first_of_group(&mut self.refused_groups, facts.group_id);
                self.refused_parties += u64::from(first);
                if (1..=9).contains(&facts.refusal_reason) {
                    c.reasons[facts.refusal_reason as usize - 1] += 1;
                }
            }
            Ok(Outcome::ReferredToSecondary) => c.referred += 1,
            _ => {}
        }
        let direction = match Direction::try_from(facts.direction) {
            Ok(Direction::Entry) => Some(0),
            Ok(Direction::Exit) => Some(1),
            _ => None,
        };
        let outcome = match Outcome::try_from(facts.outcome) {
            Ok(Outcome::Admitted) => Some(0),
            Ok(Outcome::Refused) => Some(1),
            Ok(Outcome::ReferredToSecondary) => Some(2),
            _ => None,
        };
        if let (Some(d), Some(o)) = (direction, outcome) {
            c.flows[d][o] += 1;
        }
        let key = cell_key(facts);
        self.cells.add(key, 1);
        self.unreported_cells.add(key, 1);
        c.document_failures += u64::from(facts.document_failure);
        c.alerts += u64::from(facts.alerted);
        c.minors += u64::from(facts.minor);
        c.protection.add(&facts.protection);
        if facts.protection.entering {
            self.entry_protection.add(&facts.protection);
        }
        if self.state != WindowState::Open {
            c.late_events += 1;
        }
        self.duration.record(facts.duration_ms);
        self.wait.record(facts.wait_ms);
        c.waits_over_sla += u64::from(facts.wait_ms > self.sla_ms);
        if !facts.nationality.is_empty() {
            tally(&mut self.nationalities, facts.nationality);
            if first_of_group(&mut self.groups, facts.group_id) {
                tally(&mut self.party_nationalities, facts.nationality);
            }
        }
        if facts.alerted {
            let tally = match self
                .officers
                .iter()
                .position(|o| o.officer_id == facts.officer_id)
            {
                Some(i) => &mut self.officers[i],
                None => {
                    self.officers.push(OfficerTally {
                        officer_id: facts.officer_id.to_owned(),
                        ..OfficerTally::default()
                    });
                    self.officers.last_mut().expect("just pushed")
                }
            };
            tally.alerted += 1;
            if facts.outcome == Outcome::Admitted as i32 {
                tally.alerted_admitted += 1;
                if tally.admitted_event_ids.len() < MAX_EVIDENCE_IDS {
                    tally.admitted_event_ids.push(uuid_string(facts.event_id));
                }
            }
        }
        self.seen(facts.checkpoint_id, facts.event_ms, None, 1);
        self.first_offset = self.first_offset.min(offset);
        self.dirty = true;
        Added::Counted
    }

    /// Notes a checkpoint's sign of life (an event or a heartbeat).
    pub fn seen(
        &mut self,
        checkpoint_id: &str,
        at_ms: i64,
        status: Option<CheckpointStatus>,
        events: u32,
    ) {
        match self
            .checkpoints
            .iter_mut()
            .find(|c| c.checkpoint_id == checkpoint_id)
        {
            Some(seen) => {
                seen.events += events;
                if at_ms >= seen.last_seen_ms {
                    seen.last_seen_ms = at_ms;
                    if let Some(status) = status {
                        seen.status = status;
                    }
                }
            }
            None => self.checkpoints.push(CheckpointSeen {
                checkpoint_id: checkpoint_id.to_owned(),
                events,
                last_seen_ms: at_ms,
                status: status.unwrap_or(CheckpointStatus::Open),
            }),
        }
        self.dirty = true;
    }

    /// Notes the offset of a heartbeat counted in this open window.
    pub fn hold_offset(&mut self, offset: i64) {
        self.first_offset = self.first_offset.min(offset);
    }

    /// Marks the window closed; its id set becomes compact and sorted. A
    /// window closed by the watermark (`on_time`) keeps what the detectors
    /// see of it; one made of late events only has nothing for them.
    pub fn close(&mut self, on_time: bool) {
        if on_time && self.state == WindowState::Open {
            self.sample = Some(self.detector_sample());
        }
        self.state = WindowState::Closed;
        self.ids.freeze();
        self.dirty = true;
    }

    fn detector_sample(&self) -> DetectorSample {
        let c = &self.counts;
        let p = &self.entry_protection;
        let mut arrivals = Cells::default();
        for (key, n) in self.cells.iter() {
            if key.direction() == Direction::Entry as i32 {
                arrivals.add(key.project(&[Field::Sex, Field::AgeBand]), n);
            }
        }
        DetectorSample {
            entries: c.entries,
            undocumented_entries: p.undocumented_entries,
            protection_requests: p.requests,
            unaccompanied_minors: p.unaccompanied_minors,
            suspected_trafficking_victims: p.trafficking_suspected,
            referrals: p.referral_counts(),
            entries_in_need: p.entries_in_need,
            arrivals: arrivals.to_proto(),
            inspections: c.inspections,
            refused: c.refused,
            refused_parties: self.refused_parties,
            duration_sum_ms: self.duration.sum_ms(),
            waits_over_sla: c.waits_over_sla,
            nationalities: counted(&self.nationalities),
            party_nationalities: counted(&self.party_nationalities),
            officers: self
                .officers
                .iter()
                .map(|o| OfficerTallyProto {
                    officer_id: o.officer_id.clone(),
                    alerted: o.alerted,
                    alerted_admitted: o.alerted_admitted,
                    alerted_admitted_event_ids: o.admitted_event_ids.clone(),
                })
                .collect(),
            checkpoints: self
                .checkpoints
                .iter()
                .map(|c| CheckpointActivity {
                    checkpoint_id: c.checkpoint_id.clone(),
                    events: c.events,
                    last_seen_ms: c.last_seen_ms,
                    status: c.status as i32,
                    silent_since_ms: 0,
                    lag_ms: 0,
                })
                .collect(),
        }
    }

    /// The event ids, ascending (for publication).
    pub fn sorted_ids(&self) -> Vec<u128> {
        self.ids.sorted()
    }

    /// Rebuilds a closed window from its published form.
    pub fn restored(mut self, ids: Vec<u128>, through_offset: i64) -> Self {
        let mut ids = ids;
        ids.sort_unstable();
        ids.dedup();
        self.ids = EventIds::Closed(ids);
        self.through_offset = through_offset;
        self.reported_flows = self.counts.flows;
        self.dirty = false;
        self
    }
}

/// Event ids of a window: a hash set while open, a sorted vector once closed.
#[derive(Clone, Debug, PartialEq, Eq)]
enum EventIds {
    Open(HashSet<u128, BuildHasherDefault<MixedHasher>>),
    Closed(Vec<u128>),
}

impl EventIds {
    fn contains(&self, id: u128) -> bool {
        match self {
            Self::Open(set) => set.contains(&id),
            Self::Closed(ids) => ids.binary_search(&id).is_ok(),
        }
    }

    fn insert(&mut self, id: u128) -> bool {
        match self {
            Self::Open(set) => set.insert(id),
            Self::Closed(ids) => match ids.binary_search(&id) {
                Ok(_) => false,
                Err(i) => {
                    ids.insert(i, id);
                    true
                }
            },
        }
    }

    fn freeze(&mut self) {
        if let Self::Open(set) = self {
            let mut ids: Vec<u128> = set.drain().collect();
            ids.sort_unstable();
            *self = Self::Closed(ids);
        }
    }

    fn sorted(&self) -> Vec<u128> {
        match self {
            Self::Open(set) => {
                let mut ids: Vec<u128> = set.iter().copied().collect();
                ids.sort_unstable();
                ids
            }
            Self::Closed(ids) => ids.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
