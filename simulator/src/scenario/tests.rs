use super::*;

fn text(incident: &str) -> String {
    format!(
        r#"
name = "t"
network = "central-asia"
start = "2026-05-04T00:00:00Z"
duration = "2d"
seed = 1
baseline = "1d"

[[incident]]
{incident}
"#
    )
}

/// A valid incident, for tests of the rest of the file.
const VALID: &str = "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nstart = \"+1d 10h\"\nduration = \"3h\"\nfactor = 4";

fn error(incident: &str) -> String {
    Scenario::from_toml(&text(incident), "t.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn every_shipped_scenario_validates_and_plans() {
    for name in builtin::names() {
        let scenario = Scenario::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!scenario.incidents.is_empty(), "{name}");
        let plan = crate::plant::plan(&scenario)
            .unwrap_or_else(|e| panic!("{name}: {}: {}", e.field, e.reason));
        assert!(plan.truth.planted().count() > 0, "{name}");
    }
}

#[test]
fn a_valid_incident_resolves() {
    let scenario = Scenario::from_toml(
        &text(
            r#"kind = "flow_surge"
crossing = "KZ-NQZ"
start = "+1d 10h"
duration = "3h"
factor = 4"#,
        ),
        "t.toml",
    )
    .unwrap();
    let incident = &scenario.incidents[0];
    assert_eq!(incident.end_ms - incident.start_ms, 3 * MS_PER_HOUR);
    assert!(matches!(incident.kind, IncidentKind::FlowSurge { factor, .. } if factor == 4.0));
    assert_eq!(scenario.speed, Some(720.0));
}

#[test]
fn errors_name_the_field() {
    let cases = [
        (
            "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nstart = \"+1d\"\nduration = \"1h\"\nfactor = 0.5",
            "incident[0].factor",
        ),
        (
            "kind = \"flow_surge\"\ncrossing = \"NOWHERE\"\nstart = \"+1d\"\nduration = \"1h\"\nfactor = 3",
            "incident[0].crossing",
        ),
        (
            "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nstart = \"+2h\"\nduration = \"1h\"\nfactor = 3",
            "incident[0].start",
        ),
        (
            "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nstart = \"+1d\"\nduration = \"3d\"\nfactor = 3",
            "incident[0].duration",
        ),
        (
            "kind = \"flow_drop\"\ncrossing = \"KZ-NQZ\"\nstart = \"+1d\"\nduration = \"1h\"\nfactor = 0.1\ncount = 3",
            "unknown field `count`",
        ),
        (
            "kind = \"link_outage\"\ncrossing = \"KZ-NQZ\"\nstart = \"+1d\"\nduration = \"1h\"",
            "missing field `lane`",
        ),
        (
            "kind = \"impossible_travel\"\ncrossings = [\"KZ-KORDAY\", \"KG-AKZHOL\"]\nstart = \"+1d\"\nduration = \"5h\"\ngap = \"1h\"",
            "incident[0].gap",
        ),
        (
            "kind = \"officer_override\"\ncrossing = \"KG-AKZHOL\"\nofficer = 99\nstart = \"+1d\"\nduration = \"5h\"",
            "incident[0].officer",
        ),
        (
            "kind = \"link_outage\"\ncrossing = \"KG-TORUGART\"\nlane = 1\nstart = \"+1d 20h\"\nduration = \"1h\"",
            "incident[0].crossing",
        ),
    ];
    for (incident, field) in cases {
        let message = error(incident);
        assert!(message.contains(field), "{field} not in {message:?}");
    }
}

#[test]
fn unknown_fields_and_bad_values_are_refused() {
    let message = error(&format!("{VALID}\ncrosing = \"KZ-NQZ\""));
    assert!(message.contains("crosing"), "{message}");
    let message = error("kind = \"flood\"\nstart = \"+1d\"\nduration = \"1h\"");
    assert!(message.contains("flood"), "{message}");
    let bad_speed = text(VALID).replace("seed = 1", "seed = 1\nspeed = \"fast\"");
    let message = Scenario::from_toml(&bad_speed, "t.toml")
        .unwrap_err()
        .to_string();
    assert!(message.contains("speed"), "{message}");
    let bad_baseline = text(VALID).replace("baseline = \"1d\"", "baseline = \"3d\"");
    let message = Scenario::from_toml(&bad_baseline, "t.toml")
        .unwrap_err()
        .to_string();
    assert!(message.contains("baseline"), "{message}");
}
