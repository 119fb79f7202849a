//! Ingest's configuration: flags, each with an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use borderflow_common::config::parse_duration;
use borderflow_common::grpc::ServerTlsArgs;
use borderflow_common::kafka::{KafkaArgs, Topics};
use borderflow_common::telemetry::LogFormat;
use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::twins::PairKeys;
use tracing::warn;

/// The secret used when development mode is on and no secret is configured.
/// Keys made with it protect nothing; it exists so a laptop demo starts.
const DEV_SECRET: &[u8] = b"borderflow development secret - not for production";

#[derive(clap::Parser, Clone, Debug)]
#[command(
    name = "borderflow-ingest",
    version,
    about = "borderflow's gRPC ingest: validates, pseudonymises and authorises inspection events, then publishes them to Kafka"
)]
pub struct Config {
    /// gRPC listen address.
    #[arg(
        long,
        env = "BORDERFLOW_INGEST_GRPC_ADDR",
        default_value = "127.0.0.1:50051"
    )]
    pub grpc_addr: SocketAddr,

    /// Admin HTTP listen address (/metrics, /healthz, /readyz).
    #[arg(
        long,
        env = "BORDERFLOW_INGEST_ADMIN_ADDR",
        default_value = "127.0.0.1:9181"
    )]
    pub admin_addr: SocketAddr,

    #[command(flatten)]
    pub kafka: KafkaArgs,

    #[command(flatten)]
    pub topics: Topics,

    #[command(flatten)]
    pub tls: ServerTlsArgs,

    /// Checkpoint credentials (TOML; hashed tokens or certificate digests).
    #[arg(long, env = "BORDERFLOW_CREDENTIALS")]
    pub credentials: PathBuf,

    /// How often the credentials file is checked for changes.
    #[arg(long, env = "BORDERFLOW_CREDENTIALS_RELOAD", default_value = "2s", value_parser = parse_duration)]
    pub credentials_reload: Duration,

    /// File holding the pseudonymisation secret (at least 16 bytes).
    #[arg(long, env = "BORDERFLOW_SECRET_FILE")]
    pub secret_file: Option<PathBuf>,

    /// The exchange keys of the twin pairs whose posts report here (one
    /// pair per line: both posts' crossing ids and the key in hex): documents
    /// read at such a post also get the pair's key, for the reconciliation
    /// with the neighbouring country's system. None: no pair keys.
    #[arg(long, env = "BORDERFLOW_PAIR_KEYS_FILE")]
    pub pair_keys_file: Option<PathBuf>,

    /// Development mode: start with a built-in secret when none is configured.
    #[arg(long, env = "BORDERFLOW_DEV_MODE")]
    pub dev_mode: bool,

    /// Forward raw MRZ lines, names, document numbers and full birth dates
    /// to Kafka. Off by default: personal data stops at ingest, and the
    /// stream carries the age on the inspection date instead of the birth
    /// date.
    #[arg(long, env = "BORDERFLOW_FORWARD_RAW")]
    pub forward_raw: bool,

    /// Most events accepted in one streamed batch.
    #[arg(long, env = "BORDERFLOW_MAX_BATCH_EVENTS", default_value_t = 1000)]
    pub max_batch_events: usize,

    /// Most records awaiting Kafka across all clients; beyond it unary calls
    /// get RESOURCE_EXHAUSTED and streams wait.
    #[arg(
        long,
        env = "BORDERFLOW_MAX_IN_FLIGHT_RECORDS",
        default_value_t = 200_000
    )]
    pub max_in_flight_records: usize,

    /// Batches one stream may have awaiting Kafka before it stops reading.
    #[arg(long, env = "BORDERFLOW_STREAM_WINDOW", default_value_t = 16)]
    pub stream_window: usize,

    /// How long a stream waits for capacity before RESOURCE_EXHAUSTED.
    #[arg(long, env = "BORDERFLOW_BACKPRESSURE_WAIT", default_value = "5s", value_parser = parse_duration)]
    pub backpressure_wait: Duration,

    /// How often Kafka reachability is probed.
    #[arg(long, env = "BORDERFLOW_BROKER_PROBE_INTERVAL", default_value = "1s", value_parser = parse_duration)]
    pub broker_probe_interval: Duration,

    /// Longest graceful shutdown: drain streams, flush the producer.
    #[arg(long, env = "BORDERFLOW_SHUTDOWN_DEADLINE", default_value = "20s", value_parser = parse_duration)]
    pub shutdown_deadline: Duration,

    /// Log format.
    #[arg(
        long,
        env = "BORDERFLOW_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
}

impl Config {
    /// The pseudonymiser from the configured secret; without one, only in
    /// development mode.
    pub fn pseudonymiser(&self) -> anyhow::Result<Pseudonymiser> {
        let secret = match (&self.secret_file, self.dev_mode) {
            (Some(path), _) => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("reading the secret file {}", path.display()))?;
                trim_ascii_end(bytes)
            }
            (None, true) => {
                warn!("development mode: using the built-in pseudonymisation secret");
                DEV_SECRET.to_vec()
            }
            (None, false) => bail!(
                "no pseudonymisation secret: set --secret-file (BORDERFLOW_SECRET_FILE), or --dev-mode for a local demo"
            ),
        };
        Ok(Pseudonymiser::new(&secret)?)
    }
}

impl Config {
    /// The twin pairs' exchange keys, if a file is configured.
    pub fn pair_keys(&self) -> anyhow::Result<PairKeys> {
        let Some(path) = &self.pair_keys_file else {
            return Ok(PairKeys::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the pair keys file {}", path.display()))?;
        PairKeys::parse(&text).with_context(|| format!("pair keys file {}", path.display()))
    }
}

/// Secret files often end in a newline that is not part of the secret.
fn trim_ascii_end(mut bytes: Vec<u8>) -> Vec<u8> {
    while bytes.last().is_some_and(u8::is_ascii_whitespace) {
        bytes.pop();
    }
    bytes
}
