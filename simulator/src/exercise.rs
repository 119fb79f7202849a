//! Running a scenario against a deployment: register the network's
//! crossings and the scenario's reference entries, stream the traffic with
//! its incidents (recording which events belong to which occurrence), wait
//! for the system to settle, read the anomalies and score them, then read
//! the operators' triage of them and score the operators.
//!
//! [`run_scenario`] is what the CLI and the system tests call. The run is
//! steered through its [`Control`] (`crate::control`): a trainer may pause
//! it, change its speed, inject incidents, which join its truth, and end it
//! early, when it closes as at its end and is scored over the span played.
//! Its exercise log comes back in the [`Outcome`].

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use borderflow_common::grpc::Authorized;
use borderflow_domain::time::format_rfc3339;
use borderflow_i18n::Lang;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyFilter, ListAnomaliesRequest};
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::triage::v1::TriageRecord;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::control::{Control, ExerciseLog, speed_text};
use crate::link::LinkConfig;
use crate::model::inject::Injections;
use crate::model::traffic::{Emission, Emitted, Traffic, TrafficConfig};
use crate::plant;
use crate::reference;
use crate::run::{RunConfig, Steer, Steering, run_steered};
use crate::scenario::Scenario;
use crate::score::{Roster, Scope, Scorecard, score, score_operators};
use crate::stats::Stats;
use crate::truth::Truth;

mod operators;
mod report;
mod targets;
mod traffic;

pub use operators::read_triage;
pub use report::{after_action, involved};
pub use targets::{Neighbour, System, Targets};
pub use traffic::read_traffic;

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
    /// After the anomalies settle, how long the operators still have to
    /// triage them before their work is read back and scored.
    pub triage_grace: Duration,
    /// Who is in which team, for the operators' score.
    pub roster: Roster,
    /// The trainer's control of the run; without one the run has a control
    /// of its own, which nobody steers but which keeps the log.
    pub control: Option<Control>,
    /// Write the exercise log here too, as JSON lines.
    pub exercise_log: Option<PathBuf>,
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
            triage_grace: Duration::ZERO,
            roster: Roster::default(),
            control: None,
            exercise_log: None,
        }
    }
}

/// What a scenario run produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub scorecard: Scorecard,
    pub truth: Truth,
    pub anomalies: Vec<Anomaly>,
    /// The operators' triage records of those anomalies.
    pub triage: Vec<TriageRecord>,
    /// What was scored: the span the run streamed.
    pub scope: Scope,
    /// The run's start and end and every control action.
    pub log: ExerciseLog,
    /// Where the trainer ended the run, when early.
    pub ended_early_at: Option<i64>,
}

/// The scenario's traffic, recording which events belong to which
/// occurrence as it streams.
struct Recorded {
    traffic: Traffic,
    truth: Arc<Mutex<Truth>>,
}

impl Iterator for Recorded {
    type Item = Emitted;

    fn next(&mut self) -> Option<Emitted> {
        let item = self.traffic.next()?;
        if let (Some(tag), Emission::Event(event)) = (item.truth, &item.emission) {
            self.truth
                .lock()
                .expect("truth lock")
                .record(tag, &event.event_id);
        }
        Some(item)
    }
}

impl Steer for Recorded {
    fn inject(&mut self, injections: Injections) {
        self.traffic.inject(injections);
    }

    fn frontier(&self) -> i64 {
        self.traffic.frontier()
    }
}

/// Runs `scenario` against `targets` and scores what the system flagged.
pub async fn run_scenario(
    scenario: &Scenario,
    targets: &Targets,
    options: &ExerciseOptions,
    stats: Arc<Stats>,
    shutdown: CancellationToken,
) -> anyhow::Result<Outcome> {
    let control = options.control.clone().unwrap_or_default();
    let speed = options.speed.unwrap_or(scenario.speed);
    control.begin(scenario, speed, options.exercise_log.as_deref())?;
    let played = play(scenario, targets, options, &control, stats, shutdown).await;
    let (detail, outcome) = match &played {
        Ok(o) => {
            let detail = match o.ended_early_at {
                Some(at) => format!("ended early at {}", format_rfc3339(at)),
                None => "played to the end".to_owned(),
            };
            let injected = control.injected().len();
            (detail, format!("ok: {injected} incidents injected"))
        }
        Err(e) => (String::new(), format!("failed: {e:#}")),
    };
    let log = control.finish(detail, outcome);
    played.map(|outcome| Outcome { log, ..outcome })
}

async fn play(
    scenario: &Scenario,
    targets: &Targets,
    options: &ExerciseOptions,
    control: &Control,
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
    let recorder = Recorded {
        traffic: Traffic::with_injections(network, &traffic_config(scenario), plan.injections),
        truth: truth.clone(),
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
    let clock = Arc::new(Clock::new(scenario.start_ms, config.clock_speed));
    let (steering, levers) = Steering::controlled(clock);
    control.attach(levers, truth.clone(), targets.systems().cloned().collect());
    tracing::info!(scenario = %scenario.name, speed = %speed_text(config.clock_speed), "streaming");
    let streamed = run_steered(
        network,
        &config,
        &targets.ingests(),
        recorder,
        plan.link_events,
        stats.clone(),
        shutdown.clone(),
        steering,
    )
    .await;
    if let Ok(played) = &streamed {
        control.closing(played);
    }
    if let Some(dir) = scratch {
        let _ = std::fs::remove_dir_all(dir);
    }
    let played = streamed?;
    if shutdown.is_cancelled() {
        anyhow::bail!("the run was interrupted");
    }
    let scope = match played.ended_at {
        Some(end) => scope_to(scenario, options, end),
        None => scope(scenario, options, played.last_ms),
    };
    let mut analytics: Vec<_> = targets
        .systems()
        .map(|s| {
            AnalyticsServiceClient::new(s.aggregator.clone())
                .max_decoding_message_size(borderflow_common::grpc::MAX_MESSAGE_BYTES)
        })
        .collect();
    let anomalies = settle(&mut analytics, &scope, options).await?;
    let truth = truth.lock().expect("truth lock").clone();
    // Ended early: what had not begun was not played.
    let truth = match played.ended_at {
        Some(end) => truth.played_until(end),
        None => truth,
    };
    let mut scorecard = score(&scope, &truth, &anomalies);
    let triage = read_triage(&mut analytics, &scope, options.triage_grace).await?;
    scorecard.operators = Some(score_operators(
        &scope,
        &truth,
        &anomalies,
        &triage,
        &options.roster,
    ));
    Ok(Outcome {
        scorecard,
        truth,
        anomalies,
        triage,
        scope,
        log: ExerciseLog::default(),
        ended_early_at: played.ended_at,
    })
}

/// What a run of `scenario` whose last event was at `last_ms` is scored
/// on: every event time it streamed, from its start through its tail (and
/// the queues still draining after it) to the checkpoints' closing
/// reports. The anomalies read back are those stamped in the same span.
pub fn scope(scenario: &Scenario, options: &ExerciseOptions, last_ms: i64) -> Scope {
    scope_to(
        scenario,
        options,
        last_ms.max(scenario.end_ms + scenario.tail_ms),
    )
}

/// What a run of `scenario` whose stream reached `streamed_to` is scored
/// on (a run ended early: where it ended), the closing reports included.
pub fn scope_to(scenario: &Scenario, options: &ExerciseOptions, streamed_to: i64) -> Scope {
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
