//! What ingest must answer: the oracle (the structural checks, then
//! authorisation, as the pure functions decide them) and the checks of a
//! unary answer and of a streamed batch's answers against it.

use borderflow_ingest::auth::{Checkpoint, authorise};
use borderflow_ingest::validate::{Limits, validate_event};
use borderflow_proto::Message;
use borderflow_proto::ingest::v1::{
    StreamInspectionsRequest, StreamInspectionsResponse, SubmitInspectionRequest,
    SubmitInspectionResponse,
};
use borderflow_proto::inspection::v1::InspectionEvent;
use proptest::prelude::*;
use tonic::{Code, Status};

use crate::edge::MAX_BATCH;
use crate::wire::Answer;

/// The booth every hostile event is sent as.
pub(crate) fn checkpoint(crossing: &str) -> Checkpoint {
    Checkpoint {
        id: format!("{crossing}-L01"),
        crossing_id: crossing.to_owned(),
        lanes: vec!["L01".into()],
    }
}

/// What ingest must answer for one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expected {
    Accepted,
    /// INVALID_ARGUMENT naming this field.
    Invalid(String),
    /// PERMISSION_DENIED: a valid event for another booth.
    Forbidden,
}

/// The answer the rules give: the structural checks, then authorisation.
pub(crate) fn expected(checkpoint: &Checkpoint, event: &InspectionEvent) -> Expected {
    match validate_event(event, &Limits::default()) {
        Err(error) => Expected::Invalid(error.field),
        Ok(_) => match authorise(
            checkpoint,
            &event.crossing_id,
            &event.lane_id,
            &event.checkpoint_id,
        ) {
            Ok(()) => Expected::Accepted,
            Err(_) => Expected::Forbidden,
        },
    }
}

/// What ingest must answer to `payload` as a SubmitInspection request.
pub(crate) fn check_submit(
    checkpoint: &Checkpoint,
    payload: &[u8],
    answer: Answer,
) -> Result<(), TestCaseError> {
    let code = answer.status.code();
    let Ok(request) = SubmitInspectionRequest::decode(payload) else {
        prop_assert_eq!(code, Code::Internal, "{:?}", answer.status);
        return Ok(());
    };
    let want = match &request.event {
        None => Expected::Invalid("event".into()),
        Some(event) => expected(checkpoint, event),
    };
    match want {
        Expected::Accepted => {
            prop_assert_eq!(code, Code::Ok, "{:?}", answer.status);
            prop_assert_eq!(answer.messages.len(), 1);
            let response = SubmitInspectionResponse::decode(answer.messages[0].clone()).unwrap();
            prop_assert_eq!(response.event_id, request.event.unwrap().event_id);
        }
        Expected::Invalid(field) => check_invalid(&answer.status, &field)?,
        Expected::Forbidden => prop_assert_eq!(code, Code::PermissionDenied),
    }
    Ok(())
}

/// INVALID_ARGUMENT naming `field`, in the message and machine-readably.
pub(crate) fn check_invalid(status: &Status, field: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(status.code(), Code::InvalidArgument, "{:?}", status);
    prop_assert!(
        status.message().starts_with(field),
        "{:?}",
        status.message()
    );
    let named = status.metadata().get("borderflow-field");
    prop_assert_eq!(named.and_then(|v| v.to_str().ok()), Some(field));
    Ok(())
}

/// What ingest must answer to `batch` on a stream: refusal of the whole
/// stream for too many events or another booth's event, otherwise one
/// acknowledgement listing exactly the invalid events.
pub(crate) fn check_batch(
    checkpoint: &Checkpoint,
    batch: &StreamInspectionsRequest,
    acks: &[StreamInspectionsResponse],
    status: &Status,
) -> Result<(), TestCaseError> {
    if batch.events.len() > MAX_BATCH {
        prop_assert_eq!(status.code(), Code::InvalidArgument, "{:?}", status);
        prop_assert!(acks.is_empty());
        return Ok(());
    }
    let verdicts: Vec<Expected> = batch
        .events
        .iter()
        .map(|e| expected(checkpoint, e))
        .collect();
    if verdicts.contains(&Expected::Forbidden) {
        prop_assert_eq!(status.code(), Code::PermissionDenied, "{:?}", status);
        prop_assert!(acks.is_empty());
        return Ok(());
    }
    prop_assert_eq!(status.code(), Code::Ok, "{:?}", status);
    prop_assert_eq!(acks.len(), 1);
    let ack = &acks[0];
    prop_assert_eq!(ack.sequence, batch.sequence);
    let accepted = verdicts
        .iter()
        .filter(|v| **v == Expected::Accepted)
        .count();
    prop_assert_eq!(ack.accepted as usize, accepted);
    let rejected: Vec<(u32, &str)> = verdicts
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match v {
            Expected::Invalid(field) => Some((i as u32, field.as_str())),
            _ => None,
        })
        .collect();
    let events = batch.events.len() as u32;
    let answered: Vec<(u32, &str)> = ack
        .rejections
        .iter()
        .filter(|r| r.index < events)
        .map(|r| (r.index, r.field.as_str()))
        .collect();
    prop_assert_eq!(answered, rejected);
    // Beyond the events, only the heartbeat can be refused.
    for r in ack.rejections.iter().filter(|r| r.index >= events) {
        prop_assert_eq!(r.index, events);
        prop_assert!(r.field.starts_with("heartbeat."), "{}", r.field);
    }
    Ok(())
}
