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
    ("flow-surge", "e1217d8114ca8200"),
    ("flow-drop", "242831634552e2d4"),
    ("forged-documents", "39fea93cf696e01a"),
    ("stolen-documents", "bdf348526993d361"),
    ("watchlisted-person", "4cdeee4115963bd2"),
    ("impossible-travel", "7d9c9f6993f34026"),
    ("overstay", "adaa4d8e3b1528a8"),
    ("double-entry", "effec4e146ddeaa3"),
    ("repeated-refusals", "5fe63b1209b390a9"),
    ("officer-override", "373cafa33800e444"),
    ("slow-inspections", "75b8b2e616888b8f"),
    ("nationality-shift", "a754efcd269e2ea7"),
    ("trafficking", "78899676118d01bf"),
    ("link-outage", "3e7e4638c65c36c5"),
    ("refusal-campaign", "4ebf768c6fab0e7b"),
    ("lane-closure", "ac64903058d3c331"),
    ("mass-influx", "244c85451c911768"),
    ("trafficking-ring", "8ddb8440eff0e2f4"),
    ("twin-crossings", "7bce0337e273197f"),
    ("central-asia-week", "5b909a7f7d8c156e"),
    ("airport-day", "9cea21ba5e7099d6"),
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
