//! Running a scenario against a deployment: register the network's
//! crossings and the scenario's reference entries, stream the traffic with
//! its incidents (recording which events belong to which occurrence), wait
//! for the system to settle, read the anomalies and score them.
//!
//! [`run_scenario`] is what the CLI and the system tests call.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use borderflow_common::grpc::Authorized;
use borderflow_domain::keys::Pseudonymiser;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyFilter, ListAnomaliesRequest};
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::reference::v1::UpsertCrossingsRequest;
use borderflow_proto::reference::v1::reference_service_client::ReferenceServiceClient;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use crate::link::LinkConfig;
use crate::model::traffic::{Emission, Traffic, TrafficConfig};
use crate::plant;
use crate::reference;
use crate::run::{RunConfig, run_emissions};
use crate::scenario::Scenario;
use crate::score::{Scope, Scorecard, score};
use crate::setup::credentials::TokenIssuer;
use crate::stats::Stats;
use crate::truth::Truth;

/// Where a scenario runs.
#[derive(Clone, Debug)]
pub struct Targets {
    /// Ingest's gRPC endpoint (see [`crate::run::connect`]).
    pub ingest: Channel,
    /// The aggregator's gRPC endpoint (ReferenceService and
    /// AnalyticsService), with a token of the trainer role.
    pub aggregator: Authorized,
    pub tokens: TokenIssuer,
    /// Keyed with the deployment's pseudonymisation secret.
    pub keys: Pseudonymiser,
}

/// How a scenario runs.
#[derive(Clone, Debug)]
pub struct ExerciseOptions {
    /// Overrides the scenario's clock speed (`Some(None)`: unpaced).
    pub speed: Option<Option<f64>>,
    /// Where checkpoints journal what they cannot send; a fresh temporary
    /// directory when `None` (outages are stored on disk, as at a booth).
    pub outbox_dir: Option<PathBuf>,
    pub link: LinkConfig,
    /// The anomaly count must stay unchanged this long after the stream ends.
    pub settle_quiet: Duration,
    /// Give up waiting for quiet after this long.
    pub settle_limit: Duration,
}

impl Default for ExerciseOptions {
    fn default() -> Self {
        Self {
            speed: None,
            outbox_dir: None,
            link: LinkConfig::default(),
            settle_quiet: Duration::from_secs(5),
            settle_limit: Duration::from_secs(120),
        }
    }
}

/// What a scenario run produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub scorecard: Scorecard,
    pub truth: Truth,
    pub anomalies: Vec<Anomaly>,
}

/// Runs `scenario` against `targets` and scores what the system flagged.
pub async fn run_scenario(
    scenario: &Scenario,
    targets: &Targets,
    options: &ExerciseOptions,
    stats: Arc<Stats>,
    shutdown: CancellationToken,
) -> anyhow::Result<Outcome> {
    let plan = plant::plan(scenario)
        .map_err(|e| anyhow::anyhow!("planning {}: {}: {}", scenario.name, e.field, e.reason))?;
    let network = &scenario.network;
    ReferenceServiceClient::new(targets.aggregator.clone())
        .upsert_crossings(UpsertCrossingsRequest {
            crossings: network
                .crossings
                .iter()
                .map(|c| c.registry_entry())
                .collect(),
        })
        .await
        .context("registering crossings with the aggregator")?;
    let entries = reference::entries(&plan.references, &targets.keys, scenario.start_ms);
    tracing::info!(entries = entries.len(), scenario = %scenario.name, "loading reference entries");
    reference::load(targets.aggregator.clone(), entries).await?;

    let truth = Arc::new(Mutex::new(plan.truth));
    let traffic = Traffic::with_injections(network, &traffic_config(scenario), plan.injections);
    let recorder = {
        let truth = truth.clone();
        traffic.inspect(move |item| {
            if let (Some(tag), Emission::Event(event)) = (item.truth, &item.emission) {
                truth
                    .lock()
                    .expect("truth lock")
                    .record(tag, &event.event_id);
            }
        })
    };
    let (outbox_dir, scratch) = match &options.outbox_dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let dir = std::env::temp_dir().join(format!(
                "borderflow-sim-outbox-{}-{}",
                std::process::id(),
                scenario.seed
            ));
            (dir.clone(), Some(dir))
        }
    };
    let config = RunConfig {
        traffic: traffic_config(scenario),
        clock_speed: options.speed.unwrap_or(scenario.speed),
        link: options.link.clone(),
        outbox_dir: Some(outbox_dir),
        closing_after_ms: 10 * 60_000,
    };
    let streamed = run_emissions(
        network,
        &config,
        targets.ingest.clone(),
        &targets.tokens,
        recorder,
        plan.link_events,
        stats,
        shutdown.clone(),
    )
    .await;
    if let Some(dir) = scratch {
        let _ = std::fs::remove_dir_all(dir);
    }
    streamed?;
    if shutdown.is_cancelled() {
        anyhow::bail!("the run was interrupted");
    }
    let mut analytics = AnalyticsServiceClient::new(targets.aggregator.clone())
        .max_decoding_message_size(borderflow_common::grpc::MAX_MESSAGE_BYTES);
    let anomalies = settle(&mut analytics, scenario, options).await?;
    let truth = truth.lock().expect("truth lock").clone();
    let scope = Scope {
        scenario: scenario.name.clone(),
        network: network.name.clone(),
        seed: scenario.seed,
        start_ms: scenario.start_ms,
        end_ms: scenario.end_ms,
        grace_ms: scenario.grace_ms,
    };
    Ok(Outcome {
        scorecard: score(&scope, &truth, &anomalies),
        truth,
        anomalies,
    })
}

/// The traffic a scenario streams: its span plus the tail.
pub fn traffic_config(scenario: &Scenario) -> TrafficConfig {
    TrafficConfig {
        start_ms: scenario.start_ms,
        end_ms: scenario.end_ms + scenario.tail_ms,
        seed: scenario.seed,
        scale: scenario.scale,
        heartbeat_idle_ms: 5 * 60_000,
    }
}

/// Reads the anomalies until their number stops changing.
async fn settle(
    client: &mut AnalyticsServiceClient<Authorized>,
    scenario: &Scenario,
    options: &ExerciseOptions,
) -> anyhow::Result<Vec<Anomaly>> {
    let started = Instant::now();
    let mut last = list_anomalies(client, scenario).await?;
    let mut quiet_since = Instant::now();
    while started.elapsed() < options.settle_limit {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = list_anomalies(client, scenario).await?;
        if now.len() != last.len() {
            quiet_since = Instant::now();
        }
        last = now;
        if quiet_since.elapsed() >= options.settle_quiet {
            break;
        }
    }
    Ok(last)
}

/// Every anomaly of the scenario's span (and its tail), page by page.
pub async fn list_anomalies(
    client: &mut AnalyticsServiceClient<Authorized>,
    scenario: &Scenario,
) -> anyhow::Result<Vec<Anomaly>> {
    let filter = AnomalyFilter {
        from: Some(ms_to_timestamp(scenario.start_ms)),
        to: Some(ms_to_timestamp(scenario.end_ms + scenario.tail_ms)),
        ..AnomalyFilter::default()
    };
    let mut anomalies = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_anomalies(ListAnomaliesRequest {
                filter: Some(filter.clone()),
                page_size: 1_000,
                page_token: token,
            })
            .await
            .context("listing anomalies")?
            .into_inner();
        anomalies.extend(page.anomalies);
        if page.next_page_token.is_empty() {
            return Ok(anomalies);
        }
        token = page.next_page_token;
    }
}
