//! Scenarios shipped with the simulator, as TOML files in `scenarios/`:
//! one per incident kind, and combined exercises.

/// (name, TOML) of every shipped scenario.
const SCENARIOS: &[(&str, &str)] = &[
    (
        "flow-surge",
        include_str!("../../scenarios/flow-surge.toml"),
    ),
    ("flow-drop", include_str!("../../scenarios/flow-drop.toml")),
    (
        "forged-documents",
        include_str!("../../scenarios/forged-documents.toml"),
    ),
    (
        "stolen-documents",
        include_str!("../../scenarios/stolen-documents.toml"),
    ),
    (
        "watchlisted-person",
        include_str!("../../scenarios/watchlisted-person.toml"),
    ),
    (
        "impossible-travel",
        include_str!("../../scenarios/impossible-travel.toml"),
    ),
    ("overstay", include_str!("../../scenarios/overstay.toml")),
    (
        "double-entry",
        include_str!("../../scenarios/double-entry.toml"),
    ),
    (
        "repeated-refusals",
        include_str!("../../scenarios/repeated-refusals.toml"),
    ),
    (
        "officer-override",
        include_str!("../../scenarios/officer-override.toml"),
    ),
    (
        "slow-inspections",
        include_str!("../../scenarios/slow-inspections.toml"),
    ),
    (
        "nationality-shift",
        include_str!("../../scenarios/nationality-shift.toml"),
    ),
    (
        "trafficking",
        include_str!("../../scenarios/trafficking.toml"),
    ),
    (
        "link-outage",
        include_str!("../../scenarios/link-outage.toml"),
    ),
    (
        "refusal-campaign",
        include_str!("../../scenarios/refusal-campaign.toml"),
    ),
    (
        "lane-closure",
        include_str!("../../scenarios/lane-closure.toml"),
    ),
    (
        "mass-influx",
        include_str!("../../scenarios/mass-influx.toml"),
    ),
    (
        "trafficking-ring",
        include_str!("../../scenarios/trafficking-ring.toml"),
    ),
    (
        "twin-crossings",
        include_str!("../../scenarios/twin-crossings.toml"),
    ),
    (
        "central-asia-week",
        include_str!("../../scenarios/central-asia-week.toml"),
    ),
    (
        "airport-day",
        include_str!("../../scenarios/airport-day.toml"),
    ),
];

/// The shipped scenario called `name`.
pub fn scenario(name: &str) -> Option<&'static str> {
    SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Names of the shipped scenarios.
pub fn names() -> Vec<&'static str> {
    SCENARIOS.iter().map(|(n, _)| *n).collect()
}
