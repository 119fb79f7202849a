//! `borderflow-sim run`: a scenario with its scorecard, or plain traffic.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;
use borderflow_common::grpc::authorized;
use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::time::{format_rfc3339, parse_rfc3339};
use borderflow_i18n::{Args as _, Lang, message, render};
use tokio_util::sync::CancellationToken;

use super::{RunArgs, register_crossings};
use crate::exercise::{ExerciseOptions, Neighbour, System, Targets, run_scenario};
use crate::link::LinkConfig;
use crate::model::network::Network;
use crate::model::traffic::TrafficConfig;
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
    Ok(())
}

/// Streams a network's plain traffic (load runs).
pub(super) async fn plain(
    args: RunArgs,
    shutdown: CancellationToken,
    report: impl Fn(&str),
) -> anyhow::Result<()> {
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
