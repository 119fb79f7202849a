//! The aggregator's record decoder, under ten thousand arbitrary payloads,
//! mutated real records and well-formed records with absurd values: it
//! never panics on the path a record takes (decode, times, window facts),
//! and every refusal has a kind for the dead-letter header that matches
//! why it was refused.

use std::sync::LazyLock;

use borderflow_aggregator::windows::codec::{self, DecodeError, Decoded};
use borderflow_domain::keys::Pseudonymiser;
use borderflow_ingest::record::RecordBuilder;
use borderflow_ingest::validate::{Limits, validate_event};
use borderflow_proto::Message;
use borderflow_proto::Timestamp;
use borderflow_proto::inspection::v1::{
    CheckpointHeartbeat, Inspection, InspectionRecord, inspection_record,
};
use proptest::prelude::*;

use crate::fuzz_config;
use crate::hostile::{hostile_text, valid_event};

/// A record as ingest publishes it, and a heartbeat, encoded.
static VALID_RECORDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(valid_records);

fn valid_records() -> Vec<Vec<u8>> {
    let builder = RecordBuilder::new(
        Pseudonymiser::new(b"hostile input test secret").unwrap(),
        false,
    );
    let event = valid_event("GEN-00001", 1);
    let times = validate_event(&event, &Limits::default()).unwrap();
    let inspection = builder.build(event, times, times.completed_at + 1_000);
    let heartbeat = CheckpointHeartbeat {
        checkpoint_id: "GEN-00001-L01".into(),
        crossing_id: "GEN-00001".into(),
        at: Some(Timestamp {
            seconds: 1_777_000_000,
            nanos: 0,
        }),
        status: 1,
        buffered_events: 3,
    };
    [
        inspection_record::Body::Inspection(inspection),
        inspection_record::Body::Heartbeat(heartbeat),
    ]
    .into_iter()
    .map(|body| InspectionRecord { body: Some(body) }.encode_to_vec())
    .collect()
}

/// One edit of an encoded record.
#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(usize, u8),
    SetByte(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    /// Appends the other record: protobuf merges concatenated messages.
    AppendOther,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..8u8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::SetByte(at, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), 1..32usize).prop_map(|(at, n)| Mutation::Remove(at, n)),
        Just(Mutation::AppendOther),
    ]
}

fn mutate(bytes: &mut Vec<u8>, other: &[u8], mutation: &Mutation) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
    match mutation {
        Mutation::FlipBit(i, bit) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes[i] ^= 1 << bit;
        }
        Mutation::SetByte(i, b) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes[i] = *b;
        }
        Mutation::Truncate(i) => bytes.truncate(at(*i, bytes.len() + 1)),
        Mutation::Insert(i, more) => {
            let i = at(*i, bytes.len() + 1);
            bytes.splice(i..i, more.iter().copied());
        }
        Mutation::Remove(i, n) => {
            let i = at(*i, bytes.len() + 1);
            bytes.drain(i..(i + n).min(bytes.len()));
        }
        Mutation::AppendOther => bytes.extend_from_slice(other),
        Mutation::FlipBit(..) | Mutation::SetByte(..) => {}
    }
}

/// Timestamps from the ordinary to the absurd, valid and not.
fn timestamp() -> impl Strategy<Value = Option<Timestamp>> {
    let seconds = prop_oneof![
        any::<i64>(),
        Just(i64::MIN),
        Just(i64::MAX),
        // The widest span that still converts to milliseconds.
        -9_223_372_036_854_775i64..=9_223_372_036_854_775,
        1_700_000_000i64..1_800_000_000,
    ];
    let nanos = prop_oneof![any::<i32>(), 0..1_000_000_000i32, Just(-1), Just(i32::MAX)];
    prop::option::of((seconds, nanos).prop_map(|(seconds, nanos)| Timestamp { seconds, nanos }))
}

/// Well-formed records whose values are hostile.
fn hostile_inspection() -> impl Strategy<Value = Vec<u8>> {
    let event_id = prop_oneof![
        hostile_text(),
        any::<u128>().prop_map(|id| uuid::Uuid::from_u128(id).to_string()),
    ];
    (
        event_id,
        prop_oneof![hostile_text(), Just("GEN-00001".to_owned())],
        [timestamp(), timestamp(), timestamp()],
        any::<[i32; 4]>(),
        prop::option::of(any::<u32>()),
    )
        .prop_map(|(event_id, crossing_id, [q, s, c], enums, age)| {
            let inspection = Inspection {
                event_id,
                crossing_id,
                queued_at: q,
                started_at: s,
                completed_at: c,
                direction: enums[0],
                mode: enums[1],
                outcome: enums[2],
                refusal_reason: enums[3],
                traveller: Some(borderflow_proto::inspection::v1::TravellerFacts {
                    age_years: age,
                    ..Default::default()
                }),
                ..Default::default()
            };
            InspectionRecord {
                body: Some(inspection_record::Body::Inspection(inspection)),
            }
            .encode_to_vec()
        })
}

/// Decodes `payload` and follows an inspection down the aggregator's path
/// (times, then window facts): never a panic, and every refusal has a kind
/// that matches why it was refused.
fn check_decode(payload: &[u8]) -> Result<(), TestCaseError> {
    let wire = InspectionRecord::decode(payload);
    match codec::decode(payload) {
        Ok(Decoded::Inspection(inspection)) => {
            let times = codec::times(&inspection);
            match codec::facts(&inspection, false, &Default::default()) {
                Ok(facts) => {
                    let completed = times.map(|(_, _, c)| c);
                    prop_assert_eq!(Ok::<_, DecodeError>(facts.event_ms), completed);
                }
                Err(error) => check_error(&error)?,
            }
        }
        Ok(Decoded::Heartbeat(beat)) => {
            prop_assert!(!beat.crossing_id.is_empty() && !beat.checkpoint_id.is_empty());
        }
        Ok(Decoded::Escort(_)) => {
            prop_assert!(
                wire.is_ok_and(|r| matches!(r.body, Some(inspection_record::Body::Escort(_))))
            );
        }
        Err(error) => {
            check_error(&error)?;
            match &error {
                DecodeError::Undecodable(_) => prop_assert!(wire.is_err()),
                DecodeError::Empty => prop_assert!(wire.is_ok_and(|r| r.body.is_none())),
                DecodeError::Invalid { field, .. } => {
                    prop_assert!(field.starts_with("heartbeat."), "{}", field);
                }
            }
        }
    }
    Ok(())
}

fn check_error(error: &DecodeError) -> Result<(), TestCaseError> {
    let kind = match error {
        DecodeError::Undecodable(_) => "undecodable",
        DecodeError::Empty => "empty",
        DecodeError::Invalid { .. } => "invalid",
    };
    prop_assert_eq!(error.kind(), kind);
    prop_assert!(!error.to_string().is_empty());
    Ok(())
}

#[test]
fn valid_records_decode() {
    for record in VALID_RECORDS.iter() {
        assert!(codec::decode(record).is_ok());
    }
}

proptest! {
    #![proptest_config(fuzz_config())]

    #[test]
    fn the_record_decoder_survives_any_bytes(
        payload in prop::collection::vec(any::<u8>(), 0..1024),
    ) {
        check_decode(&payload)?;
    }

    #[test]
    fn the_record_decoder_survives_mutated_records(
        which in 0..2usize,
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let records = &*VALID_RECORDS;
        let mut payload = records[which].clone();
        for mutation in &mutations {
            mutate(&mut payload, &records[1 - which], mutation);
        }
        check_decode(&payload)?;
    }

    #[test]
    fn the_record_decoder_survives_hostile_values(payload in hostile_inspection()) {
        check_decode(&payload)?;
    }
}
