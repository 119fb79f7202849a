//! Kafka client settings and topic names, shared by every service.
//!
//! Topic names and brokers are configuration (DESIGN §4); the producer is
//! idempotent with `acks=all`; consumers store offsets only once a record's
//! effects are durable and commit them periodically and on revoke.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::client::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use tracing::warn;

use crate::config::{parse_duration, parse_key_value};

/// Where the brokers are and how to talk to them.
#[derive(clap::Args, Clone, Debug)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers, comma separated.
    #[arg(
        long = "kafka-brokers",
        env = "BORDERFLOW_KAFKA_BROKERS",
        default_value = "127.0.0.1:9092"
    )]
    pub brokers: String,

    /// Extra librdkafka settings as key=value, comma separated or repeated
    /// (e.g. security.protocol=SASL_SSL,sasl.mechanism=SCRAM-SHA-512).
    #[arg(
        long = "kafka-option",
        env = "BORDERFLOW_KAFKA_OPTIONS",
        value_delimiter = ',',
        value_parser = parse_key_value
    )]
    pub options: Vec<(String, String)>,

    /// How long the producer retries a record before reporting it failed.
    #[arg(
        long = "kafka-delivery-timeout",
        env = "BORDERFLOW_KAFKA_DELIVERY_TIMEOUT",
        default_value = "10s",
        value_parser = parse_duration
    )]
    pub delivery_timeout: Duration,

    /// How long the producer waits to fill a batch.
    #[arg(
        long = "kafka-linger",
        env = "BORDERFLOW_KAFKA_LINGER",
        default_value = "5ms",
        value_parser = parse_duration
    )]
    pub linger: Duration,

    /// Longest a consumer's fetch waits at the broker for new records. Apache
    /// Kafka answers as soon as a record arrives, so this only paces idle
    /// polling there; brokers that hold every fetch for its full wait (tansu)
    /// add up to twice this to each consumer hop: inspections into the
    /// aggregator, its outputs into every instance's views.
    #[arg(
        long = "kafka-fetch-wait",
        env = "BORDERFLOW_KAFKA_FETCH_WAIT",
        default_value = "20ms",
        value_parser = parse_duration
    )]
    pub fetch_wait: Duration,

    /// Producer compression: none, lz4, zstd, snappy or gzip.
    #[arg(
        long = "kafka-compression",
        env = "BORDERFLOW_KAFKA_COMPRESSION",
        default_value = "lz4"
    )]
    pub compression: String,
}

impl KafkaArgs {
    /// Settings for a local broker on `brokers` with defaults elsewhere.
    pub fn local(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            options: Vec::new(),
            delivery_timeout: Duration::from_secs(10),
            linger: Duration::from_millis(5),
            fetch_wait: Duration::from_millis(20),
            compression: "lz4".into(),
        }
    }

    fn base(&self, client_id: &str) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.brokers)
            .set("client.id", client_id)
            // tansu and small clusters answer on loopback fast; a short
            // backoff lets a restarted broker be found again quickly.
            .set("reconnect.backoff.ms", "100")
            .set("reconnect.backoff.max.ms", "2000");
        config
    }

    /// The fetch wait in whole milliseconds, at least one (0 would make
    /// consumers poll without pause).
    fn fetch_wait_ms(&self) -> String {
        self.fetch_wait.as_millis().max(1).to_string()
    }

    fn apply_options(&self, config: &mut ClientConfig) {
        for (key, value) in &self.options {
            config.set(key, value);
        }
    }

    /// An idempotent producer with `acks=all`.
    pub fn producer_config(&self, client_id: &str) -> ClientConfig {
        let mut config = self.base(client_id);
        config
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("max.in.flight.requests.per.connection", "5")
            .set("linger.ms", self.linger.as_millis().to_string())
            .set("compression.type", &self.compression)
            .set("queue.buffering.max.messages", "1000000")
            .set("queue.buffering.max.kbytes", "1048576")
            .set("batch.num.messages", "10000")
            .set(
                "message.timeout.ms",
                self.delivery_timeout.as_millis().to_string(),
            );
        self.apply_options(&mut config);
        config
    }

    /// A group consumer that stores offsets only when told to and commits the
    /// stored offsets every second.
    pub fn consumer_config(&self, client_id: &str, group_id: &str) -> ClientConfig {
        let mut config = self.base(client_id);
        config
            .set("group.id", group_id)
            .set("enable.auto.commit", "true")
            .set("auto.commit.interval.ms", "1000")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("partition.assignment.strategy", "cooperative-sticky")
            .set("session.timeout.ms", "10000")
            .set("heartbeat.interval.ms", "1000")
            .set("fetch.wait.max.ms", self.fetch_wait_ms())
            .set("enable.partition.eof", "false");
        self.apply_options(&mut config);
        config
    }

    /// A consumer that reads whole topics by assignment, outside any group
    /// (materialised views every instance keeps).
    pub fn reader_config(&self, client_id: &str) -> ClientConfig {
        let mut config = self.base(client_id);
        config
            // librdkafka wants a group id even for assign(); it is never
            // joined and nothing is committed.
            .set("group.id", format!("{client_id}-reader"))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("fetch.wait.max.ms", self.fetch_wait_ms())
            .set("enable.partition.eof", "false");
        self.apply_options(&mut config);
        config
    }
}

/// The topic names (DESIGN §4), each overridable.
#[derive(clap::Args, Clone, Debug)]
pub struct Topics {
    /// Validated inspections, keyed by crossing id.
    #[arg(long = "topic-inspections", env = "BORDERFLOW_TOPIC_INSPECTIONS", default_value = Topics::INSPECTIONS)]
    pub inspections: String,
    /// Inspections repartitioned by document key.
    #[arg(long = "topic-by-document", env = "BORDERFLOW_TOPIC_BY_DOCUMENT", default_value = Topics::BY_DOCUMENT)]
    pub by_document: String,
    /// The per-document state's changelog (compacted, partitioned as the
    /// by-document topic), keyed by document key.
    #[arg(long = "topic-document-state", env = "BORDERFLOW_TOPIC_DOCUMENT_STATE", default_value = Topics::DOCUMENT_STATE)]
    pub document_state: String,
    /// Crossing window results, keyed by crossing and window start.
    #[arg(long = "topic-crossing-stats", env = "BORDERFLOW_TOPIC_CROSSING_STATS", default_value = Topics::CROSSING_STATS)]
    pub crossing_stats: String,
    /// Anomalies, keyed by crossing id.
    #[arg(long = "topic-anomalies", env = "BORDERFLOW_TOPIC_ANOMALIES", default_value = Topics::ANOMALIES)]
    pub anomalies: String,
    /// Watchlists, lost/stolen documents and the crossing registry.
    #[arg(long = "topic-reference", env = "BORDERFLOW_TOPIC_REFERENCE", default_value = Topics::REFERENCE)]
    pub reference: String,
    /// Records that could not be decoded or processed.
    #[arg(long = "topic-deadletter", env = "BORDERFLOW_TOPIC_DEADLETTER", default_value = Topics::DEADLETTER)]
    pub deadletter: String,
    /// The audit trail: every call to the query, reference and audit APIs.
    #[arg(long = "topic-audit", env = "BORDERFLOW_TOPIC_AUDIT", default_value = Topics::AUDIT)]
    pub audit: String,
    /// Hourly statistics per crossing, keyed by crossing and hour
    /// (compacted, kept for years).
    #[arg(long = "topic-statistics", env = "BORDERFLOW_TOPIC_STATISTICS", default_value = Topics::STATISTICS)]
    pub statistics: String,
    /// Minimal-data protection referrals for partner services, keyed by
    /// crossing id.
    #[arg(long = "topic-referrals", env = "BORDERFLOW_TOPIC_REFERRALS", default_value = Topics::REFERRALS)]
    pub referrals: String,
    /// The exchange with the neighbouring countries' systems for twin
    /// pairs (aggregates and pair-keyed sets, signed), keyed by pair id;
    /// shared by both systems of a pair.
    #[arg(long = "topic-liaison", env = "BORDERFLOW_TOPIC_LIAISON", default_value = Topics::LIAISON)]
    pub liaison: String,
    /// The operators' triage of anomalies (compacted), keyed by anomaly id:
    /// each record the whole lifecycle after one action.
    #[arg(long = "topic-triage", env = "BORDERFLOW_TOPIC_TRIAGE", default_value = Topics::TRIAGE)]
    pub triage: String,
}

impl Topics {
    pub const INSPECTIONS: &'static str = "borderflow.inspections.v1";
    pub const BY_DOCUMENT: &'static str = "borderflow.inspections-by-document.v1";
    pub const DOCUMENT_STATE: &'static str = "borderflow.document-state.v1";
    pub const CROSSING_STATS: &'static str = "borderflow.crossing-stats.v1";
    pub const ANOMALIES: &'static str = "borderflow.anomalies.v1";
    pub const REFERENCE: &'static str = "borderflow.reference.v1";
    pub const DEADLETTER: &'static str = "borderflow.deadletter.v1";
    pub const AUDIT: &'static str = "borderflow.audit.v1";
    pub const STATISTICS: &'static str = "borderflow.statistics.v1";
    pub const REFERRALS: &'static str = "borderflow.referrals.v1";
    pub const LIAISON: &'static str = "borderflow.liaison.v1";
    pub const TRIAGE: &'static str = "borderflow.triage.v1";

    /// Every topic with a prefix, for tests that need a fresh set.
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            inspections: format!("{prefix}{}", Self::INSPECTIONS),
            by_document: format!("{prefix}{}", Self::BY_DOCUMENT),
            document_state: format!("{prefix}{}", Self::DOCUMENT_STATE),
            crossing_stats: format!("{prefix}{}", Self::CROSSING_STATS),
            anomalies: format!("{prefix}{}", Self::ANOMALIES),
            reference: format!("{prefix}{}", Self::REFERENCE),
            deadletter: format!("{prefix}{}", Self::DEADLETTER),
            audit: format!("{prefix}{}", Self::AUDIT),
            statistics: format!("{prefix}{}", Self::STATISTICS),
            referrals: format!("{prefix}{}", Self::REFERRALS),
            liaison: format!("{prefix}{}", Self::LIAISON),
            triage: format!("{prefix}{}", Self::TRIAGE),
        }
    }

    pub fn all(&self) -> [&str; 12] {
        [
            &self.inspections,
            &self.by_document,
            &self.document_state,
            &self.crossing_stats,
            &self.anomalies,
            &self.reference,
            &self.deadletter,
            &self.audit,
            &self.statistics,
            &self.referrals,
            &self.liaison,
            &self.triage,
        ]
    }
}

impl Default for Topics {
    fn default() -> Self {
        Self::with_prefix("")
    }
}

/// A client context that remembers whether librdkafka last reported every
/// broker down, so a service can refuse work at once instead of queueing
/// records that will only time out.
#[derive(Clone, Debug, Default)]
pub struct BrokerHealth {
    all_down: Arc<AtomicBool>,
}

impl BrokerHealth {
    pub fn is_down(&self) -> bool {
        self.all_down.load(Ordering::Relaxed)
    }

    /// Records that the brokers answered (a delivery or a metadata request
    /// succeeded).
    pub fn mark_up(&self) {
        self.all_down.store(false, Ordering::Relaxed);
    }

    pub fn mark_down(&self) {
        self.all_down.store(true, Ordering::Relaxed);
    }
}

impl ClientContext for BrokerHealth {
    fn error(&self, error: KafkaError, reason: &str) {
        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::AllBrokersDown) {
            self.mark_down();
        }
        warn!(%error, reason, "kafka client error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn producer_is_idempotent_with_acks_all() {
        let config = KafkaArgs::local("127.0.0.1:1").producer_config("test");
        assert_eq!(config.get("enable.idempotence"), Some("true"));
        assert_eq!(config.get("acks"), Some("all"));
    }
}
