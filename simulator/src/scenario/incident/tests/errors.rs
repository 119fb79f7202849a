//! Errors in incidents name the incident, its kind and the field, and
//! never panic.

use crate::scenario::Scenario;

/// The error for a scenario whose incidents are `incidents`, each a table
/// body; the first is valid.
fn error(incidents: &[&str]) -> String {
    let mut text = String::from(
        "name = \"t\"\nnetwork = \"central-asia\"\nstart = \"2026-05-04T00:00:00Z\"\n\
         duration = \"2d\"\nseed = 1\nbaseline = \"1d\"\n",
    );
    for body in incidents {
        text.push_str("\n[[incident]]\n");
        text.push_str(body);
        text.push('\n');
    }
    match Scenario::from_toml(&text, "t.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

const VALID: &str = "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nstart = \"+1d 10h\"\nduration = \"3h\"\nfactor = 4";

fn assert_names(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
}

#[test]
fn an_unknown_kind_is_named() {
    let message = error(&[
        VALID,
        "kind = \"flood\"\nstart = \"+1d\"\nduration = \"1h\"",
    ]);
    assert_names(
        &message,
        &[
            "incident[1] (flood)",
            "unknown variant `flood`",
            "flow_surge",
        ],
    );
    let message = error(&["start = \"+1d\"\nduration = \"1h\"\ncrossing = \"KZ-NQZ\""]);
    assert_names(&message, &["incident[0]", "missing field `kind`"]);
}

#[test]
fn a_parameter_the_kind_does_not_take_is_named() {
    for (body, field) in [
        (
            "kind = \"flow_drop\"\ncrossing = \"KZ-NQZ\"\nfactor = 0.1\ncount = 3",
            "count",
        ),
        (
            "kind = \"flow_drop\"\ncrossing = \"KZ-NQZ\"\nfactor = 0.1\ncrosing = \"x\"",
            "crosing",
        ),
        (
            "kind = \"flow_drop\"\ncrossing = \"KZ-NQZ\"\nfactor = 0.1\nlanes = [1]",
            "lanes",
        ),
        (
            "kind = \"flow_drop\"\ncrossing = \"KZ-NQZ\"\nfactor = 0.1\nnmae = \"x\"",
            "nmae",
        ),
    ] {
        let body = format!("{body}\nstart = \"+1d\"\nduration = \"1h\"");
        let message = error(&[VALID, &body]);
        assert_names(
            &message,
            &[
                "incident[1] (flow_drop)",
                &format!("unknown field `{field}`"),
            ],
        );
    }
}

#[test]
fn a_missing_parameter_is_named() {
    for (body, field) in [
        (
            "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nstart = \"+1d\"\nduration = \"1h\"",
            "factor",
        ),
        (
            "kind = \"link_outage\"\ncrossing = \"KZ-NQZ\"\nstart = \"+1d\"\nduration = \"1h\"",
            "lane",
        ),
        (
            "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nfactor = 3\nduration = \"1h\"",
            "start",
        ),
        (
            "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nfactor = 3\nstart = \"+1d\"",
            "duration",
        ),
    ] {
        let message = error(&[body]);
        assert_names(
            &message,
            &["incident[0] (", &format!("missing field `{field}`")],
        );
    }
}

#[test]
fn a_value_of_the_wrong_shape_is_refused() {
    let message = error(&[
        "kind = \"nationality_shift\"\ncrossing = \"KZ-NQZ\"\nnationality = \"RUS\"\nfactor = 2\ndirection = \"sideways\"\nstart = \"+1d\"\nduration = \"1h\"",
    ]);
    assert_names(
        &message,
        &["incident[0] (nationality_shift)", "`sideways`", "`exit`"],
    );
    let message = error(&[
        "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nfactor = \"high\"\nstart = \"+1d\"\nduration = \"1h\"",
    ]);
    assert_names(&message, &["incident[0] (flow_surge)", "\"high\""]);
    let message = error(&[
        "kind = \"forged_documents\"\ncrossing = \"KZ-NQZ\"\ncount = -3\nstart = \"+1d\"\nduration = \"1h\"",
    ]);
    assert_names(&message, &["incident[0] (forged_documents)", "-3"]);
}

#[test]
fn validation_names_the_incident_its_kind_and_the_field() {
    let message = error(&[
        VALID,
        "kind = \"flow_surge\"\ncrossing = \"KZ-NQZ\"\nstart = \"+1d\"\nduration = \"1h\"\nfactor = 0.5",
    ]);
    assert_names(
        &message,
        &["incident[1].factor (flow_surge): must be between 1.5 and 100"],
    );
}

/// Spans too short to share out between passages or attempts are refused
/// when validating, rather than failing (or panicking) when planting.
#[test]
fn spans_too_short_to_share_out_are_refused() {
    for body in [
        "kind = \"watchlisted_person\"\ncrossings = [\"KZ-KORDAY\", \"KZ-KORDAY\"]\nduration = \"1m\"",
        "kind = \"watchlisted_person\"\ncrossings = [\"KZ-KORDAY\"]\nduration = \"1ms\"",
        "kind = \"repeated_refusals\"\ncrossing = \"KZ-KORDAY\"\nattempts = 20\nduration = \"10m\"",
        "kind = \"double_entry\"\ncrossing = \"KZ-KORDAY\"\nduration = \"1m\"",
    ] {
        let message = error(&[&format!("{body}\nstart = \"+1d 6h\"")]);
        assert_names(&message, &["incident[0].duration ("]);
    }
}

#[test]
fn closures_and_campaigns_name_the_field_at_fault() {
    let at = "start = \"+1d 6h\"\nduration = \"3h\"";
    for (body, expected) in [
        (
            "kind = \"lane_closure\"\ncrossing = \"KZ-KORDAY\"\nopen_lanes = 20",
            "incident[1].open_lanes (lane_closure): must be between 1 and 19",
        ),
        (
            "kind = \"lane_closure\"\ncrossing = \"KZ-KORDAY\"\nopen_lanes = 0",
            "incident[1].open_lanes (lane_closure): must be between 1 and 19",
        ),
        (
            "kind = \"refusal_campaign\"\ncrossing = \"KZ-KORDAY\"\nnationalities = []\nshare = 0.5",
            "incident[1].nationalities (refusal_campaign): needs at least one nationality",
        ),
        (
            "kind = \"refusal_campaign\"\ncrossing = \"KZ-KORDAY\"\nnationalities = [\"AFG\"]\nshare = 0.5",
            "incident[1].nationalities (refusal_campaign): no AFG travellers cross at KZ-KORDAY",
        ),
        (
            "kind = \"refusal_campaign\"\ncrossing = \"KZ-KORDAY\"\nnationalities = [\"XQ\"]\nshare = 0.5",
            "incident[1].nationalities (refusal_campaign): \"XQ\"",
        ),
        (
            "kind = \"refusal_campaign\"\ncrossing = \"KZ-KORDAY\"\nnationalities = [\"KGZ\"]\nshare = 1.5",
            "incident[1].share (refusal_campaign): must be above 0 and at most 1",
        ),
        (
            "kind = \"refusal_campaign\"\ncrossing = \"KZ-KORDAY\"\nnationalities = [\"KGZ\"]\nshare = 0.5\nreasons = [\"C\", \"Z\"]",
            "incident[1].reasons (refusal_campaign): \"Z\" is not a letter from A to I",
        ),
    ] {
        let message = error(&[VALID, &format!("{body}\n{at}")]);
        assert_names(&message, &[expected]);
    }
}

#[test]
fn an_influx_names_the_field_at_fault() {
    let at = "start = \"+1d 6h\"\nduration = \"3h\"";
    for (body, expected) in [
        (
            "kind = \"mass_influx\"\ncrossing = \"TJ-PANJIPOYON\"\nfactor = 0.5",
            "incident[1].factor (mass_influx): must be between 1 and 50",
        ),
        (
            "kind = \"mass_influx\"\ncrossing = \"TJ-PANJIPOYON\"\nfactor = 3\nundocumented = 1.5",
            "incident[1].undocumented (mass_influx): must be between 0 and 1",
        ),
        (
            "kind = \"mass_influx\"\ncrossing = \"TJ-PANJIPOYON\"\nfactor = 3\nprotection = -0.1",
            "incident[1].protection (mass_influx): must be between 0 and 1",
        ),
        (
            "kind = \"mass_influx\"\ncrossing = \"TJ-PANJIPOYON\"\nfactor = 3\nnationality = \"XQ\"",
            "incident[1].nationality (mass_influx)",
        ),
        (
            "kind = \"mass_influx\"\ncrossing = \"KG-FRU\"\nfactor = 3",
            "incident[1].nationality (mass_influx): is required at a crossing with no country across the border",
        ),
        (
            "kind = \"trafficking_ring\"\ncrossings = [\"KZ-KORDAY\"]\ntrips = 1",
            "incident[1].trips (trafficking_ring): must be between 2 and 12",
        ),
        (
            "kind = \"trafficking_ring\"\ncrossings = [\"KZ-KORDAY\"]\nminors = 0",
            "incident[1].minors (trafficking_ring): must be between 1 and 6",
        ),
        (
            "kind = \"trafficking_ring\"\ncrossings = []",
            "incident[1].crossings (trafficking_ring): needs at least 1 crossings",
        ),
        (
            "kind = \"trafficking_ring\"\ncrossings = [\"KZ-KORDAY\"]\ntrips = 12\nminors = 6",
            "incident[1].duration (trafficking_ring): leaves less than two hours for each trip",
        ),
    ] {
        let message = error(&[VALID, &format!("{body}\n{at}")]);
        assert_names(&message, &[expected]);
    }
}

#[test]
fn pair_incidents_name_their_field() {
    let coupled = |body: &str| {
        let text = format!(
            "name = \"t\"\nnetwork = \"central-asia\"\nstart = \"2026-05-04T00:00:00Z\"\n\
             duration = \"2d\"\nseed = 1\nbaseline = \"1d\"\ncouple_twins = true\n\
             \n[[incident]]\nstart = \"+1d\"\nduration = \"2h\"\n{body}\n"
        );
        match Scenario::from_toml(&text, "t.toml") {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => e.to_string(),
        }
    };
    for (body, expected) in [
        (
            "kind = \"zone_slowdown\"\ncrossing = \"KG-AKZHOL\"",
            "incident[0].crossing (zone_slowdown): \"KG-AKZHOL\" is not the first post",
        ),
        (
            "kind = \"zone_slowdown\"\ncrossing = \"KZ-KORDAY\"\nfactor = 1.2",
            "incident[0].factor (zone_slowdown): must be between 1.5 and 20",
        ),
        (
            "kind = \"unreported_booths\"\ncrossing = \"KZ-NQZ\"",
            "incident[0].crossing (unreported_booths): \"KZ-NQZ\" is not a post of a declared twin pair",
        ),
        (
            "kind = \"unreported_booths\"\ncrossing = \"KG-AKZHOL\"\nbooths = 0",
            "incident[0].booths (unreported_booths): must be between 1 and the post's",
        ),
    ] {
        assert_names(&coupled(body), &[expected]);
    }
    // Uncoupled, no pair incident.
    let message = error(&[
        VALID,
        "kind = \"unreported_booths\"\ncrossing = \"KG-AKZHOL\"\nstart = \"+1d\"\nduration = \"1h\"",
    ]);
    assert_names(
        &message,
        &[
            "incident[1].crossing (unreported_booths)",
            "couple_twins = true",
        ],
    );
}
