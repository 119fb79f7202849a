//! Every kind as data: read, written back, validated, planted. Errors are
//! in `errors.rs`.

mod errors;

use super::*;
use crate::scenario::{Scenario, builtin};

/// One incident of every kind, every parameter given, as a scenario file
/// writes it.
const EVERY_KIND: &[&str] = &[
    r#"kind = "flow_surge"
crossing = "KZ-NQZ"
factor = 4.0"#,
    r#"kind = "flow_drop"
crossing = "KZ-KORDAY"
factor = 0.1"#,
    r#"kind = "forged_documents"
crossing = "KG-AKZHOL"
count = 12"#,
    r#"kind = "stolen_documents"
crossing = "UZ-GISHTKUPRIK"
count = 6"#,
    r#"kind = "watchlisted_person"
crossings = ["KG-FRU", "KG-AKZHOL", "KZ-KORDAY", "KZ-ALA"]"#,
    r#"kind = "impossible_travel"
crossings = ["KG-DOSTUK", "KG-AKZHOL"]
gap = "50m"
count = 4"#,
    r#"kind = "overstay"
crossing = "KZ-ZHIBEKZHOLY"
count = 5
exits = 2
nationality = "UZB""#,
    r#"kind = "double_entry"
crossings = ["KZ-KORDAY", "KZ-ALA"]
count = 5"#,
    r#"kind = "double_entry"
crossing = "KZ-KORDAY""#,
    r#"kind = "repeated_refusals"
crossing = "UZ-GISHTKUPRIK"
count = 4
attempts = 3"#,
    r#"kind = "officer_override"
crossing = "KG-AKZHOL"
officer = 25
count = 8"#,
    r#"kind = "slow_inspections"
crossing = "KZ-ZHIBEKZHOLY"
factor = 3.0
lanes = [1, 2]"#,
    r#"kind = "nationality_shift"
crossing = "KZ-NQZ"
nationality = "RUS"
factor = 2.0
direction = "exit""#,
    r#"kind = "trafficking"
crossing = "KZ-KORDAY"
count = 4
unaccompanied = 1"#,
    r#"kind = "link_outage"
crossing = "UZ-SHAVAT"
lane = 2"#,
    r#"kind = "lane_closure"
crossing = "KZ-KORDAY"
open_lanes = 2"#,
    r#"kind = "refusal_campaign"
crossing = "KZ-ZHIBEKZHOLY"
nationalities = ["TJK", "AFG"]
share = 0.3
reasons = ["C", "E"]"#,
    r#"kind = "mass_influx"
crossing = "TJ-PANJIPOYON"
factor = 3.0
nationality = "AFG"
undocumented = 0.4
protection = 0.7
unaccompanied = 12"#,
    r#"kind = "trafficking_ring"
crossings = ["KZ-KORDAY"]
trips = 3
minors = 2
consent_letters = true
young_adults = 4"#,
    r#"kind = "vanished_travellers"
crossing = "KZ-KORDAY"
parties = 20"#,
    r#"kind = "twin_closure"
crossing = "KG-DOSTUK""#,
    r#"kind = "zone_slowdown"
crossing = "KZ-KORDAY"
factor = 3.0"#,
    r#"kind = "unreported_booths"
crossing = "KG-AKZHOL"
booths = 2"#,
];

fn table(params: &str) -> String {
    format!("name = \"n\"\nstart = \"+1d 2h\"\nduration = \"16h\"\n{params}\n")
}

/// Which kind `params` is: a new kind does not compile here until it has
/// a place, and then fails the test until [`EVERY_KIND`] has one.
fn position(params: &IncidentParams) -> usize {
    match params {
        IncidentParams::FlowSurge(_) => 0,
        IncidentParams::FlowDrop(_) => 1,
        IncidentParams::ForgedDocuments(_) => 2,
        IncidentParams::StolenDocuments(_) => 3,
        IncidentParams::WatchlistedPerson(_) => 4,
        IncidentParams::ImpossibleTravel(_) => 5,
        IncidentParams::Overstay(_) => 6,
        IncidentParams::DoubleEntry(_) => 7,
        IncidentParams::RepeatedRefusals(_) => 8,
        IncidentParams::OfficerOverride(_) => 9,
        IncidentParams::SlowInspections(_) => 10,
        IncidentParams::NationalityShift(_) => 11,
        IncidentParams::Trafficking(_) => 12,
        IncidentParams::LinkOutage(_) => 13,
        IncidentParams::LaneClosure(_) => 14,
        IncidentParams::RefusalCampaign(_) => 15,
        IncidentParams::MassInflux(_) => 16,
        IncidentParams::TraffickingRing(_) => 17,
        IncidentParams::VanishedTravellers(_) => 18,
        IncidentParams::TwinClosure(_) => 19,
        IncidentParams::ZoneSlowdown(_) => 20,
        IncidentParams::UnreportedBooths(_) => 21,
    }
}

#[test]
fn every_kind_round_trips_through_toml() {
    let mut seen = [false; 22];
    for params in EVERY_KIND {
        let text = table(params);
        let spec: IncidentSpec = toml::from_str(&text).unwrap_or_else(|e| panic!("{params}: {e}"));
        seen[position(&spec.params)] = true;
        let written = toml::to_string(&spec).unwrap();
        let again: IncidentSpec =
            toml::from_str(&written).unwrap_or_else(|e| panic!("{written}: {e}"));
        assert_eq!(again, spec, "{written}");
        // The tag written is the kind's name, which truth and scorecard use.
        let tag: toml::Table = toml::from_str(&written).unwrap();
        assert_eq!(tag["kind"].as_str(), Some(spec.params.name()));
        assert!(text.contains(&format!("kind = {:?}", spec.params.name())));
    }
    assert!(
        seen.iter().all(|s| *s),
        "a kind without an example: {seen:?}"
    );
}

#[test]
fn optional_parameters_may_be_left_out() {
    let spec: IncidentSpec = toml::from_str(&table(
        "kind = \"nationality_shift\"\ncrossing = \"KZ-NQZ\"\nnationality = \"RUS\"\nfactor = 2.0",
    ))
    .unwrap();
    let IncidentParams::NationalityShift(shift) = &spec.params else {
        panic!("{spec:?}");
    };
    assert_eq!(shift.direction, None);
    let spec: IncidentSpec =
        toml::from_str("start = \"+1d\"\nduration = \"1h\"\nkind = \"overstay\"\ncrossing = \"X\"")
            .unwrap();
    assert_eq!(spec.common.name, None);
    assert!(matches!(
        spec.params,
        IncidentParams::Overstay(Overstay {
            count: None,
            exits: None,
            nationality: None,
            ..
        })
    ));
}

/// Every example validates and plants at least one occurrence, under the
/// kind's name.
#[test]
fn every_kind_validates_and_plants() {
    let mut text = String::from(
        "name = \"t\"\nnetwork = \"central-asia\"\nstart = \"2026-05-04T00:00:00Z\"\n\
         duration = \"2d\"\nseed = 1\nbaseline = \"1d\"\ncouple_twins = true\n",
    );
    for params in EVERY_KIND {
        text.push_str(&format!("\n[[incident]]\n{}", table(params)));
    }
    let scenario = Scenario::from_toml(&text, "t.toml").unwrap_or_else(|e| panic!("{e}"));
    let plan =
        crate::plant::plan(&scenario).unwrap_or_else(|e| panic!("{}: {}", e.field, e.reason));
    for (incident, params) in scenario.incidents.iter().zip(EVERY_KIND) {
        assert!(params.contains(&format!("kind = {:?}", incident.kind.name())));
        let planted: Vec<_> = plan
            .truth
            .planted()
            .filter(|o| o.incident == Some(incident.index))
            .collect();
        assert!(!planted.is_empty(), "{params}");
        assert!(planted.iter().all(|o| o.kind == incident.kind.name()));
    }
}

/// A validated incident's kind has the name its spec was written with.
#[test]
fn resolved_kinds_keep_their_names() {
    for name in builtin::names() {
        let text = builtin::scenario(name).unwrap();
        let spec: crate::scenario::ScenarioSpec = toml::from_str(text).unwrap();
        let scenario = Scenario::from_toml(text, name).unwrap();
        for (written, resolved) in spec.incidents.iter().zip(&scenario.incidents) {
            assert_eq!(written.params.name(), resolved.kind.name(), "{name}");
        }
    }
}
