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
    ("flow-surge", "ac7da88514e15745"),
    ("flow-drop", "6178311d32004309"),
    ("forged-documents", "5cab1157b0c6000a"),
    ("stolen-documents", "ce6ba298349df36e"),
    ("watchlisted-person", "c5802f003bc6641b"),
    ("impossible-travel", "cb25a18576ad87d3"),
    ("overstay", "be0ed9940170ceaa"),
    ("double-entry", "6dc3efbbb5f5e698"),
    ("repeated-refusals", "af26736714214824"),
    ("officer-override", "ad030ff35af8dfdd"),
    ("slow-inspections", "1b0014a1703cc284"),
    ("nationality-shift", "d96aaeb2efa86f76"),
    ("trafficking", "ac8c3a64410325c7"),
    ("link-outage", "87fa2ccaa5f4c083"),
    ("refusal-campaign", "f7c6e3d181275040"),
    ("lane-closure", "1416685e6eb92a71"),
    ("central-asia-week", "9a454b23b4e47082"),
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
