//! The aggregator's configuration: flags, each with an environment variable.

use std::net::SocketAddr;
use std::time::Duration;

use borderflow_access::AccessArgs;
use borderflow_common::config::parse_duration;
use borderflow_common::grpc::ServerTlsArgs;
use borderflow_common::kafka::{KafkaArgs, Topics};
use borderflow_common::telemetry::LogFormat;

use crate::access::AuditFailure;
use crate::detect::DetectConfig;
use crate::partition::WindowConfig;
use crate::windows::cells::AgeBands;

#[derive(clap::Parser, Clone, Debug)]
#[command(
    name = "borderflow-aggregator",
    version,
    about = "borderflow's stream processor: per-crossing event-time windows, anomaly detection, queries and the dashboard"
)]
pub struct Config {
    /// gRPC listen address (AnalyticsService, ReferenceService).
    #[arg(
        long,
        env = "BORDERFLOW_AGGREGATOR_GRPC_ADDR",
        default_value = "127.0.0.1:50052"
    )]
    pub grpc_addr: SocketAddr,

    /// Admin HTTP listen address (dashboard, /metrics, /healthz, /readyz).
    #[arg(
        long,
        env = "BORDERFLOW_AGGREGATOR_ADMIN_ADDR",
        default_value = "127.0.0.1:9182"
    )]
    pub admin_addr: SocketAddr,

    #[command(flatten)]
    pub kafka: KafkaArgs,

    #[command(flatten)]
    pub topics: Topics,

    #[command(flatten)]
    pub liaison: LiaisonConfig,

    #[command(flatten)]
    pub tls: ServerTlsArgs,

    /// Serve the admin port (dashboard, JSON API, /metrics, probes) over
    /// HTTPS with the gRPC server's certificate. Off: plain HTTP, for a
    /// loopback or a proxy that terminates TLS.
    #[arg(long, env = "BORDERFLOW_ADMIN_TLS")]
    pub admin_tls: bool,

    #[command(flatten)]
    pub access: AccessArgs,

    /// A call whose audit record the audit topic does not confirm is
    /// refused (`closed`) or answered anyway (`open`).
    #[arg(
        long,
        env = "BORDERFLOW_AUDIT_FAILURE",
        value_enum,
        default_value = "closed"
    )]
    pub audit_failure: AuditFailure,

    /// Newest audit records kept for the AuditService (the topic keeps the
    /// whole trail).
    #[arg(long, env = "BORDERFLOW_AUDIT_CAPACITY", default_value_t = 200_000)]
    pub audit_capacity: usize,

    /// Newest protection referrals kept for the referral watch's replay
    /// (the topic keeps them for its retention).
    #[arg(long, env = "BORDERFLOW_REFERRAL_CAPACITY", default_value_t = 10_000)]
    pub referral_capacity: usize,

    #[command(flatten)]
    pub detect: DetectConfig,

    /// Consumer group shared by every aggregator instance.
    #[arg(
        long,
        env = "BORDERFLOW_GROUP_ID",
        default_value = "borderflow-aggregator"
    )]
    pub group_id: String,

    /// Static group membership id (e.g. the pod name), so a restart does
    /// not reshuffle partitions.
    #[arg(long, env = "BORDERFLOW_INSTANCE_ID")]
    pub instance_id: Option<String>,

    /// Length of the event-time windows.
    #[arg(long, env = "BORDERFLOW_WINDOW", default_value = "1m", value_parser = parse_duration)]
    pub window: Duration,

    /// How far behind the newest event time a window stays open.
    #[arg(long, env = "BORDERFLOW_ALLOWED_LATENESS", default_value = "2m", value_parser = parse_duration)]
    pub allowed_lateness: Duration,

    /// How long after closing a window late events still amend it (e.g. a
    /// checkpoint's store-and-forward backfill after a link outage).
    #[arg(long, env = "BORDERFLOW_LATE_RETENTION", default_value = "6h", value_parser = parse_duration)]
    pub late_retention: Duration,

    /// Event time of windows kept for queries, per crossing.
    #[arg(long, env = "BORDERFLOW_QUERY_RETENTION", default_value = "2d", value_parser = parse_duration)]
    pub query_retention: Duration,

    /// Lower bounds of the age bands the statistics count by, in years,
    /// ascending from 0 (the last band is open-ended).
    #[arg(long, env = "BORDERFLOW_AGE_BANDS", default_value = "0,5,14,18,25,60")]
    pub age_bands: AgeBands,

    /// Statistical disclosure control: a published cell counting fewer
    /// inspections than this (but more than none) is suppressed, and
    /// further cells with it so no total reveals it.
    #[arg(long, env = "BORDERFLOW_STATISTICS_MIN_CELL", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub statistics_min_cell: u32,

    /// Event time of hourly statistics kept in memory for queries, per
    /// crossing (days and months are kept in full; the statistics topic
    /// keeps every hour).
    #[arg(long, env = "BORDERFLOW_STATISTICS_HOURLY_RETENTION", default_value = "92d", value_parser = parse_duration)]
    pub statistics_hourly_retention: Duration,

    /// Anomalies kept for queries.
    #[arg(long, env = "BORDERFLOW_ANOMALY_CAPACITY", default_value_t = 100_000)]
    pub anomaly_capacity: usize,

    /// Records processed between publishing results.
    #[arg(long, env = "BORDERFLOW_MAX_BATCH", default_value_t = 5_000)]
    pub max_batch: usize,

    /// How often open windows are published as provisional figures.
    #[arg(long, env = "BORDERFLOW_OPEN_PUBLISH_INTERVAL", default_value = "1s", value_parser = parse_duration)]
    pub open_publish_interval: Duration,

    /// Longest graceful shutdown: confirm outputs, commit, leave the group.
    #[arg(long, env = "BORDERFLOW_SHUTDOWN_DEADLINE", default_value = "20s", value_parser = parse_duration)]
    pub shutdown_deadline: Duration,

    /// Longest wait for the materialised topics to catch up, or for the
    /// next record of a document-history replay, before that attempt at
    /// restoring a partition is given up and started again. A partition is
    /// never processed until its state is whole, however long that takes.
    #[arg(long, env = "BORDERFLOW_CATCH_UP_DEADLINE", default_value = "60s", value_parser = parse_duration)]
    pub catch_up_deadline: Duration,

    /// Directory for the per-document state on disk (one file per
    /// by-document partition, a local copy of its changelog): memory then
    /// holds only the histories in use (`--state-cache-documents`), and a
    /// restart reads only the changelog written since. One directory per
    /// instance; without it every history is held in memory and the state
    /// is restored from the whole changelog.
    #[arg(long, env = "BORDERFLOW_STATE_DIR")]
    pub state_dir: Option<std::path::PathBuf>,

    /// With `--state-dir`: keep the local copies of the by-document
    /// partitions this instance does not own following their changelog, so
    /// that taking one over (another instance failed or left) reads seconds
    /// of changelog rather than all of it. Costs the whole document state
    /// on disk per instance, and a read of every changelog partition.
    #[arg(long, env = "BORDERFLOW_STANDBY_DOCUMENTS", requires = "state_dir")]
    pub standby_documents: bool,

    /// With `--state-dir`: histories held in memory, across the by-document
    /// topic's partitions (each owned partition holds its share).
    #[arg(
        long,
        env = "BORDERFLOW_STATE_CACHE_DOCUMENTS",
        default_value_t = 250_000
    )]
    pub state_cache_documents: usize,

    /// Oldest local state copy still used: keep it under the changelog
    /// topic's `delete.retention.ms`, or a deletion the changelog has
    /// dropped since could be missed.
    #[arg(long, env = "BORDERFLOW_STATE_MAX_AGE", default_value = "12h", value_parser = parse_duration)]
    pub state_max_age: Duration,

    /// Longest a reference, registry or triage change waits to be durable
    /// on its topic and applied by this instance before the call answers
    /// `UNAVAILABLE`.
    #[arg(long, env = "BORDERFLOW_REFERENCE_WRITE_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub reference_write_timeout: Duration,

    /// How often the triage figures (open anomalies by severity, state and
    /// age; the oldest unacknowledged) are computed for the metrics.
    #[arg(long, env = "BORDERFLOW_TRIAGE_FIGURES_INTERVAL", default_value = "15s", value_parser = parse_duration)]
    pub triage_figures_interval: Duration,

    /// Log format.
    #[arg(
        long,
        env = "BORDERFLOW_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
}

/// The exchange with neighbouring countries' systems for twin pairs.
#[derive(clap::Args, Clone, Debug)]
pub struct LiaisonConfig {
    /// The exchange keys of the twin pairs this system exchanges with (one
    /// pair per line: both posts' crossing ids and the key in hex; the same
    /// file as ingest's). None: no exchange.
    #[arg(long, env = "BORDERFLOW_PAIR_KEYS_FILE")]
    pub pair_keys_file: Option<std::path::PathBuf>,

    /// The countries whose posts this system operates (ISO 3166-1 alpha-3,
    /// comma-separated); a twin post of another country is the neighbour's.
    /// Empty: every post whose inspections reach this system.
    #[arg(long, env = "BORDERFLOW_OPERATED_COUNTRIES", value_delimiter = ',')]
    pub operated_countries: Vec<String>,

    /// The period a post's inspections are exchanged by.
    #[arg(long, env = "BORDERFLOW_LIAISON_PERIOD", default_value = "15m", value_parser = parse_duration)]
    pub liaison_period: Duration,

    /// How far a post's clock must be past a period's end before the period
    /// is exchanged (inspections later than that are left out, counted).
    #[arg(long, env = "BORDERFLOW_LIAISON_LATENESS", default_value = "10m", value_parser = parse_duration)]
    pub liaison_lateness: Duration,

    /// Disclosure control on the exchanged counts: a cell under this is
    /// withheld, with the cells that would give it away.
    #[arg(long, env = "BORDERFLOW_LIAISON_MIN_CELL", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub liaison_min_cell: u32,

    /// Event time of exchanged periods kept to reconcile and learn from
    /// (also what a restart reads back from the exchange topic).
    #[arg(long, env = "BORDERFLOW_LIAISON_RETENTION", default_value = "7d", value_parser = parse_duration)]
    pub liaison_retention: Duration,
}

impl LiaisonConfig {
    /// The pair keys, if a file is configured.
    pub fn keys(&self) -> anyhow::Result<borderflow_domain::twins::PairKeys> {
        use anyhow::Context as _;
        let Some(path) = &self.pair_keys_file else {
            return Ok(Default::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the pair keys file {}", path.display()))?;
        borderflow_domain::twins::PairKeys::parse(&text)
            .with_context(|| format!("pair keys file {}", path.display()))
    }
}

impl Config {
    pub fn windows(&self) -> WindowConfig {
        WindowConfig {
            size_ms: self.window.as_millis() as i64,
            allowed_lateness_ms: self.allowed_lateness.as_millis() as i64,
            late_retention_ms: self.late_retention.as_millis() as i64,
            sla_wait_ms: self.detect.queue_sla_wait.as_millis() as u64,
            age_bands: self.age_bands,
        }
    }
}
