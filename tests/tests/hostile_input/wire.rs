//! gRPC below the generated client: hand-made length-prefixed frames in an
//! HTTP/2 request over the real TLS channel, so a test can send what no
//! well-behaved client would, and read back the status the server ends with.

use bytes::{Buf, Bytes};
use http_body_util::{BodyExt, Full};
use tonic::Status;
use tonic::transport::Channel;
use tower::ServiceExt;

pub(crate) const SUBMIT: &str = "/borderflow.ingest.v1.IngestService/SubmitInspection";
pub(crate) const STREAM: &str = "/borderflow.ingest.v1.IngestService/StreamInspections";

/// One gRPC message frame: compression flag, big-endian length, body. The
/// declared length need not match the body.
pub(crate) fn frame_with(flag: u8, declared: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + body.len());
    out.push(flag);
    out.extend_from_slice(&declared.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// An honest frame around `message`.
pub(crate) fn frame(message: &[u8]) -> Vec<u8> {
    frame_with(0, message.len() as u32, message)
}

/// How a call ended: the status and the response messages before it.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: Status,
    pub(crate) messages: Vec<Bytes>,
}

/// Sends `body` as the whole request stream of `path` and reads the
/// response to its end. An `Err` is a failure below gRPC: no status came
/// back (a reset stream, a dropped connection, a non-200 answer).
pub(crate) async fn call(
    channel: &Channel,
    path: &str,
    token: &str,
    body: Vec<u8>,
) -> Result<Answer, String> {
    let request = http::Request::builder()
        .method(http::Method::POST)
        .uri(path)
        .version(http::Version::HTTP_2)
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("authorization", format!("Bearer {token}"))
        .body(tonic::body::Body::new(Full::new(Bytes::from(body))))
        .map_err(|e| e.to_string())?;
    let response = channel
        .clone()
        .oneshot(request)
        .await
        .map_err(|e| format!("transport: {e}"))?;
    let (head, body) = response.into_parts();
    if head.status != http::StatusCode::OK {
        return Err(format!("HTTP status {}", head.status));
    }
    // A trailers-only answer carries the status in the headers.
    if let Some(status) = Status::from_header_map(&head.headers) {
        return Ok(Answer {
            status,
            messages: Vec::new(),
        });
    }
    let collected = body
        .collect()
        .await
        .map_err(|e| format!("response body: {e:?}"))?;
    let status = collected
        .trailers()
        .and_then(Status::from_header_map)
        .ok_or("the response ended without grpc-status")?;
    let messages = split_frames(collected.to_bytes())?;
    Ok(Answer { status, messages })
}

fn split_frames(mut data: Bytes) -> Result<Vec<Bytes>, String> {
    let mut messages = Vec::new();
    while data.has_remaining() {
        if data.remaining() < 5 {
            return Err("a truncated response frame".into());
        }
        let _flag = data.get_u8();
        let len = data.get_u32() as usize;
        if data.remaining() < len {
            return Err("a truncated response message".into());
        }
        messages.push(data.split_to(len));
    }
    Ok(messages)
}
