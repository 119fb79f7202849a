//! A scenario as a recorded range: the simulator's plan and traffic, what
//! ingest makes of each event, in the order the inspections topic would
//! carry them. Delivery is ideal except where the scenario cuts a booth's
//! link: its records are held, as its journal holds them, and arrive when
//! the link is back. Seeded, so a scenario plays the same every time.

use std::collections::HashMap;

use borderflow_domain::time::MS_PER_DAY;
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::inspection::v1::{InspectionRecord, inspection_record};
use borderflow_simulator::exercise::{ExerciseOptions, scope, traffic_config};
use borderflow_simulator::model::traffic::{Emission, Emitted, Traffic};
use borderflow_simulator::plant::{self, Plan};
use borderflow_simulator::scenario::Scenario;
use borderflow_simulator::score::{Scorecard, score};
use borderflow_simulator::truth::Truth;

use crate::error::{Error, Result};
use crate::ingest::Ingest;
use crate::records::Records;
use crate::world::{World, bench_keys};

/// What a play knows beyond its records: which events were planted, and
/// the last event time streamed (the scored span ends after it).
#[derive(Clone, Debug)]
pub struct Played {
    pub truth: Truth,
    pub last_ms: i64,
}

/// A scenario captured once, to replay under several settings.
#[derive(Clone, Debug)]
pub struct Recording {
    pub records: Records,
    pub played: Played,
}

/// Ends `scenario` `days` after its start (its tail still follows),
/// dropping the incidents that would start after that.
pub fn limit_days(scenario: &mut Scenario, days: f64) -> Result<()> {
    let limit = |reason: String| Error::Limit {
        scenario: scenario.name.clone(),
        reason,
    };
    if !(days.is_finite() && days > 0.0) {
        return Err(limit(format!("--days {days} is not a positive number")));
    }
    let end_ms = scenario.start_ms + (days * MS_PER_DAY as f64) as i64;
    if end_ms >= scenario.end_ms {
        return Ok(());
    }
    if end_ms <= scenario.baseline_end_ms {
        let baseline = (scenario.baseline_end_ms - scenario.start_ms) as f64 / MS_PER_DAY as f64;
        return Err(limit(format!(
            "--days {days} ends it before its baseline of {baseline} days does"
        )));
    }
    scenario.end_ms = end_ms;
    scenario.incidents.retain(|i| i.start_ms < end_ms);
    Ok(())
}

/// Plans `scenario` and builds what its stages read (its registry, its
/// reference entries keyed with the bench secret its records are keyed
/// with, its twin pairs if coupled).
pub fn prepare(scenario: &Scenario) -> Result<(World, Plan)> {
    let plan = plant::plan(scenario).map_err(|e| Error::Plan {
        scenario: scenario.name.clone(),
        field: e.field,
        reason: e.reason,
    })?;
    let world = World::of_scenario(
        &scenario.network,
        scenario.couple_twins,
        &plan.references,
        &bench_keys(),
        scenario.start_ms,
    );
    Ok((world, plan))
}

/// Plays `scenario` (planned as `plan`), handing each value of the
/// inspections topic to `deliver` in the order the topic would carry it.
pub fn play(
    scenario: &Scenario,
    plan: Plan,
    world: &World,
    mut deliver: impl FnMut(&[u8]),
) -> Played {
    let ingest = Ingest::new(bench_keys(), world.pairs.as_ref().clone());
    let mut truth = plan.truth;
    let mut held: HashMap<String, Vec<Emitted>> = HashMap::new();
    let mut down: HashMap<String, bool> = HashMap::new();
    let mut link_events = plan.link_events;
    link_events.sort_by_key(|e| e.at_ms);
    let mut links = link_events.into_iter().peekable();
    let traffic = Traffic::with_injections(
        &scenario.network,
        &traffic_config(scenario),
        plan.injections,
    );
    let mut scratch = Vec::with_capacity(1024);
    let mut emit = |item: Emitted, deliver: &mut dyn FnMut(&[u8])| {
        let body = match item.emission {
            Emission::Event(event) => match ingest.inspection(*event, item.at_ms) {
                Some(inspection) => inspection_record::Body::Inspection(inspection),
                // Ingest refuses it: it never reaches the stream.
                None => return,
            },
            Emission::Heartbeat(beat) => inspection_record::Body::Heartbeat(beat),
        };
        scratch.clear();
        InspectionRecord { body: Some(body) }
            .encode(&mut scratch)
            .expect("a Vec grows as needed");
        deliver(&scratch);
    };
    let mut last_ms = scenario.start_ms;
    for item in traffic {
        last_ms = last_ms.max(item.at_ms);
        while let Some(event) = links.next_if(|e| e.at_ms <= item.at_ms) {
            down.insert(event.checkpoint_id.clone(), !event.up);
            if event.up {
                // The journal drains in the order it was written.
                for backlog in held.remove(&event.checkpoint_id).unwrap_or_default() {
                    emit(backlog, &mut deliver);
                }
            }
        }
        if let (Some(tag), Emission::Event(event)) = (item.truth, &item.emission) {
            truth.record(tag, &event.event_id);
        }
        let checkpoint = match &item.emission {
            Emission::Event(e) => &e.checkpoint_id,
            Emission::Heartbeat(h) => &h.checkpoint_id,
        };
        if down.get(checkpoint).copied().unwrap_or(false) {
            // A cut booth journals events; its heartbeats do not leave.
            if matches!(item.emission, Emission::Event(_)) {
                held.entry(checkpoint.clone()).or_default().push(item);
            }
            continue;
        }
        emit(item, &mut deliver);
    }
    for backlog in held.into_values().flatten() {
        emit(backlog, &mut deliver);
    }
    Played { truth, last_ms }
}

/// Plays `scenario` once into memory.
pub fn record(scenario: &Scenario) -> Result<(World, Recording)> {
    let (world, plan) = prepare(scenario)?;
    let mut records = Records::new();
    let played = play(scenario, plan, &world, |payload| {
        records.push_encoded(payload)
    });
    Ok((world, Recording { records, played }))
}

/// The scorecard of `anomalies` raised on `scenario` as `played`, by a
/// deployment detecting every `detection_period`.
pub fn scorecard(
    scenario: &Scenario,
    played: &Played,
    detection_period: std::time::Duration,
    anomalies: &[Anomaly],
) -> Scorecard {
    let options = ExerciseOptions {
        detection_period,
        ..ExerciseOptions::default()
    };
    let scope = scope(scenario, &options, played.last_ms);
    score(&scope, &played.truth, anomalies)
}

#[cfg(test)]
mod tests {
    use borderflow_simulator::scenario::builtin;

    use super::*;

    fn flow_surge() -> Scenario {
        Scenario::from_toml(builtin::scenario("flow-surge").unwrap(), "flow-surge").unwrap()
    }

    #[test]
    fn a_day_limit_shortens_the_scenario_and_drops_later_incidents() {
        let mut s = flow_surge();
        let start = s.start_ms;
        limit_days(&mut s, 1.25).unwrap();
        assert_eq!(s.end_ms, start + MS_PER_DAY + MS_PER_DAY / 4);
        // The surge starts at +1d 10h.
        assert!(s.incidents.is_empty());
        let mut s = flow_surge();
        limit_days(&mut s, 30.0).unwrap();
        assert_eq!(s.end_ms, start + 2 * MS_PER_DAY);
        assert_eq!(s.incidents.len(), 1);
        let err = limit_days(&mut flow_surge(), 0.5).unwrap_err().to_string();
        assert!(err.contains("before its baseline of 1 days"), "{err}");
        assert!(limit_days(&mut flow_surge(), -1.0).is_err());
    }
}
