use borderflow_proto::inspection::v1::{
    BoothChecks, CalendarDate, DocumentFields, MachineReadableZone, Traveller, document_read,
};
use borderflow_proto::ms_to_timestamp;

use super::*;

const T0: i64 = 1_780_000_000_000;

/// The field expected in the error, and how to break a valid event.
type Case = (&'static str, fn(&mut InspectionEvent));

pub(crate) fn valid_event() -> InspectionEvent {
    InspectionEvent {
        event_id: "6f1c1c1e-9d2b-4f5e-8a77-0c2f1d3e4b5a".into(),
        crossing_id: "KZ-KOR".into(),
        lane_id: "L01".into(),
        checkpoint_id: "KZ-KOR-L01".into(),
        officer_id: "OFF-017".into(),
        direction: Direction::Entry as i32,
        mode: TravelMode::Road as i32,
        queued_at: Some(ms_to_timestamp(T0 - 600_000)),
        started_at: Some(ms_to_timestamp(T0 - 90_000)),
        completed_at: Some(ms_to_timestamp(T0)),
        document: Some(DocumentRead {
            source: Some(document_read::Source::Mrz(MachineReadableZone {
                lines: vec![
                    "P<SWEERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<".into(),
                    "L898902C36SWE7408122F1204159ZE184226B<<<<<10".into(),
                ],
            })),
        }),
        traveller: Some(Traveller::default()),
        checks: Some(BoothChecks {
            biometric_score: Some(0.93),
            ..Default::default()
        }),
        outcome: Outcome::Admitted as i32,
        refusal_reason: 0,
        protection: None,
    }
}

fn field_of(event: &InspectionEvent) -> String {
    validate_event(event, &Limits::default())
        .expect_err("event should be refused")
        .field
}

#[test]
fn accepts_a_complete_event() {
    let times = validate_event(&valid_event(), &Limits::default()).unwrap();
    assert_eq!(times.completed_at, T0);
    assert_eq!(times.started_at, T0 - 90_000);
}

#[test]
fn names_each_missing_field() {
    let cases: Vec<Case> = vec![
        ("event.event_id", |e| e.event_id.clear()),
        ("event.crossing_id", |e| e.crossing_id.clear()),
        ("event.lane_id", |e| e.lane_id.clear()),
        ("event.checkpoint_id", |e| e.checkpoint_id.clear()),
        ("event.officer_id", |e| e.officer_id.clear()),
        ("event.direction", |e| e.direction = 0),
        ("event.mode", |e| e.mode = 0),
        ("event.completed_at", |e| e.completed_at = None),
        ("event.started_at", |e| e.started_at = None),
        ("event.queued_at", |e| e.queued_at = None),
        ("event.document", |e| e.document = None),
    ];
    for (field, break_it) in cases {
        let mut event = valid_event();
        break_it(&mut event);
        assert_eq!(field_of(&event), field);
    }
}

#[test]
fn an_abandoned_inspection_has_no_outcome() {
    let mut event = valid_event();
    event.outcome = Outcome::Unspecified as i32;
    assert!(validate_event(&event, &Limits::default()).is_ok());
    event.outcome = 9;
    assert_eq!(field_of(&event), "event.outcome");
}

#[test]
fn refuses_bad_values() {
    let cases: Vec<Case> = vec![
        ("event.event_id", |e| e.event_id = "not-a-uuid".into()),
        ("event.crossing_id", |e| e.crossing_id = "KZ KOR".into()),
        ("event.crossing_id", |e| e.crossing_id = "X".repeat(65)),
        ("event.direction", |e| e.direction = 9),
        ("event.refusal_reason", |e| {
            e.outcome = Outcome::Refused as i32
        }),
        ("event.refusal_reason", |e| {
            e.refusal_reason = RefusalReason::B as i32
        }),
        ("event.completed_at", |e| {
            e.completed_at = Some(borderflow_proto::Timestamp {
                seconds: 1,
                nanos: 2_000_000_000,
            })
        }),
        ("event.completed_at", |e| {
            e.completed_at = Some(ms_to_timestamp(0))
        }),
        ("event.started_at", |e| {
            e.started_at = Some(ms_to_timestamp(T0 + 1))
        }),
        ("event.queued_at", |e| {
            e.queued_at = Some(ms_to_timestamp(T0 - 49 * 3_600_000))
        }),
        ("event.document.mrz.lines", |e| {
            e.document = Some(DocumentRead {
                source: Some(document_read::Source::Mrz(MachineReadableZone {
                    lines: vec![],
                })),
            })
        }),
        ("event.document.mrz.lines[1]", |e| {
            if let Some(document_read::Source::Mrz(mrz)) =
                e.document.as_mut().and_then(|d| d.source.as_mut())
            {
                mrz.lines[1] = "<".repeat(500);
            }
        }),
        ("event.document.fields.document_number", |e| {
            e.document = Some(DocumentRead {
                source: Some(document_read::Source::Fields(DocumentFields {
                    document_code: "P".into(),
                    issuing_state: "KAZ".into(),
                    nationality: "KAZ".into(),
                    ..Default::default()
                })),
            })
        }),
        ("event.document.fields.birth_date", |e| {
            e.document = Some(DocumentRead {
                source: Some(document_read::Source::Fields(DocumentFields {
                    document_code: "P".into(),
                    issuing_state: "KAZ".into(),
                    document_number: "N1234567".into(),
                    nationality: "KAZ".into(),
                    birth_date: Some(CalendarDate {
                        year: i32::MIN,
                        month: 1,
                        day: 1,
                    }),
                    ..Default::default()
                })),
            })
        }),
        ("event.traveller.accompanied_by", |e| {
            e.traveller.as_mut().unwrap().accompanied_by = "mum".into()
        }),
        ("event.traveller.age_years", |e| {
            e.traveller.as_mut().unwrap().age_years = Some(400)
        }),
        ("event.checks.biometric_score", |e| {
            e.checks.as_mut().unwrap().biometric_score = Some(f32::NAN)
        }),
        ("event.checks.biometric_score", |e| {
            e.checks.as_mut().unwrap().biometric_score = Some(1.5)
        }),
        ("event.protection.referrals[0]", |e| {
            e.protection = Some(Protection {
                referrals: vec![0],
                ..Protection::default()
            })
        }),
        ("event.protection.referrals[1]", |e| {
            e.protection = Some(Protection {
                protection_requested: true,
                referrals: vec![ReferralCategory::AsylumAuthority as i32, 17],
                ..Protection::default()
            })
        }),
        ("event.protection.referrals[2]", |e| {
            e.protection = Some(Protection {
                referrals: vec![
                    ReferralCategory::ChildProtection as i32,
                    ReferralCategory::Medical as i32,
                    ReferralCategory::ChildProtection as i32,
                ],
                ..Protection::default()
            })
        }),
    ];
    for (field, break_it) in cases {
        let mut event = valid_event();
        break_it(&mut event);
        assert_eq!(field_of(&event), field);
    }
}

#[test]
fn a_protection_request_with_referrals_is_valid() {
    let mut event = valid_event();
    event.outcome = Outcome::ReferredToSecondary as i32;
    event.protection = Some(Protection {
        protection_requested: true,
        suspected_trafficking_victim: true,
        referrals: vec![
            ReferralCategory::AsylumAuthority as i32,
            ReferralCategory::AntiTrafficking as i32,
        ],
    });
    assert!(validate_event(&event, &Limits::default()).is_ok());
}

#[test]
fn a_refusal_with_a_reason_is_valid() {
    let mut event = valid_event();
    event.outcome = Outcome::Refused as i32;
    event.refusal_reason = RefusalReason::B as i32;
    assert!(validate_event(&event, &Limits::default()).is_ok());
}
