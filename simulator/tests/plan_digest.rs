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
    ("flow-surge", "648a0b34528bb8a2"),
    ("flow-drop", "17879722989cad84"),
    ("forged-documents", "ab24066bf922b118"),
    ("stolen-documents", "453ebea0d8022e4d"),
    ("watchlisted-person", "976b87271c7ed001"),
    ("impossible-travel", "3dcfaf1bc2a6c1f2"),
    ("overstay", "cf9206e09bf90970"),
    ("double-entry", "24437bafe0442189"),
    ("repeated-refusals", "f63ea6c069a1eb1d"),
    ("officer-override", "6ce7d3497ba7d21c"),
    ("slow-inspections", "f3fa5bf7dd42a19d"),
    ("nationality-shift", "2eac3cb69344a02b"),
    ("trafficking", "44775710e5bec498"),
    ("link-outage", "64403e3a69382944"),
    ("refusal-campaign", "98099ab9edcafbc4"),
    ("lane-closure", "5e3817c5a6cb298e"),
    ("central-asia-week", "89a6d29895047c1e"),
    ("airport-day", "737474125d06c775"),
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
