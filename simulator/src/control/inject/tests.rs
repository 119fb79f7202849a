use borderflow_domain::time::{MS_PER_HOUR, MS_PER_MINUTE};

use super::*;
use crate::scenario::IncidentKind;

/// Two days, the first the baseline, an afternoon's forged documents.
fn scenario() -> Scenario {
    Scenario::from_toml(
        r#"
name = "t"
network = "central-asia"
start = "2026-05-04T00:00:00Z"
duration = "2d"
seed = 1
baseline = "1d"

[[incident]]
kind = "forged_documents"
name = "document ring"
crossing = "KG-AKZHOL"
start = "+1d 6h"
duration = "5h"
count = 12
"#,
        "t.toml",
    )
    .unwrap()
}

/// The run at `hours` into the scenario, the model two minutes ahead.
fn at(scenario: &Scenario, hours: i64) -> At {
    let now_ms = scenario.start_ms + hours * MS_PER_HOUR;
    At {
        now_ms,
        frontier_ms: now_ms + 2 * MS_PER_MINUTE,
        index: 1,
        injected: 0,
    }
}

fn toml(text: &str) -> Request {
    Request::Spec {
        text: text.into(),
        format: Format::Toml,
    }
}

#[test]
fn a_catalogue_incident_is_planted_again_from_the_frontier() {
    let scenario = scenario();
    let at = at(&scenario, 28);
    let incident = resolve(&scenario, &Request::Catalogue("document ring".into()), &at).unwrap();
    assert_eq!(incident.index, 1);
    assert_eq!(incident.label, "document ring (injected #1)");
    assert_eq!(incident.start_ms, at.frontier_ms);
    assert_eq!(incident.end_ms, at.frontier_ms + 5 * MS_PER_HOUR);
    assert_eq!(incident.kind, scenario.incidents[0].kind);
    // Late in the scenario it is cut at the end.
    let late = self::at(&scenario, 46);
    let incident = resolve(
        &scenario,
        &Request::Catalogue("document ring".into()),
        &late,
    )
    .unwrap();
    assert_eq!(incident.end_ms, scenario.end_ms);
}

#[test]
fn the_catalogue_names_what_it_has_and_keeps_the_baseline_free() {
    let scenario = scenario();
    let e = resolve(
        &scenario,
        &Request::Catalogue("ring".into()),
        &at(&scenario, 28),
    )
    .unwrap_err();
    assert_eq!(e.field, "catalogue_label");
    assert_eq!(
        e.reason,
        "\"ring\" is not an incident of t: it has \"document ring\""
    );
    let e = resolve(
        &scenario,
        &Request::Catalogue("document ring".into()),
        &at(&scenario, 3),
    )
    .unwrap_err();
    assert_eq!(e.field, "catalogue_label");
    assert!(e.reason.contains("baseline"), "{}", e.reason);
    let e = resolve(
        &scenario,
        &Request::Catalogue("document ring".into()),
        &at(&scenario, 49),
    )
    .unwrap_err();
    assert_eq!(e.reason, "the scenario ended at 2026-05-06T00:00:00.000Z");
}

#[test]
fn a_written_incident_starts_now_unless_it_says_when() {
    let scenario = scenario();
    let at = at(&scenario, 30);
    let surge = "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nduration = \"3h\"\nfactor = 4";
    let incident = resolve(&scenario, &toml(surge), &at).unwrap();
    assert_eq!(incident.label, "flow_surge (injected #1)");
    assert_eq!(incident.start_ms, at.frontier_ms);
    assert_eq!(incident.end_ms, at.frontier_ms + 3 * MS_PER_HOUR);
    let crossing = scenario.network.index_of("KZ-NQZ").unwrap();
    assert_eq!(
        incident.kind,
        IncidentKind::FlowSurge {
            crossing,
            factor: 4.0
        }
    );
    // Later, and named; pasted from a scenario file.
    let later = format!("[[incident]]\n{surge}\nname = \"late surge\"\nstart = \"+1d 9h\"");
    let incident = resolve(&scenario, &toml(&later), &at).unwrap();
    assert_eq!(incident.label, "late surge");
    assert_eq!(incident.start_ms, scenario.start_ms + 33 * MS_PER_HOUR);
    // Or as JSON.
    let json =
        r#"{"kind": "stolen_documents", "crossing": "KG-AKZHOL", "duration": "2h", "count": 3}"#;
    let request = Request::Spec {
        text: json.into(),
        format: Format::Json,
    };
    let incident = resolve(&scenario, &request, &at).unwrap();
    assert_eq!(incident.kind.name(), "stolen_documents");
}

#[test]
fn a_written_incident_is_validated_as_in_a_scenario_file() {
    let scenario = scenario();
    let at = at(&scenario, 30);
    let error = |text: &str| resolve(&scenario, &toml(text), &at).unwrap_err();
    let e = error("kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nduration = \"3h\"\nfactor = 0.5");
    assert_eq!(e.field, "incident.factor (flow_surge)");
    let e = error("kind = \"flow_surge\"\ncrossing = \"XX\"\nduration = \"3h\"\nfactor = 4");
    assert_eq!(e.field, "incident.crossing (flow_surge)");
    assert!(
        e.reason.contains("\"XX\" is not a crossing"),
        "{}",
        e.reason
    );
    let e = error("kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nduration = \"30h\"\nfactor = 4");
    assert_eq!(e.field, "incident.duration (flow_surge)");
    let e = error("kind = \"no_such\"\nduration = \"3h\"");
    assert_eq!(e.field, "spec");
    assert!(e.reason.contains("no_such"), "{}", e.reason);
    let e = error(
        "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nduration = \"3h\"\nfactor = 4\nfactr = 2",
    );
    assert_eq!(e.field, "spec");
    assert!(e.reason.contains("factr"), "{}", e.reason);
    // A start that has passed.
    let e = error(
        "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nstart = \"+1d\"\nduration = \"3h\"\nfactor = 4",
    );
    assert_eq!(e.field, "incident.start");
    // Pair incidents only where twins are coupled.
    let e = error("kind = \"twin_closure\"\ncrossing = \"KZ-NQZ\"\nduration = \"3h\"");
    assert!(e.field.starts_with("incident."), "{}", e.field);
    assert!(e.reason.contains("couple_twins"), "{}", e.reason);
}
