//! What a run measures against: a broker (started here or given), a fresh
//! set of topics, the development secrets and certificates, the network's
//! crossings registered on the reference topic, and the services started
//! as child processes so each one's memory can be read on its own.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use borderflow_common::kafka::{KafkaArgs, Topics};
use borderflow_common::local_broker::{LocalBroker, Storage, create_topics, free_port};
use borderflow_proto::Message as _;
use borderflow_proto::reference::v1::{ReferenceRecord, reference_record};
use borderflow_simulator::model::network::Network;
use borderflow_simulator::setup::credentials::TokenIssuer;
use borderflow_simulator::setup::{DevSetup, write_dev_setup};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use tonic::transport::{Certificate, ClientTlsConfig};

use super::args::Args;
use crate::process::ChildService;
use crate::testbed::http_get;

pub struct Bed {
    broker: Option<LocalBroker>,
    pub bootstrap: String,
    pub kafka: KafkaArgs,
    pub topics: Topics,
    /// Where the raw producer baseline writes.
    pub raw_topic: String,
    pub setup: DevSetup,
    pub network: Network,
    bin_dir: PathBuf,
    log_dir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Bed {
    pub async fn start(args: &Args, network: Network) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let bin_dir = match &args.bin_dir {
            Some(dir) => dir.clone(),
            None => std::env::current_exe()?
                .parent()
                .context("this executable has no directory")?
                .to_owned(),
        };
        for name in ["borderflow-ingest", "borderflow-aggregator"] {
            if !bin_dir.join(name).exists() {
                bail!(
                    "{} is missing: build the services first (cargo build --release -p borderflow-ingest -p borderflow-aggregator)",
                    bin_dir.join(name).display()
                );
            }
        }
        let log_dir = args
            .log_dir
            .clone()
            .unwrap_or_else(|| dir.path().join("logs"));
        std::fs::create_dir_all(&log_dir)?;
        let broker = match &args.brokers {
            Some(_) => None,
            None => {
                Some(tokio::task::spawn_blocking(|| LocalBroker::start(Storage::Memory)).await??)
            }
        };
        let bootstrap = match (&args.brokers, &broker) {
            (Some(brokers), _) => brokers.clone(),
            (None, Some(broker)) => broker.bootstrap(),
            (None, None) => unreachable!("a broker was started"),
        };
        let mut kafka = KafkaArgs::local(bootstrap.clone());
        kafka.linger = args.linger;
        kafka.fetch_wait = args.fetch_wait;
        kafka.compression = args.compression.clone();
        kafka.options = args
            .kafka_options
            .iter()
            .filter_map(|o| o.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        // Fresh names, so a shared cluster keeps earlier runs apart.
        let run = uuid::Uuid::new_v4().simple().to_string();
        let topics = Topics::with_prefix(&format!("bench-{}.", &run[..8]));
        let raw_topic = format!("bench-{}.raw-producer", &run[..8]);
        {
            let bootstrap = bootstrap.clone();
            let mut names: Vec<String> = topics.all().iter().map(|s| (*s).to_owned()).collect();
            names.push(raw_topic.clone());
            let partitions = args.partitions;
            tokio::task::spawn_blocking(move || {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                create_topics(&bootstrap, &names, partitions)
            })
            .await??;
        }
        let setup = write_dev_setup(
            &dir.path().join("setup"),
            &network,
            &["localhost", "127.0.0.1"],
        )?;
        let bed = Self {
            broker,
            bootstrap,
            kafka,
            topics,
            raw_topic,
            setup,
            network,
            bin_dir,
            log_dir,
            _dir: dir,
        };
        bed.register_crossings().await?;
        Ok(bed)
    }

    pub fn local_broker(&self) -> bool {
        self.broker.is_some()
    }

    /// The crossing registry on the reference topic, before any aggregator
    /// starts, so the per-document rules know each crossing's country.
    async fn register_crossings(&self) -> anyhow::Result<()> {
        let producer: FutureProducer = self
            .kafka
            .producer_config("borderflow-bench-reference")
            .create()?;
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

    fn common_args(&self, binary: &str) -> Vec<String> {
        let t = &self.topics;
        let mut args = vec![
            binary.to_owned(),
            format!("--kafka-brokers={}", self.bootstrap),
            format!("--kafka-linger={}ms", self.kafka.linger.as_millis()),
            format!("--kafka-fetch-wait={}ms", self.kafka.fetch_wait.as_millis()),
            format!("--kafka-compression={}", self.kafka.compression),
            format!("--topic-inspections={}", t.inspections),
            format!("--topic-by-document={}", t.by_document),
            format!("--topic-crossing-stats={}", t.crossing_stats),
            format!("--topic-anomalies={}", t.anomalies),
            format!("--topic-reference={}", t.reference),
            format!("--topic-deadletter={}", t.deadletter),
            format!("--topic-audit={}", t.audit),
        ];
        for (key, value) in &self.kafka.options {
            args.push(format!("--kafka-option={key}={value}"));
        }
        args
    }

    pub async fn start_ingest(&self) -> anyhow::Result<ChildService> {
        let s = &self.setup;
        let mut args = self.common_args("borderflow-ingest");
        args.extend([
            format!("--credentials={}", s.credentials_file.display()),
            format!("--secret-file={}", s.secret_file.display()),
            format!("--tls-cert={}", s.server_cert_file.display()),
            format!("--tls-key={}", s.server_key_file.display()),
        ]);
        self.spawn("borderflow-ingest", &args).await
    }

    /// An aggregator in consumer group `group`.
    pub async fn start_aggregator(&self, group: &str) -> anyhow::Result<ChildService> {
        let mut args = self.common_args("borderflow-aggregator");
        args.push(format!("--group-id={group}"));
        args.extend(crate::testbed::auth_args(&self.setup));
        self.spawn("borderflow-aggregator", &args).await
    }

    async fn spawn(&self, name: &str, args: &[String]) -> anyhow::Result<ChildService> {
        let grpc_addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let admin_addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let log = self.log_dir.join(format!("{name}.log"));
        let out =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(self.bin_dir.join(name))
            .args(&args[1..])
            .arg(format!("--grpc-addr={grpc_addr}"))
            .arg(format!("--admin-addr={admin_addr}"))
            .env("BORDERFLOW_LOG_FORMAT", "text")
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let mut service = ChildService {
            name: name.to_owned(),
            child,
            grpc_addr,
            admin_addr,
        };
        let started = Instant::now();
        loop {
            if let Some(status) = service.child.try_wait()? {
                bail!(
                    "{name} exited before it was ready ({status}); see {}",
                    log.display()
                );
            }
            if let Ok((200, _)) = http_get(admin_addr, "/readyz").await {
                return Ok(service);
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("{name} not ready after a minute; see {}", log.display());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn client_tls(&self) -> anyhow::Result<ClientTlsConfig> {
        let ca = std::fs::read(&self.setup.ca_file)?;
        Ok(ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(ca))
            .domain_name("localhost"))
    }

    pub fn tokens(&self) -> anyhow::Result<TokenIssuer> {
        let secret = std::fs::read_to_string(&self.setup.token_secret_file)?;
        Ok(TokenIssuer::new(secret.trim().as_bytes()))
    }

    /// The deployment's pseudonymiser, read the way ingest reads it.
    pub fn keys(&self) -> anyhow::Result<borderflow_domain::keys::Pseudonymiser> {
        read_keys(&self.setup.secret_file)
    }

    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }
}

fn read_keys(path: &Path) -> anyhow::Result<borderflow_domain::keys::Pseudonymiser> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let secret = text.trim_ascii_end();
    Ok(borderflow_domain::keys::Pseudonymiser::new(secret)?)
}
