//! Running a scenario against a deployment: register the network's
//! crossings and the scenario's reference entries, stream the traffic with
//! its incidents (recording which events belong to which occurrence), wait
//! for the system to settle, read the anomalies and score them.
//!
//! [`run_scenario`] is what the CLI and the system tests call.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use borderflow_common::grpc::Authorized;
use borderflow_i18n::Lang;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyFilter, ListAnomaliesRequest};
use borderflow_proto::ms_to_timestamp;
use tokio_util::sync::CancellationToken;

use crate::link::LinkConfig;
use crate::model::traffic::{Emission, Traffic, TrafficConfig};
use crate::plant;
use crate::reference;
use crate::run::{RunConfig, run_emissions};
use crate::scenario::Scenario;
use crate::score::{Scope, Scorecard, score};
use crate::stats::Stats;
use crate::truth::Truth;

mod targets;

pub use targets::{Neighbour, System, Targets};

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
    /// The aggregator's detection period, which the scorecard takes as the
    /// span a crossing-level anomaly judged from its event time.
    pub detection_period: Duration,
    /// The language the anomalies' explanations are read back in.
    pub lang: Lang,
}

/// The aggregator's default detection period.
pub const DEFAULT_DETECTION_PERIOD: Duration = Duration::from_secs(15 * 60);

/// After the last event, checkpoints report themselves closed this much
/// later in event time so the last windows close.
const CLOSING_AFTER_MS: i64 = 10 * 60_000;

impl Default for ExerciseOptions {
    fn default() -> Self {
        Self {
            speed: None,
            outbox_dir: None,
            link: LinkConfig::default(),
            settle_quiet: Duration::from_secs(5),
            settle_limit: Duration::from_secs(120),
            detection_period: DEFAULT_DETECTION_PERIOD,
            lang: Lang::En,
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
    targets.register(network).await?;
    for system in targets.systems() {
        // Each system keys the listed documents with its own secret.
        let entries = reference::entries(&plan.references, &system.keys, scenario.start_ms);
        tracing::info!(entries = entries.len(), scenario = %scenario.name, "loading reference entries");
        reference::load(system.aggregator.clone(), entries).await?;
    }

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
        closing_after_ms: CLOSING_AFTER_MS,
    };
    let streamed = run_emissions(
        network,
        &config,
        &targets.ingests(),
        recorder,
        plan.link_events,
        stats.clone(),
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
    let scope = scope(scenario, options, stats.sim_time_ms.load(Ordering::Relaxed));
    let mut analytics: Vec<_> = targets
        .systems()
        .map(|s| {
            AnalyticsServiceClient::new(s.aggregator.clone())
                .max_decoding_message_size(borderflow_common::grpc::MAX_MESSAGE_BYTES)
        })
        .collect();
    let anomalies = settle(&mut analytics, &scope, options).await?;
    let truth = truth.lock().expect("truth lock").clone();
    Ok(Outcome {
        scorecard: score(&scope, &truth, &anomalies),
        truth,
        anomalies,
    })
}

/// What a run of `scenario` whose last event was at `last_ms` is scored
/// on: every event time it streamed, from its start through its tail (and
/// the queues still draining after it) to the checkpoints' closing
/// reports. The anomalies read back are those stamped in the same span.
pub fn scope(scenario: &Scenario, options: &ExerciseOptions, last_ms: i64) -> Scope {
    let streamed_to = last_ms.max(scenario.end_ms + scenario.tail_ms);
    Scope {
        scenario: scenario.name.clone(),
        network: scenario.network.name.clone(),
        seed: scenario.seed,
        start_ms: scenario.start_ms,
        end_ms: streamed_to + CLOSING_AFTER_MS,
        period_ms: options.detection_period.as_millis() as i64,
        crossings: scenario.network.crossings.len(),
    }
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

/// Reads every system's anomalies until their number stops changing.
async fn settle(
    clients: &mut [AnalyticsServiceClient<Authorized>],
    scope: &Scope,
    options: &ExerciseOptions,
) -> anyhow::Result<Vec<Anomaly>> {
    let started = Instant::now();
    let mut last = list_all(clients, scope, options.lang).await?;
    let mut quiet_since = Instant::now();
    while started.elapsed() < options.settle_limit {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = list_all(clients, scope, options.lang).await?;
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

/// Every system's anomalies stamped in `scope`'s span.
async fn list_all(
    clients: &mut [AnalyticsServiceClient<Authorized>],
    scope: &Scope,
    lang: Lang,
) -> anyhow::Result<Vec<Anomaly>> {
    let mut all = Vec::new();
    for client in clients {
        all.extend(list_anomalies(client, scope, lang).await?);
    }
    Ok(all)
}

/// Every anomaly stamped in `scope`'s span, page by page.
pub async fn list_anomalies(
    client: &mut AnalyticsServiceClient<Authorized>,
    scope: &Scope,
    lang: Lang,
) -> anyhow::Result<Vec<Anomaly>> {
    let filter = AnomalyFilter {
        from: Some(ms_to_timestamp(scope.start_ms)),
        to: Some(ms_to_timestamp(scope.end_ms)),
        ..AnomalyFilter::default()
    };
    let mut anomalies = Vec::new();
    let mut token = String::new();
    loop {
        let mut request = tonic::Request::new(ListAnomaliesRequest {
            filter: Some(filter.clone()),
            page_size: 1_000,
            page_token: token,
        });
        // Explanations in the trainer's language.
        request.metadata_mut().insert(
            "accept-language",
            tonic::metadata::MetadataValue::from_static(lang.code()),
        );
        let page = client
            .list_anomalies(request)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scope_is_everything_the_run_streamed() {
        let text = r#"
name = "plain"
network = "central-asia"
start = "2026-05-04T00:00:00Z"
duration = "2d"
seed = 3
baseline = "1d"
tail = "2h"
"#;
        let scenario = Scenario::from_toml(text, "plain").unwrap();
        let options = ExerciseOptions {
            detection_period: Duration::from_secs(600),
            ..ExerciseOptions::default()
        };
        let hour = 3_600_000;
        let end = scenario.end_ms;
        let scope = scope(&scenario, &options, end + hour);
        assert_eq!(scope.start_ms, scenario.start_ms);
        // The tail, then the closing reports.
        assert_eq!(scope.end_ms, end + 2 * hour + CLOSING_AFTER_MS);
        assert_eq!(scope.period_ms, 600_000);
        assert_eq!(scope.crossings, scenario.network.crossings.len());
        assert!(scope.crossings > 0);
        // Queues still draining past the tail are streamed, and scored.
        let late = scope_end(&scenario, &options, end + 3 * hour);
        assert_eq!(late, end + 3 * hour + CLOSING_AFTER_MS);
    }

    fn scope_end(scenario: &Scenario, options: &ExerciseOptions, last_ms: i64) -> i64 {
        scope(scenario, options, last_ms).end_ms
    }
}
