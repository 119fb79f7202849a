//! A complete borderflow on 127.0.0.1 for tests and measurements: a tansu
//! broker on a free port with fresh topics, development secrets and
//! certificates, ingest and any number of aggregators, in this process.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use borderflow_access::Role;
use borderflow_common::grpc::{Authorized, Bearer, authorized};
use borderflow_common::kafka::{KafkaArgs, Topics};
use borderflow_common::local_broker::{LocalBroker, Storage};
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_simulator::model::network::Network;
use borderflow_simulator::setup::credentials::TokenIssuer;
use borderflow_simulator::setup::identity::DEV_ISSUER;
use borderflow_simulator::setup::{DevSetup, write_dev_setup};
use clap::Parser;
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_util::sync::CancellationToken;
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

/// A running service and the token that stops it.
pub struct Service<R> {
    pub running: Option<R>,
    pub shutdown: CancellationToken,
    pub grpc_addr: SocketAddr,
    pub admin_addr: SocketAddr,
}

pub struct Testbed {
    pub broker: LocalBroker,
    pub topics: Topics,
    pub setup: DevSetup,
    pub network: Network,
    pub partitions: i32,
    dir: tempfile::TempDir,
}

impl Testbed {
    /// Starts a broker (in memory) with every topic and writes the
    /// development setup for `network`.
    pub async fn start(network: Network, partitions: i32) -> anyhow::Result<Self> {
        Self::start_with(network, partitions, Storage::Memory).await
    }

    pub async fn start_with(
        network: Network,
        partitions: i32,
        storage: Storage,
    ) -> anyhow::Result<Self> {
        borderflow_common::telemetry::metrics_handle();
        if std::env::var_os("RUST_LOG").is_some() {
            borderflow_common::telemetry::init_tracing(
                borderflow_common::telemetry::LogFormat::Text,
            );
        }
        let dir = tempfile::tempdir()?;
        let storage = match storage {
            Storage::Sqlite(path) if path.as_os_str().is_empty() => {
                Storage::Sqlite(dir.path().join("broker.db"))
            }
            other => other,
        };
        let broker = tokio::task::spawn_blocking(move || LocalBroker::start(storage)).await??;
        let topics = Topics::default();
        {
            let bootstrap = broker.bootstrap();
            let names: Vec<String> = topics.all().iter().map(|s| (*s).to_owned()).collect();
            tokio::task::spawn_blocking(move || {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                borderflow_common::local_broker::create_topics(&bootstrap, &names, partitions)
            })
            .await??;
        }
        let setup = write_dev_setup(
            &dir.path().join("setup"),
            &network,
            &["localhost", "127.0.0.1"],
        )?;
        Ok(Self {
            broker,
            topics,
            setup,
            network,
            partitions,
            dir,
        })
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn kafka(&self) -> KafkaArgs {
        KafkaArgs::local(self.broker.bootstrap())
    }

    /// Ingest's flags for this testbed, plus `extra`.
    pub fn ingest_config(&self, extra: &[&str]) -> borderflow_ingest::Config {
        borderflow_ingest::Config::try_parse_from(self.ingest_args(extra))
            .expect("valid ingest flags")
    }

    /// Ingest's command line for this testbed (listening on free ports
    /// unless `extra` says otherwise), plus `extra`.
    pub fn ingest_args(&self, extra: &[&str]) -> Vec<String> {
        let s = &self.setup;
        let mut args: Vec<String> = vec![
            "borderflow-ingest".into(),
            "--grpc-addr=127.0.0.1:0".into(),
            "--admin-addr=127.0.0.1:0".into(),
            format!("--kafka-brokers={}", self.broker.bootstrap()),
            format!("--credentials={}", s.credentials_file.display()),
            format!("--secret-file={}", s.secret_file.display()),
            format!("--tls-cert={}", s.server_cert_file.display()),
            format!("--tls-key={}", s.server_key_file.display()),
            "--kafka-delivery-timeout=5s".into(),
        ];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
    }

    /// The aggregator's flags for this testbed, plus `extra`.
    pub fn aggregator_config(&self, extra: &[&str]) -> borderflow_aggregator::Config {
        borderflow_aggregator::Config::try_parse_from(self.aggregator_args(extra))
            .expect("valid aggregator flags")
    }

    /// The aggregator's command line for this testbed (access control on,
    /// against the setup's local issuer), plus `extra`.
    pub fn aggregator_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = vec![
            "borderflow-aggregator".into(),
            "--grpc-addr=127.0.0.1:0".into(),
            "--admin-addr=127.0.0.1:0".into(),
            format!("--kafka-brokers={}", self.broker.bootstrap()),
            "--open-publish-interval=200ms".into(),
            "--catch-up-deadline=5s".into(),
        ];
        args.extend(auth_args(&self.setup));
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args
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

    /// Client TLS trusting the testbed's CA.
    pub fn client_tls(&self) -> anyhow::Result<ClientTlsConfig> {
        let ca = std::fs::read(&self.setup.ca_file)?;
        Ok(ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(ca))
            .domain_name("localhost"))
    }

    /// A channel to ingest over TLS.
    pub async fn ingest_channel(&self, addr: SocketAddr) -> anyhow::Result<Channel> {
        borderflow_simulator::run::connect(&format!("https://{addr}"), Some(self.client_tls()?))
            .await
    }

    pub fn tokens(&self) -> anyhow::Result<TokenIssuer> {
        let secret = std::fs::read_to_string(&self.setup.token_secret_file)?;
        Ok(TokenIssuer::new(secret.trim().as_bytes()))
    }

    /// Writes `anomaly` to the anomalies topic, as an aggregator would
    /// publish it (tests of what readers are shown).
    pub async fn publish_anomaly(&self, anomaly: &Anomaly) -> anyhow::Result<()> {
        let producer: FutureProducer = self.kafka().producer_config("testbed").create()?;
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

/// GETs `path` from an admin HTTP port; returns the status and body.
pub async fn http_get(addr: SocketAddr, path: &str) -> anyhow::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("malformed HTTP response")?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// Sum of the samples of `metric` in a Prometheus text exposition whose
/// labels contain every one of `labels` (e.g. `result="amended"`).
pub fn metric_sum(exposition: &str, metric: &str, labels: &[&str]) -> f64 {
    exposition
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(metric) && l[metric.len()..].starts_with(['{', ' ']))
        .filter(|l| labels.iter().all(|label| l.contains(label)))
        .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
        .sum()
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
