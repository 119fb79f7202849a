//! The `borderflow-sim` command line.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;
use borderflow_common::config::parse_duration;
use borderflow_common::grpc::ClientTlsArgs;
use borderflow_domain::time::{format_rfc3339, parse_rfc3339};
use borderflow_proto::reference::v1::UpsertCrossingsRequest;
use borderflow_proto::reference::v1::reference_service_client::ReferenceServiceClient;
use tokio_util::sync::CancellationToken;

use crate::link::LinkConfig;
use crate::model::network::Network;
use crate::model::networks;
use crate::model::traffic::TrafficConfig;
use crate::run::{self, RunConfig};
use crate::setup::{self, credentials::TokenIssuer};
use crate::stats::Stats;

#[derive(clap::Parser, Debug)]
#[command(
    name = "borderflow-sim",
    version,
    about = "Simulated border crossings: traffic, incidents and scorecards for borderflow"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Streams a network's traffic to ingest.
    Run(Box<RunArgs>),
    /// Writes secrets, checkpoint credentials and development certificates.
    DevSetup(DevSetupArgs),
}

#[derive(clap::Args, Debug)]
pub struct NetworkArgs {
    /// Network: a built-in name, generated:<crossings>, or a TOML file.
    #[arg(long, env = "BORDERFLOW_SIM_NETWORK", default_value = "generated:36")]
    pub network: String,
    /// Seed of the model: the same seed gives the same events.
    #[arg(long, env = "BORDERFLOW_SIM_SEED", default_value_t = 1)]
    pub seed: u64,
}

impl NetworkArgs {
    pub fn load(&self) -> anyhow::Result<Network> {
        Ok(networks::resolve(&self.network, self.seed)?)
    }
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Ingest gRPC address.
    #[arg(
        long,
        env = "BORDERFLOW_INGEST_URL",
        default_value = "https://127.0.0.1:50051"
    )]
    pub ingest: String,
    /// Aggregator gRPC address, to register the network's crossings.
    #[arg(long, env = "BORDERFLOW_AGGREGATOR_URL")]
    pub aggregator: Option<String>,
    #[command(flatten)]
    pub tls: ClientTlsArgs,
    /// File with the secret checkpoint tokens are derived from.
    #[arg(long, env = "BORDERFLOW_TOKEN_SECRET_FILE")]
    pub token_secret_file: PathBuf,
    /// Simulated start (RFC 3339).
    #[arg(long, default_value = "2026-05-04T00:00:00Z")]
    pub start: String,
    /// Simulated duration.
    #[arg(long, default_value = "1d", value_parser = parse_duration)]
    pub duration: Duration,
    /// Simulated seconds per wall second (1 = real time); 0 runs as fast as
    /// ingest takes it.
    #[arg(long, default_value_t = 1440.0)]
    pub speed: f64,
    /// Multiplies every crossing's traffic.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Events per batch.
    #[arg(long, default_value_t = 200)]
    pub batch: usize,
    /// Unacknowledged batches per checkpoint stream.
    #[arg(long, default_value_t = 8)]
    pub window: usize,
    /// Directory of the checkpoints' store-and-forward journals (memory if unset).
    #[arg(long)]
    pub outbox_dir: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct DevSetupArgs {
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Where to write the files.
    #[arg(long)]
    pub out: PathBuf,
    /// Host names and addresses the server certificate is valid for.
    #[arg(long = "host", default_values_t = ["localhost".to_owned(), "127.0.0.1".to_owned()])]
    pub hosts: Vec<String>,
}

/// Runs `cli`; `report` receives a progress line every second.
pub async fn execute(
    cli: Cli,
    shutdown: CancellationToken,
    report: impl Fn(&str),
) -> anyhow::Result<()> {
    match cli.command {
        Command::DevSetup(args) => {
            let network = args.network.load()?;
            let hosts: Vec<&str> = args.hosts.iter().map(String::as_str).collect();
            let setup = setup::write_dev_setup(&args.out, &network, &hosts)?;
            report(&format!(
                "wrote secrets, credentials for {} checkpoints and certificates to {}",
                network.checkpoints().count(),
                setup.dir.display()
            ));
            Ok(())
        }
        Command::Run(args) => run_command(*args, shutdown, report).await,
    }
}

async fn run_command(
    args: RunArgs,
    shutdown: CancellationToken,
    report: impl Fn(&str),
) -> anyhow::Result<()> {
    let network = args.network.load()?;
    let start_ms = parse_rfc3339(&args.start)
        .with_context(|| format!("--start: {:?} is not an RFC 3339 time", args.start))?;
    let secret = std::fs::read_to_string(&args.token_secret_file)
        .with_context(|| format!("reading {}", args.token_secret_file.display()))?;
    let tokens = TokenIssuer::new(secret.trim().as_bytes());
    let tls = args.tls.client_config()?;
    if let Some(aggregator) = &args.aggregator {
        register_crossings(aggregator, tls.clone(), &network).await?;
        report(&format!(
            "registered {} crossings with the aggregator",
            network.crossings.len()
        ));
    }
    let channel = run::connect(&args.ingest, tls).await?;
    let config = RunConfig {
        traffic: TrafficConfig {
            start_ms,
            end_ms: start_ms + args.duration.as_millis() as i64,
            seed: args.network.seed,
            scale: args.scale,
            heartbeat_idle_ms: 5 * 60_000,
        },
        clock_speed: (args.speed > 0.0).then_some(args.speed),
        link: LinkConfig {
            batch_max: args.batch,
            window: args.window,
            ..LinkConfig::default()
        },
        outbox_dir: args.outbox_dir,
        closing_after_ms: 10 * 60_000,
    };
    let stats = Arc::new(Stats::default());
    let started = Instant::now();
    let run = run::run(
        &network,
        &config,
        channel,
        &tokens,
        Vec::new(),
        stats.clone(),
        shutdown.clone(),
    );
    tokio::pin!(run);
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    let mut last_acked = 0;
    let result = loop {
        tokio::select! {
            result = &mut run => break result,
            _ = ticker.tick() => {
                let acked = stats.acked.load(Ordering::Relaxed);
                report(&progress_line(&stats, acked - last_acked));
                last_acked = acked;
            }
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let acked = stats.acked.load(Ordering::Relaxed);
    report(&format!(
        "done: {} events generated, {acked} acknowledged, {} rejected in {elapsed:.1} s ({:.0} events/s)",
        stats.generated.load(Ordering::Relaxed),
        stats.rejected.load(Ordering::Relaxed),
        acked as f64 / elapsed.max(1e-9)
    ));
    result
}

fn progress_line(stats: &Stats, acked_per_second: u64) -> String {
    let failures = stats.failures();
    format!(
        "sim {} | generated {} | acked {} ({acked_per_second}/s) | buffered {} | rejected {}{}",
        format_rfc3339(stats.sim_time_ms.load(Ordering::Relaxed)),
        stats.generated.load(Ordering::Relaxed),
        stats.acked.load(Ordering::Relaxed),
        stats.buffered.load(Ordering::Relaxed),
        stats.rejected.load(Ordering::Relaxed),
        if failures.is_empty() {
            String::new()
        } else {
            format!(" | failures {failures:?}")
        }
    )
}

/// Tells the aggregator the network's crossings (names, coordinates).
pub async fn register_crossings(
    aggregator: &str,
    tls: Option<tonic::transport::ClientTlsConfig>,
    network: &Network,
) -> anyhow::Result<()> {
    let channel = run::connect(aggregator, tls).await?;
    let mut client = ReferenceServiceClient::new(channel);
    for chunk in network.crossings.chunks(5_000) {
        client
            .upsert_crossings(UpsertCrossingsRequest {
                crossings: chunk.iter().map(|c| c.registry_entry()).collect(),
            })
            .await
            .context("registering crossings with the aggregator")?;
    }
    Ok(())
}
