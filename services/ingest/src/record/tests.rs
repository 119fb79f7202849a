use borderflow_proto::Message;
use borderflow_proto::inspection::v1::{
    CalendarDate, DocumentFields, DocumentRead, InspectionRecord, MachineReadableZone, MrzProblem,
    inspection_record,
};

use super::*;
use crate::validate::{Limits, tests_support::valid_event, validate_event};

fn builder(forward_raw: bool) -> RecordBuilder {
    RecordBuilder::new(
        Pseudonymiser::new(b"a test secret of enough length").unwrap(),
        forward_raw,
    )
}

fn build(event: InspectionEvent, forward_raw: bool) -> Inspection {
    let times = validate_event(&event, &Limits::default()).unwrap();
    builder(forward_raw).build(event, times, 1_780_000_000_000)
}

#[test]
fn reads_the_specimen_passport_into_facts() {
    let record = build(valid_event(), true);
    let facts = record.document.unwrap();
    assert_eq!(facts.format, DocumentFormat::Td3 as i32);
    assert_eq!(facts.kind, DocumentKind::Passport as i32);
    assert_eq!(
        (facts.issuing_state.as_str(), facts.nationality.as_str()),
        ("SWE", "SWE")
    );
    assert_eq!(
        facts.birth_date,
        Some(CalendarDate {
            year: 1974,
            month: 8,
            day: 12
        })
    );
    assert_eq!(facts.sex, Sex::Female as i32);
    assert!(facts.mrz_valid, "{:?}", facts.findings);
    assert!(facts.expired, "the specimen expired in 2012");
    assert_eq!(facts.check_digits.len(), 5);
    assert!(facts.check_digits.iter().all(|c| c.valid));
    assert_eq!(facts.document_key.len(), 32);
    assert_eq!(facts.person_key.len(), 32);
    assert_eq!(record.traveller.unwrap().age_years, Some(51));
}

#[test]
fn the_birth_date_stays_at_the_edge_unless_raw_forwarding_is_on() {
    let record = build(valid_event(), false);
    assert_eq!(record.document.unwrap().birth_date, None);
    assert_eq!(
        record.traveller.unwrap().age_years,
        Some(51),
        "the age on the inspection date is what the rules need"
    );
}

#[test]
fn a_damaged_zone_is_published_with_its_findings() {
    let mut event = valid_event();
    if let Some(document_read::Source::Mrz(zone)) =
        event.document.as_mut().and_then(|d| d.source.as_mut())
    {
        // Document number L898902C3 -> L898912C3: its check digit no longer holds.
        zone.lines[1].replace_range(5..6, "1");
    }
    let facts = build(event, false).document.unwrap();
    assert!(!facts.mrz_valid);
    let failed: Vec<_> = facts
        .check_digits
        .iter()
        .filter(|c| !c.valid)
        .map(|c| c.field)
        .collect();
    assert!(
        failed.contains(&(MrzField::DocumentNumberCheck as i32)),
        "{failed:?}"
    );
    assert!(
        facts
            .findings
            .iter()
            .any(|f| f.problem == MrzProblem::CheckDigitMismatch as i32
                && f.field == MrzField::DocumentNumberCheck as i32
                && f.line == 2)
    );
}

#[test]
fn a_zone_of_a_state_that_does_not_exist_is_published_with_its_findings() {
    let mut event = valid_event();
    if let Some(document_read::Source::Mrz(zone)) =
        event.document.as_mut().and_then(|d| d.source.as_mut())
    {
        // The Doc 9303 specimen as printed: issued by the fictional Utopia.
        for line in &mut zone.lines {
            *line = line.replace("SWE", "UTO");
        }
    }
    let facts = build(event, false).document.unwrap();
    assert!(!facts.mrz_valid);
    assert!(
        facts.check_digits.iter().all(|c| c.valid),
        "no digit covers a state"
    );
    let found: Vec<_> = facts
        .findings
        .iter()
        .map(|f| (f.field, f.line, f.position, f.problem))
        .collect();
    let invalid_code = MrzProblem::InvalidCode as i32;
    assert_eq!(
        found,
        [
            (MrzField::IssuingState as i32, 1, 3, invalid_code),
            (MrzField::Nationality as i32, 2, 11, invalid_code),
        ]
    );
    assert_eq!(facts.issuing_state, "UTO", "published as read");
}

#[test]
fn the_same_document_gets_the_same_key_from_mrz_and_keyed_in_fields() {
    let from_mrz = build(valid_event(), false).document.unwrap();
    let mut event = valid_event();
    event.document = Some(DocumentRead {
        source: Some(document_read::Source::Fields(DocumentFields {
            document_code: "P".into(),
            issuing_state: "SWE".into(),
            document_number: "L898902C3".into(),
            primary_identifier: "Eriksson".into(),
            secondary_identifier: "Anna Maria".into(),
            nationality: "SWE".into(),
            birth_date: Some(CalendarDate {
                year: 1974,
                month: 8,
                day: 12,
            }),
            sex: Sex::Female as i32,
            expiry_date: Some(CalendarDate {
                year: 2032,
                month: 4,
                day: 15,
            }),
        })),
    });
    let from_fields = build(event, false).document.unwrap();
    assert_eq!(from_mrz.document_key, from_fields.document_key);
    assert_eq!(from_mrz.person_key, from_fields.person_key);
    assert_eq!(from_fields.format, DocumentFormat::Fields as i32);
    assert!(!from_fields.expired);
}

#[test]
fn no_personal_data_leaves_ingest_unless_raw_forwarding_is_on() {
    let secrets = [
        "ERIKSSON",
        "ANNA",
        "MARIA",
        "L898902C3",
        "P<SWEERIKSSON",
        "L898902C36SWE7408122F1204159ZE184226B<<<<<10",
        "ZE184226B",
    ];
    let record = InspectionRecord {
        body: Some(inspection_record::Body::Inspection(build(
            valid_event(),
            false,
        ))),
    };
    let bytes = record.encode_to_vec();
    for secret in secrets {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} leaked into the record"
        );
    }
    let raw = build(valid_event(), true).raw.unwrap();
    assert_eq!(raw.document_number, "L898902C3");
    assert_eq!(raw.primary_identifier, "ERIKSSON");
    assert_eq!(raw.secondary_identifier, "ANNA MARIA");
    assert_eq!(raw.mrz_lines.len(), 2);
}

#[test]
fn a_zone_of_the_wrong_shape_is_still_published() {
    let mut event = valid_event();
    event.document = Some(DocumentRead {
        source: Some(document_read::Source::Mrz(MachineReadableZone {
            lines: vec!["P<SWEERIKSSON".into(), "L898902C3".into()],
        })),
    });
    let facts = build(event, false).document.unwrap();
    assert!(!facts.mrz_valid);
    assert!(
        facts
            .findings
            .iter()
            .any(|f| f.field == MrzField::Layout as i32)
    );
}

#[test]
fn protection_flags_and_referrals_travel_with_the_record() {
    use borderflow_proto::inspection::v1::{Protection, ReferralCategory};
    let mut event = valid_event();
    let protection = Protection {
        protection_requested: true,
        suspected_trafficking_victim: false,
        referrals: vec![
            ReferralCategory::AsylumAuthority as i32,
            ReferralCategory::Medical as i32,
        ],
    };
    event.protection = Some(protection.clone());
    assert_eq!(build(event, false).protection, Some(protection));
    assert_eq!(build(valid_event(), false).protection, None);
}

#[test]
fn a_twin_post_keys_documents_for_the_exchange_too() {
    let pairs = borderflow_domain::twins::PairKeys::parse(
        "KZ-KORDAY KG-AKZHOL 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    )
    .unwrap();
    let keys = Pseudonymiser::new(b"another national secret, sixteen+").unwrap();
    let ours = RecordBuilder::new(keys, false).with_pairs(pairs.clone());
    let theirs = RecordBuilder::new(
        Pseudonymiser::new(b"the neighbour's own national secret").unwrap(),
        false,
    )
    .with_pairs(pairs);
    let at = |builder: &RecordBuilder, crossing: &str| {
        let mut event = valid_event();
        event.crossing_id = crossing.into();
        let times = validate_event(&event, &Limits::default()).unwrap();
        builder.build(event, times, 0).document.unwrap()
    };
    let (korday, akzhol) = (at(&ours, "KZ-KORDAY"), at(&theirs, "KG-AKZHOL"));
    assert_eq!(korday.twin_key.len(), 32);
    assert_eq!(korday.twin_key, akzhol.twin_key, "both sides key alike");
    assert_ne!(
        korday.document_key, akzhol.document_key,
        "national keys differ"
    );
    assert_ne!(korday.twin_key, korday.document_key);
    assert!(at(&ours, "KZ-ALA").twin_key.is_empty(), "not a twin post");
}
