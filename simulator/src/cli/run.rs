//! `borderflow-sim run`: a scenario with its scorecard, or plain traffic.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;
use borderflow_common::grpc::authorized;
use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::time::{format_rfc3339, parse_rfc3339};
use borderflow_i18n::{Args as _, Lang, message, render};
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::{RunArgs, register_crossings};
use crate::control::Control;
use crate::control::grpc::{self, TrainerSecret};
use crate::exercise::{ExerciseOptions, Neighbour, System, Targets, run_scenario};
use crate::link::LinkConfig;
use crate::model::network::Network;
use crate::model::traffic::TrafficConfig;
use crate::report::{ExerciseRecord, TrainerAction};
use crate::run::{self, Ingests, RunConfig};
use crate::scenario::Scenario;
use crate::scenario::time::parse_speed;
use crate::score;
use crate::setup::credentials::TokenIssuer;
use crate::stats::Stats;

fn tokens(args: &RunArgs) -> anyhow::Result<TokenIssuer> {
    let secret = std::fs::read_to_string(&args.token_secret_file)
        .with_context(|| format!("reading {}", args.token_secret_file.display()))?;
    Ok(TokenIssuer::new(secret.trim().as_bytes()))
}

async fn neighbours(args: &RunArgs) -> anyhow::Result<Vec<Neighbour>> {
    match &args.neighbours_file {
        Some(path) => super::neighbours::load(path).await,
        None => Ok(Vec::new()),
    }
}

fn speed(args: &RunArgs) -> anyhow::Result<Option<Option<f64>>> {
    args.speed
        .as_deref()
        .map(parse_speed)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--speed: {e}"))
}

/// Runs a scenario and reports its scorecard.
pub(super) async fn scenario(
    name: &str,
    args: RunArgs,
    shutdown: CancellationToken,
    report: impl Fn(&str),
) -> anyhow::Result<()> {
    let scenario = Scenario::load(name)?;
    let aggregator = args
        .aggregator
        .as_deref()
        .context("--aggregator is required to run a scenario (reference data and the scorecard)")?;
    let secret_file = args
        .secret_file
        .as_ref()
        .context("--secret-file is required to run a scenario (reference list keys)")?;
    let secret = std::fs::read_to_string(secret_file)
        .with_context(|| format!("reading {}", secret_file.display()))?;
    let keys = Pseudonymiser::new(secret.trim().as_bytes())?;
    let tls = args.tls.client_config()?;
    let aggregator_tls = aggregator
        .starts_with("https://")
        .then(|| tls.clone())
        .flatten();
    let targets = Targets {
        home: System {
            ingest: run::ingest(&args.ingest, tls)?,
            aggregator: authorized(
                run::connect(aggregator, aggregator_tls).await?,
                args.aggregator_bearer()?,
            ),
            tokens: tokens(&args)?,
            keys,
        },
        neighbours: neighbours(&args).await?,
    };
    let control = Control::default();
    // Stops serving when the run is over, however it ends.
    let _serving = serve_control(&args, &control, &report).await?;
    let options = ExerciseOptions {
        speed: speed(&args)?,
        outbox_dir: args.outbox_dir.clone(),
        link: LinkConfig {
            batch_max: args.batch,
            window: args.window,
            ..LinkConfig::default()
        },
        detection_period: args.detection_period,
        lang: args.lang,
        triage_grace: args.triage_grace,
        roster: match &args.roster {
            Some(path) => super::roster::load(path)?,
            None => score::Roster::default(),
        },
        control: Some(control.clone()),
        exercise_log: args.exercise_log.clone(),
        ..ExerciseOptions::default()
    };
    let lang = args.lang;
    report(&render(
        lang,
        &message("run-starting")
            .text("scenario", scenario.name.clone())
            .text("network", scenario.network.name.clone())
            .text("start", format_rfc3339(scenario.start_ms))
            .text("end", format_rfc3339(scenario.end_ms))
            .number("incidents", scenario.incidents.len() as f64),
    ));
    let stats = Arc::new(Stats::default());
    let run = run_scenario(&scenario, &targets, &options, stats.clone(), shutdown);
    let outcome = with_progress(run, &stats, &report, lang).await?;
    report(&score::render(&outcome.scorecard, lang));
    if let Some(path) = &args.scorecard {
        let json = serde_json::to_string_pretty(&outcome.scorecard)?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        report(&render(
            lang,
            &message("run-scorecard-written").text("path", path.display().to_string()),
        ));
    }
    // The trainer's actions on the report's time axis; the run's own start
    // and end are the axis itself.
    let trainer: Vec<TrainerAction> = outcome
        .log
        .entries
        .iter()
        .filter(|e| e.action != "start" && e.action != "end")
        .map(|e| TrainerAction {
            wall_ms: e.wall_ms,
            event_ms: e.event_ms,
            action: e.action.clone(),
            detail: if e.outcome == "ok" {
                e.detail.clone()
            } else {
                format!("{} ({})", e.detail, e.outcome)
            },
        })
        .collect();
    if let Some(path) = &args.record {
        let record = ExerciseRecord::new(&outcome.scope, &outcome.truth, &trainer);
        let json = serde_json::to_string_pretty(&record)?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        report(&render(
            lang,
            &message("run-record-written").text("path", path.display().to_string()),
        ));
    }
    if let Some(path) = &args.report {
        let mut clients: Vec<_> = targets
            .systems()
            .map(|s| {
                AnalyticsServiceClient::new(s.aggregator.clone())
                    .max_decoding_message_size(borderflow_common::grpc::MAX_MESSAGE_BYTES)
            })
            .collect();
        let input = super::report::Readback {
            scope: &outcome.scope,
            truth: &outcome.truth,
            trainer: &trainer,
            lang,
        };
        super::report::write(&mut clients, input, &options.roster, path, None).await?;
        report(&render(
            lang,
            &message("report-written").text("path", path.display().to_string()),
        ));
    }
    Ok(())
}

/// Serves the trainer's control endpoint when `--control-addr` asks for
/// it, until the returned guard is dropped.
async fn serve_control(
    args: &RunArgs,
    control: &Control,
    report: &impl Fn(&str),
) -> anyhow::Result<Option<DropGuard>> {
    let Some(addr) = args.control_addr else {
        return Ok(None);
    };
    let secret_file = args.control_token_file.as_ref().context(
        "--control-addr needs --control-token-file: the control admits no one without it",
    )?;
    let secret = TrainerSecret::from_file(secret_file)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the control endpoint to {addr}"))?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let serving = grpc::serve(listener, control.clone(), secret, stop.clone());
    tokio::spawn(async move {
        if let Err(e) = serving.await {
            // The trainer has lost the control of the exercise.
            tracing::error!(error = %format!("{e:#}"), "exercise control endpoint failed");
        }
    });
    report(&format!(
        "exercise control on http://{addr} (borderflow-sim control --addr {addr} …)"
    ));
    Ok(Some(stop.drop_guard()))
}

/// Streams a network's plain traffic (load runs).
pub(super) async fn plain(
    args: RunArgs,
    shutdown: CancellationToken,
    report: impl Fn(&str),
) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.control_addr.is_none(),
        "--control-addr needs a scenario: plain traffic has no incidents or truth to steer"
    );
    let network = args.network.load()?;
    let start_ms = parse_rfc3339(&args.start)
        .with_context(|| format!("--start: {:?} is not an RFC 3339 time", args.start))?;
    let tokens = tokens(&args)?;
    let tls = args.tls.client_config()?;
    let neighbours = neighbours(&args).await?;
    let abroad = |country: &str| {
        neighbours
            .iter()
            .any(|n| n.countries.iter().any(|c| c == country))
    };
    if let Some(aggregator) = &args.aggregator {
        let aggregator_tls = aggregator
            .starts_with("https://")
            .then(|| tls.clone())
            .flatten();
        let home = Network {
            crossings: network
                .crossings
                .iter()
                .filter(|c| !abroad(&c.country))
                .cloned()
                .collect(),
            ..network.clone()
        };
        register_crossings(aggregator, aggregator_tls, args.aggregator_bearer()?, &home).await?;
        report(&format!(
            "registered {} crossings with the aggregator",
            home.crossings.len()
        ));
    }
    let mut ingests = Ingests::one(run::ingest(&args.ingest, tls)?, tokens);
    for n in &neighbours {
        n.system
            .register(
                network
                    .crossings
                    .iter()
                    .filter(|c| n.countries.contains(&c.country)),
            )
            .await?;
        for country in &n.countries {
            ingests =
                ingests.with_country(country, n.system.ingest.clone(), n.system.tokens.clone());
        }
    }
    let config = RunConfig {
        traffic: TrafficConfig {
            start_ms,
            end_ms: start_ms + args.duration.as_millis() as i64,
            seed: args.network.seed,
            scale: args.scale,
            heartbeat_idle_ms: 5 * 60_000,
        },
        clock_speed: speed(&args)?.unwrap_or(Some(1_440.0)),
        link: LinkConfig {
            batch_max: args.batch,
            window: args.window,
            ..LinkConfig::default()
        },
        outbox_dir: args.outbox_dir,
        closing_after_ms: 10 * 60_000,
    };
    let stats = Arc::new(Stats::default());
    let run = run::run(
        &network,
        &config,
        &ingests,
        Vec::new(),
        stats.clone(),
        shutdown.clone(),
    );
    with_progress(run, &stats, &report, args.lang).await
}

/// Awaits `run`, reporting progress every second and a summary at the end.
async fn with_progress<T>(
    run: impl std::future::Future<Output = anyhow::Result<T>>,
    stats: &Stats,
    report: &impl Fn(&str),
    lang: Lang,
) -> anyhow::Result<T> {
    let started = Instant::now();
    tokio::pin!(run);
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    let mut last_acked = 0;
    let result = loop {
        tokio::select! {
            result = &mut run => break result,
            _ = ticker.tick() => {
                let acked = stats.acked.load(Ordering::Relaxed);
                report(&progress_line(stats, acked - last_acked, lang));
                last_acked = acked;
            }
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let acked = stats.acked.load(Ordering::Relaxed);
    report(&render(
        lang,
        &message("run-done")
            .number("generated", stats.generated.load(Ordering::Relaxed) as f64)
            .number("acked", acked as f64)
            .number("rejected", stats.rejected.load(Ordering::Relaxed) as f64)
            .fixed("seconds", elapsed, 1)
            .fixed("rate", acked as f64 / elapsed.max(1e-9), 0),
    ));
    result
}

fn progress_line(stats: &Stats, acked_per_second: u64, lang: Lang) -> String {
    let failures = stats.failures();
    let failures = if failures.is_empty() {
        String::new()
    } else {
        render(
            lang,
            &message("run-failures").text("failures", format!("{failures:?}")),
        )
    };
    render(
        lang,
        &message("run-progress")
            .text(
                "time",
                format_rfc3339(stats.sim_time_ms.load(Ordering::Relaxed)),
            )
            .number("generated", stats.generated.load(Ordering::Relaxed) as f64)
            .number("acked", stats.acked.load(Ordering::Relaxed) as f64)
            .number("per-second", acked_per_second as f64)
            .number("buffered", stats.buffered.load(Ordering::Relaxed) as f64)
            .number("rejected", stats.rejected.load(Ordering::Relaxed) as f64)
            .text("failures", failures),
    )
}
