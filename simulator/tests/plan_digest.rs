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
    ("flow-surge", "eea0a529393c8aac"),
    ("flow-drop", "d9beb61ed2179a5e"),
    ("forged-documents", "30779d606493bbeb"),
    ("stolen-documents", "7e4b26522594c041"),
    ("watchlisted-person", "ef65c75dc86fa6ab"),
    ("impossible-travel", "1f309c07989b04c2"),
    ("overstay", "8a1cb5ab08348377"),
    ("double-entry", "83117b86e75057ff"),
    ("repeated-refusals", "99192a8b915369be"),
    ("officer-override", "c46f5499a2b00a56"),
    ("slow-inspections", "41e72a5da5b532e0"),
    ("nationality-shift", "55feee16e4495b73"),
    ("trafficking", "87416c4ab24f5169"),
    ("link-outage", "e7c5fd998c0b0e21"),
    ("central-asia-week", "eb49d2a3d0567e68"),
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
