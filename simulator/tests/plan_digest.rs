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
    ("flow-surge", "adf2b3ede8b02dcf"),
    ("flow-drop", "19a444048bc343c1"),
    ("forged-documents", "77a62b6ed628fa65"),
    ("stolen-documents", "be57203787a6c074"),
    ("watchlisted-person", "3f9050e036923974"),
    ("impossible-travel", "ccded00eb01c8e79"),
    ("overstay", "e860681dcaa12edb"),
    ("double-entry", "0eedbadecc2e5146"),
    ("repeated-refusals", "e506ffef76279d38"),
    ("officer-override", "b0b881c7756881c3"),
    ("slow-inspections", "ea37029e8a2acbbd"),
    ("nationality-shift", "c0702801e3cb5c97"),
    ("trafficking", "22584b8a1113fcbc"),
    ("link-outage", "56eea3e0f4b9449d"),
    ("refusal-campaign", "c7bbf7aa2adb6e6c"),
    ("lane-closure", "aa4d3efeafd08d7c"),
    ("central-asia-week", "23a3bb61b933867e"),
    ("airport-day", "0974be34cdb97ba8"),
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
