//! The `borderflow-sim` command line: `run` (a scenario, or a network's
//! plain traffic for load), `check` (validate a scenario), `control` (steer
//! a running exercise), `dev-setup` and `token` (the local issuer's tokens).

mod check;
mod control;
mod neighbours;
mod report;
mod roster;
mod run;

pub use control::{ControlAction, ControlArgs};
pub use report::ReportArgs;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use borderflow_access::Role;
use borderflow_common::config::parse_duration;
use borderflow_common::grpc::{Bearer, ClientTlsArgs, authorized};
use borderflow_i18n::Lang;
use borderflow_proto::reference::v1::UpsertCrossingsRequest;
use borderflow_proto::reference::v1::reference_service_client::ReferenceServiceClient;
use tokio_util::sync::CancellationToken;

use crate::model::network::Network;
use crate::model::networks;
use crate::setup;

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
    /// Runs a scenario (planted incidents, then a scorecard), or without a
    /// scenario streams a network's plain traffic to ingest.
    Run(Box<RunArgs>),
    /// Validates a scenario file (or a shipped scenario by name).
    Check(CheckArgs),
    /// Steers a running exercise through its control endpoint (`run
    /// --control-addr`): pause, resume, speed, inject, end, status, log.
    Control(ControlArgs),
    /// Writes an exercise's after-action report (HTML) from the record
    /// `run --record` wrote and what the aggregator holds now.
    Report(Box<ReportArgs>),
    /// Writes secrets, checkpoint credentials, development certificates and
    /// a local token issuer with a token per role.
    DevSetup(DevSetupArgs),
    /// Signs a token with a dev-setup's local issuer (development and
    /// training rooms; deployments use their own OIDC issuer).
    Token(TokenArgs),
}

#[derive(clap::Args, Debug)]
pub struct TokenArgs {
    /// The `dev-setup --out` directory whose issuer signs.
    #[arg(long)]
    pub setup: PathBuf,
    /// Roles: viewer, analyst, reference-admin, registry-admin, auditor,
    /// trainer, statistician, asylum-partner, child-protection-partner,
    /// anti-trafficking-partner, medical-partner (comma-separated).
    #[arg(long, value_delimiter = ',', required = true)]
    pub role: Vec<Role>,
    /// Countries the holder may see: ISO 3166-1 alpha-3 codes
    /// (comma-separated), or `*` for every country.
    #[arg(long, value_delimiter = ',', default_value = "*")]
    pub countries: Vec<String>,
    /// The holder's name (`sub`).
    #[arg(long, default_value = "trainee")]
    pub subject: String,
    /// How long the token is valid.
    #[arg(long, default_value = "8h", value_parser = parse_duration)]
    pub lifetime: Duration,
}

#[derive(clap::Args, Debug)]
pub struct NetworkArgs {
    /// Network: a built-in name, generated:N (N crossings), or a TOML file.
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

/// `en` or `ru` (a language tag such as `ru-KZ` names Russian).
fn parse_lang(text: &str) -> Result<Lang, String> {
    Lang::parse(text)
        .ok_or_else(|| format!("{text:?} is not a language borderflow speaks: en or ru"))
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// A scenario file or a shipped scenario's name; without one, the
    /// network's plain traffic is streamed (`--network`, `--start` …).
    pub scenario: Option<String>,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Ingest gRPC address.
    #[arg(
        long,
        env = "BORDERFLOW_INGEST_URL",
        default_value = "https://127.0.0.1:50051"
    )]
    pub ingest: String,
    /// Aggregator gRPC address: crossings and reference lists are registered
    /// there, and a scenario's anomalies read back from it.
    #[arg(long, env = "BORDERFLOW_AGGREGATOR_URL")]
    pub aggregator: Option<String>,
    /// File with the bearer token the simulator presents to the aggregator
    /// (the trainer role; `dev-setup` writes `tokens/trainer.jwt`).
    #[arg(long, env = "BORDERFLOW_AGGREGATOR_TOKEN_FILE")]
    pub aggregator_token_file: Option<PathBuf>,
    #[command(flatten)]
    pub tls: ClientTlsArgs,
    /// File with the secret checkpoint tokens are derived from.
    #[arg(long, env = "BORDERFLOW_TOKEN_SECRET_FILE")]
    pub token_secret_file: PathBuf,
    /// The deployment's pseudonymisation secret, to key reference list
    /// entries as ingest keys documents (needed by scenarios).
    #[arg(long, env = "BORDERFLOW_SECRET_FILE")]
    pub secret_file: Option<PathBuf>,
    /// Neighbouring countries' own systems (see `cli/neighbours.rs`): the
    /// booths of their countries' crossings stream to their ingest, their
    /// aggregators register those crossings and are scored with this one.
    #[arg(long, env = "BORDERFLOW_SIM_NEIGHBOURS_FILE")]
    pub neighbours_file: Option<PathBuf>,
    /// Write the scenario's scorecard as JSON here.
    #[arg(long, env = "BORDERFLOW_SIM_SCORECARD")]
    pub scorecard: Option<PathBuf>,
    /// Write the after-action report (HTML) here at the end of the run.
    #[arg(long, env = "BORDERFLOW_SIM_REPORT")]
    pub report: Option<PathBuf>,
    /// Write the exercise record here, for `borderflow-sim report` later
    /// (once the operators have finished).
    #[arg(long, env = "BORDERFLOW_SIM_RECORD")]
    pub record: Option<PathBuf>,
    /// The aggregator's detection period (read from the same variable as
    /// the aggregator's): the scorecard takes a crossing-level anomaly to
    /// judge this long from its event time.
    #[arg(long, env = "BORDERFLOW_DETECTION_PERIOD", default_value = "15m", value_parser = parse_duration)]
    pub detection_period: Duration,
    /// After the system settles, how long the operators still have to
    /// triage before their work is read back and scored (`10m`).
    #[arg(long, env = "BORDERFLOW_SIM_TRIAGE_GRACE", default_value = "0s", value_parser = parse_duration)]
    pub triage_grace: Duration,
    /// The exercise's roster (TOML: `[[operator]] subject = "…", team =
    /// "…"`): the operators' score is also summed per team.
    #[arg(long, env = "BORDERFLOW_SIM_ROSTER")]
    pub roster: Option<PathBuf>,
    /// Simulated start (RFC 3339), without a scenario.
    #[arg(long, default_value = "2026-05-04T00:00:00Z")]
    pub start: String,
    /// Simulated duration, without a scenario.
    #[arg(long, default_value = "1d", value_parser = parse_duration)]
    pub duration: Duration,
    /// Clock speed: simulated seconds per wall second (`1440`, `x720`),
    /// `real-time`, `unpaced`, or `1 day in 2 minutes`; overrides a
    /// scenario's. Without a scenario the default is 1440.
    #[arg(long, env = "BORDERFLOW_SIM_SPEED")]
    pub speed: Option<String>,
    /// Multiplies every crossing's traffic, without a scenario.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Events per batch.
    #[arg(long, default_value_t = 200)]
    pub batch: usize,
    /// Unacknowledged batches per checkpoint stream.
    #[arg(long, default_value_t = 8)]
    pub window: usize,
    /// The language of the progress lines, the scorecard's text and the
    /// explanations it lists: `en` or `ru`.
    #[arg(long, env = "BORDERFLOW_LANG", default_value = "en", value_parser = parse_lang)]
    pub lang: Lang,
    /// Directory of the checkpoints' store-and-forward journals (memory if
    /// unset; a scenario uses a temporary directory).
    #[arg(long, env = "BORDERFLOW_SIM_OUTBOX_DIR")]
    pub outbox_dir: Option<PathBuf>,
    /// Serve the trainer's control endpoint (gRPC
    /// `borderflow.exercise.v1.ExerciseControl`: pause, resume, speed,
    /// inject, end early, status, log) here: `ADDRESS:PORT` on a loopback
    /// address, or a port on 127.0.0.1. Off when unset; needs a scenario
    /// and `--control-token-file`.
    #[arg(
        long,
        env = "BORDERFLOW_SIM_CONTROL_ADDR",
        value_parser = crate::control::grpc::parse_addr,
        requires = "control_token_file"
    )]
    pub control_addr: Option<std::net::SocketAddr>,
    /// File with the trainer's secret: control calls must carry it as
    /// `authorization: Bearer <secret>`.
    #[arg(long, env = "BORDERFLOW_SIM_CONTROL_TOKEN_FILE")]
    pub control_token_file: Option<PathBuf>,
    /// Write the exercise log (the run's start and end and every control
    /// action, with wall and event time) here as JSON lines.
    #[arg(long, env = "BORDERFLOW_SIM_EXERCISE_LOG")]
    pub exercise_log: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// A scenario file or a shipped scenario's name.
    pub scenario: String,
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

/// Runs `cli`; `report` receives progress lines and the scorecard.
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
                "wrote secrets, credentials for {} checkpoints, certificates, the local issuer's \
                 JWKS and a token per role ({}) to {}",
                network.checkpoints().count(),
                setup.identity.tokens_dir.display(),
                setup.dir.display()
            ));
            Ok(())
        }
        Command::Token(args) => {
            let issuer = setup::identity::IdentityFiles::in_dir(&args.setup).issuer()?;
            let countries: Vec<&str> = args.countries.iter().map(String::as_str).collect();
            report(&issuer.token(&args.subject, &args.role, &countries, args.lifetime));
            Ok(())
        }
        Command::Check(args) => check::check(&args, report),
        Command::Control(args) => control::control(args, report).await,
        Command::Report(args) => report::report(*args, report).await,
        Command::Run(args) => match args.scenario.clone() {
            Some(scenario) => run::scenario(&scenario, *args, shutdown, report).await,
            None => run::plain(*args, shutdown, report).await,
        },
    }
}

impl RunArgs {
    /// The aggregator's token, when one is given.
    pub fn aggregator_bearer(&self) -> anyhow::Result<Bearer> {
        match &self.aggregator_token_file {
            Some(path) => Bearer::from_file(path),
            None => Ok(Bearer::default()),
        }
    }
}

/// Tells the aggregator the network's crossings (names, coordinates).
pub async fn register_crossings(
    aggregator: &str,
    tls: Option<tonic::transport::ClientTlsConfig>,
    bearer: Bearer,
    network: &Network,
) -> anyhow::Result<()> {
    let channel = crate::run::connect(aggregator, tls).await?;
    let mut client = ReferenceServiceClient::new(authorized(channel, bearer));
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
