//! Every shipped scenario plans exactly what it planned before: the same
//! injections, link events, reference entries and ground truth for the
//! same seed. The digests below are of each plan's debug form; a change to
//! how incidents are parsed, validated or planted that moves one of them
//! changes what trainers are scored against, so it must be deliberate.
//! When it is, run this test and copy the digests it prints.

use borderflow_simulator::plant::plan;
use borderflow_simulator::scenario::{Scenario, builtin};
use sha2::{Digest, Sha256};

/// (shipped scenario, SHA-256 of its plan's debug form, first 16 hex digits).
const DIGESTS: &[(&str, &str)] = &[
    ("flow-surge", "bd175aa625e75d47"),
    ("flow-drop", "c05128cb3f1b0024"),
    ("forged-documents", "67b865f1fc47dcfc"),
    ("stolen-documents", "4f58943b91ccada6"),
    ("watchlisted-person", "2474d8b0b3ac9d92"),
    ("impossible-travel", "166ec4d5cc11dea5"),
    ("overstay", "08e6fc9e404eb685"),
    ("double-entry", "a2713f0602a48c25"),
    ("repeated-refusals", "0be7fcaec6dd722d"),
    ("officer-override", "5e8e248d244445e3"),
    ("slow-inspections", "0a073bd737a9e331"),
    ("nationality-shift", "8f0fc8ff9d47093a"),
    ("trafficking", "5be2c035380732c8"),
    ("link-outage", "f99788360f992300"),
    ("central-asia-week", "4ec3b606d76e8380"),
    ("airport-day", "90532db4352abc25"),
];

fn digest(name: &str) -> String {
    let scenario = Scenario::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let plan = plan(&scenario).unwrap_or_else(|e| panic!("{name}: {}: {}", e.field, e.reason));
    let hash = Sha256::digest(format!("{plan:?}").as_bytes());
    hex::encode(hash)[..16].to_owned()
}

#[test]
fn every_shipped_scenario_plans_what_it_planned_before() {
    let actual: Vec<(&str, String)> = builtin::names()
        .into_iter()
        .map(|name| (name, digest(name)))
        .collect();
    let listing: String = actual
        .iter()
        .map(|(name, d)| format!("    ({name:?}, {d:?}),\n"))
        .collect();
    let expected: Vec<(&str, String)> = DIGESTS
        .iter()
        .map(|(name, d)| (*name, (*d).to_owned()))
        .collect();
    assert_eq!(actual, expected, "digests now:\n{listing}");
}
