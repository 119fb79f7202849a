//! A gRPC answer as the JSON API's answer: one JSON object for a unary
//! method, newline-delimited JSON for a server stream; a gRPC status as the
//! HTTP status Google's API design maps it to, with a JSON error body
//! naming the code, the message and (for invalid arguments) the field.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::{Buf, Bytes, BytesMut};
use http::{HeaderMap, StatusCode, header};
use http_body_util::BodyExt;
use prost_reflect::{DynamicMessage, MessageDescriptor, SerializeOptions};
use serde::Serialize;
use tonic::{Code, Status};

use crate::error::{Error, field_of};

/// The error body of every failed JSON API call.
#[derive(Serialize)]
struct Problem<'a> {
    code: i32,
    status: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    field: &'a str,
}

/// The HTTP status of a gRPC code.
pub fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
            StatusCode::BAD_REQUEST
        }
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Cancelled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The code's name as the API prints it (`PERMISSION_DENIED`).
fn code_name(code: Code) -> String {
    let mut name = String::new();
    for (i, c) in format!("{code:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

fn problem_json(status: &Status) -> Vec<u8> {
    let field = field_of(status).unwrap_or_default();
    serde_json::to_vec(&Problem {
        code: status.code() as i32,
        status: &code_name(status.code()),
        message: status.message(),
        field,
    })
    .expect("plain data")
}

/// A failed call's answer.
pub fn problem(status: &Status) -> Response {
    (
        http_status(status.code()),
        [(header::CONTENT_TYPE, "application/json")],
        problem_json(status),
    )
        .into_response()
}

fn options() -> SerializeOptions {
    // Every field, defaults included: a client sees the whole shape.
    SerializeOptions::new().skip_default_fields(false)
}

fn to_json(desc: &MessageDescriptor, bytes: Bytes) -> Result<Vec<u8>, Status> {
    let message = DynamicMessage::decode(desc.clone(), bytes)
        .map_err(|e| Status::from(Error::Internal(format!("decoding the answer: {e}"))))?;
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::new(&mut out);
    message
        .serialize_with_options(&mut serializer, &options())
        .map_err(|e| Status::from(Error::Internal(format!("encoding the answer: {e}"))))?;
    Ok(out)
}

/// Splits whole gRPC messages (5-byte prefix, then the message) off `buffer`.
fn messages(buffer: &mut BytesMut) -> Result<Vec<Bytes>, Status> {
    let mut out = Vec::new();
    while buffer.len() >= 5 {
        if buffer[0] != 0 {
            return Err(Status::from(Error::Internal("a compressed answer".into())));
        }
        let len = u32::from_be_bytes([buffer[1], buffer[2], buffer[3], buffer[4]]) as usize;
        if buffer.len() < 5 + len {
            break;
        }
        buffer.advance(5);
        out.push(buffer.split_to(len).freeze());
    }
    Ok(out)
}

fn status_in(headers: &HeaderMap) -> Option<Status> {
    Status::from_header_map(headers).filter(|s| s.code() != Code::Ok)
}

/// A unary answer.
pub async fn unary(
    response: http::Response<tonic::body::Body>,
    output: &MessageDescriptor,
) -> Response {
    if let Some(status) = status_in(response.headers()) {
        return problem(&status);
    }
    let collected = match response.into_body().collect().await {
        Ok(collected) => collected,
        Err(err) => {
            return problem(&Status::from(Error::Unavailable(format!(
                "reading the answer: {err}"
            ))));
        }
    };
    if let Some(status) = collected.trailers().and_then(status_in) {
        return problem(&status);
    }
    let mut buffer = BytesMut::from(&collected.to_bytes()[..]);
    let message = match messages(&mut buffer) {
        Ok(mut all) if all.len() == 1 => all.remove(0),
        Ok(_) => {
            return problem(&Status::from(Error::Internal(
                "expected exactly one answer".into(),
            )));
        }
        Err(status) => return problem(&status),
    };
    match to_json(output, message) {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(status) => problem(&status),
    }
}

/// A server stream, one JSON object per line; an error ends the stream
/// with a line `{"error": {…}}`.
pub fn stream(response: http::Response<tonic::body::Body>, output: MessageDescriptor) -> Response {
    if let Some(status) = status_in(response.headers()) {
        return problem(&status);
    }
    let mut body = response.into_body();
    let lines = async_stream::stream! {
        let mut buffer = BytesMut::new();
        while let Some(frame) = body.frame().await {
            let frame = match frame {
                Ok(frame) => frame,
                Err(err) => {
                    yield Ok::<_, std::convert::Infallible>(error_line(&Status::from(Error::Unavailable(err.to_string()))));
                    return;
                }
            };
            if let Some(trailers) = frame.trailers_ref() {
                if let Some(status) = status_in(trailers) {
                    yield Ok(error_line(&status));
                }
                return;
            }
            if let Ok(data) = frame.into_data() {
                buffer.extend_from_slice(&data);
                match messages(&mut buffer) {
                    Ok(all) => {
                        for message in all {
                            match to_json(&output, message) {
                                Ok(mut json) => {
                                    json.push(b'\n');
                                    yield Ok(Bytes::from(json));
                                }
                                Err(status) => {
                                    yield Ok(error_line(&status));
                                    return;
                                }
                            }
                        }
                    }
                    Err(status) => {
                        yield Ok(error_line(&status));
                        return;
                    }
                }
            }
        }
    };
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(lines),
    )
        .into_response()
}

fn error_line(status: &Status) -> Bytes {
    let mut line = b"{\"error\":".to_vec();
    line.extend(problem_json(status));
    line.extend(b"}\n");
    Bytes::from(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_http_statuses_and_names() {
        assert_eq!(http_status(Code::PermissionDenied), StatusCode::FORBIDDEN);
        assert_eq!(http_status(Code::Unauthenticated), StatusCode::UNAUTHORIZED);
        assert_eq!(http_status(Code::InvalidArgument), StatusCode::BAD_REQUEST);
        assert_eq!(code_name(Code::PermissionDenied), "PERMISSION_DENIED");
        assert_eq!(code_name(Code::Ok), "OK");
    }

    #[test]
    fn frames_split_into_whole_messages_only() {
        let mut buffer = BytesMut::from(&[0u8, 0, 0, 0, 2, 8, 1, 0, 0, 0, 0, 3, 8][..]);
        let first = messages(&mut buffer).unwrap();
        assert_eq!(first, vec![Bytes::from_static(&[8, 1])]);
        assert_eq!(buffer.len(), 6, "the partial second message waits");
        buffer.extend_from_slice(&[2, 3]);
        assert_eq!(messages(&mut buffer).unwrap().len(), 1);
    }
}
