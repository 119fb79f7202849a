//! borderflow-ingest: the trustworthy edge of the system.
//!
//! Checkpoints call [`grpc::IngestApi`] (`IngestService`). Each event is
//! checked for structure ([`validate`]), its checkpoint authenticated and
//! authorised for its crossing ([`auth`]), its document read and checked and
//! its personal data replaced by keys ([`record`]), and the record published
//! to Kafka ([`producer`]); the caller is answered once Kafka confirmed it.
//! Start reading at [`start`].

pub mod auth;
pub mod config;
pub mod error;
pub mod grpc;
pub mod metrics;
pub mod producer;
pub mod record;
pub mod validate;

use std::net::SocketAddr;

use anyhow::Context;
use borderflow_common::admin::{self, Readiness};
use borderflow_common::grpc::{MAX_MESSAGE_BYTES, health_service, incoming, reflection_services};
use borderflow_proto::ingest::v1::ingest_service_server::IngestServiceServer;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;
use tracing::{info, warn};

pub use config::Config;

use crate::auth::Authenticator;
use crate::grpc::{IngestApi, Shared};
use crate::producer::Publisher;
use crate::record::RecordBuilder;

/// The gRPC services ingest serves.
const SERVICES: &[&str] = &["borderflow.ingest.v1.IngestService"];

/// A started ingest service.
pub struct Running {
    pub grpc_addr: SocketAddr,
    pub admin_addr: SocketAddr,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Waits until the service has shut down.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("ingest task panicked")?
    }
}

/// Binds the ports and starts serving; returns once listening. Cancelling
/// `shutdown` drains streams, flushes the producer and stops.
pub async fn start(config: Config, shutdown: CancellationToken) -> anyhow::Result<Running> {
    metrics::describe();
    let keys = config.pseudonymiser()?;
    let pairs = config.pair_keys()?;
    if !pairs.is_empty() {
        info!(
            pairs = pairs.pairs().len(),
            "twin pairs keyed for the exchange"
        );
    }
    let auth = Authenticator::load(&config.credentials)?;
    if auth.is_empty() {
        warn!(path = %config.credentials.display(), "no checkpoint credentials; every call will be refused");
    }
    let publisher = Publisher::new(
        &config.kafka,
        "borderflow-ingest",
        &config.topics.inspections,
        config.max_in_flight_records,
    )?;
    let tls = config.tls.server_config()?;
    let grpc_listener = TcpListener::bind(config.grpc_addr)
        .await
        .with_context(|| format!("binding gRPC to {}", config.grpc_addr))?;
    let admin_listener = TcpListener::bind(config.admin_addr)
        .await
        .with_context(|| format!("binding admin HTTP to {}", config.admin_addr))?;
    let grpc_addr = grpc_listener.local_addr()?;
    let admin_addr = admin_listener.local_addr()?;

    let readiness = Readiness::default();
    let kafka_ready = readiness.flag("kafka");
    let api = IngestApi::new(Shared {
        auth: auth.clone(),
        builder: RecordBuilder::new(keys, config.forward_raw).with_pairs(pairs),
        publisher: publisher.clone(),
        limits: validate::Limits::default(),
        max_batch_events: config.max_batch_events,
        stream_window: config.stream_window,
        backpressure_wait: config.backpressure_wait,
        shutdown: shutdown.clone(),
    });
    let (_health_reporter, health) = health_service(SERVICES).await;
    let (reflection, reflection_alpha) = reflection_services(SERVICES)?;

    let background = CancellationToken::new();
    tokio::spawn({
        let auth = auth.clone();
        let stop = background.clone();
        let every = config.credentials_reload;
        async move { auth.watch(every, stop).await }
    });
    tokio::spawn({
        let publisher = publisher.clone();
        let stop = background.clone();
        let every = config.broker_probe_interval;
        async move { publisher.probe_brokers(every, stop).await }
    });
    tokio::spawn({
        let publisher = publisher.clone();
        let stop = background.clone();
        async move {
            while !stop.is_cancelled() {
                let up = !publisher.broker_health().is_down();
                kafka_ready.set(up);
                metrics::kafka_up(up);
                metrics::in_flight(publisher.in_flight());
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
        }
    });

    let admin_stop = background.clone();
    let admin_task = tokio::spawn(admin::serve(
        admin_listener,
        admin::router(readiness),
        None,
        admin_stop,
    ));

    let mut builder = Server::builder().http2_adaptive_window(Some(true));
    if let Some(tls) = tls {
        builder = builder.tls_config(tls).context("configuring TLS")?;
    }
    let router = builder
        .add_service(health)
        .add_service(reflection)
        .add_service(reflection_alpha)
        .add_service(
            IngestServiceServer::new(api)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        );
    let deadline = config.shutdown_deadline;
    let server_shutdown = shutdown.clone();
    let task = tokio::spawn(async move {
        let serve = router.serve_with_incoming_shutdown(
            incoming(grpc_listener),
            server_shutdown.cancelled_owned(),
        );
        // Streams end themselves on shutdown after their in-flight batches
        // are answered; the deadline covers clients that never go away.
        let served = tokio::select! {
            result = serve => result.context("gRPC server failed"),
            _ = async { shutdown.cancelled().await; tokio::time::sleep(deadline).await } => {
                warn!("shutdown deadline reached with streams still open");
                Ok(())
            }
        };
        let flush = {
            let publisher = publisher.clone();
            tokio::task::spawn_blocking(move || publisher.flush(deadline))
        };
        match flush.await {
            Ok(Ok(())) => info!("producer flushed"),
            Ok(Err(err)) => warn!(%err, "producer flush incomplete"),
            Err(err) => warn!(%err, "producer flush task failed"),
        }
        background.cancel();
        let _ = admin_task.await;
        served
    });
    info!(%grpc_addr, %admin_addr, topic = %config.topics.inspections, "ingest listening");
    Ok(Running {
        grpc_addr,
        admin_addr,
        task,
    })
}

/// Runs until `shutdown` is cancelled and the service has drained.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    start(config, shutdown).await?.wait().await
}
