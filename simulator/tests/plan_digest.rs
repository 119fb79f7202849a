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
    ("flow-surge", "a02e815f05817201"),
    ("flow-drop", "e3708c1798b469c4"),
    ("forged-documents", "8c468b072dd1d7a6"),
    ("stolen-documents", "4e8801900ca82177"),
    ("watchlisted-person", "bcd0ab7da658afdb"),
    ("impossible-travel", "00e4600774659c21"),
    ("overstay", "89516dd4a6b27a51"),
    ("double-entry", "3d7ac367d2a5b6cb"),
    ("repeated-refusals", "0dab8e3fe17c137b"),
    ("officer-override", "d15402d19182ea27"),
    ("slow-inspections", "be3da4d3b4e47f36"),
    ("nationality-shift", "277f6497d852727d"),
    ("trafficking", "35ee7099bd56e635"),
    ("link-outage", "a21d35a317cb5525"),
    ("central-asia-week", "922b700def83659e"),
    ("airport-day", "fe3ec66012e3a901"),
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
