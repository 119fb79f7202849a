use borderflow_proto::Message as _;
use borderflow_proto::inspection::v1::{DocumentFacts, Protection, RawDocument, TravellerFacts};

use super::*;

fn inspection(age: Option<u32>, referrals: &[ReferralCategory]) -> Inspection {
    Inspection {
        event_id: "6f1c1c1e-9d2b-4f5e-8a77-0c2f1d3e4b5a".into(),
        crossing_id: "KG-DOS".into(),
        officer_id: "KG-DOS-O07".into(),
        checkpoint_id: "KG-DOS-L02".into(),
        direction: Direction::Entry as i32,
        document: Some(DocumentFacts {
            nationality: "AFG".into(),
            sex: Sex::Female as i32,
            document_key: vec![7; 32].into(),
            person_key: vec![9; 32].into(),
            ..DocumentFacts::default()
        }),
        traveller: Some(TravellerFacts {
            age_years: age,
            group_id: "b1f0e7c2-0d7a-4c1e-9a55-3f1e2d4c5b6a".into(),
            ..TravellerFacts::default()
        }),
        protection: Some(Protection {
            protection_requested: true,
            suspected_trafficking_victim: false,
            referrals: referrals.iter().map(|c| *c as i32).collect(),
        }),
        raw: Some(RawDocument {
            document_number: "N1234567".into(),
            primary_identifier: "DOE".into(),
            ..RawDocument::default()
        }),
        ..Inspection::default()
    }
}

const T: i64 = 1_780_000_000_000;

#[test]
fn one_referral_per_service_with_minimal_data() {
    let bands = AgeBands::default();
    let out = referrals(
        &inspection(
            Some(15),
            &[ReferralCategory::ChildProtection, ReferralCategory::Medical],
        ),
        T,
        &bands,
        "KGZ",
    );
    assert_eq!(out.len(), 2);
    let r = &out[0];
    assert_eq!(r.category, ReferralCategory::ChildProtection as i32);
    assert_eq!((r.age_from, r.age_to), (Some(14), Some(17)));
    assert_eq!(r.accompaniment, Accompaniment::UnaccompaniedMinor as i32);
    assert_eq!(r.sex, Sex::Female as i32);
    assert_eq!(r.country, "KGZ");
    assert_eq!(r.crossing_id, "KG-DOS");
    assert_eq!(r.direction, Direction::Entry as i32);
    assert_eq!(
        r.referred_at.unwrap().seconds,
        T / 60_000 * 60,
        "to the minute, not the inspection's millisecond"
    );
    assert!(r.grounds.unwrap().protection_requested);
    assert_ne!(r.case_reference, out[1].case_reference);
    // Nothing that identifies the traveller, the booth or the officer, and
    // nothing that links to the inspection, leaves in a referral.
    let bytes = r.encode_to_vec();
    let text = String::from_utf8_lossy(&bytes);
    for secret in [
        "6f1c1c1e",
        "N1234567",
        "DOE",
        "AFG",
        "KG-DOS-O07",
        "KG-DOS-L02",
        "b1f0e7c2",
    ] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert!(!bytes.windows(8).any(|w| w == [7; 8] || w == [9; 8]));
}

#[test]
fn case_references_are_stable_readable_and_distinct() {
    let a = case_reference("e1", ReferralCategory::AsylumAuthority);
    assert_eq!(a, case_reference("e1", ReferralCategory::AsylumAuthority));
    assert_ne!(a, case_reference("e2", ReferralCategory::AsylumAuthority));
    assert_ne!(a, case_reference("e1", ReferralCategory::Medical));
    assert_eq!(a.len(), "BF-XXXX-XXXX-XXXX-XXXX".len());
    assert!(a.starts_with("BF-"));
    assert!(
        a[3..]
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || c.is_ascii_uppercase())
    );
    assert!(!a.contains(['I', 'L', 'O', 'U']));
}

#[test]
fn who_travels_how() {
    let unrelated = GuardianRelation::Unrelated as i32;
    let parent = GuardianRelation::Parent as i32;
    assert_eq!(accompaniment(None, "", 0), Accompaniment::AgeUnknown);
    assert_eq!(accompaniment(Some(30), "", 0), Accompaniment::Adult);
    assert_eq!(
        accompaniment(Some(9), "", 0),
        Accompaniment::UnaccompaniedMinor
    );
    assert_eq!(
        accompaniment(Some(9), "a", unrelated),
        Accompaniment::SeparatedMinor
    );
    assert_eq!(
        accompaniment(Some(9), "a", parent),
        Accompaniment::AccompaniedMinor
    );
}

#[test]
fn no_protection_no_referral_and_bad_categories_are_skipped() {
    let bands = AgeBands::default();
    let mut plain = inspection(Some(30), &[]);
    assert!(referrals(&plain, T, &bands, "").is_empty());
    plain.protection = None;
    assert!(referrals(&plain, T, &bands, "").is_empty());
    let mut odd = inspection(Some(30), &[ReferralCategory::AsylumAuthority]);
    odd.protection
        .as_mut()
        .unwrap()
        .referrals
        .extend([0, 99, 1]);
    let out = referrals(&odd, T, &bands, "");
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].accompaniment, Accompaniment::Adult as i32);
    assert_eq!((out[0].age_from, out[0].age_to), (Some(25), Some(59)));
}
