//! Shared helpers of the simulator's integration tests.

#![allow(dead_code, unreachable_pub)]

use borderflow_proto::inspection::v1::InspectionEvent;
use borderflow_simulator::exercise::traffic_config;
use borderflow_simulator::model::traffic::{Emission, Traffic};
use borderflow_simulator::plant::{Plan, plan};
use borderflow_simulator::scenario::{Scenario, builtin};

/// A shipped scenario with its traffic scaled down, so debug-built tests
/// stay quick; incidents are planted at full strength.
pub fn scenario(name: &str, scale: f64) -> Scenario {
    let text = builtin::scenario(name).expect("a shipped scenario");
    let text = text.replacen("\nseed = ", &format!("\nscale = {scale}\nseed = "), 1);
    Scenario::from_toml(&text, name).expect("valid")
}

/// The scenario's plan and every event it streams, with the truth tags.
pub fn play(scenario: &Scenario) -> (Plan, Vec<(Option<u32>, InspectionEvent)>) {
    let plan = plan(scenario).expect("plans");
    let traffic = Traffic::with_injections(
        &scenario.network,
        &traffic_config(scenario),
        plan.injections.clone(),
    );
    let events = traffic
        .filter_map(|item| match item.emission {
            Emission::Event(e) => Some((item.truth, *e)),
            Emission::Heartbeat(_) => None,
        })
        .collect();
    (plan, events)
}
