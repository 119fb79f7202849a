//! Ingest's errors and the one place they become gRPC status codes.

use borderflow_common::grpc::FIELD_METADATA;
use tonic::{Code, Status};

use crate::validate::FieldError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a record could not be made durable.
#[derive(Clone, Debug, thiserror::Error)]
pub enum PublishError {
    #[error("kafka unavailable: {0}")]
    BrokerUnavailable(String),
    #[error("too many records in flight")]
    Overloaded,
    #[error("kafka rejected the record: {0}")]
    Rejected(String),
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error("missing or unknown credential")]
    Unauthenticated,
    #[error("{0}")]
    PermissionDenied(String),
    #[error("batch of {len} events exceeds the limit of {limit}")]
    BatchTooLarge { len: usize, limit: usize },
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error("shutting down")]
    ShuttingDown,
}

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Self::Invalid(_) | Self::BatchTooLarge { .. } => Code::InvalidArgument,
            Self::Unauthenticated => Code::Unauthenticated,
            Self::PermissionDenied(_) => Code::PermissionDenied,
            Self::Publish(PublishError::BrokerUnavailable(_)) | Self::ShuttingDown => {
                Code::Unavailable
            }
            Self::Publish(PublishError::Overloaded) => Code::ResourceExhausted,
            Self::Publish(PublishError::Rejected(_)) => Code::InvalidArgument,
        }
    }

    /// Label for the errors metric.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid",
            Self::BatchTooLarge { .. } => "batch_too_large",
            Self::Unauthenticated => "unauthenticated",
            Self::PermissionDenied(_) => "permission_denied",
            Self::Publish(PublishError::BrokerUnavailable(_)) => "kafka_unavailable",
            Self::Publish(PublishError::Overloaded) => "overloaded",
            Self::Publish(PublishError::Rejected(_)) => "kafka_rejected",
            Self::ShuttingDown => "shutting_down",
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let message = error.to_string();
        let mut status = Status::new(error.code(), message);
        if let Error::Invalid(field) = &error
            && let Ok(value) = field.field.parse()
        {
            // The offending field, machine-readable, beside the message.
            status.metadata_mut().insert(FIELD_METADATA, value);
        }
        status
    }
}
