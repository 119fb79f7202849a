//! Turns a scenario into what the traffic model plays and what the run
//! registers and scores: injections per crossing, link outages, reference
//! list entries and the ground truth. Pure and seeded: the same scenario
//! gives the same plan.

mod background;
mod documents;
mod flows;
pub mod people;

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
use crate::truth::{Draft, Truth};

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
    for incident in &scenario.incidents {
        let mut rng = ChaCha8Rng::seed_from_u64(
            scenario.seed
                ^ stable_hash("plant")
                ^ (incident.index as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15),
        );
        let mut ctx = Ctx {
            scenario,
            incident,
            plan: &mut plan,
            rng: &mut rng,
        };
        match &incident.kind {
            IncidentKind::FlowSurge { .. }
            | IncidentKind::FlowDrop { .. }
            | IncidentKind::SlowInspections { .. }
            | IncidentKind::NationalityShift { .. }
            | IncidentKind::LinkOutage { .. }
            | IncidentKind::OfficerOverride { .. } => flows::plant(&mut ctx)?,
            _ => documents::plant(&mut ctx)?,
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(scenario.seed ^ stable_hash("background"));
    background::plant(scenario, &mut plan, &mut rng);
    Ok(plan)
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

    /// A truth occurrence of this incident over its span.
    pub(crate) fn occurrence(
        &mut self,
        expected: AnomalyKind,
        related: &[AnomalyKind],
        crossings: &[usize],
        span: (i64, i64),
    ) -> u32 {
        let network = &self.scenario.network;
        self.plan.truth.add(Draft {
            incident: Some(self.incident.index),
            label: self.incident.label.clone(),
            kind: self.incident.kind.kind().name().to_owned(),
            expected,
            related: related.to_vec(),
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
/// arrival intensity (uniformly over open time when that is zero).
pub fn open_times(
    spec: &CrossingSpec,
    from: i64,
    to: i64,
    n: usize,
    rng: &mut impl Rng,
) -> Vec<i64> {
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
