//! The aggregator's errors and the one place they become gRPC statuses, in
//! the same shape ingest answers with: a code, a lowercase message saying
//! what failed and on what, and for a wrong request field the field's name
//! in [`FIELD_METADATA`] (the JSON API carries it as `field`).

use borderflow_common::grpc::{FIELD_METADATA, invalid_field};
use tonic::{Code, Status};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A request field is missing or wrong.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// What the request names does not exist (`crossing KZ-KOR`).
    #[error("{0} is not known")]
    NotFound(String),
    /// No valid credential came with the call.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller's role or country scope does not cover the request.
    #[error("{0}")]
    PermissionDenied(String),
    /// The request is well formed but does not apply to the resource's
    /// current state (closing an anomaly nobody decided on).
    #[error("{0}")]
    FailedPrecondition(String),
    /// Another change got there first (a stale revision); read and retry.
    #[error("{0}")]
    Aborted(String),
    /// A dependency (the broker, the audit trail) cannot answer now.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or a broken invariant; never the caller's fault.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// `field` of the request is wrong: `reason` says how.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A required field is missing or empty.
    pub fn required(field: impl Into<String>) -> Self {
        Self::invalid(field, "is required")
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    pub fn denied(message: impl Into<String>) -> Self {
        Self::PermissionDenied(message.into())
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable(message.into())
    }

    pub fn code(&self) -> Code {
        match self {
            Self::Invalid { .. } => Code::InvalidArgument,
            Self::NotFound(_) => Code::NotFound,
            Self::Unauthenticated(_) => Code::Unauthenticated,
            Self::PermissionDenied(_) => Code::PermissionDenied,
            Self::FailedPrecondition(_) => Code::FailedPrecondition,
            Self::Aborted(_) => Code::Aborted,
            Self::Unavailable(_) => Code::Unavailable,
            Self::Internal(_) => Code::Internal,
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match &error {
            Error::Invalid { field, reason } => invalid_field(field, reason),
            _ => Status::new(error.code(), error.to_string()),
        }
    }
}

/// The field a status is about, if it names one.
pub fn field_of(status: &Status) -> Option<&str> {
    status
        .metadata()
        .get(FIELD_METADATA)
        .and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_fields_are_named_in_the_message_and_the_metadata() {
        let status = Status::from(Error::invalid("page_token", "is malformed"));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "page_token: is malformed");
        assert_eq!(field_of(&status), Some("page_token"));
    }

    #[test]
    fn every_kind_keeps_its_code_and_message() {
        for (error, code, message) in [
            (
                Error::not_found("crossing KZ-KOR"),
                Code::NotFound,
                "crossing KZ-KOR is not known",
            ),
            (
                Error::denied("crossing KZ-KOR is outside your country scope"),
                Code::PermissionDenied,
                "crossing KZ-KOR is outside your country scope",
            ),
            (
                Error::unavailable("server shutting down"),
                Code::Unavailable,
                "server shutting down",
            ),
            (
                Error::FailedPrecondition("cannot close an anomaly that is new".into()),
                Code::FailedPrecondition,
                "cannot close an anomaly that is new",
            ),
            (
                Error::Aborted("changed by another action".into()),
                Code::Aborted,
                "changed by another action",
            ),
            (
                Error::Unauthenticated("no authenticated caller".into()),
                Code::Unauthenticated,
                "no authenticated caller",
            ),
        ] {
            let status = Status::from(error);
            assert_eq!((status.code(), status.message()), (code, message));
            assert_eq!(field_of(&status), None);
        }
    }
}
