//! The re-scan grace and the pairing of minors with adults through the
//! inspections stage's step: what is reported, when, and what a restart
//! from the committed offset re-derives.

use std::sync::Arc;

use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::AnomalyKind;
use borderflow_proto::inspection::v1::{
    CheckpointHeartbeat, CheckpointStatus, DocumentFacts, GuardianRelation, Inspection,
    InspectionRecord, Outcome, TravellerFacts, inspection_record,
};
use borderflow_proto::{ms_to_timestamp, timestamp_to_ms};

use super::*;
use crate::detect::DetectConfig;
use crate::detect::references::Listed;
use crate::partition::WindowConfig;
use crate::partition::effects::{Collected, Record};

const SEC: i64 = 1_000;
const MIN: i64 = 60 * SEC;
const T: i64 = 1_780_000_000_000;

fn partition() -> PartitionState {
    PartitionState::new(
        0,
        WindowConfig::default(),
        Arc::new(DetectConfig::default()),
        Arc::new(Listed::default()),
    )
}

/// An inspection at booth `booth` of document (`doc`, `person`), started
/// at `at` and lasting a minute; event ids differ by `n`.
fn inspection(n: u32, booth: &str, at: i64, doc: u8, person: u8, valid: bool) -> Vec<u8> {
    let inspection = Inspection {
        event_id: format!("6f1c1c1e-9d2b-4f5e-8a77-{n:012x}"),
        crossing_id: "KG-DOS".into(),
        checkpoint_id: booth.into(),
        officer_id: "KG-DOS-O001".into(),
        started_at: Some(ms_to_timestamp(at)),
        completed_at: Some(ms_to_timestamp(at + MIN)),
        document: Some(DocumentFacts {
            mrz_valid: valid,
            document_key: vec![doc; 32].into(),
            person_key: vec![person; 32].into(),
            ..DocumentFacts::default()
        }),
        outcome: if valid {
            Outcome::Admitted
        } else {
            Outcome::Unspecified
        } as i32,
        ..Inspection::default()
    };
    InspectionRecord {
        body: Some(inspection_record::Body::Inspection(inspection)),
    }
    .encode_to_vec()
}

fn heartbeat(booth: &str, at: i64) -> Vec<u8> {
    InspectionRecord {
        body: Some(inspection_record::Body::Heartbeat(CheckpointHeartbeat {
            checkpoint_id: booth.into(),
            crossing_id: "KG-DOS".into(),
            at: Some(ms_to_timestamp(at)),
            status: CheckpointStatus::Open as i32,
            buffered_events: 0,
        })),
    }
    .encode_to_vec()
}

/// Steps `records` from `from` (offsets are indexes), publishing after
/// each; the MRZ_CHECK_DIGIT anomalies as (event id, detected at).
fn run(p: &mut PartitionState, records: &[Vec<u8>], from: usize) -> Vec<(String, i64)> {
    let mut out = Collected::default();
    for (offset, payload) in records.iter().enumerate().skip(from) {
        let record = Record {
            partition: 0,
            offset: offset as i64,
            key: None,
            payload,
        };
        p.step(&record, &mut out).unwrap();
        p.publish(&mut out).unwrap();
    }
    out.anomalies
        .into_iter()
        .filter(|a| a.kind == AnomalyKind::MrzCheckDigit as i32)
        .map(|a| {
            let at = a.detected_at.as_ref().and_then(timestamp_to_ms).unwrap();
            (a.evidence.unwrap().event_ids[0].clone(), at)
        })
        .collect()
}

fn id(n: u32) -> String {
    format!("6f1c1c1e-9d2b-4f5e-8a77-{n:012x}")
}

#[test]
fn a_misread_rescanned_at_the_booth_is_not_reported() {
    let mut p = partition();
    let records = vec![
        inspection(1, "L1", T, 1, 1, false),
        // The re-scan: the misread was in the name, the number reads the same.
        inspection(2, "L1", T + MIN + 20 * SEC, 1, 2, true),
        inspection(3, "L1", T + 3 * MIN, 3, 3, true),
        heartbeat("L1", T + 30 * MIN),
    ];
    assert!(run(&mut p, &records, 0).is_empty());
    assert_eq!(p.held_rescans(), 0);
}

#[test]
fn a_zone_that_fails_again_is_reported_when_the_booth_moves_past_the_grace() {
    let mut p = partition();
    let records = vec![
        inspection(1, "L1", T, 1, 1, false),
        inspection(2, "L1", T + 90 * SEC, 1, 1, false),
        // Another booth runs ahead; it does not release L1's reads.
        heartbeat("L2", T + 40 * MIN),
        inspection(3, "L1", T + 4 * MIN, 3, 3, true),
        // A heartbeat past the grace: the booth may still be busy.
        heartbeat("L1", T + 7 * MIN),
        inspection(4, "L1", T + 9 * MIN, 4, 4, true),
    ];
    let reported = run(&mut p, &records, 0);
    // The first read (completed at T + 1 min) passes its grace at the
    // booth's 6 min; the next traveller started at 9 min is the first sign
    // past it. The second (completed at 2 min 30 s) too.
    assert_eq!(reported, vec![(id(1), T + 9 * MIN), (id(2), T + 9 * MIN)]);
}

#[test]
fn the_commit_offset_holds_back_for_a_held_zone_and_a_restart_reports_it_alike() {
    let mut records = vec![inspection(1, "L1", T, 5, 5, true)];
    records.push(inspection(2, "L2", T + MIN, 1, 1, false));
    // L2 falls silent; L1 carries on for three quarters of an hour.
    for k in 0..12 {
        records.push(inspection(
            10 + k,
            "L1",
            T + 2 * MIN + i64::from(k) * 4 * MIN,
            9,
            9,
            true,
        ));
    }
    let mut p = partition();
    let before = run(&mut p, &records, 0);
    assert!(before.is_empty());
    assert_eq!(p.held_rescans(), 1);
    // Windows alone would let the commit pass offset 1.
    let committed = p.commit_offset().unwrap();
    assert_eq!(committed, 1);

    // A crash: a new owner replays from the committed offset.
    let mut restarted = partition();
    assert!(run(&mut restarted, &records, committed as usize).is_empty());
    assert_eq!(restarted.held_rescans(), 1);

    // Both go on until the watermark passes the fallback (an hour).
    let more: Vec<Vec<u8>> = (0..12)
        .map(|k| {
            inspection(
                40 + k,
                "L1",
                T + 82 * MIN + i64::from(k) * 4 * MIN,
                9,
                9,
                true,
            )
        })
        .collect();
    let first = run(&mut p, &more, 0);
    let second = run(&mut restarted, &more, 0);
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].0, id(2));
    assert_eq!(first, second);
    assert_eq!(p.held_rescans(), 0);
}

/// [`inspection`] of a traveller aged `age` naming the inspection `with`.
fn traveller(n: u32, at: i64, doc: u8, age: u32, with: Option<u32>) -> Vec<u8> {
    let mut record =
        InspectionRecord::decode(&inspection(n, "L1", at, doc, doc, true)[..]).unwrap();
    if let Some(inspection_record::Body::Inspection(i)) = &mut record.body {
        i.traveller = Some(TravellerFacts {
            age_years: Some(age),
            accompanied_by: with.map(id).unwrap_or_default(),
            guardian_relation: GuardianRelation::Unrelated as i32,
            ..TravellerFacts::default()
        });
    }
    record.encode_to_vec()
}

#[test]
fn a_minor_and_its_adult_reach_the_adults_document_once_paired_and_again_after_a_restart() {
    let mut records = vec![
        traveller(1, T, 1, 38, None),
        traveller(2, T + 30 * SEC, 2, 11, Some(1)),
    ];
    for k in 0..4 {
        records.push(traveller(
            10 + k,
            T + i64::from(k + 1) * 2 * MIN,
            9,
            30,
            None,
        ));
    }
    let step_all = |p: &mut PartitionState, from: usize| {
        let mut out = Collected::default();
        for (offset, payload) in records.iter().enumerate().skip(from) {
            let record = Record {
                partition: 0,
                offset: offset as i64,
                key: None,
                payload,
            };
            p.step(&record, &mut out).unwrap();
        }
        out.escorts
    };
    let mut p = partition();
    let escorts = step_all(&mut p, 0);
    // The adult (completed at T + 1 min) is due at 6 min; the watermark
    // (newest 9 min, less 2 of lateness) is at 7.
    assert_eq!(escorts.len(), 1);
    let (key, escort) = &escorts[0];
    assert_eq!(key, &vec![1u8; 32]);
    assert_eq!(escort.event_id, id(1));
    assert_eq!(escort.minors.len(), 1);
    assert_eq!(escort.minors[0].event_id, id(2));
    // Held before it was released: a restart from an earlier commit pairs
    // the two again, under the same adult's inspection.
    let mut restarted = partition();
    let again = step_all(&mut restarted, 0);
    assert_eq!(again, escorts);
    // What is still held keeps the commit back: the adult at offset 2
    // (completed at 3 min) is due at 8, where windows alone would let the
    // commit pass to 4.
    assert_eq!(p.commit_offset(), Some(2));
    assert!(p.held_escorts() > 0);
}
