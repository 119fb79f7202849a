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
    ("flow-surge", "b4bba690d4395859"),
    ("flow-drop", "9ca3e32e41fb0f37"),
    ("forged-documents", "7c008a06cea8b302"),
    ("stolen-documents", "d8ab17c4254f4346"),
    ("watchlisted-person", "9380416c4ad2b8de"),
    ("impossible-travel", "995183b40c4ade92"),
    ("overstay", "ba2a117bc22ad4a0"),
    ("double-entry", "d5c2c9d284fcaf24"),
    ("repeated-refusals", "7631aa800004b049"),
    ("officer-override", "805029423b0a3623"),
    ("slow-inspections", "94f1d8aa59d413ca"),
    ("nationality-shift", "f89ce68cd053140a"),
    ("trafficking", "8146874af784a184"),
    ("link-outage", "9a633bd835109520"),
    ("refusal-campaign", "23682aea12d30dda"),
    ("lane-closure", "eecda14a876c1167"),
    ("mass-influx", "cb001e7edcd49657"),
    ("trafficking-ring", "e4371b14a5774341"),
    ("twin-crossings", "7f99804853aae101"),
    ("central-asia-week", "7c6c84ba73666ba9"),
    ("airport-day", "b2778d93899fe66f"),
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
