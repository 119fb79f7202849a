//! borderflow-aggregator: turns the inspections stream into per-crossing
//! event-time windows and anomaly flags, and answers for them.
//!
//! Reading order, one storey at a time from the ground up (a module imports
//! only from its own storey and those below; an inspection's path from the
//! topic to the query API never turns back):
//!
//! 1. [`ids`]: event ids and the one hasher for uniform keys.
//! 2. [`windows`]: event-time windows, their histograms and records, and
//!    what a record must hold to be counted.
//! 3. [`detect`]: the detection catalogue, pure; reference data is read
//!    through [`detect::References`]. [`protection`]: the minimal-data
//!    referrals an inspection gives rise to, pure. [`triage`]: the
//!    operators' lifecycle of an anomaly and its figures, pure.
//! 4. [`partition`]: one partition's state driven record by record, and the
//!    stages' per-record steps as pure functions returning effects
//!    (sans-io: the benches and tests call the same functions).
//! 5. [`store`]: what every instance knows, materialised from the output
//!    topics (implements [`detect::References`]); [`statistics`]: tables
//!    of the statistics store under disclosure control, and their export;
//!    [`liaison`]: a partition's part in the exchange with neighbouring
//!    countries' systems for twin pairs.
//! 6. [`stream`]: Kafka in and out; thin adapters from records to the
//!    partition steps, outputs tracked until durable, the materialiser.
//! 7. [`access`]: identity, roles, country scopes, the audit trail.
//! 8. [`grpc`], [`http_api`], [`dashboard`]: the answers, behind access.
//!
//! Beside them: [`config`] (flags), [`error`](mod@error) (one error contract and its
//! mapping to gRPC statuses), [`metrics`] (the telemetry contract),
//! [`reflist`] (reference lists from CSV files, for `borderflow-ref`).
//! Start at [`start`].

pub mod access;
pub mod config;
pub mod dashboard;
pub mod detect;
pub mod error;
pub mod grpc;
pub mod http_api;
pub mod ids;
pub mod liaison;
pub mod metrics;
pub mod partition;
pub mod protection;
pub mod reflist;
pub mod statistics;
pub mod store;
pub mod stream;
pub mod triage;
pub mod windows;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use borderflow_common::admin::{self, Readiness};
use borderflow_common::grpc::{MAX_MESSAGE_BYTES, health_service, incoming, reflection_services};
use borderflow_proto::analytics::v1::analytics_service_server::AnalyticsServiceServer;
use borderflow_proto::audit::v1::audit_service_server::AuditServiceServer;
use borderflow_proto::protection::v1::protection_service_server::ProtectionServiceServer;
use borderflow_proto::reference::v1::reference_service_server::ReferenceServiceServer;
use borderflow_proto::statistics::v1::statistics_service_server::StatisticsServiceServer;
use rdkafka::producer::{FutureProducer, Producer};
use rdkafka::util::Timeout;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;
use tonic::transport::Server;
use tower::Layer as _;
use tower::util::BoxCloneSyncService;
use tracing::{error, info, warn};

pub use config::Config;

use crate::access::grpc::AccessLayer;
use crate::access::{AuditSink, Gate};
use crate::grpc::analytics::AnalyticsApi;
use crate::grpc::audit::AuditApi;
use crate::grpc::protection::ProtectionApi;
use crate::grpc::reference::ReferenceApi;
use crate::grpc::statistics::StatisticsApi;
use crate::grpc::triage::TriageApi;
use crate::store::{
    AnomalyStore, AuditStore, LiaisonStore, ReferenceStore, ReferralStore, StatisticsStore,
    TriageStore, WindowStore,
};
use crate::stream::documents::{DocumentsStage, LocalStores, Standby, check_copartitioned};
use crate::stream::inspections::InspectionsStage;
use crate::stream::liaison::LiaisonStage;
use crate::stream::materialise::{Materialiser, NotCaughtUp, Stores};
use crate::stream::output::Relay;
use crate::stream::pipeline::PipelineConfig;

/// The gRPC services the aggregator serves.
pub const SERVICES: &[&str] = &[
    "borderflow.analytics.v1.AnalyticsService",
    "borderflow.reference.v1.ReferenceService",
    "borderflow.audit.v1.AuditService",
    "borderflow.statistics.v1.StatisticsService",
    "borderflow.protection.v1.ProtectionService",
];

/// A started aggregator.
pub struct Running {
    pub grpc_addr: SocketAddr,
    pub admin_addr: SocketAddr,
    pub stores: Stores,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("aggregator task panicked")?
    }
}

/// Binds the ports, catches up with the materialised topics and starts
/// processing; returns once serving.
pub async fn start(config: Config, shutdown: CancellationToken) -> anyhow::Result<Running> {
    metrics::describe();
    let pair_keys = Arc::new(config.liaison.keys()?);
    let stores = Stores {
        windows: Arc::new(WindowStore::new(config.query_retention.as_millis() as i64)),
        anomalies: Arc::new(AnomalyStore::new(config.anomaly_capacity)),
        reference: Arc::new(ReferenceStore::default()),
        audit: Arc::new(AuditStore::new(config.audit_capacity)),
        statistics: Arc::new(StatisticsStore::new(
            config.statistics_hourly_retention.as_millis() as i64,
        )),
        referrals: Arc::new(ReferralStore::new(config.referral_capacity)),
        liaison: Arc::new(LiaisonStore::new(
            pair_keys.as_ref().clone(),
            config.liaison.liaison_retention.as_millis() as i64,
        )),
        triage: Arc::new(TriageStore::new(config.anomaly_capacity)),
    };
    let authenticator = config
        .access
        .build()
        .await
        .context("configuring who may call the aggregator")?;
    let grpc_listener = TcpListener::bind(config.grpc_addr)
        .await
        .with_context(|| format!("binding gRPC to {}", config.grpc_addr))?;
    let admin_listener = TcpListener::bind(config.admin_addr)
        .await
        .with_context(|| format!("binding admin HTTP to {}", config.admin_addr))?;
    let grpc_addr = grpc_listener.local_addr()?;
    let admin_addr = admin_listener.local_addr()?;
    let readiness = Readiness::default();
    let caught_up = readiness.flag("materialised");
    // How this instance signs its audit records.
    let instance = config
        .instance_id
        .clone()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| grpc_addr.to_string());

    let background = CancellationToken::new();
    let materialiser = {
        let kafka = config.kafka.clone();
        let topics = config.topics.clone();
        let stores = stores.clone();
        let stop = background.clone();
        let instance = instance.clone();
        tokio::task::spawn_blocking(move || {
            Materialiser::start(&kafka, &topics, stores, &instance, stop)
        })
        .await??
    };
    // Not ready until the view has caught up, however long that takes.
    loop {
        let materialiser = materialiser.clone();
        let limit = config.catch_up_deadline;
        match tokio::task::spawn_blocking(move || materialiser.wait_caught_up(limit)).await? {
            Ok(()) => break,
            Err(err) if err.is::<NotCaughtUp>() && !shutdown.is_cancelled() => {
                warn!(%err, "the materialised view is still catching up");
            }
            Err(err) => return Err(err),
        }
    }
    caught_up.set(true);
    info!(
        windows = stores.windows.crossing_ids().len(),
        anomalies = stores.anomalies.len(),
        crossings = stores.reference.crossings().len(),
        "materialised view caught up"
    );

    let producer: FutureProducer = config
        .kafka
        .producer_config("borderflow-aggregator")
        .create()
        .context("creating the output producer")?;

    let detect = Arc::new(config.detect.clone());
    let pipeline = PipelineConfig {
        group_id: config.group_id.clone(),
        instance_id: config.instance_id.clone(),
        max_batch: config.max_batch,
        tick: config.open_publish_interval,
        drain_deadline: config.shutdown_deadline,
        relay: Relay::new(stores.anomalies.clone(), tokio::runtime::Handle::current()),
        ready: Some(readiness.flag("inspections state")),
    };
    let processing = readiness.flag("processing");
    let inspections = spawn_loop("inspections", shutdown.clone(), {
        let kafka = config.kafka.clone();
        let topics = config.topics.clone();
        let producer = producer.clone();
        let pipeline = pipeline.clone();
        let windows = config.windows();
        let detect = detect.clone();
        let stores = stores.clone();
        let materialiser = materialiser.clone();
        let catch_up_deadline = config.catch_up_deadline;
        move |stop: &CancellationToken| {
            processing.set(true);
            let stage = InspectionsStage {
                windows,
                detect: detect.clone(),
                stores: stores.clone(),
                materialiser: materialiser.clone(),
                catch_up_deadline,
            };
            stream::pipeline::run(&kafka, &topics, &producer, stage, pipeline.clone(), stop)
        }
    })?;
    let liaison = (!pair_keys.is_empty())
        .then(|| {
            spawn_loop("liaison", shutdown.clone(), {
                let kafka = config.kafka.clone();
                let topics = config.topics.clone();
                let producer = producer.clone();
                let pipeline = PipelineConfig {
                    group_id: format!("{}-liaison", config.group_id),
                    ready: Some(readiness.flag("liaison state")),
                    ..pipeline.clone()
                };
                let stage = LiaisonStage {
                    keys: pair_keys.clone(),
                    settings: liaison::Settings {
                        period_ms: config.liaison.liaison_period.as_millis() as i64,
                        lateness_ms: config.liaison.liaison_lateness.as_millis() as i64,
                        min_cell: u64::from(config.liaison.liaison_min_cell),
                        operated: config.liaison.operated_countries.clone(),
                        bands: config.age_bands,
                    },
                    detect: detect.clone(),
                    liaison: stores.liaison.clone(),
                    reference: stores.reference.clone(),
                    anomalies: stores.anomalies.clone(),
                    catch_up_deadline: config.catch_up_deadline,
                    instance: instance.clone(),
                };
                move |stop: &CancellationToken| {
                    let stage = stage.clone();
                    stream::pipeline::run(&kafka, &topics, &producer, stage, pipeline.clone(), stop)
                }
            })
        })
        .transpose()?;
    let document_partitions = {
        let (kafka, topics) = (config.kafka.clone(), config.topics.clone());
        tokio::task::spawn_blocking(move || check_copartitioned(&kafka, &topics)).await??
    };
    let cache_documents = config.state_cache_documents / document_partitions.max(1) as usize;
    let local_state = match &config.state_dir {
        Some(dir) => Some(LocalStores::open(
            dir,
            &config.topics.document_state,
            config.state_max_age,
        )?),
        None => None,
    };
    let standby = match (&local_state, config.standby_documents) {
        (Some(local), true) => Some(Standby::start(
            local.clone(),
            &config.kafka,
            &config.topics.document_state,
            document_partitions,
        )?),
        _ => None,
    };
    let documents = spawn_loop("documents", shutdown.clone(), {
        let kafka = config.kafka.clone();
        let topics = config.topics.clone();
        let producer = producer.clone();
        let pipeline = PipelineConfig {
            group_id: format!("{}-documents", config.group_id),
            ready: Some(readiness.flag("documents state")),
            ..pipeline
        };
        let reference = stores.reference.clone();
        let allowed_lateness_ms = config.allowed_lateness.as_millis() as i64;
        let replay_stall = config.catch_up_deadline;
        move |stop: &CancellationToken| {
            let stage = DocumentsStage {
                detect: detect.clone(),
                allowed_lateness_ms,
                reference: reference.clone(),
                kafka: kafka.clone(),
                topic: topics.by_document.clone(),
                changelog: topics.document_state.clone(),
                local: local_state.clone(),
                standby: standby.clone(),
                cache_documents,
                replay_stall,
            };
            stream::pipeline::run(&kafka, &topics, &producer, stage, pipeline.clone(), stop)
        }
    })?;

    let (_health_reporter, health) = health_service(SERVICES).await;
    let audit_producer: FutureProducer = config
        .kafka
        .producer_config("borderflow-aggregator-audit")
        // A call waits for its record: no lingering.
        .set("linger.ms", "0")
        .create()
        .context("creating the audit producer")?;
    let gate = Arc::new(Gate {
        authenticator: authenticator.clone(),
        audit: AuditSink::new(
            audit_producer,
            config.topics.audit.clone(),
            config.audit_failure,
        ),
        reference: stores.reference.clone(),
        instance: instance.clone(),
    });
    {
        let stop = background.clone();
        tokio::spawn(async move { authenticator.watch(stop).await });
    }
    let triage = TriageApi::new(
        producer.clone(),
        config.topics.triage.clone(),
        stores.clone(),
        materialiser.clone(),
        config.reference_write_timeout,
    );
    let analytics = AnalyticsApi::new(stores.clone(), triage.clone(), shutdown.clone());
    tokio::spawn(report_triage(
        stores.clone(),
        config.triage_figures_interval,
        background.clone(),
    ));
    let statistics = StatisticsApi::new(stores.clone(), config.statistics_min_cell);
    let reference = ReferenceApi::new(
        producer.clone(),
        config.topics.reference.clone(),
        stores.clone(),
        materialiser.clone(),
        config.reference_write_timeout,
    );
    let tls = config.tls.server_config()?;
    let admin_tls = match (&config.admin_tls, &config.tls.cert, &config.tls.key) {
        (true, Some(cert), Some(key)) => Some(admin::tls_config(cert, key)?),
        (true, _, _) => anyhow::bail!("--admin-tls: needs --tls-cert and --tls-key"),
        (false, _, _) => None,
    };
    let mut builder = Server::builder().http2_adaptive_window(Some(true));
    if let Some(tls) = tls {
        builder = builder.tls_config(tls).context("configuring TLS")?;
    }
    let (reflection, reflection_alpha) = reflection_services(SERVICES)?;
    let audit = gate.audit.clone();
    let routes = Routes::new(health)
        .add_service(reflection)
        .add_service(reflection_alpha)
        .add_service(
            AnalyticsServiceServer::new(analytics)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            ReferenceServiceServer::new(reference)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(AuditServiceServer::new(AuditApi::new(stores.clone())))
        .add_service(StatisticsServiceServer::new(statistics.clone()))
        .add_service(ProtectionServiceServer::new(ProtectionApi::new(
            stores.clone(),
            shutdown.clone(),
        )));
    // The JSON API calls the same services through the same access layer.
    let json_api = http_api::router(
        BoxCloneSyncService::new(AccessLayer::new(gate.clone()).layer(routes.clone())),
        gate.clone(),
        SERVICES,
    )?;
    let router = builder
        .layer(AccessLayer::new(gate.clone()))
        .add_routes(routes);
    let admin_task = tokio::spawn(admin::serve(
        admin_listener,
        admin::router(readiness)
            .merge(dashboard::router(
                stores.clone(),
                gate,
                statistics,
                triage,
                shutdown.clone(),
            ))
            .merge(json_api),
        admin_tls,
        background.clone(),
    ));
    let deadline = config.shutdown_deadline;
    let task = tokio::spawn(async move {
        let served = router
            .serve_with_incoming_shutdown(
                incoming(grpc_listener),
                shutdown.clone().cancelled_owned(),
            )
            .await
            .context("gRPC server failed");
        shutdown.cancel();
        let joined = tokio::task::spawn_blocking(move || {
            let _ = inspections.join();
            let _ = documents.join();
            if let Some(liaison) = liaison {
                let _ = liaison.join();
            }
        });
        if tokio::time::timeout(deadline + Duration::from_secs(5), joined)
            .await
            .is_err()
        {
            warn!("processing did not stop within the shutdown deadline");
        }
        let flushed =
            tokio::task::spawn_blocking(move || producer.flush(Timeout::After(deadline))).await;
        if !matches!(flushed, Ok(Ok(()))) {
            warn!("output producer not fully flushed");
        }
        // Streams closed by the shutdown write their closing records.
        let _ = tokio::task::spawn_blocking(move || audit.flush(deadline)).await;
        background.cancel();
        let _ = admin_task.await;
        served
    });
    info!(%grpc_addr, %admin_addr, "aggregator serving");
    Ok(Running {
        grpc_addr,
        admin_addr,
        stores,
        task,
    })
}

/// Sets the triage gauges every `every` until `stop`.
async fn report_triage(stores: Stores, every: Duration, stop: CancellationToken) {
    let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {
                let now_ms = borderflow_common::clock::now_ms();
                metrics::report_triage(&stores.anomalies, &stores.triage, now_ms);
            }
        }
    }
}

/// Runs `body` on a thread of its own, restarting it with a backoff when
/// it fails, until `shutdown`.
fn spawn_loop<F>(
    name: &'static str,
    shutdown: CancellationToken,
    mut body: F,
) -> anyhow::Result<std::thread::JoinHandle<()>>
where
    F: FnMut(&CancellationToken) -> anyhow::Result<()> + Send + 'static,
{
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let mut backoff = Duration::from_millis(200);
            while !shutdown.is_cancelled() {
                match body(&shutdown) {
                    Ok(()) => break,
                    Err(err) => {
                        metrics::restart(name);
                        error!(pipeline = name, %err, "processing stopped; restarting from committed offsets");
                        std::thread::sleep(backoff);
                        backoff = (backoff * 2).min(Duration::from_secs(10));
                    }
                }
            }
        })
        .context("spawning a processing thread")
}

/// Runs until `shutdown` is cancelled and processing has drained.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    start(config, shutdown).await?.wait().await
}
