use super::*;
use crate::ids::uuid_string;

fn facts(id: u128) -> EventFacts<'static> {
    EventFacts {
        event_id: id,
        event_ms: 1_000,
        direction: Direction::Entry as i32,
        mode: TravelMode::Road as i32,
        outcome: Outcome::Admitted as i32,
        refusal_reason: 0,
        duration_ms: 60_000,
        wait_ms: 600_000,
        nationality: "KGZ",
        sex: 2,
        age_band: None,
        minor: false,
        document_failure: false,
        alerted: false,
        officer_id: "OFF-1",
        checkpoint_id: "CP-1",
        group_id: "",
        protection: Default::default(),
    }
}

#[test]
fn counts_by_direction_mode_and_outcome() {
    let mut w = Window::new(0, 60_000, 45 * 60_000);
    w.add(&facts(1), 10);
    let mut refused = facts(2);
    refused.direction = Direction::Exit as i32;
    refused.mode = TravelMode::Pedestrian as i32;
    refused.outcome = Outcome::Refused as i32;
    refused.refusal_reason = 2;
    refused.nationality = "UZB";
    w.add(&refused, 11);
    let c = &w.counts;
    assert_eq!((c.inspections, c.entries, c.exits), (2, 1, 1));
    assert_eq!(c.modes, [0, 1, 0, 0, 1]);
    assert_eq!((c.admitted, c.refused, c.referred), (1, 1, 0));
    assert_eq!(c.reasons[1], 1);
    assert_eq!(w.nationalities, vec![("KGZ".into(), 1), ("UZB".into(), 1)]);
    assert_eq!(w.first_offset, 10);
    assert_eq!(w.checkpoints[0].events, 2);
    let cells: Vec<_> = w.cells.iter().collect();
    assert_eq!(cells.len(), 2);
    let (key, n) = cells
        .iter()
        .find(|(k, _)| k.nationality() == "UZB")
        .unwrap();
    assert_eq!(*n, 1);
    assert_eq!(key.direction(), Direction::Exit as i32);
    assert_eq!(key.mode(), TravelMode::Pedestrian as i32);
    assert_eq!(key.refusal_reason(), 2);
    assert_eq!(key.sex(), 2);
}

#[test]
fn a_refusal_reason_counts_only_with_a_refusal() {
    let mut w = Window::new(0, 60_000, 45 * 60_000);
    let mut admitted = facts(1);
    admitted.refusal_reason = 4;
    w.add(&admitted, 1);
    let (key, _) = w.cells.iter().next().unwrap();
    assert_eq!(key.refusal_reason(), 0);
}

#[test]
fn a_repeated_event_id_counts_once_open_or_closed() {
    let mut w = Window::new(0, 60_000, 45 * 60_000);
    assert_eq!(w.add(&facts(7), 1), Added::Counted);
    assert_eq!(w.add(&facts(7), 2), Added::Duplicate);
    w.close(true);
    assert_eq!(w.add(&facts(7), 3), Added::Duplicate);
    assert_eq!(w.add(&facts(8), 4), Added::Counted);
    assert_eq!(w.counts.inspections, 2);
    assert_eq!(w.counts.late_events, 1);
    assert_eq!(w.sorted_ids(), vec![7, 8]);
}

#[test]
fn alerted_admissions_are_tallied_per_officer() {
    let mut w = Window::new(0, 60_000, 45 * 60_000);
    let mut alerted = facts(1);
    alerted.alerted = true;
    w.add(&alerted, 1);
    let mut refused = facts(2);
    refused.alerted = true;
    refused.outcome = Outcome::Refused as i32;
    refused.refusal_reason = 8;
    w.add(&refused, 2);
    assert_eq!(w.officers.len(), 1);
    assert_eq!(
        (w.officers[0].alerted, w.officers[0].alerted_admitted),
        (2, 1)
    );
    assert_eq!(w.officers[0].admitted_event_ids, vec![uuid_string(1)]);
}

#[test]
fn a_party_refused_together_is_one_refusal_decision() {
    let mut w = Window::new(0, 60_000, 45 * 60_000);
    let refused = |id: u128, group_id: &'static str| EventFacts {
        outcome: Outcome::Refused as i32,
        refusal_reason: 3,
        group_id,
        ..facts(id)
    };
    w.add(&refused(1, "family-1"), 10);
    w.add(&refused(2, "family-1"), 11);
    w.add(&refused(3, ""), 12);
    w.add(&refused(4, "family-2"), 13);
    w.add(&facts(5), 14);
    w.close(true);
    let sample = w.sample.as_ref().unwrap();
    assert_eq!((sample.refused, sample.refused_parties), (4, 3));
}

#[test]
fn the_nationality_mix_counts_a_group_once_and_travellers_each() {
    let mut w = Window::new(0, 60_000, 45 * 60_000);
    let member = |id: u128, nationality: &'static str, group_id: &'static str| EventFacts {
        nationality,
        group_id,
        ..facts(id)
    };
    // A school group of five and two lone travellers.
    for id in 1..=5 {
        w.add(&member(id, "ARE", "school-1"), id as i64);
    }
    w.add(&member(6, "KAZ", ""), 6);
    w.add(&member(7, "KAZ", ""), 7);
    w.close(true);
    let sample = w.sample.as_ref().unwrap();
    let count = |mix: &[NationalityCount], code: &str| {
        mix.iter()
            .find(|n| n.nationality == code)
            .map_or(0, |n| n.count)
    };
    assert_eq!(count(&sample.nationalities, "ARE"), 5);
    assert_eq!(count(&sample.party_nationalities, "ARE"), 1);
    assert_eq!(count(&sample.party_nationalities, "KAZ"), 2);
}
