//! What a scenario changes in a crossing's traffic: rates, service times,
//! open booths and refusals over spans, and parties planted at given times
//! with given papers, outcomes and booths. The scenario layer (`crate::plant`) decides these;
//! the traffic model only plays them, tagging every planted event with the
//! ground-truth occurrence it belongs to.

use borderflow_proto::inspection::v1::{
    Direction, GuardianRelation, Outcome, Protection, RefusalReason,
};

use super::profile::RateSpan;

/// Service times multiplied by `factor` for inspections that start within
/// [from_ms, to_ms) at `lanes` (0-based; empty for every lane).
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSpan {
    pub from_ms: i64,
    pub to_ms: i64,
    pub factor: f64,
    pub lanes: Vec<u32>,
}

impl ServiceSpan {
    pub fn applies(&self, lane: u32, started_ms: i64) -> bool {
        (self.from_ms..self.to_ms).contains(&started_ms)
            && (self.lanes.is_empty() || self.lanes.contains(&lane))
    }
}

/// Booths `lanes` (0-based) closed over [from_ms, to_ms): they take no
/// one in that span, so the queue falls on the booths left open.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneClosure {
    pub from_ms: i64,
    pub to_ms: i64,
    pub lanes: Vec<u32>,
}

impl LaneClosure {
    pub fn closes(&self, lane: u32, at_ms: i64) -> bool {
        (self.from_ms..self.to_ms).contains(&at_ms) && self.lanes.contains(&lane)
    }
}

/// A share of the entering parties of some nationalities refused over
/// [from_ms, to_ms) (a new visa rule, a document campaign), with one of
/// `reasons`; the refusals belong to occurrence `truth`.
#[derive(Clone, Debug, PartialEq)]
pub struct RefusalCampaign {
    pub from_ms: i64,
    pub to_ms: i64,
    pub nationalities: Vec<String>,
    pub share: f64,
    pub reasons: Vec<RefusalReason>,
    pub truth: u32,
}

impl RefusalCampaign {
    /// Whether a party of `nationality` entering at `at_ms` falls under it.
    pub fn covers(&self, nationality: &str, entering: bool, at_ms: i64) -> bool {
        entering
            && (self.from_ms..self.to_ms).contains(&at_ms)
            && self.nationalities.iter().any(|n| n == nationality)
    }
}

/// How a planted minor travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escort {
    /// An adult: the party's first adult accompanies the minors.
    Adult,
    /// With the party's first adult, related as stated.
    With(GuardianRelation),
    /// Alone: no accompanying adult recorded.
    Alone,
}

#[derive(Clone, Debug)]
pub struct PlantedMember {
    pub mrz: Vec<String>,
    pub escort: Escort,
    /// What the booth records of the member's need for protection.
    pub protection: Option<Protection>,
}

impl PlantedMember {
    /// A member with no need of protection recorded.
    pub fn new(mrz: Vec<String>, escort: Escort) -> Self {
        Self {
            mrz,
            escort,
            protection: None,
        }
    }
}

/// A party that arrives at a crossing because a scenario says so.
#[derive(Clone, Debug)]
pub struct Planted {
    /// When the party joins the queue; for a preamble record, when the
    /// recorded inspection ended.
    pub at_ms: i64,
    pub direction: Direction,
    pub members: Vec<PlantedMember>,
    pub outcome: Outcome,
    pub refusal_reason: RefusalReason,
    /// The booth (0-based), or the one that frees first.
    pub lane: Option<u32>,
    /// The officer recorded, or whoever staffs the booth.
    pub officer: Option<String>,
    /// The biometric match score recorded, or a normal one.
    pub biometric_score: Option<f32>,
    /// A record of the past (dated before the run): sent when the run
    /// starts, outside the queues.
    pub preamble: bool,
    /// The ground-truth occurrence its events belong to; `None` for a
    /// benign look-alike of the background, which should raise nothing.
    pub truth: Option<u32>,
}

/// Everything a scenario changes at one crossing.
#[derive(Clone, Debug, Default)]
pub struct CrossingInjections {
    pub rate_spans: Vec<RateSpan>,
    pub service_spans: Vec<ServiceSpan>,
    pub closures: Vec<LaneClosure>,
    pub campaigns: Vec<RefusalCampaign>,
    /// In any order; the model sorts them by time.
    pub planted: Vec<Planted>,
}

/// Per crossing index; crossings without an entry run unchanged.
#[derive(Clone, Debug, Default)]
pub struct Injections {
    pub crossings: std::collections::BTreeMap<usize, CrossingInjections>,
    /// Twin posts are coupled: a party leaving one post reaches the other
    /// (`model::traffic::twins`).
    pub couple_twins: bool,
    /// Parties that leave a leading twin post and never reach the other.
    pub vanishing: Vec<Vanishing>,
    /// Spans when a leading post's twin turns everyone back.
    pub twin_closures: Vec<TwinClosure>,
    /// Spans when the zone between a pair's posts is slower.
    pub slowdowns: Vec<ZoneSlowdown>,
    /// Spans when some of a twin post's booths inspect without reporting.
    pub unreported: Vec<UnreportedBooths>,
}

/// Over [from_ms, to_ms) the drive between leading post `crossing` and
/// its twin, either way, takes `factor` times as long for travellers
/// setting out then (road works, a checkpoint in the zone, weather). They
/// belong to occurrence `truth`.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneSlowdown {
    pub crossing: usize,
    pub from_ms: i64,
    pub to_ms: i64,
    pub factor: f64,
    pub truth: u32,
}

/// Over [from_ms, to_ms) the first `booths` booths of twin post
/// `crossing` inspect travellers as usual, but nothing of theirs
/// (inspections, heartbeats) reaches the system: a booth working offline
/// whose records are never synchronised. Occurrence `truth`.
#[derive(Clone, Debug, PartialEq)]
pub struct UnreportedBooths {
    pub crossing: usize,
    pub booths: u32,
    pub from_ms: i64,
    pub to_ms: i64,
    pub truth: u32,
}

/// Over [from_ms, to_ms) the twin of leading post `crossing` inspects no
/// one: travellers who reach it are turned back to `crossing`. They belong
/// to occurrence `truth`.
#[derive(Clone, Debug, PartialEq)]
pub struct TwinClosure {
    pub crossing: usize,
    pub from_ms: i64,
    pub to_ms: i64,
    pub truth: u32,
}

/// The first `parties` parties that leave leading twin post `crossing`
/// over [from_ms, to_ms) never reach the other post: smuggled across the
/// zone, or lost in it. They belong to occurrence `truth`.
#[derive(Clone, Debug, PartialEq)]
pub struct Vanishing {
    pub crossing: usize,
    pub from_ms: i64,
    pub to_ms: i64,
    pub parties: u32,
    pub truth: u32,
    /// The parties taken so far (group or event ids).
    pub taken: Vec<String>,
}

impl Vanishing {
    /// Whether `party`, leaving `crossing` at `at_ms`, is one of those
    /// taken: the party's first member decides for the rest.
    pub fn takes(&mut self, crossing: usize, at_ms: i64, party: &str) -> bool {
        if crossing != self.crossing || !(self.from_ms..self.to_ms).contains(&at_ms) {
            return false;
        }
        if self.taken.iter().any(|p| p == party) {
            return true;
        }
        if self.taken.len() < self.parties as usize {
            self.taken.push(party.to_owned());
            return true;
        }
        false
    }
}

impl Injections {
    pub fn at(&mut self, crossing: usize) -> &mut CrossingInjections {
        self.crossings.entry(crossing).or_default()
    }

    /// Every planted party, with its crossing.
    pub fn planted(&self) -> impl Iterator<Item = (usize, &Planted)> {
        self.crossings
            .iter()
            .flat_map(|(c, i)| i.planted.iter().map(move |p| (*c, p)))
    }
}
