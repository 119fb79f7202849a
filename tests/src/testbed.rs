//! A complete borderflow on 127.0.0.1 for tests and measurements: a broker
//! (tansu on a free port, or a given cluster) with fresh topics, development
//! secrets and certificates, and ingest and any number of aggregators, in
//! this process or as child processes.
//!
//! The system tests take the defaults ([`Testbed::start`]); the load tool
//! sets the rest through a [`Builder`] (a given cluster, its client
//! settings, prefixed topics, the services' deployed settings). Either way
//! the services' command lines come from one place, [`Testbed::ingest_args`]
//! and [`Testbed::aggregator_args`].

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use borderflow_access::Role;
use borderflow_common::grpc::{Authorized, Bearer, authorized};
use borderflow_common::kafka::{KafkaArgs, Topics};
use borderflow_domain::keys::Pseudonymiser;
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::reference::v1::{
    ListEntry, ReferenceList, ReferenceRecord, reference_record,
};
use borderflow_simulator::exercise::{System, Targets};
use borderflow_simulator::model::network::Network;
use borderflow_simulator::run::IngestEndpoint;
use borderflow_simulator::setup::credentials::TokenIssuer;
use borderflow_simulator::setup::identity::DEV_ISSUER;
use borderflow_simulator::setup::{DevSetup, write_dev_setup};
use clap::Parser;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use tokio_util::sync::CancellationToken;
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

use crate::broker::{LocalBroker, Storage, create_topics, free_port};
use crate::process::{ChildService, binary_dir};

/// What the tests shorten so a run settles in seconds: how long ingest
/// retries a record (a broker outage is reported sooner) ...
const QUICK_INGEST: &[&str] = &["--kafka-delivery-timeout=5s"];
/// ... and how often the aggregator publishes open windows and how long it
/// waits to catch up before serving.
const QUICK_AGGREGATOR: &[&str] = &["--open-publish-interval=200ms", "--catch-up-deadline=5s"];

/// A running service and the token that stops it.
pub struct Service<R> {
    pub running: Option<R>,
    pub shutdown: CancellationToken,
    pub grpc_addr: SocketAddr,
    pub admin_addr: SocketAddr,
}

pub struct Testbed {
    /// The tansu this bed started; `None` on a given cluster.
    broker: Option<LocalBroker>,
    bootstrap: String,
    kafka: KafkaArgs,
    pub topics: Topics,
    pub setup: DevSetup,
    pub network: Network,
    pub partitions: i32,
    quick: bool,
    bin_dir: Option<PathBuf>,
    service_log: String,
    dir: tempfile::TempDir,
}

/// How a [`Testbed`] is set up; the defaults are what the system tests
/// want.
#[derive(Debug)]
pub struct Builder {
    network: Network,
    partitions: i32,
    storage: Storage,
    brokers: Option<String>,
    kafka: KafkaArgs,
    topic_prefix: String,
    extra_topics: Vec<String>,
    quick: bool,
    bin_dir: Option<PathBuf>,
    service_log: String,
}

impl Builder {
    /// Partitions of every topic the bed creates (default 12).
    pub fn partitions(mut self, partitions: i32) -> Self {
        self.partitions = partitions;
        self
    }

    /// Where the local broker keeps its data (default memory). SQLite with
    /// an empty path puts the database in the bed's directory.
    pub fn storage(mut self, storage: Storage) -> Self {
        self.storage = storage;
        self
    }

    /// A running cluster (bootstrap servers) instead of a local tansu.
    pub fn brokers(mut self, brokers: Option<String>) -> Self {
        self.brokers = brokers;
        self
    }

    /// Client settings for the services and the bed's own clients (default
    /// the services' defaults); their broker list is the bed's.
    pub fn kafka(mut self, kafka: KafkaArgs) -> Self {
        self.kafka = kafka;
        self
    }

    /// Prefixes every topic name, so runs on a shared cluster stay apart.
    pub fn topic_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.topic_prefix = prefix.into();
        self
    }

    /// Creates one more topic beside borderflow's own.
    pub fn extra_topic(mut self, name: impl Into<String>) -> Self {
        self.extra_topics.push(name.into());
        self
    }

    /// Runs the services with their deployed settings where the tests
    /// shorten them (ingest's delivery timeout, the aggregator's
    /// publication of open windows and catch-up deadline): what a
    /// measurement wants.
    pub fn as_deployed(mut self) -> Self {
        self.quick = false;
        self
    }

    /// Where the service binaries for [`Testbed::spawn`] are (default
    /// where cargo put this executable's, see [`binary_dir`]).
    pub fn bin_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.bin_dir = dir;
        self
    }

    /// `RUST_LOG` of child processes when this process has none (default
    /// `info`).
    pub fn service_log(mut self, filter: impl Into<String>) -> Self {
        self.service_log = filter.into();
        self
    }

    /// Starts the broker (unless given), creates the topics and writes the
    /// development setup for the network.
    pub async fn start(self) -> anyhow::Result<Testbed> {
        borderflow_common::telemetry::metrics_handle();
        if std::env::var_os("RUST_LOG").is_some() {
            borderflow_common::telemetry::init_tracing(
                borderflow_common::telemetry::LogFormat::Text,
            );
        }
        let dir = tempfile::tempdir()?;
        let broker = match self.brokers {
            Some(_) => None,
            None => {
                let storage = match self.storage {
                    Storage::Sqlite(path) if path.as_os_str().is_empty() => {
                        Storage::Sqlite(dir.path().join("broker.db"))
                    }
                    other => other,
                };
                Some(tokio::task::spawn_blocking(move || LocalBroker::start(storage)).await??)
            }
        };
        let bootstrap = match (self.brokers, &broker) {
            (Some(brokers), _) => brokers,
            (None, Some(broker)) => broker.bootstrap(),
            (None, None) => unreachable!("a broker was started"),
        };
        let kafka = KafkaArgs {
            brokers: bootstrap.clone(),
            ..self.kafka
        };
        let topics = Topics::with_prefix(&self.topic_prefix);
        {
            let bootstrap = bootstrap.clone();
            let mut names: Vec<String> = topics.all().iter().map(|s| (*s).to_owned()).collect();
            names.extend(self.extra_topics);
            let partitions = self.partitions;
            tokio::task::spawn_blocking(move || {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                create_topics(&bootstrap, &names, partitions)
            })
            .await??;
        }
        let setup = write_dev_setup(
            &dir.path().join("setup"),
            &self.network,
            &["localhost", "127.0.0.1"],
        )?;
        Ok(Testbed {
            broker,
            bootstrap,
            kafka,
            topics,
            setup,
            network: self.network,
            partitions: self.partitions,
            quick: self.quick,
            bin_dir: self.bin_dir,
            service_log: self.service_log,
            dir,
        })
    }
}

impl Testbed {
    /// Starts a broker (in memory) with every topic and writes the
    /// development setup for `network`.
    pub async fn start(network: Network, partitions: i32) -> anyhow::Result<Self> {
        Self::builder(network).partitions(partitions).start().await
    }

    /// A bed for `network` to set up beyond the defaults.
    pub fn builder(network: Network) -> Builder {
        Builder {
            network,
            partitions: 12,
            storage: Storage::Memory,
            brokers: None,
            kafka: KafkaArgs::local(""),
            topic_prefix: String::new(),
            extra_topics: Vec::new(),
            quick: true,
            bin_dir: None,
            service_log: "info".into(),
        }
    }

    /// A directory of the bed's own, removed with it.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The bootstrap servers of the bed's broker or cluster.
    pub fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    /// The broker this bed started, to stop and start it again.
    ///
    /// # Panics
    ///
    /// On a bed over a given cluster, which is not the bed's to stop.
    pub fn broker(&mut self) -> &mut LocalBroker {
        self.broker
            .as_mut()
            .expect("a bed over a given cluster has no broker of its own")
    }

    /// Whether the bed started its broker (rather than using a given
    /// cluster).
    pub fn has_local_broker(&self) -> bool {
        self.broker.is_some()
    }

    /// The client settings the services get.
    pub fn kafka(&self) -> KafkaArgs {
        self.kafka.clone()
    }

    /// Ingest's flags for this testbed, plus `extra`.
    pub fn ingest_config(&self, extra: &[&str]) -> borderflow_ingest::Config {
        borderflow_ingest::Config::try_parse_from(self.ingest_args(extra))
            .expect("valid ingest flags")
    }

    /// Ingest's command line for this testbed (listening on free ports
    /// unless `extra` says otherwise), plus `extra`, whose flags replace
    /// the bed's of the same name.
    pub fn ingest_args(&self, extra: &[&str]) -> Vec<String> {
        let s = &self.setup;
        let mut args = vec![
            "borderflow-ingest".to_owned(),
            "--grpc-addr=127.0.0.1:0".into(),
            "--admin-addr=127.0.0.1:0".into(),
        ];
        args.extend(self.kafka_flags());
        args.extend([
            format!("--credentials={}", s.credentials_file.display()),
            format!("--secret-file={}", s.secret_file.display()),
            format!("--tls-cert={}", s.server_cert_file.display()),
            format!("--tls-key={}", s.server_key_file.display()),
        ]);
        if self.quick {
            override_flags(&mut args, QUICK_INGEST);
        }
        override_flags(&mut args, extra);
        args
    }

    /// The aggregator's flags for this testbed, plus `extra`.
    pub fn aggregator_config(&self, extra: &[&str]) -> borderflow_aggregator::Config {
        borderflow_aggregator::Config::try_parse_from(self.aggregator_args(extra))
            .expect("valid aggregator flags")
    }

    /// The aggregator's command line for this testbed (access control on,
    /// against the setup's local issuer), plus `extra`, whose flags replace
    /// the bed's of the same name.
    pub fn aggregator_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args = vec![
            "borderflow-aggregator".to_owned(),
            "--grpc-addr=127.0.0.1:0".into(),
            "--admin-addr=127.0.0.1:0".into(),
        ];
        args.extend(self.kafka_flags());
        args.extend(auth_args(&self.setup));
        if self.quick {
            override_flags(&mut args, QUICK_AGGREGATOR);
        }
        override_flags(&mut args, extra);
        args
    }

    /// What every service is told of Kafka: the brokers, the client
    /// settings and the topic names.
    fn kafka_flags(&self) -> Vec<String> {
        let (k, t) = (&self.kafka, &self.topics);
        let mut flags = vec![
            format!("--kafka-brokers={}", self.bootstrap),
            format!(
                "--kafka-delivery-timeout={}ms",
                k.delivery_timeout.as_millis()
            ),
            format!("--kafka-linger={}ms", k.linger.as_millis()),
            format!("--kafka-fetch-wait={}ms", k.fetch_wait.as_millis()),
            format!("--kafka-compression={}", k.compression),
            format!("--topic-inspections={}", t.inspections),
            format!("--topic-by-document={}", t.by_document),
            format!("--topic-document-state={}", t.document_state),
            format!("--topic-crossing-stats={}", t.crossing_stats),
            format!("--topic-anomalies={}", t.anomalies),
            format!("--topic-reference={}", t.reference),
            format!("--topic-deadletter={}", t.deadletter),
            format!("--topic-audit={}", t.audit),
            format!("--topic-statistics={}", t.statistics),
            format!("--topic-referrals={}", t.referrals),
            format!("--topic-liaison={}", t.liaison),
            format!("--topic-triage={}", t.triage),
        ];
        flags.extend(
            k.options
                .iter()
                .map(|(key, value)| format!("--kafka-option={key}={value}")),
        );
        flags
    }

    pub async fn start_ingest(
        &self,
        config: borderflow_ingest::Config,
    ) -> anyhow::Result<Service<borderflow_ingest::Running>> {
        let shutdown = CancellationToken::new();
        let running = borderflow_ingest::start(config, shutdown.clone()).await?;
        Ok(Service {
            grpc_addr: running.grpc_addr,
            admin_addr: running.admin_addr,
            running: Some(running),
            shutdown,
        })
    }

    pub async fn start_aggregator(
        &self,
        config: borderflow_aggregator::Config,
    ) -> anyhow::Result<Service<borderflow_aggregator::Running>> {
        let shutdown = CancellationToken::new();
        let running = borderflow_aggregator::start(config, shutdown.clone()).await?;
        Ok(Service {
            grpc_addr: running.grpc_addr,
            admin_addr: running.admin_addr,
            running: Some(running),
            shutdown,
        })
    }

    /// Starts the service binary `name` as a child process on free ports,
    /// with `args` (a command line from [`ingest_args`](Self::ingest_args)
    /// or [`aggregator_args`](Self::aggregator_args)) and its output in
    /// `log`, and waits until it is ready.
    pub async fn spawn(
        &self,
        name: &str,
        args: &[String],
        log: PathBuf,
    ) -> anyhow::Result<ChildService> {
        let grpc_addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let admin_addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        self.spawn_at(name, args, log, grpc_addr, admin_addr).await
    }

    /// [`spawn`](Self::spawn) on given addresses (to restart a service
    /// where its clients expect it).
    pub async fn spawn_at(
        &self,
        name: &str,
        args: &[String],
        log: PathBuf,
        grpc_addr: SocketAddr,
        admin_addr: SocketAddr,
    ) -> anyhow::Result<ChildService> {
        ChildService::start(
            &self.program(name)?,
            args,
            log,
            (grpc_addr, admin_addr),
            &self.service_log,
        )
        .await
    }

    /// [`spawn`](Self::spawn), waiting up to `ready_within` for readiness
    /// (a service restoring a long history).
    pub async fn spawn_within(
        &self,
        name: &str,
        args: &[String],
        log: PathBuf,
        ready_within: Duration,
    ) -> anyhow::Result<ChildService> {
        let grpc_addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let admin_addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        ChildService::start_within(
            &self.program(name)?,
            args,
            log,
            (grpc_addr, admin_addr),
            &self.service_log,
            ready_within,
        )
        .await
    }

    /// The service binary `name` this bed runs.
    fn program(&self, name: &str) -> anyhow::Result<PathBuf> {
        Ok(match &self.bin_dir {
            Some(dir) => dir.join(name),
            None => binary_dir()?.join(name),
        })
    }

    /// What the simulator's exercises need of this bed: ingest for the
    /// booths, the aggregator with a trainer's token, the booths' tokens
    /// and the deployment's keys.
    pub async fn targets(
        &self,
        ingest: SocketAddr,
        aggregator: SocketAddr,
    ) -> anyhow::Result<Targets> {
        Ok(Targets::single(self.system(ingest, aggregator).await?))
    }

    /// This bed's system as an exercise reaches it (see
    /// [`targets`](Self::targets)).
    pub async fn system(
        &self,
        ingest: SocketAddr,
        aggregator: SocketAddr,
    ) -> anyhow::Result<System> {
        Ok(System {
            ingest: self.ingest_endpoint(ingest)?,
            aggregator: self.aggregator_channel(aggregator, Role::Trainer).await?,
            tokens: self.tokens()?,
            keys: self.pseudonymiser()?,
        })
    }

    /// Client TLS trusting the testbed's CA.
    pub fn client_tls(&self) -> anyhow::Result<ClientTlsConfig> {
        let ca = std::fs::read(&self.setup.ca_file)?;
        Ok(ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(ca))
            .domain_name("localhost"))
    }

    /// A channel to ingest over TLS.
    pub async fn ingest_channel(&self, addr: SocketAddr) -> anyhow::Result<Channel> {
        Ok(self.ingest_endpoint(addr)?.connection())
    }

    /// Ingest over TLS, for the simulator's booths (a connection each).
    pub fn ingest_endpoint(&self, addr: SocketAddr) -> anyhow::Result<IngestEndpoint> {
        borderflow_simulator::run::ingest(&format!("https://{addr}"), Some(self.client_tls()?))
    }

    pub fn tokens(&self) -> anyhow::Result<TokenIssuer> {
        let secret = std::fs::read_to_string(&self.setup.token_secret_file)?;
        Ok(TokenIssuer::new(secret.trim().as_bytes()))
    }

    /// The deployment's pseudonymiser, read the way ingest reads it.
    pub fn pseudonymiser(&self) -> anyhow::Result<Pseudonymiser> {
        let path = &self.setup.secret_file;
        let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Ok(Pseudonymiser::new(text.trim_ascii_end())?)
    }

    /// Writes `anomaly` to the anomalies topic, as an aggregator would
    /// publish it (tests of what readers are shown).
    pub async fn publish_anomaly(&self, anomaly: &Anomaly) -> anyhow::Result<()> {
        let producer: FutureProducer = self.kafka.producer_config("testbed").create()?;
        let payload = anomaly.encode_to_vec();
        producer
            .send(
                FutureRecord::to(&self.topics.anomalies)
                    .key(&anomaly.crossing_id)
                    .payload(&payload),
                Duration::from_secs(5),
            )
            .await
            .map_err(|(err, _)| anyhow::anyhow!("publishing an anomaly: {err}"))?;
        Ok(())
    }

    /// Writes the network's crossings to the reference topic, as a registry
    /// admin would register them: before any aggregator starts, the
    /// per-document rules then know each crossing's country from the first
    /// record.
    pub async fn publish_registry(&self) -> anyhow::Result<()> {
        let producer: FutureProducer = self.kafka.producer_config("testbed-registry").create()?;
        for crossing in &self.network.crossings {
            let record = ReferenceRecord {
                body: Some(reference_record::Body::Crossing(crossing.registry_entry())),
            };
            let key = borderflow_aggregator::store::reference::crossing_key(&crossing.id);
            producer
                .send(
                    FutureRecord::to(&self.topics.reference)
                        .key(&key)
                        .payload(&record.encode_to_vec()),
                    Duration::from_secs(10),
                )
                .await
                .map_err(|(err, _)| err)
                .context("registering a crossing")?;
        }
        producer.flush(Duration::from_secs(10))?;
        Ok(())
    }

    /// Writes reference list entries to the reference topic, as
    /// `ReferenceService.UpsertEntries` would once approved: before any
    /// aggregator starts, the per-event rules meet them from the first
    /// record.
    pub async fn publish_list_entries(&self, entries: &[ListEntry]) -> anyhow::Result<()> {
        let producer: FutureProducer = self.kafka.producer_config("testbed-lists").create()?;
        for entry in entries {
            let list = ReferenceList::try_from(entry.list).unwrap_or_default();
            let key = borderflow_aggregator::store::reference::entry_key(list, &entry.key);
            let record = ReferenceRecord {
                body: Some(reference_record::Body::Entry(entry.clone())),
            };
            producer
                .send(
                    FutureRecord::to(&self.topics.reference)
                        .key(&key)
                        .payload(&record.encode_to_vec()),
                    Duration::from_secs(10),
                )
                .await
                .map_err(|(err, _)| err)
                .context("writing a reference list entry")?;
        }
        producer.flush(Duration::from_secs(10))?;
        Ok(())
    }

    /// The token of `role` (every country) from the setup's local issuer.
    pub fn token_file(&self, role: Role) -> PathBuf {
        self.setup.identity.token_file(role)
    }

    /// A channel to the aggregator at `addr` with a token of `role`.
    pub async fn aggregator_channel(
        &self,
        addr: SocketAddr,
        role: Role,
    ) -> anyhow::Result<Authorized> {
        aggregator_channel(addr, &self.token_file(role)).await
    }

    /// AnalyticsService of the aggregator at `addr`, as the trainer role
    /// (figures and anomalies of every country).
    pub async fn analytics(
        &self,
        addr: SocketAddr,
    ) -> anyhow::Result<AnalyticsServiceClient<Authorized>> {
        Ok(AnalyticsServiceClient::new(
            self.aggregator_channel(addr, Role::Trainer).await?,
        ))
    }
}

/// Appends `flags` to a command line, dropping the flags of the same name
/// already on it: clap refuses most flags given twice, and the later word
/// is the one meant.
fn override_flags(args: &mut Vec<String>, flags: &[&str]) {
    fn name(flag: &str) -> &str {
        flag.split_once('=').map_or(flag, |(name, _)| name)
    }
    let replaced: HashSet<&str> = flags.iter().map(|f| name(f)).collect();
    let mut position = 0;
    args.retain(|arg| {
        // The program name stays whatever it is.
        position += 1;
        position == 1 || !replaced.contains(name(arg))
    });
    args.extend(flags.iter().map(|f| (*f).to_owned()));
}

/// The aggregator flags that trust a setup's local issuer.
pub fn auth_args(setup: &DevSetup) -> [String; 2] {
    [
        format!("--auth-jwks-file={}", setup.identity.jwks_file.display()),
        format!("--auth-issuer={DEV_ISSUER}"),
    ]
}

/// A plaintext channel to the aggregator at `addr` presenting the token in
/// `token_file`.
pub async fn aggregator_channel(addr: SocketAddr, token_file: &Path) -> anyhow::Result<Authorized> {
    let channel = Channel::from_shared(format!("http://{addr}"))?
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .context("connecting to the aggregator")?;
    Ok(authorized(channel, Bearer::from_file(token_file)?))
}

impl<R> Service<R> {
    /// Stops the service gracefully.
    pub fn stop(&mut self) -> Option<R> {
        self.shutdown.cancel();
        self.running.take()
    }
}

impl Service<borderflow_ingest::Running> {
    pub async fn stop_and_wait(&mut self) -> anyhow::Result<()> {
        match self.stop() {
            Some(running) => running.wait().await,
            None => Ok(()),
        }
    }
}

impl Service<borderflow_aggregator::Running> {
    pub async fn stop_and_wait(&mut self) -> anyhow::Result<()> {
        match self.stop() {
            Some(running) => running.wait().await,
            None => Ok(()),
        }
    }
}

/// Polls `check` every 100 ms until it returns `Some` or `limit` passes.
pub async fn eventually<T, F, Fut>(limit: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = std::time::Instant::now();
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if started.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_flags_replace_earlier_ones_of_the_same_name() {
        let mut args: Vec<String> = ["prog", "--a=1", "--b=2", "--flag", "--a=3"]
            .map(String::from)
            .to_vec();
        override_flags(&mut args, &["--a=4", "--flag", "--c=5"]);
        assert_eq!(args, ["prog", "--b=2", "--a=4", "--flag", "--c=5"]);
    }
}
