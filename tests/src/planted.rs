//! Traffic with incidents planted, for tests that compare a disturbed run
//! with an undisturbed one: a scenario's plan is pure and seeded, so both
//! runs see exactly the same events. Here is what the plan registers before
//! any aggregator starts, what the windows must count, and which anomalies
//! must come of it.
//!
//! [`every_family`] is the fault tests' traffic: incidents whose anomalies
//! are raised per event, per document history and per crossing.

use borderflow_aggregator::detect::DetectConfig;
use std::collections::{BTreeMap, BTreeSet};

use borderflow_proto::analytics::v1::AnomalyKind;
use borderflow_proto::inspection::v1::InspectionEvent;
use borderflow_proto::timestamp_to_ms;
use borderflow_simulator::exercise::traffic_config;
use borderflow_simulator::model::network::Network;
use borderflow_simulator::model::traffic::{Emission, Traffic, TrafficConfig};
use borderflow_simulator::plant::{self, Plan};
use borderflow_simulator::reference;
use borderflow_simulator::scenario::Scenario;
use borderflow_simulator::score::judged_within;
use borderflow_simulator::truth::Occurrence;

use crate::anomalies::Flagged;
use crate::testbed::Testbed;
use crate::totals::Totals;

/// A day and a half on eight generated crossings: a day for the crossing
/// baselines to warm up, incidents of every family, per-document ones
/// spanning the day so that their histories straddle whatever disturbs the
/// run.
pub const EVERY_FAMILY: &str = include_str!("planted/every-family.toml");

/// What [`EVERY_FAMILY`] plants, by family: per event, per document
/// history, per crossing (officer and crossing scopes).
pub const EVERY_FAMILY_KINDS: [AnomalyKind; 8] = [
    AnomalyKind::MrzCheckDigit,
    AnomalyKind::LostStolenDocument,
    AnomalyKind::WatchlistHit,
    AnomalyKind::DoubleEntry,
    AnomalyKind::ImpossibleTravel,
    AnomalyKind::RepeatedRefusal,
    AnomalyKind::OfficerOverride,
    AnomalyKind::SlowInspections,
];

/// [`EVERY_FAMILY`], planned.
pub fn every_family() -> Planted {
    Planted::from_toml(EVERY_FAMILY, "every-family").expect("the fault tests' scenario is valid")
}

/// A scenario and its plan, with each occurrence's events filled in.
pub struct Planted {
    pub scenario: Scenario,
    pub plan: Plan,
}

impl Planted {
    pub fn from_toml(text: &str, origin: &str) -> anyhow::Result<Self> {
        Self::new(Scenario::from_toml(text, origin)?)
    }

    pub fn new(scenario: Scenario) -> anyhow::Result<Self> {
        let mut plan = plant::plan(&scenario).map_err(|e| {
            anyhow::anyhow!("planning {}: {}: {}", scenario.name, e.field, e.reason)
        })?;
        // The events of each occurrence, as the stream will send them.
        let traffic = Traffic::with_injections(
            &scenario.network,
            &traffic_config(&scenario),
            plan.injections.clone(),
        );
        for item in traffic {
            if let (Some(tag), Emission::Event(event)) = (item.truth, &item.emission) {
                plan.truth.record(tag, &event.event_id);
            }
        }
        Ok(Self { scenario, plan })
    }

    pub fn network(&self) -> &Network {
        &self.scenario.network
    }

    pub fn crossings(&self) -> Vec<String> {
        self.network()
            .crossings
            .iter()
            .map(|c| c.id.clone())
            .collect()
    }

    /// The scenario's span and its tail.
    pub fn traffic_config(&self) -> TrafficConfig {
        traffic_config(&self.scenario)
    }

    /// Everything the booths send, incidents played in.
    pub fn traffic(&self) -> Traffic {
        Traffic::with_injections(
            self.network(),
            &self.traffic_config(),
            self.plan.injections.clone(),
        )
    }

    /// The inspection events among [`traffic`](Self::traffic).
    pub fn events(&self) -> impl Iterator<Item = InspectionEvent> {
        self.traffic().filter_map(|item| match item.emission {
            Emission::Event(event) => Some(*event),
            Emission::Heartbeat(_) => None,
        })
    }

    /// How many events the stream sends (failed reads included).
    pub fn sent(&self) -> u64 {
        self.events().count() as u64
    }

    /// What the windows must count.
    pub fn expected(&self) -> Totals {
        let mut totals = Totals::new();
        for e in self
            .events()
            .filter(|e| crate::totals::in_a_flow(e.outcome))
        {
            *totals
                .entry((e.crossing_id, e.direction, e.outcome))
                .or_default() += 1;
        }
        totals
    }

    /// The kinds the incidents are expected to raise.
    pub fn kinds(&self) -> BTreeSet<AnomalyKind> {
        self.plan.truth.planted().map(|o| o.expected).collect()
    }

    /// Registers the network's crossings and the plan's reference list
    /// entries (stolen documents, watchlisted persons) on the reference
    /// topic: done before any aggregator starts, every instance and every
    /// reference run meets them from the first record.
    pub async fn register(&self, bed: &Testbed) -> anyhow::Result<()> {
        bed.publish_registry().await?;
        let entries = reference::entries(
            &self.plan.references,
            &bed.pseudonymiser()?,
            self.scenario.start_ms,
        );
        anyhow::ensure!(
            entries.len() == self.plan.references.len(),
            "{} of {} reference documents have a key",
            entries.len(),
            self.plan.references.len()
        );
        bed.publish_list_entries(&entries).await
    }

    /// The incidents (by label, with the kind expected) of which no
    /// occurrence raised an anomaly of its kind. An anomaly is about an
    /// occurrence when its evidence names one of the occurrence's events
    /// or, for crossing-level kinds, judged by crossing and time, when it
    /// is at one of its crossings (and booth or officer) and judged a
    /// period overlapping its span, give or take one period.
    pub fn undetected(&self, anomalies: &BTreeSet<Flagged>) -> Vec<String> {
        let mut found: BTreeMap<(String, AnomalyKind), bool> = BTreeMap::new();
        for o in self.plan.truth.planted() {
            let hit = anomalies.iter().any(|a| self.is_about(a, o));
            *found.entry((o.label.clone(), o.expected)).or_default() |= hit;
        }
        found
            .into_iter()
            .filter(|(_, hit)| !hit)
            .map(|((label, kind), _)| format!("{label} ({})", kind.name()))
            .collect()
    }

    fn is_about(&self, a: &Flagged, o: &Occurrence) -> bool {
        if a.kind != o.expected {
            return false;
        }
        if !a.kind.scope().is_crossing_level() {
            return a.event_ids.iter().any(|id| o.event_ids.contains(id));
        }
        let period = DetectConfig::default().period_ms();
        let names = |who: &Option<String>| who.as_ref().is_none_or(|w| a.subject.contains(w));
        o.crossings.contains(&a.crossing_id)
            && names(&o.officer)
            && names(&o.checkpoint)
            && judged_within(a.event_ms, period, o.start_ms, o.end_ms)
    }
}

/// Completion time of an event: the event time its window counts it by.
pub fn completed_ms(event: &InspectionEvent) -> Option<i64> {
    event.completed_at.as_ref().and_then(timestamp_to_ms)
}

#[cfg(test)]
mod tests {
    use borderflow_proto::KindScope;

    use super::*;

    #[test]
    fn every_family_plants_each_family_with_its_events() {
        let planted = every_family();
        assert_eq!(planted.kinds(), BTreeSet::from(EVERY_FAMILY_KINDS));
        let scopes: BTreeSet<&str> = EVERY_FAMILY_KINDS
            .iter()
            .map(|k| k.scope().label())
            .collect();
        for scope in [KindScope::Event, KindScope::Document, KindScope::Crossing] {
            assert!(scopes.contains(scope.label()), "{}", scope.label());
        }
        // Matching by event id needs the events: every occurrence judged
        // per event or per document has some.
        for o in planted.plan.truth.planted() {
            if !o.expected.scope().is_crossing_level() {
                assert!(!o.event_ids.is_empty(), "{} has no events", o.label);
            }
        }
        assert!(!planted.plan.references.is_empty());
    }
}
