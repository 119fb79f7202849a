//! borderflow's contract: the gRPC services and the Kafka record types.
//!
//! The generated code lives in [`generated`] and is re-exported by package
//! (`inspection::v1`, `ingest::v1`, `analytics::v1`, `reference::v1`,
//! `audit::v1`, `statistics::v1`, `protection::v1`, `exercise::v1`: the
//! simulator's control endpoint for trainers). Beside it sit the conversions between wire types and the
//! domain (`convert`), the contract's vocabulary (kind names, labels and
//! scopes, severity and format labels: `vocabulary`, as inherent methods
//! of the generated enums) and the encoded descriptor set that gRPC
//! reflection serves.

mod convert;
mod vocabulary;

pub use convert::*;
pub use vocabulary::KindScope;

/// Code generated from `borderflow/**/*.proto`; use the re-exports below.
#[allow(
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    rust_2018_idioms,
    missing_docs
)]
pub mod generated {
    pub mod inspection {
        pub mod v1 {
            tonic::include_proto!("borderflow.inspection.v1");
        }
    }
    pub mod ingest {
        pub mod v1 {
            tonic::include_proto!("borderflow.ingest.v1");
        }
    }
    pub mod analytics {
        pub mod v1 {
            tonic::include_proto!("borderflow.analytics.v1");
        }
    }
    pub mod reference {
        pub mod v1 {
            tonic::include_proto!("borderflow.reference.v1");
        }
    }
    pub mod audit {
        pub mod v1 {
            tonic::include_proto!("borderflow.audit.v1");
        }
    }
    pub mod statistics {
        pub mod v1 {
            tonic::include_proto!("borderflow.statistics.v1");
        }
    }
    pub mod liaison {
        pub mod v1 {
            tonic::include_proto!("borderflow.liaison.v1");
        }
    }
    pub mod protection {
        pub mod v1 {
            tonic::include_proto!("borderflow.protection.v1");
        }
    }
    pub mod triage {
        pub mod v1 {
            tonic::include_proto!("borderflow.triage.v1");
        }
    }
    pub mod exercise {
        pub mod v1 {
            tonic::include_proto!("borderflow.exercise.v1");
        }
    }
}

pub use generated::{
    analytics, audit, exercise, ingest, inspection, liaison, protection, reference, statistics,
    triage,
};

/// The encoded `FileDescriptorSet` of every borderflow package, for gRPC
/// server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/borderflow_descriptor.bin"));

pub use prost::{DecodeError, Message};
pub use prost_types::Timestamp;
