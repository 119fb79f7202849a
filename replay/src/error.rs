//! What can go wrong in a replay, each saying what failed and on what.

use std::path::PathBuf;

use borderflow_simulator::model::network::NetworkError;
use borderflow_simulator::scenario::ScenarioError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// `reading`, `writing` …
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: record at byte {offset}: {reason}")]
    Corrupt {
        origin: String,
        offset: usize,
        reason: String,
    },
    /// A setting's flags are not the aggregator's detection flags.
    #[error("the {setting} thresholds {flags:?}: {message}")]
    Flags {
        setting: String,
        flags: String,
        message: String,
    },
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("planning scenario {scenario}: {field}: {reason}")]
    Plan {
        scenario: String,
        field: String,
        reason: String,
    },
    #[error("scenario {scenario}: {reason}")]
    Limit { scenario: String, reason: String },
    #[error("network: {0}")]
    Network(#[from] NetworkError),
    #[error("pair keys {}: {reason}", path.display())]
    PairKeys { path: PathBuf, reason: String },
    #[error("{what}: {source}")]
    Kafka {
        what: String,
        source: rdkafka::error::KafkaError,
    },
    #[error("{0}")]
    Usage(&'static str),
    #[error("topic {topic}: {reason}")]
    Topic { topic: String, reason: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
