//! Guarantee 5, bad input: a real ingest on a real broker is sent random
//! bytes, truncated and oversized frames, and events full of hostile values.
//! Every call ends with a gRPC status within a time limit (never a reset
//! stream, never a hang), structural problems come back as
//! INVALID_ARGUMENT naming the field, and afterwards the server still
//! reports SERVING and acknowledges a valid event. The pure decoders behind
//! it, the MRZ reader and the aggregator's record decoder, are fuzzed with
//! ten thousand cases each and no broker (`hostile_input/mrz.rs`,
//! `hostile_input/records.rs`).

#[path = "hostile_input/edge.rs"]
mod edge;
#[path = "hostile_input/hostile.rs"]
mod hostile;
#[path = "hostile_input/mrz.rs"]
mod mrz;
#[path = "hostile_input/records.rs"]
mod records;
#[path = "hostile_input/verdicts.rs"]
mod verdicts;
#[path = "hostile_input/wire.rs"]
mod wire;

use std::cell::RefCell;
use std::collections::BTreeMap;

use borderflow_proto::Message;
use borderflow_proto::ingest::v1::{
    StreamInspectionsRequest, StreamInspectionsResponse, SubmitInspectionRequest,
};
use edge::{Edge, MAX_BATCH, runtime, within};
use hostile::{Hostile, hostile, pinned, valid_event};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tonic::Code;
use verdicts::{Expected, check_batch, check_invalid, check_submit, expected};
use wire::{Answer, STREAM, SUBMIT, frame, frame_with};

/// Cases per decoder property: enough to reach corners a few hundred miss.
const FUZZ_CASES: u32 = 10_000;
/// tonic refuses frames beyond this (borderflow_common::grpc::MAX_MESSAGE_BYTES).
const MAX_MESSAGE: usize = borderflow_common::grpc::MAX_MESSAGE_BYTES;
/// gRPC cases per property: a few hundred calls keep the test near 30 s.
const GRPC_CASES: u32 = 256;
/// Largest streamed batch of copies of one hostile event.
const BATCH_BYTES: usize = 4 << 20;

fn fuzz_config() -> Config {
    Config {
        cases: FUZZ_CASES,
        failure_persistence: None,
        ..Config::default()
    }
}

fn grpc_config() -> Config {
    Config {
        cases: GRPC_CASES,
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    }
}

/// `message` with the first event's id (its first string) made invalid
/// UTF-8.
fn invalid_utf8(message: &[u8]) -> Vec<u8> {
    let mut bytes = message.to_vec();
    let at = bytes.windows(2).position(|w| w == [0x0a, 36]).unwrap();
    bytes[at + 2] = 0xff;
    bytes
}

/// Asserts an answer's code, and that its message mentions `needle`.
fn assert_answer(case: &str, answer: &Result<Answer, String>, code: Code, needle: &str) {
    let answer = answer
        .as_ref()
        .unwrap_or_else(|e| panic!("{case}: no status: {e}"));
    assert_eq!(answer.status.code(), code, "{case}: {:?}", answer.status);
    assert!(
        answer.status.message().contains(needle),
        "{case}: {:?} does not mention {needle:?}",
        answer.status.message()
    );
}

/// Fixed malformed requests, each with the status it must end in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_end_with_a_status() {
    let edge = Edge::start().await;
    let oversized = vec![b'A'; MAX_MESSAGE + 1];
    // Unknown groups nested far beyond protobuf's recursion limit.
    let nested: Vec<u8> = [[0xa3, 0x06].repeat(200), [0xa4, 0x06].repeat(200)].concat();

    let mut checked = 0;
    for (path, valid) in [
        (SUBMIT, edge.valid_submit(1)),
        (STREAM, edge.valid_batch(0, 1)),
    ] {
        let bad_utf8 = invalid_utf8(&valid);
        let cases: Vec<(&str, Vec<u8>, Code, &str)> = vec![
            (
                "half a header",
                vec![0, 0, 1],
                Code::Internal,
                "Unexpected EOF",
            ),
            (
                "length 100, 10 bytes",
                frame_with(0, 100, &valid[..10]),
                Code::Internal,
                "Unexpected EOF",
            ),
            (
                "length u32::MAX",
                frame_with(0, u32::MAX, b"x"),
                Code::OutOfRange,
                "too large",
            ),
            (
                "a message over the size limit",
                frame(&oversized),
                Code::OutOfRange,
                "too large",
            ),
            (
                "compressed flag without an encoding",
                frame_with(1, valid.len() as u32, &valid),
                Code::Internal,
                "compressed-flag",
            ),
            (
                "compression flag 7",
                frame_with(7, valid.len() as u32, &valid),
                Code::Internal,
                "compression flag",
            ),
            (
                "invalid UTF-8 in a string",
                frame(&bad_utf8),
                Code::Internal,
                "UTF-8",
            ),
            (
                "groups nested 200 deep",
                frame(&nested),
                Code::Internal,
                "recursion",
            ),
        ];
        for (case, body, code, needle) in cases {
            checked += 1;
            let answer = edge.raw(path, body).await;
            assert_answer(&format!("{path}: {case}"), &answer, code, needle);
        }
    }

    // Within the frame limit but beyond ingest's own limits.
    let mut long_id = valid_event(&edge.checkpoint.crossing_id, 3);
    long_id.event_id = "7".repeat(1 << 20);
    let body = SubmitInspectionRequest {
        event: Some(long_id),
    }
    .encode_to_vec();
    let answer = edge.raw(SUBMIT, frame(&body)).await;
    assert_answer(
        "a 1 MiB event id",
        &answer,
        Code::InvalidArgument,
        "event.event_id",
    );
    let answer = edge.raw(SUBMIT, frame(&[])).await;
    assert_answer("an empty request", &answer, Code::InvalidArgument, "event");
    let answer = edge
        .raw(STREAM, frame(&edge.valid_batch(1, MAX_BATCH + 1)))
        .await;
    assert_answer(
        "one event too many",
        &answer,
        Code::InvalidArgument,
        "exceeds the limit",
    );
    checked += 3;

    // A good batch, then a torn one: the good one is acknowledged first.
    let good = edge.valid_batch(7, 3);
    let body = [frame(&good), frame_with(0, 500, &good[..20])].concat();
    let answer = edge.raw(STREAM, body).await;
    assert_answer(
        "a batch, then a torn frame",
        &answer,
        Code::Internal,
        "Unexpected EOF",
    );
    let acks = &answer.as_ref().unwrap().messages;
    assert_eq!(acks.len(), 1, "the good batch is acknowledged");
    let ack = StreamInspectionsResponse::decode(acks[0].clone()).unwrap();
    assert_eq!((ack.sequence, ack.accepted), (7, 3));

    checked += 1;
    edge.assert_still_serving().await;
    eprintln!("malformed frames: {checked} cases, each answered with the expected status");
    edge.ingest.shutdown.cancel();
}

/// Random bytes, and valid requests with a few bytes changed.
fn payload(valid: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..16),
        1 => prop::collection::vec(any::<u8>(), 0..4096),
        2 => prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8).prop_map(
            move |edits| {
                let mut bytes = valid.clone();
                for (at, byte) in edits {
                    let i = at.index(bytes.len());
                    bytes[i] = byte;
                }
                bytes
            }
        ),
    ]
}

#[test]
fn random_bytes_end_with_a_status() {
    let rt = runtime();
    let edge = rt.block_on(Edge::start());
    let strategy = (
        payload(edge.valid_submit(11)),
        payload(edge.valid_batch(12, 3)),
    );
    let mut runner = TestRunner::new(grpc_config());
    let codes = RefCell::new(BTreeMap::<String, u32>::new());
    runner
        .run(&strategy, |(unary, batch)| {
            let (submitted, streamed) = rt.block_on(async {
                (
                    edge.raw(SUBMIT, frame(&unary)).await,
                    edge.raw(STREAM, frame(&batch)).await,
                )
            });
            let submitted = submitted.map_err(TestCaseError::fail)?;
            let streamed = streamed.map_err(TestCaseError::fail)?;
            for status in [&submitted.status, &streamed.status] {
                *codes
                    .borrow_mut()
                    .entry(format!("{:?}", status.code()))
                    .or_default() += 1;
            }
            check_submit(&edge.checkpoint, &unary, submitted)?;
            match StreamInspectionsRequest::decode(batch.as_slice()) {
                Err(_) => prop_assert_eq!(streamed.status.code(), Code::Internal),
                Ok(request) => {
                    let acks: Vec<StreamInspectionsResponse> = streamed
                        .messages
                        .iter()
                        .map(|m| StreamInspectionsResponse::decode(m.clone()).unwrap())
                        .collect();
                    check_batch(&edge.checkpoint, &request, &acks, &streamed.status)?;
                }
            }
            Ok(())
        })
        .unwrap();
    rt.block_on(edge.assert_still_serving());
    eprintln!(
        "random bytes: {GRPC_CASES} unary and {GRPC_CASES} streamed payloads; codes {:?}",
        codes.borrow()
    );
    edge.ingest.shutdown.cancel();
}

/// A valid event with hostile replacements, sent alone and as `copies`.
fn hostile_case() -> impl Strategy<Value = (Vec<Hostile>, usize, u64)> {
    (
        prop::collection::vec(hostile(), 1..4),
        prop_oneof![Just(1usize), 2..40usize, Just(MAX_BATCH + 1)],
        any::<u64>(),
    )
}

/// Sends `event` with `hostiles` applied, alone and as `copies` in one
/// batch, and checks both answers; returns what was expected.
async fn check_hostile(
    edge: &Edge,
    hostiles: &[Hostile],
    copies: usize,
    seed: u64,
) -> Result<Expected, TestCaseError> {
    let mut event = valid_event(&edge.checkpoint.crossing_id, seed);
    for h in hostiles {
        h.apply(&mut event);
    }
    let want = expected(&edge.checkpoint, &event);
    match &want {
        Expected::Invalid(field) => prop_assert!(
            hostiles.iter().any(|h| h.implicates(field)),
            "{} is not a field that was replaced",
            field
        ),
        Expected::Forbidden => prop_assert!(hostiles.iter().any(Hostile::touches_identity)),
        Expected::Accepted => {}
    }
    let request = SubmitInspectionRequest {
        event: Some(event.clone()),
    };
    let submitted = within(edge.client().submit_inspection(request))
        .await
        .map_err(TestCaseError::fail)?;
    match (&want, submitted) {
        (Expected::Accepted, Ok(response)) => {
            prop_assert_eq!(&response.get_ref().event_id, &event.event_id);
        }
        (Expected::Invalid(field), Err(status)) => check_invalid(&status, field)?,
        (Expected::Forbidden, Err(status)) => {
            prop_assert_eq!(status.code(), Code::PermissionDenied, "{:?}", status);
        }
        (want, got) => prop_assert!(false, "wanted {:?}, got {:?}", want, got),
    }
    // Repeated copies, as many as stay well below the frame limit.
    let copies = copies.min(BATCH_BYTES / event.encoded_len().max(1)).max(1);
    let batch = StreamInspectionsRequest {
        sequence: seed,
        events: vec![event; copies],
        heartbeat: None,
    };
    let (acks, status) = edge
        .stream(batch.clone())
        .await
        .map_err(TestCaseError::fail)?;
    check_batch(&edge.checkpoint, &batch, &acks, &status)?;
    Ok(want)
}

#[test]
fn hostile_field_values_are_refused_by_field() {
    let rt = runtime();
    let edge = rt.block_on(Edge::start());
    let seen = RefCell::new(BTreeMap::<&str, u32>::new());
    let count = |want: Expected| {
        let label = match want {
            Expected::Accepted => "accepted",
            Expected::Invalid(_) => "invalid",
            Expected::Forbidden => "forbidden",
        };
        *seen.borrow_mut().entry(label).or_default() += 1;
    };
    for (seed, hostiles) in pinned().into_iter().enumerate() {
        let want = rt.block_on(check_hostile(&edge, &hostiles, 3, seed as u64));
        count(want.unwrap_or_else(|e| panic!("{hostiles:?}: {e}")));
    }
    let mut runner = TestRunner::new(grpc_config());
    runner
        .run(&hostile_case(), |(hostiles, copies, seed)| {
            count(rt.block_on(check_hostile(&edge, &hostiles, copies, seed))?);
            Ok(())
        })
        .unwrap();
    rt.block_on(edge.assert_still_serving());
    eprintln!(
        "hostile values: {} pinned and {GRPC_CASES} generated events, unary and streamed; {:?}",
        pinned().len(),
        seen.borrow()
    );
    edge.ingest.shutdown.cancel();
}
