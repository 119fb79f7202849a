//! Turns a scenario into what the traffic model plays and what the run
//! registers and scores: injections per crossing, link outages, reference
//! list entries and the ground truth. Pure and seeded: the same scenario
//! gives the same plan.
//!
//! Start reading at [`plan`]. Its `plant` matches every kind of incident
//! to the function that plants it: crossing-wide changes in `flows.rs` and
//! `officer.rs`, closed booths and refusal campaigns in `operations.rs`, papers in `documents.rs`, travel histories in
//! `travel.rs`, refused and trafficked parties in `parties.rs`;
//! `background.rs` adds what happens at base rates whatever the scenario.

mod background;
mod documents;
mod flows;
mod officer;
mod operations;
mod parties;
pub mod people;
mod protection;
mod travel;
mod twins;

use borderflow_proto::analytics::v1::AnomalyKind;
use borderflow_proto::reference::v1::ReferenceList;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::inject::Injections;
use crate::model::network::CrossingSpec;
use crate::model::profile::Intensity;
use crate::model::traffic::stable_hash;
use crate::run::LinkEvent;
use crate::scenario::{FieldError, Incident, IncidentKind, Scenario};
use crate::truth::{Draft, SideEffect, Truth};

/// A document to put on a reference list before traffic starts. Keys are
/// computed from the zone exactly as ingest computes them.
#[derive(Clone, Debug)]
pub struct ReferenceDocument {
    pub list: ReferenceList,
    pub mrz: Vec<String>,
    /// Where such an entry would come from, e.g. INTERPOL SLTD.
    pub source: &'static str,
    /// A non-personal case reference.
    pub reference: String,
}

/// Everything a scenario run needs besides the network.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub injections: Injections,
    pub link_events: Vec<LinkEvent>,
    pub references: Vec<ReferenceDocument>,
    pub truth: Truth,
}

/// Plans `scenario`: its incidents and the background occurrences.
pub fn plan(scenario: &Scenario) -> Result<Plan, FieldError> {
    let mut plan = Plan::default();
    plan.injections.couple_twins = scenario.couple_twins;
    for incident in &scenario.incidents {
        plant_incident(scenario, incident, &mut plan)?;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(scenario.seed ^ stable_hash("background"));
    background::plant(scenario, &mut plan, &mut rng);
    Ok(plan)
}

/// Plans one more incident of `scenario` while it runs (a trainer's
/// injection, `crate::control`): what the traffic, the links and the
/// reference lists take from now on, with its occurrences added to the
/// run's `truth` and numbered after those there. On error `truth` is left
/// as it was. The incident's index, past the scenario's own, seeds its
/// draws, so it plants people of its own.
pub fn plan_more(
    scenario: &Scenario,
    incident: &Incident,
    truth: &mut Truth,
) -> Result<Plan, FieldError> {
    let mut plan = Plan {
        truth: std::mem::take(truth),
        ..Plan::default()
    };
    plan.injections.couple_twins = scenario.couple_twins;
    let planted_before = plan.truth.occurrences.len();
    let result = plant_incident(scenario, incident, &mut plan);
    *truth = std::mem::take(&mut plan.truth);
    if let Err(e) = result {
        truth.occurrences.truncate(planted_before);
        return Err(e);
    }
    Ok(plan)
}

/// Plants `incident` into `plan`, with draws of its own.
fn plant_incident(
    scenario: &Scenario,
    incident: &Incident,
    plan: &mut Plan,
) -> Result<(), FieldError> {
    let before = follower_changes(scenario, &plan.injections);
    let mut rng = ChaCha8Rng::seed_from_u64(
        scenario.seed
            ^ stable_hash("plant")
            ^ (incident.index as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15),
    );
    let mut ctx = Ctx {
        scenario,
        incident,
        plan,
        rng: &mut rng,
    };
    plant(&mut ctx, &incident.kind)?;
    if follower_changes(scenario, &plan.injections) != before {
        return Err(FieldError::new(
            format!("incident[{}]", incident.index),
            "changes the traffic of a post that follows its twin in a coupled scenario: its travellers are the twin's, so plant the incident at the pair's first post",
        ));
    }
    Ok(())
}

/// How many traffic changes the coupled scenario's following posts carry:
/// their travellers are their twins', so a change there would be lost.
fn follower_changes(scenario: &Scenario, injections: &Injections) -> usize {
    if !scenario.couple_twins {
        return 0;
    }
    scenario
        .network
        .twins
        .iter()
        .filter_map(|t| scenario.network.index_of(&t.posts[1]))
        .filter_map(|i| injections.crossings.get(&i))
        .map(|c| c.rate_spans.len() + c.service_spans.len() + c.closures.len() + c.campaigns.len())
        .sum()
}

/// Plants one incident. One arm per kind and no catch-all: a new kind
/// does not compile until it is planted.
fn plant(ctx: &mut Ctx<'_>, kind: &IncidentKind) -> Result<(), FieldError> {
    match kind {
        IncidentKind::FlowSurge { crossing, factor }
        | IncidentKind::FlowDrop { crossing, factor } => {
            flows::rate(ctx, *crossing, *factor);
        }
        IncidentKind::SlowInspections {
            crossing,
            factor,
            lanes,
        } => flows::slow_inspections(ctx, *crossing, *factor, lanes),
        IncidentKind::LinkOutage { crossing, lane } => flows::link_outage(ctx, *crossing, *lane),
        IncidentKind::NationalityShift {
            crossing,
            nationality,
            factor,
            entering,
        } => flows::nationality_shift(ctx, *crossing, nationality, *factor, *entering),
        IncidentKind::LaneClosure {
            crossing,
            open_lanes,
        } => operations::lane_closure(ctx, *crossing, *open_lanes),
        IncidentKind::RefusalCampaign {
            crossing,
            nationalities,
            share,
            reasons,
        } => operations::refusal_campaign(ctx, *crossing, nationalities, *share, reasons),
        IncidentKind::OfficerOverride {
            crossing,
            officer,
            count,
        } => officer::officer_override(ctx, *crossing, *officer, *count)?,
        IncidentKind::ForgedDocuments { crossing, count } => {
            documents::forged(ctx, *crossing, *count);
        }
        IncidentKind::StolenDocuments { crossing, count } => {
            documents::stolen(ctx, *crossing, *count);
        }
        IncidentKind::WatchlistedPerson { route } => documents::watchlisted(ctx, route)?,
        IncidentKind::ImpossibleTravel {
            from,
            to,
            count,
            gap_ms,
        } => travel::impossible_travel(ctx, *from, *to, *count, *gap_ms)?,
        IncidentKind::Overstay {
            crossing,
            count,
            exits,
            nationality,
        } => travel::overstay(ctx, *crossing, *count, *exits, nationality.as_deref())?,
        IncidentKind::DoubleEntry {
            first,
            second,
            count,
        } => travel::double_entry(ctx, *first, *second, *count)?,
        IncidentKind::RepeatedRefusals {
            crossing,
            count,
            attempts,
        } => parties::repeated_refusals(ctx, *crossing, *count, *attempts),
        IncidentKind::Trafficking {
            crossing,
            count,
            unaccompanied,
        } => parties::trafficking(ctx, *crossing, *count, *unaccompanied),
        IncidentKind::TraffickingRing {
            route,
            trips,
            minors,
            consent_letters,
            young_adults,
        } => parties::trafficking_ring(
            ctx,
            &parties::Ring {
                route,
                trips: *trips,
                minors: *minors,
                consent_letters: *consent_letters,
                young_adults: *young_adults,
            },
        )?,
        IncidentKind::VanishedTravellers { crossing, parties } => {
            twins::vanished(ctx, *crossing, *parties);
        }
        IncidentKind::TwinClosure { crossing } => twins::closure(ctx, *crossing),
        IncidentKind::ZoneSlowdown { crossing, factor } => {
            twins::slowdown(ctx, *crossing, *factor);
        }
        IncidentKind::UnreportedBooths { crossing, booths } => {
            twins::unreported(ctx, *crossing, *booths);
        }
        IncidentKind::MassInflux {
            crossing,
            factor,
            nationality,
            undocumented,
            protection,
            unaccompanied,
        } => protection::mass_influx(
            ctx,
            &protection::Influx {
                crossing: *crossing,
                factor: *factor,
                nationality,
                undocumented: *undocumented,
                protection: *protection,
                unaccompanied: *unaccompanied,
            },
        ),
    }
    Ok(())
}

/// What an incident's planner works with.
pub(crate) struct Ctx<'a> {
    pub scenario: &'a Scenario,
    pub incident: &'a Incident,
    pub plan: &'a mut Plan,
    pub rng: &'a mut ChaCha8Rng,
}

impl<'a> Ctx<'a> {
    pub(crate) fn spec(&self, crossing: usize) -> &'a CrossingSpec {
        &self.scenario.network.crossings[crossing]
    }

    /// A truth occurrence of this incident over its span, with the side
    /// effects it implies.
    pub(crate) fn occurrence(
        &mut self,
        expected: AnomalyKind,
        side_effects: &[SideEffect],
        crossings: &[usize],
        span: (i64, i64),
    ) -> u32 {
        let network = &self.scenario.network;
        self.plan.truth.add(Draft {
            incident: Some(self.incident.index),
            label: self.incident.label.clone(),
            kind: self.incident.kind.name().to_owned(),
            expected,
            side_effects: side_effects.to_vec(),
            crossings: crossings
                .iter()
                .map(|c| network.crossings[*c].id.clone())
                .collect(),
            checkpoint: None,
            officer: None,
            start_ms: span.0,
            end_ms: span.1,
        })
    }

    /// `n` times in the incident's span when `crossing` is open, following
    /// its traffic.
    pub(crate) fn times(&mut self, crossing: usize, n: usize) -> Vec<i64> {
        let (from, to) = (self.incident.start_ms, self.incident.end_ms);
        open_times(
            &self.scenario.network.crossings[crossing],
            from,
            to,
            n,
            self.rng,
        )
    }
}

/// `n` sorted times in [from, to) when `spec` is open, drawn with its
/// arrival intensity (uniformly over open time when that is zero); none
/// when the span is empty.
pub fn open_times(
    spec: &CrossingSpec,
    from: i64,
    to: i64,
    n: usize,
    rng: &mut impl Rng,
) -> Vec<i64> {
    if from >= to {
        return Vec::new();
    }
    let intensity = Intensity::new(spec, 1.0);
    let max = intensity.max();
    let mut times = Vec::with_capacity(n);
    let mut tries = 0;
    while times.len() < n && tries < 200_000 {
        tries += 1;
        let t = rng.random_range(from..to);
        if !intensity.is_open(t) {
            continue;
        }
        if max > 0.0 && tries < 100_000 && rng.random::<f64>() * max >= intensity.at(t) {
            continue;
        }
        times.push(t);
    }
    times.sort_unstable();
    times
}
