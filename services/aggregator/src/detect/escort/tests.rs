use borderflow_proto::inspection::v1::{DocumentFacts, TravellerFacts};
use borderflow_proto::timestamp_to_ms;

use super::*;

const MIN: i64 = 60_000;
const T: i64 = 1_780_000_000_000;

fn escorts() -> Escorts {
    Escorts::new(&DetectConfig::default())
}

/// An inspection at KZ-KOR of a traveller aged `age`, with document
/// `doc`, issued by `issuer`, in `group`, naming `with`.
fn inspection(
    n: u128,
    age: u32,
    doc: u8,
    issuer: &str,
    group: &str,
    with: Option<u128>,
) -> Inspection {
    Inspection {
        event_id: uuid_string(n),
        crossing_id: "KZ-KOR".into(),
        document: Some(DocumentFacts {
            document_key: vec![doc; 32].into(),
            person_key: vec![doc.wrapping_add(100); 32].into(),
            issuing_state: issuer.into(),
            ..DocumentFacts::default()
        }),
        traveller: Some(TravellerFacts {
            age_years: Some(age),
            group_id: group.into(),
            accompanied_by: with.map(uuid_string).unwrap_or_default(),
            guardian_relation: GuardianRelation::Unrelated as i32,
        }),
        ..Inspection::default()
    }
}

fn released(e: &mut Escorts, watermark: i64) -> Vec<([u8; 32], Escort)> {
    let mut out = Vec::new();
    e.release(Some(watermark), &mut out);
    out
}

#[test]
fn a_minor_after_the_adult_is_released_with_it_after_the_window() {
    let mut e = escorts();
    e.read(10, T, &inspection(1, 40, 1, "UZB", "g", None));
    e.read(11, T + MIN, &inspection(2, 9, 2, "UZB", "g", Some(1)));
    e.read(12, T + MIN, &inspection(3, 35, 3, "UZB", "", None));
    assert_eq!(e.oldest_offset(), Some(10));
    assert!(
        released(&mut e, T + 4 * MIN).is_empty(),
        "the window is 5 minutes"
    );
    let out = released(&mut e, T + 5 * MIN);
    assert_eq!(out.len(), 1, "the adult with no minor makes no escort");
    let (key, escort) = &out[0];
    assert_eq!(*key, [1; 32], "keyed by the adult's document");
    assert_eq!(escort.event_id, uuid_string(1));
    assert_eq!(escort.at.as_ref().and_then(timestamp_to_ms), Some(T));
    assert_eq!(escort.minors.len(), 1);
    assert_eq!(escort.minors[0].event_id, uuid_string(2));
    assert_eq!(
        escort.minors[0].key,
        vec![102; 32],
        "the minor's person key"
    );
    assert_eq!(
        escort.minors[0].relation,
        GuardianRelation::Unrelated as i32
    );
    // The third traveller is held a minute longer than the first.
    assert_eq!(e.oldest_offset(), Some(12));
    released(&mut e, T + 6 * MIN);
    assert_eq!(e.oldest_offset(), None);
    assert!(e.is_empty());
}

#[test]
fn minors_before_their_adult_join_it_and_a_repeated_read_counts_once() {
    let mut e = escorts();
    e.read(5, T, &inspection(2, 9, 2, "UZB", "g", Some(1)));
    e.read(6, T, &inspection(3, 12, 3, "UZB", "g", Some(1)));
    e.read(7, T + 10_000, &inspection(2, 9, 2, "UZB", "g", Some(1)));
    e.read(8, T + 2 * MIN, &inspection(1, 40, 1, "UZB", "g", None));
    // The minors' own wait ends before the adult's: the adult holds them.
    assert!(released(&mut e, T + 6 * MIN).is_empty());
    assert_eq!(e.oldest_offset(), Some(5));
    let out = released(&mut e, T + 7 * MIN);
    assert_eq!(out.len(), 1);
    let ids: Vec<_> = out[0].1.minors.iter().map(|m| m.event_id.clone()).collect();
    assert_eq!(ids, [uuid_string(2), uuid_string(3)]);
}

#[test]
fn a_minor_whose_adult_never_comes_is_let_go() {
    let mut e = escorts();
    e.read(5, T, &inspection(2, 9, 2, "UZB", "", Some(77)));
    assert_eq!(e.oldest_offset(), Some(5));
    assert!(released(&mut e, T + 5 * MIN).is_empty());
    assert_eq!(e.oldest_offset(), None);
    // Too late for the pairing: the adult comes alone.
    e.read(6, T + 6 * MIN, &inspection(77, 40, 7, "UZB", "", None));
    assert!(released(&mut e, T + 20 * MIN).is_empty());
}

#[test]
fn the_young_adults_of_the_adults_party_on_one_issuers_documents_are_counted() {
    let mut e = escorts();
    e.read(1, T, &inspection(1, 45, 1, "UZB", "tour", None));
    e.read(2, T, &inspection(2, 15, 2, "UZB", "tour", Some(1)));
    for (n, issuer) in [(3, "TJK"), (4, "TJK"), (5, "TJK"), (6, "UZB")] {
        e.read(
            n as i64,
            T + MIN,
            &inspection(n, 20, n as u8, issuer, "tour", None),
        );
    }
    // A re-read of one of them is the same traveller.
    e.read(7, T + MIN, &inspection(8, 20, 3, "TJK", "tour", None));
    // A young adult of another party, and one aged 25.
    e.read(9, T + MIN, &inspection(9, 20, 9, "TJK", "other", None));
    e.read(10, T + MIN, &inspection(10, 25, 10, "TJK", "tour", None));
    let out = released(&mut e, T + 10 * MIN);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].1.young_adults_one_issuer, 3);
    released(&mut e, T + 20 * MIN);
    assert!(e.is_empty(), "groups go once no adult of them is held");
    assert_eq!(e.oldest_offset(), None);
}

#[test]
fn the_relation_that_settles_who_the_child_is() {
    assert!(parental(GuardianRelation::Parent as i32));
    assert!(parental(GuardianRelation::LegalGuardian as i32));
    assert!(!parental(GuardianRelation::AuthorisedAdult as i32));
    assert!(!parental(GuardianRelation::Unrelated as i32));
    assert!(!parental(GuardianRelation::Unspecified as i32));
    assert!(!parental(99));
}
