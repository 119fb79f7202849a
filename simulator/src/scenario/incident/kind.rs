//! The kinds of incident, twice: as written ([`IncidentParams`], tagged by
//! `kind` in the file) and as validated ([`IncidentKind`], crossings as
//! indices into the network, booths and officers 0-based, durations in
//! milliseconds). The matches here are the list of kinds: each has no
//! catch-all arm, so a new kind does not compile until it is named,
//! validated and planted.

use borderflow_proto::inspection::v1::RefusalReason;
use serde::{Deserialize, Serialize};

use super::check::Check;
use super::{
    DoubleEntry, FlowDrop, FlowSurge, ForgedDocuments, ImpossibleTravel, LaneClosure, LinkOutage,
    MassInflux, NationalityShift, OfficerOverride, Overstay, RefusalCampaign, RepeatedRefusals,
    SlowInspections, StolenDocuments, Trafficking, TraffickingRing, TwinClosure, UnreportedBooths,
    VanishedTravellers, WatchlistedPerson, ZoneSlowdown,
};
use crate::scenario::FieldError;

/// An incident's kind and parameters as written. The tag values are the
/// kinds' names in scenario files and on the scorecard.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IncidentParams {
    FlowSurge(FlowSurge),
    FlowDrop(FlowDrop),
    ForgedDocuments(ForgedDocuments),
    StolenDocuments(StolenDocuments),
    WatchlistedPerson(WatchlistedPerson),
    ImpossibleTravel(ImpossibleTravel),
    Overstay(Overstay),
    DoubleEntry(DoubleEntry),
    RepeatedRefusals(RepeatedRefusals),
    OfficerOverride(OfficerOverride),
    SlowInspections(SlowInspections),
    NationalityShift(NationalityShift),
    Trafficking(Trafficking),
    LinkOutage(LinkOutage),
    LaneClosure(LaneClosure),
    RefusalCampaign(RefusalCampaign),
    MassInflux(MassInflux),
    TraffickingRing(TraffickingRing),
    VanishedTravellers(VanishedTravellers),
    TwinClosure(TwinClosure),
    ZoneSlowdown(ZoneSlowdown),
    UnreportedBooths(UnreportedBooths),
}

impl IncidentParams {
    /// The kind's name as written (its `kind` tag).
    pub fn name(&self) -> &'static str {
        match self {
            Self::FlowSurge(_) => "flow_surge",
            Self::FlowDrop(_) => "flow_drop",
            Self::ForgedDocuments(_) => "forged_documents",
            Self::StolenDocuments(_) => "stolen_documents",
            Self::WatchlistedPerson(_) => "watchlisted_person",
            Self::ImpossibleTravel(_) => "impossible_travel",
            Self::Overstay(_) => "overstay",
            Self::DoubleEntry(_) => "double_entry",
            Self::RepeatedRefusals(_) => "repeated_refusals",
            Self::OfficerOverride(_) => "officer_override",
            Self::SlowInspections(_) => "slow_inspections",
            Self::NationalityShift(_) => "nationality_shift",
            Self::Trafficking(_) => "trafficking",
            Self::LinkOutage(_) => "link_outage",
            Self::LaneClosure(_) => "lane_closure",
            Self::RefusalCampaign(_) => "refusal_campaign",
            Self::MassInflux(_) => "mass_influx",
            Self::TraffickingRing(_) => "trafficking_ring",
            Self::VanishedTravellers(_) => "vanished_travellers",
            Self::TwinClosure(_) => "twin_closure",
            Self::ZoneSlowdown(_) => "zone_slowdown",
            Self::UnreportedBooths(_) => "unreported_booths",
        }
    }

    /// Validates the parameters against the incident's span and network.
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        match self {
            Self::FlowSurge(p) => p.resolve(at),
            Self::FlowDrop(p) => p.resolve(at),
            Self::ForgedDocuments(p) => p.resolve(at),
            Self::StolenDocuments(p) => p.resolve(at),
            Self::WatchlistedPerson(p) => p.resolve(at),
            Self::ImpossibleTravel(p) => p.resolve(at),
            Self::Overstay(p) => p.resolve(at),
            Self::DoubleEntry(p) => p.resolve(at),
            Self::RepeatedRefusals(p) => p.resolve(at),
            Self::OfficerOverride(p) => p.resolve(at),
            Self::SlowInspections(p) => p.resolve(at),
            Self::NationalityShift(p) => p.resolve(at),
            Self::Trafficking(p) => p.resolve(at),
            Self::LinkOutage(p) => p.resolve(at),
            Self::LaneClosure(p) => p.resolve(at),
            Self::RefusalCampaign(p) => p.resolve(at),
            Self::MassInflux(p) => p.resolve(at),
            Self::TraffickingRing(p) => p.resolve(at),
            Self::VanishedTravellers(p) => p.resolve(at),
            Self::TwinClosure(p) => p.resolve(at),
            Self::ZoneSlowdown(p) => p.resolve(at),
            Self::UnreportedBooths(p) => p.resolve(at),
        }
    }
}

/// A validated incident's kind and parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum IncidentKind {
    FlowSurge {
        crossing: usize,
        factor: f64,
    },
    FlowDrop {
        crossing: usize,
        factor: f64,
    },
    ForgedDocuments {
        crossing: usize,
        count: u32,
    },
    StolenDocuments {
        crossing: usize,
        count: u32,
    },
    WatchlistedPerson {
        route: Vec<usize>,
    },
    ImpossibleTravel {
        from: usize,
        to: usize,
        count: u32,
        gap_ms: i64,
    },
    Overstay {
        crossing: usize,
        count: u32,
        exits: u32,
        nationality: Option<String>,
    },
    DoubleEntry {
        first: usize,
        second: usize,
        count: u32,
    },
    RepeatedRefusals {
        crossing: usize,
        count: u32,
        attempts: u32,
    },
    OfficerOverride {
        crossing: usize,
        officer: u32,
        count: u32,
    },
    SlowInspections {
        crossing: usize,
        factor: f64,
        lanes: Vec<u32>,
    },
    NationalityShift {
        crossing: usize,
        nationality: String,
        factor: f64,
        entering: bool,
    },
    Trafficking {
        crossing: usize,
        count: u32,
        unaccompanied: u32,
    },
    LinkOutage {
        crossing: usize,
        lane: u32,
    },
    LaneClosure {
        crossing: usize,
        open_lanes: u32,
    },
    RefusalCampaign {
        crossing: usize,
        nationalities: Vec<String>,
        share: f64,
        reasons: Vec<RefusalReason>,
    },
    MassInflux {
        crossing: usize,
        factor: f64,
        nationality: String,
        undocumented: f64,
        protection: f64,
        unaccompanied: u32,
    },
    TraffickingRing {
        route: Vec<usize>,
        trips: u32,
        minors: u32,
        consent_letters: bool,
        young_adults: u32,
    },
    VanishedTravellers {
        crossing: usize,
        parties: u32,
    },
    TwinClosure {
        crossing: usize,
    },
    ZoneSlowdown {
        crossing: usize,
        factor: f64,
    },
    UnreportedBooths {
        crossing: usize,
        booths: u32,
    },
}

impl IncidentKind {
    /// The kind's name, as in scenario files and on the scorecard.
    pub fn name(&self) -> &'static str {
        match self {
            Self::FlowSurge { .. } => "flow_surge",
            Self::FlowDrop { .. } => "flow_drop",
            Self::ForgedDocuments { .. } => "forged_documents",
            Self::StolenDocuments { .. } => "stolen_documents",
            Self::WatchlistedPerson { .. } => "watchlisted_person",
            Self::ImpossibleTravel { .. } => "impossible_travel",
            Self::Overstay { .. } => "overstay",
            Self::DoubleEntry { .. } => "double_entry",
            Self::RepeatedRefusals { .. } => "repeated_refusals",
            Self::OfficerOverride { .. } => "officer_override",
            Self::SlowInspections { .. } => "slow_inspections",
            Self::NationalityShift { .. } => "nationality_shift",
            Self::Trafficking { .. } => "trafficking",
            Self::LinkOutage { .. } => "link_outage",
            Self::LaneClosure { .. } => "lane_closure",
            Self::RefusalCampaign { .. } => "refusal_campaign",
            Self::MassInflux { .. } => "mass_influx",
            Self::TraffickingRing { .. } => "trafficking_ring",
            Self::VanishedTravellers { .. } => "vanished_travellers",
            Self::TwinClosure { .. } => "twin_closure",
            Self::ZoneSlowdown { .. } => "zone_slowdown",
            Self::UnreportedBooths { .. } => "unreported_booths",
        }
    }

    /// The crossings the incident needs open, with the field naming them.
    pub fn crossings(&self) -> Vec<(usize, &'static str)> {
        match self {
            Self::WatchlistedPerson { route } | Self::TraffickingRing { route, .. } => {
                route.iter().map(|c| (*c, "crossings")).collect()
            }
            Self::ImpossibleTravel { from, to, .. } => {
                vec![(*from, "crossings"), (*to, "crossings")]
            }
            Self::DoubleEntry { first, second, .. } => {
                vec![(*first, "crossings"), (*second, "crossings")]
            }
            Self::FlowSurge { crossing, .. }
            | Self::FlowDrop { crossing, .. }
            | Self::ForgedDocuments { crossing, .. }
            | Self::StolenDocuments { crossing, .. }
            | Self::Overstay { crossing, .. }
            | Self::RepeatedRefusals { crossing, .. }
            | Self::OfficerOverride { crossing, .. }
            | Self::SlowInspections { crossing, .. }
            | Self::NationalityShift { crossing, .. }
            | Self::Trafficking { crossing, .. }
            | Self::LinkOutage { crossing, .. }
            | Self::LaneClosure { crossing, .. }
            | Self::RefusalCampaign { crossing, .. }
            | Self::MassInflux { crossing, .. }
            | Self::VanishedTravellers { crossing, .. }
            | Self::TwinClosure { crossing }
            | Self::ZoneSlowdown { crossing, .. }
            | Self::UnreportedBooths { crossing, .. } => vec![(*crossing, "crossing")],
        }
    }
}
