//! The control's errors and the one place they become gRPC status codes.

use borderflow_common::grpc::FIELD_METADATA;
use tonic::{Code, Status};

use crate::scenario::FieldError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the exercise has not started streaming yet")]
    NotStarted,
    #[error("the exercise's traffic has ended")]
    Ended,
    #[error("{}: {}", .0.field, .0.reason)]
    Invalid(FieldError),
    #[error("{what}: {reason}")]
    Planting { what: String, reason: String },
    #[error("loading the incident's reference entries: {0}")]
    References(String),
    #[error("missing or wrong trainer token")]
    Unauthenticated,
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Self::Invalid(e)
    }
}

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Self::NotStarted | Self::Ended | Self::Planting { .. } => Code::FailedPrecondition,
            Self::Invalid(_) => Code::InvalidArgument,
            Self::References(_) => Code::Unavailable,
            Self::Unauthenticated => Code::Unauthenticated,
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let mut status = Status::new(error.code(), error.to_string());
        if let Error::Invalid(field) = &error
            && let Ok(value) = field.field.parse()
        {
            // The offending field, machine-readable, beside the message.
            status.metadata_mut().insert(FIELD_METADATA, value);
        }
        status
    }
}
