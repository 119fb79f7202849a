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
    ("flow-surge", "e193e8bb7b70d1a1"),
    ("flow-drop", "c3701c0c1dc3bc1d"),
    ("forged-documents", "9251981f5b0cbd31"),
    ("stolen-documents", "96a8cec6a13f0689"),
    ("watchlisted-person", "9737a4dd3d77afa5"),
    ("impossible-travel", "502c40cd1bb6a1ad"),
    ("overstay", "19a37df55fd58dd6"),
    ("double-entry", "00b2cb3e7f85ab5f"),
    ("repeated-refusals", "9e7a068661072d03"),
    ("officer-override", "dfd30d72c38577fd"),
    ("slow-inspections", "9af4a7757bb520d6"),
    ("nationality-shift", "81c90bb5bc38bc2f"),
    ("trafficking", "3d397078be8db0c4"),
    ("link-outage", "0a811baf61735502"),
    ("refusal-campaign", "4d6a18ac46fda0db"),
    ("lane-closure", "b6eba52bc4e42c64"),
    ("mass-influx", "e682c46d4af30250"),
    ("trafficking-ring", "32eb1b9369ca70dd"),
    ("central-asia-week", "073d2b0f6ded795e"),
    ("airport-day", "c177d3b11f6d105d"),
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
