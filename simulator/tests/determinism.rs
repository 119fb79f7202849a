//! The same seed and scenario give byte-identical event streams.

mod common;

use borderflow_proto::Message;
use borderflow_simulator::exercise::traffic_config;
use borderflow_simulator::model::traffic::{Emission, Traffic};
use borderflow_simulator::plant::plan;
use borderflow_simulator::scenario::Scenario;

fn bytes(scenario: &Scenario) -> Vec<u8> {
    let plan = plan(scenario).unwrap();
    let mut out = Vec::new();
    for item in Traffic::with_injections(
        &scenario.network,
        &traffic_config(scenario),
        plan.injections,
    ) {
        out.extend(item.at_ms.to_le_bytes());
        out.extend(item.truth.unwrap_or(u32::MAX).to_le_bytes());
        match item.emission {
            Emission::Event(e) => out.extend(e.encode_to_vec()),
            Emission::Heartbeat(h) => out.extend(h.encode_to_vec()),
        }
    }
    out
}

#[test]
fn the_same_seed_and_scenario_give_the_same_bytes() {
    let a = common::scenario("trafficking", 0.05);
    let first = bytes(&a);
    assert!(first.len() > 100_000);
    assert_eq!(first, bytes(&common::scenario("trafficking", 0.05)));
    let other_seed = Scenario::from_toml(
        &borderflow_simulator::scenario::builtin::scenario("trafficking")
            .unwrap()
            .replacen("seed = 23", "seed = 24\nscale = 0.05", 1),
        "t",
    )
    .unwrap();
    assert_ne!(first, bytes(&other_seed));
}
