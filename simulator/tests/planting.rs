//! Planting produces the events the ground truth lists, and nothing else
//! in the stream looks anomalous.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::mrz;
use borderflow_domain::time::{Date, MS_PER_DAY};
use borderflow_proto::analytics::v1::AnomalyKind;
use borderflow_proto::inspection::v1::{GuardianRelation, InspectionEvent, Outcome, document_read};
use borderflow_proto::timestamp_to_ms;
use borderflow_simulator::check::check;
use borderflow_simulator::reference;

fn lines(e: &InspectionEvent) -> Vec<String> {
    match e.document.as_ref().and_then(|d| d.source.as_ref()) {
        Some(document_read::Source::Mrz(z)) => z.lines.clone(),
        _ => Vec::new(),
    }
}

#[test]
fn the_week_exercise_plants_what_its_truth_says() {
    let scenario = common::scenario("central-asia-week", 0.1);
    let (plan, events) = common::play(&scenario);
    let truth = &plan.truth;

    // Every occurrence's events are in the stream, tagged with it.
    let mut tagged: BTreeMap<u32, Vec<&InspectionEvent>> = BTreeMap::new();
    for (tag, e) in &events {
        if let Some(t) = tag {
            tagged.entry(*t).or_default().push(e);
        }
    }
    for o in &truth.occurrences {
        if o.expected == AnomalyKind::QueueSla {
            continue; // market days are judged by time, not events
        }
        let mine = tagged.get(&o.id).map_or(0, Vec::len);
        let crossing_level = matches!(
            o.expected,
            AnomalyKind::FlowSurge | AnomalyKind::CheckpointSilent
        );
        assert!(crossing_level || mine > 0, "{} has no events", o.kind);
    }

    // What each kind plants looks the part.
    let keys = Pseudonymiser::new(b"a test secret of enough length!!").unwrap();
    let listed: BTreeSet<Vec<u8>> = reference::entries(&plan.references, &keys, scenario.start_ms)
        .into_iter()
        .map(|e| e.key)
        .collect();
    for o in &truth.occurrences {
        for e in tagged.get(&o.id).into_iter().flatten() {
            let zone = lines(e);
            let refs: Vec<&str> = zone.iter().map(String::as_str).collect();
            let at = timestamp_to_ms(e.completed_at.as_ref().unwrap()).unwrap();
            let report = mrz::validate(&refs, Date::from_epoch_ms(at));
            match o.kind.as_str() {
                "forged_documents" => assert!(!report.is_valid()),
                "stolen_documents" | "background/lost_stolen" => {
                    let key = keys.document_key(report.issuing_state(), &report.document_number());
                    assert!(listed.contains(key.0.as_slice()));
                    assert_ne!(e.outcome, Outcome::Admitted as i32);
                }
                "overstay" if e.direction == 1 => {
                    assert!(at <= o.start_ms - 89 * MS_PER_DAY, "entry 90 days before");
                }
                "trafficking" => {
                    let t = e.traveller.as_ref().unwrap();
                    let minor = report.birth_date().unwrap().age_on(Date::from_epoch_ms(at)) < 18;
                    if minor {
                        assert!(
                            t.accompanied_by.is_empty()
                                || t.guardian_relation == GuardianRelation::Unrelated as i32
                        );
                    }
                }
                "background/expired_document" => {
                    assert_eq!(report.expired_on(Date::from_epoch_ms(at)), Some(true))
                }
                "background/biometric_mismatch" => {
                    assert!(e.checks.as_ref().unwrap().biometric_score.unwrap() < 0.6);
                    assert_eq!(e.outcome, Outcome::Admitted as i32);
                }
                _ => {}
            }
        }
    }
    assert!(plan.link_events.len() == 2 && !plan.link_events[0].up && plan.link_events[1].up);

    // Outside what the truth lists, the stream is clean.
    let truthful: BTreeSet<&str> = truth
        .occurrences
        .iter()
        .flat_map(|o| {
            tagged
                .get(&o.id)
                .into_iter()
                .flatten()
                .map(|e| e.event_id.as_str())
        })
        .collect();
    let all: Vec<InspectionEvent> = events.iter().map(|(_, e)| e.clone()).collect();
    let stray: Vec<_> = check(&scenario.network, &all)
        .into_iter()
        .filter(|p| !truthful.contains(p.event_id.as_str()))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn every_shipped_scenario_plants_its_incidents() {
    for name in borderflow_simulator::scenario::builtin::names() {
        let scenario = common::scenario(name, 0.02);
        let plan = borderflow_simulator::plant::plan(&scenario).unwrap();
        let kinds: BTreeSet<usize> = plan.truth.planted().filter_map(|o| o.incident).collect();
        assert_eq!(kinds.len(), scenario.incidents.len(), "{name}");
    }
}
