use borderflow_proto::analytics::v1::Crossing;
use borderflow_proto::inspection::v1::{
    BoothChecks, CalendarDate, CheckDigitResult, DocumentFacts, Inspection, TravellerFacts,
};
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::reference::v1::{ListEntry, ReferenceList};

use super::*;
use crate::detect::references::Listed;

const T: i64 = 1_780_000_000_000;
const DOC_KEY: [u8; 32] = [7; 32];
const PERSON_KEY: [u8; 32] = [9; 32];

fn inspection() -> Inspection {
    Inspection {
        event_id: "6f1c1c1e-9d2b-4f5e-8a77-0c2f1d3e4b5a".into(),
        crossing_id: "KG-DOS".into(),
        checkpoint_id: "KG-DOS-L01".into(),
        officer_id: "KG-DOS-O001".into(),
        completed_at: Some(ms_to_timestamp(T)),
        document: Some(DocumentFacts {
            mrz_valid: true,
            document_key: DOC_KEY.to_vec().into(),
            person_key: PERSON_KEY.to_vec().into(),
            expiry_date: Some(CalendarDate {
                year: 2030,
                month: 1,
                day: 1,
            }),
            ..Default::default()
        }),
        traveller: Some(TravellerFacts {
            age_years: Some(34),
            ..Default::default()
        }),
        checks: Some(BoothChecks {
            biometric_score: Some(0.93),
            ..Default::default()
        }),
        outcome: Outcome::Admitted as i32,
        ..Default::default()
    }
}

fn kinds(verdict: &Verdict) -> Vec<i32> {
    verdict.anomalies.iter().map(|a| a.kind).collect()
}

fn run(inspection: &Inspection, refs: &Listed) -> Verdict {
    evaluate(inspection, T, refs, &DetectConfig::default())
}

#[test]
fn a_clean_inspection_raises_nothing() {
    let verdict = run(&inspection(), &Listed::default());
    assert!(!verdict.alerted);
    assert!(verdict.anomalies.is_empty());
}

#[test]
fn a_failed_check_digit_is_flagged_with_its_field() {
    let mut i = inspection();
    let d = i.document.as_mut().unwrap();
    d.mrz_valid = false;
    d.check_digits = vec![CheckDigitResult {
        field: MrzField::CompositeCheck as i32,
        valid: false,
    }];
    let verdict = run(&i, &Listed::default());
    assert!(verdict.alerted);
    // Held for the re-scan grace, not reported with the event.
    assert!(verdict.anomalies.is_empty());
    let a = verdict.zone_failure.as_ref().unwrap();
    assert_eq!(a.kind, AnomalyKind::MrzCheckDigit as i32);
    assert_eq!(a.severity, Severity::High as i32);
    assert!(
        a.explanation.contains("composite check digit"),
        "{}",
        a.explanation
    );
    let evidence = a.evidence.as_ref().unwrap();
    assert_eq!(evidence.event_ids, vec![i.event_id.clone()]);
    assert_eq!(evidence.document_key, hex::encode(DOC_KEY));
    // A refused traveller: the officer caught it; lower severity.
    i.outcome = Outcome::Refused as i32;
    assert_eq!(
        run(&i, &Listed::default()).zone_failure.unwrap().severity,
        Severity::Medium as i32
    );
}

#[test]
fn an_expired_document_counts_the_days() {
    let mut i = inspection();
    let d = i.document.as_mut().unwrap();
    d.expired = true;
    d.expiry_date = Some(CalendarDate {
        year: 2026,
        month: 5,
        day: 1,
    });
    let verdict = run(&i, &Listed::default());
    assert_eq!(kinds(&verdict), vec![AnomalyKind::DocumentExpired as i32]);
    let days = verdict.anomalies[0].evidence.as_ref().unwrap().values[0].value;
    let expected = Date::from_epoch_ms(T).days_since_epoch()
        - Date::new(2026, 5, 1).unwrap().days_since_epoch();
    assert_eq!(days, expected as f64);
}

fn list(refs: &mut Listed, list: ReferenceList, key: [u8; 32]) {
    let entry = std::sync::Arc::new(ListEntry {
        list: list as i32,
        key: key.to_vec(),
        source: "INTERPOL SLTD".into(),
        reference: "case 17".into(),
        added_at: None,
    });
    match list {
        ReferenceList::LostStolen => refs.lost_stolen.insert(key, entry),
        _ => refs.watchlist.insert(key, entry),
    };
}

#[test]
fn reference_list_hits_are_critical_when_admitted() {
    let mut refs = Listed::default();
    list(&mut refs, ReferenceList::LostStolen, DOC_KEY);
    list(&mut refs, ReferenceList::Watchlist, PERSON_KEY);
    let verdict = run(&inspection(), &refs);
    assert_eq!(
        kinds(&verdict),
        vec![
            AnomalyKind::LostStolenDocument as i32,
            AnomalyKind::WatchlistHit as i32
        ]
    );
    assert!(
        verdict
            .anomalies
            .iter()
            .all(|a| a.severity == Severity::Critical as i32)
    );
    assert_eq!(
        verdict.anomalies[1].evidence.as_ref().unwrap().person_key,
        hex::encode(PERSON_KEY)
    );
    assert!(verdict.anomalies[0].explanation.contains("case 17"));
    // Different keys: no hit.
    let mut other = Listed::default();
    list(&mut other, ReferenceList::LostStolen, [1; 32]);
    assert!(run(&inspection(), &other).anomalies.is_empty());
}

#[test]
fn minors_need_an_adult_linked_as_guardian() {
    let refs = Listed::default();
    let mut i = inspection();
    let t = i.traveller.as_mut().unwrap();
    t.age_years = Some(11);
    assert_eq!(
        kinds(&run(&i, &refs)),
        vec![AnomalyKind::MinorUnaccompanied as i32]
    );
    let t = i.traveller.as_mut().unwrap();
    t.accompanied_by = "0f1c1c1e-9d2b-4f5e-8a77-0c2f1d3e4b5a".into();
    t.guardian_relation = GuardianRelation::Unrelated as i32;
    let verdict = run(&i, &refs);
    assert!(verdict.anomalies[0].explanation.contains("not linked"));
    assert_eq!(
        verdict.anomalies[0]
            .evidence
            .as_ref()
            .unwrap()
            .event_ids
            .len(),
        2
    );
    i.traveller.as_mut().unwrap().guardian_relation = GuardianRelation::Parent as i32;
    assert!(run(&i, &refs).anomalies.is_empty());
    // Exactly 18 is an adult.
    let mut adult = inspection();
    adult.traveller.as_mut().unwrap().age_years = Some(18);
    assert!(run(&adult, &refs).anomalies.is_empty());
}

#[test]
fn a_low_biometric_score_matters_only_when_admitted() {
    let refs = Listed::default();
    let mut i = inspection();
    i.checks.as_mut().unwrap().biometric_score = Some(0.41);
    assert_eq!(
        kinds(&run(&i, &refs)),
        vec![AnomalyKind::BiometricMismatch as i32]
    );
    i.outcome = Outcome::ReferredToSecondary as i32;
    assert!(run(&i, &refs).anomalies.is_empty());
    // At the threshold is a match; unrecorded modalities take the
    // strictest one (the face threshold by default).
    let mut at = inspection();
    at.checks.as_mut().unwrap().biometric_score = Some(0.5);
    assert!(run(&at, &refs).anomalies.is_empty());
}

#[test]
fn biometric_thresholds_follow_the_modality_and_the_age() {
    let refs = Listed::default();
    let config = DetectConfig::default();
    let scored = |modality: BiometricModality, age: u32, score: f32| {
        let mut i = inspection();
        i.traveller.as_mut().unwrap().age_years = Some(age);
        if age < config.minor_age {
            // A child with a parent: only the match is in question.
            let t = i.traveller.as_mut().unwrap();
            t.accompanied_by = "0f1c1c1e-9d2b-4f5e-8a77-0c2f1d3e4b5a".into();
            t.guardian_relation = GuardianRelation::Parent as i32;
        }
        let checks = i.checks.as_mut().unwrap();
        checks.biometric_modality = modality as i32;
        checks.biometric_score = Some(score);
        kinds(&run(&i, &refs)) == vec![AnomalyKind::BiometricMismatch as i32]
    };
    let face = BiometricModality::Face;
    let finger = BiometricModality::Fingerprint;
    // An adult's face at 0.47 fails; a fingerprint at 0.47 passes.
    assert!(scored(face, 35, 0.47));
    assert!(!scored(finger, 35, 0.47));
    assert!(scored(finger, 35, 0.44));
    // Young children and the elderly get the margin, exactly at the bands.
    assert!(!scored(face, 11, 0.47));
    assert!(scored(face, 12, 0.47));
    assert!(scored(face, 69, 0.47));
    assert!(!scored(face, 70, 0.47));
    assert!(scored(face, 70, 0.39));
    let i = {
        let mut i = inspection();
        let checks = i.checks.as_mut().unwrap();
        checks.biometric_modality = face as i32;
        checks.biometric_score = Some(0.3);
        i
    };
    let verdict = run(&i, &refs);
    let evidence = verdict.anomalies[0].evidence.as_ref().unwrap();
    assert_eq!(evidence.threshold, Some(f64::from(0.5f32)));
    assert!(
        verdict.anomalies[0]
            .explanation
            .starts_with("Face match score 0.30 is below 0.50"),
        "{}",
        verdict.anomalies[0].explanation
    );
}

#[test]
fn minors_old_enough_may_cross_alone_but_not_with_a_stranger() {
    let refs = Listed::default();
    let config = DetectConfig::default();
    let alone = |age: u32| {
        let mut i = inspection();
        i.traveller.as_mut().unwrap().age_years = Some(age);
        kinds(&run(&i, &refs))
    };
    assert_eq!(
        alone(config.minor_alone_age - 1),
        vec![AnomalyKind::MinorUnaccompanied as i32]
    );
    assert!(alone(config.minor_alone_age).is_empty());
    assert!(alone(config.minor_age - 1).is_empty());
    // Old enough to travel alone is not old enough to travel with an
    // unrelated adult.
    let mut i = inspection();
    let t = i.traveller.as_mut().unwrap();
    t.age_years = Some(config.minor_alone_age);
    t.accompanied_by = "0f1c1c1e-9d2b-4f5e-8a77-0c2f1d3e4b5a".into();
    t.guardian_relation = GuardianRelation::Unrelated as i32;
    assert_eq!(
        kinds(&run(&i, &refs)),
        vec![AnomalyKind::MinorUnaccompanied as i32]
    );
    // An adult carrying the parents' consent is lawful at any age.
    let t = i.traveller.as_mut().unwrap();
    t.age_years = Some(6);
    t.guardian_relation = GuardianRelation::AuthorisedAdult as i32;
    assert!(run(&i, &refs).anomalies.is_empty());
}

#[test]
fn nationals_come_home_on_a_recently_expired_passport() {
    let refs = Listed::default().with_crossing(Crossing {
        id: "KG-DOS".into(),
        country: "KGZ".into(),
        ..Default::default()
    });
    let expired = |nationality: &str, direction: Direction, days: i64| {
        let mut i = inspection();
        i.direction = direction as i32;
        let d = i.document.as_mut().unwrap();
        d.kind = DocumentKind::Passport as i32;
        d.nationality = nationality.into();
        d.issuing_state = nationality.into();
        d.expired = true;
        let on = Date::from_epoch_ms(T).add_days(-days);
        d.expiry_date = Some(CalendarDate {
            year: on.year(),
            month: on.month() as i32,
            day: on.day() as i32,
        });
        kinds(&run(&i, &refs))
    };
    let flagged = vec![AnomalyKind::DocumentExpired as i32];
    let grace = DetectConfig::default().national_expired_grace.as_secs() as i64 / 86_400;
    assert!(expired("KGZ", Direction::Entry, 30).is_empty());
    assert!(expired("KGZ", Direction::Entry, grace).is_empty());
    assert_eq!(expired("KGZ", Direction::Entry, grace + 1), flagged);
    // Leaving on it, or a foreigner: a finding.
    assert_eq!(expired("KGZ", Direction::Exit, 30), flagged);
    assert_eq!(expired("KAZ", Direction::Entry, 30), flagged);
}

#[test]
fn ids_depend_only_on_the_event() {
    let mut i = inspection();
    i.document.as_mut().unwrap().expired = true;
    let a = run(&i, &Listed::default()).anomalies[0].id.clone();
    let b = run(&i, &Listed::default()).anomalies[0].id.clone();
    assert_eq!(a, b);
    i.event_id = "7f1c1c1e-9d2b-4f5e-8a77-0c2f1d3e4b5a".into();
    assert_ne!(a, run(&i, &Listed::default()).anomalies[0].id);
}
