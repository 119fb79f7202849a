use std::sync::Arc;

use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, Crossing, Severity};
use borderflow_proto::inspection::v1::{Direction, Escort, EscortedMinor, GuardianRelation};
use borderflow_proto::ms_to_timestamp;

use crate::detect::DetectConfig;
use crate::detect::document::DocumentProcessor;
use crate::detect::references::Listed;
use crate::ids::uuid_string;

const ADULT: [u8; 32] = [7; 32];
const DAY: i64 = 86_400_000;
const T: i64 = 1_780_000_000_000;

struct Run {
    processor: DocumentProcessor,
    refs: Listed,
    out: Vec<Anomaly>,
    next: u128,
}

impl Run {
    fn new() -> Self {
        let mut refs = Listed::default();
        for (id, country) in [("KZ-KOR", "KAZ"), ("KZ-AKZ", "KAZ")] {
            refs = refs.with_crossing(Crossing {
                id: id.into(),
                name: id.into(),
                country: country.into(),
                ..Default::default()
            });
        }
        Self {
            processor: DocumentProcessor::new(Arc::new(DetectConfig::default()), 120_000),
            refs,
            out: Vec::new(),
            next: 1,
        }
    }

    /// The adult crosses at `crossing` at `t` with the minors `minors`
    /// (keys), each of `relation`, in a party of `young` young adults.
    fn escort(
        &mut self,
        crossing: &str,
        t: i64,
        minors: &[u8],
        relation: GuardianRelation,
        young: u32,
    ) -> u128 {
        let adult = self.next;
        self.next += 1;
        let minors = minors
            .iter()
            .map(|k| {
                self.next += 1;
                EscortedMinor {
                    event_id: uuid_string(self.next),
                    key: vec![*k; 32],
                    age_years: Some(10),
                    relation: relation as i32,
                }
            })
            .collect();
        let escort = Escort {
            event_id: uuid_string(adult),
            crossing_id: crossing.into(),
            at: Some(ms_to_timestamp(t)),
            direction: Direction::Entry as i32,
            minors,
            young_adults_one_issuer: young,
        };
        self.processor
            .process_escort(ADULT, &escort, &self.refs, &mut self.out)
            .unwrap();
        adult
    }

    fn cases(&self) -> Vec<&Anomaly> {
        self.out
            .iter()
            .filter(|a| a.kind == AnomalyKind::TraffickingCase as i32)
            .collect()
    }
}

fn value(anomaly: &Anomaly, name: &str) -> f64 {
    anomaly
        .evidence
        .as_ref()
        .and_then(|e| e.values.iter().find(|v| v.name == name))
        .map_or(f64::NAN, |v| v.value)
}

#[test]
fn different_minors_with_no_relation_on_three_days_is_a_critical_case() {
    let mut run = Run::new();
    let first = run.escort("KZ-KOR", T, &[1, 2], GuardianRelation::Unrelated, 0);
    assert!(run.cases().is_empty(), "one occasion is no case");
    run.escort("KZ-AKZ", T + 9 * DAY, &[3], GuardianRelation::Unrelated, 0);
    let cases = run.cases();
    assert_eq!(
        cases.len(),
        1,
        "different minors and no relation: {:?}",
        run.out
    );
    assert_eq!(cases[0].severity, Severity::High as i32);
    assert_eq!(value(cases[0], "indicators"), 2.0);
    assert_eq!(cases[0].revision, 2);
    let id = cases[0].id.clone();
    run.escort(
        "KZ-KOR",
        T + 20 * DAY,
        &[4, 5],
        GuardianRelation::Unrelated,
        0,
    );
    let cases = run.cases();
    assert_eq!(cases.len(), 2);
    let latest = cases[1];
    assert_eq!(latest.id, id, "one case, revised");
    assert_eq!(latest.revision, 3);
    assert_eq!(latest.severity, Severity::Critical as i32);
    assert_eq!(value(latest, "indicators"), 3.0);
    assert_eq!(value(latest, "occasions_with_new_minors"), 3.0);
    assert_eq!(value(latest, "minors"), 5.0);
    let evidence = latest.evidence.as_ref().unwrap();
    assert!(evidence.event_ids.contains(&uuid_string(first)));
    assert_eq!(
        evidence.event_ids.len(),
        3 + 5,
        "the adult's and the minors' inspections"
    );
    assert_eq!(evidence.crossing_ids, ["KZ-AKZ", "KZ-KOR"]);
    assert_eq!(evidence.document_key, hex::encode(ADULT));
    assert!(
        latest.explanation.starts_with(
            "Possible trafficking: 3 indicators on one escorting adult in 30 days: \
             5 different minors on 3 occasions over 3 days at 2 crossings; \
             a minor with no established relation to the adult; \
             3 crossings each with minors not escorted before"
        ),
        "{}",
        latest.explanation
    );
}

#[test]
fn a_parent_with_their_own_children_is_no_case_however_often() {
    let mut run = Run::new();
    for k in 0..12 {
        // Sometimes one child, sometimes the other, both at times.
        let minors: &[u8] = match k % 3 {
            0 => &[1],
            1 => &[2],
            _ => &[1, 2],
        };
        run.escort(
            "KZ-KOR",
            T + k * 2 * DAY,
            minors,
            GuardianRelation::Parent,
            0,
        );
    }
    assert!(run.cases().is_empty());
}

#[test]
fn a_teacher_taking_two_classes_out_and_back_is_no_case() {
    let mut run = Run::new();
    let class_a: Vec<u8> = (1..=20).collect();
    let class_b: Vec<u8> = (21..=40).collect();
    let authorised = GuardianRelation::AuthorisedAdult;
    run.escort("KZ-KOR", T, &class_a, authorised, 0);
    run.escort("KZ-KOR", T + 3 * DAY, &class_a, authorised, 0);
    run.escort("KZ-AKZ", T + 14 * DAY, &class_b, authorised, 0);
    run.escort("KZ-AKZ", T + 17 * DAY, &class_b, authorised, 0);
    assert!(
        run.cases().is_empty(),
        "different minors alone is no case: {:?}",
        run.out.first().map(|a| &a.explanation)
    );
    // A third class within the month makes the escorts repeated.
    let class_c: Vec<u8> = (41..=60).collect();
    run.escort("KZ-KOR", T + 24 * DAY, &class_c, authorised, 0);
    assert_eq!(run.cases().len(), 1);
    assert_eq!(run.cases()[0].severity, Severity::High as i32);
}

#[test]
fn young_adults_on_one_issuers_documents_support_different_minors() {
    let mut run = Run::new();
    let authorised = GuardianRelation::AuthorisedAdult;
    run.escort("KZ-KOR", T, &[1], authorised, 4);
    run.escort("KZ-KOR", T + 2 * DAY, &[2], authorised, 0);
    let cases = run.cases();
    assert_eq!(cases.len(), 1);
    assert_eq!(value(cases[0], "young_adults_one_issuer"), 4.0);
    assert!(
        cases[0]
            .explanation
            .contains("a party of 4 young adults on one state's documents")
    );
    // Three young adults are not the indicator.
    let mut run = Run::new();
    run.escort("KZ-KOR", T, &[1], authorised, 3);
    run.escort("KZ-KOR", T + 2 * DAY, &[2], authorised, 0);
    assert!(run.cases().is_empty());
}

#[test]
fn the_same_minors_or_the_same_day_and_crossing_are_not_different_minors() {
    let mut run = Run::new();
    let unrelated = GuardianRelation::Unrelated;
    // Two parties the same day at the same crossing: one trip.
    run.escort("KZ-KOR", T, &[1], unrelated, 0);
    run.escort("KZ-KOR", T + 3_600_000, &[2], unrelated, 0);
    // Both of them another day.
    run.escort("KZ-KOR", T + 5 * DAY, &[1, 2], unrelated, 0);
    assert!(
        run.cases().is_empty(),
        "{:?}",
        run.out.first().map(|a| &a.explanation)
    );
}

#[test]
fn escorts_older_than_the_look_back_do_not_count_and_a_repeat_is_ignored() {
    let mut run = Run::new();
    let unrelated = GuardianRelation::Unrelated;
    run.escort("KZ-KOR", T, &[1], unrelated, 0);
    run.escort("KZ-KOR", T + 31 * DAY, &[2], unrelated, 0);
    assert!(run.cases().is_empty(), "31 days apart");
    // The same escort published again (a replay) adds nothing.
    let escort = Escort {
        event_id: uuid_string(1_000),
        crossing_id: "KZ-AKZ".into(),
        at: Some(ms_to_timestamp(T + 32 * DAY)),
        minors: vec![EscortedMinor {
            event_id: uuid_string(99),
            key: vec![9; 32],
            age_years: Some(10),
            relation: unrelated as i32,
        }],
        ..Escort::default()
    };
    for _ in 0..2 {
        run.processor
            .process_escort(ADULT, &escort, &run.refs, &mut run.out)
            .unwrap();
    }
    assert_eq!(run.cases().len(), 1, "reported once");
}

#[test]
fn a_case_survives_the_changelog() {
    let mut run = Run::new();
    run.processor.keep_changes();
    let unrelated = GuardianRelation::Unrelated;
    run.escort("KZ-KOR", T, &[1], unrelated, 0);
    let changes = run.processor.take_changes();
    let mut rebuilt = DocumentProcessor::new(Arc::new(DetectConfig::default()), 120_000);
    for (key, value) in &changes {
        rebuilt.restore(*key, value.as_deref()).unwrap();
    }
    run.processor = rebuilt;
    run.escort("KZ-AKZ", T + 2 * DAY, &[2], unrelated, 0);
    assert_eq!(
        run.cases().len(),
        1,
        "the first escort came back from the changelog"
    );
}
