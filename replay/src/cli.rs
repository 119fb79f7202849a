//! The `borderflow-replay` command line: `run` (a range under two settings,
//! and the report), `export` (a range of the inspections topic into a
//! records file) and `flags` (the detection flags a setting may use).

use std::path::PathBuf;
use std::time::Duration;

use borderflow_common::config::{parse_duration, parse_key_value};
use borderflow_common::kafka::{KafkaArgs, Topics};
use borderflow_domain::time::{format_rfc3339, parse_rfc3339};
use borderflow_domain::twins::PairKeys;
use borderflow_simulator::model::networks;
use borderflow_simulator::scenario::Scenario;

use crate::compare::{Comparison, compare_records, compare_scenario};
use crate::error::{Error, Result};
use crate::export::{Export, export};
use crate::records::Records;
use crate::report::Report;
use crate::scenario::limit_days;
use crate::thresholds::{Setting, help};
use crate::world::World;

#[derive(clap::Parser, Debug)]
#[command(
    name = "borderflow-replay",
    version,
    about = "What-if replay: a recorded range through the aggregator's detection steps under two sets of thresholds, and what changed"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Replays a scenario or a records file under the baseline and the
    /// what-if thresholds and reports the difference.
    Run(Box<RunArgs>),
    /// Writes a range of the inspections topic to a records file.
    Export(ExportArgs),
    /// Lists the detection flags --baseline and --what-if take.
    Flags,
}

#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["scenario", "records"]))]
pub struct RunArgs {
    /// A scenario file, or a shipped scenario by name (flow-surge …): its
    /// traffic is generated in memory, and each run is scored.
    #[arg(long, env = "BORDERFLOW_REPLAY_SCENARIO")]
    pub scenario: Option<String>,
    /// The scenario's seed instead of the file's.
    #[arg(long, env = "BORDERFLOW_REPLAY_SEED", conflicts_with = "records")]
    pub seed: Option<u64>,
    /// Ends the scenario this many days after its start (fractions allowed;
    /// incidents starting later are left out).
    #[arg(long, env = "BORDERFLOW_REPLAY_DAYS", conflicts_with = "records")]
    pub days: Option<f64>,
    /// A records file (as `export` writes): length-delimited
    /// InspectionRecords, replayed in file order. Requires --network.
    #[arg(long, env = "BORDERFLOW_REPLAY_RECORDS", requires = "network")]
    pub records: Option<PathBuf>,
    /// The crossing registry of the recorded inspections, as a simulator
    /// network (a TOML file such as simulator/networks/central-asia.toml,
    /// or a shipped network's name). Required with --records: the
    /// crossing-level rules (opening hours, lanes, twin posts) need it.
    #[arg(long, env = "BORDERFLOW_REPLAY_NETWORK", conflicts_with = "scenario")]
    pub network: Option<String>,
    /// With --records: the deployment's pair keys file (the aggregator's
    /// --pair-keys-file), so twin posts exchange as they did. Without it,
    /// no exchange.
    #[arg(long, env = "BORDERFLOW_REPLAY_PAIR_KEYS", conflicts_with = "scenario")]
    pub pair_keys: Option<PathBuf>,
    /// The baseline thresholds: aggregator detection flags in one string
    /// (see `borderflow-replay flags`); empty for the production defaults.
    #[arg(
        long,
        env = "BORDERFLOW_REPLAY_BASELINE",
        default_value = "",
        allow_hyphen_values = true
    )]
    pub baseline: String,
    /// The what-if thresholds, as --baseline: e.g. "--surge-factor 3".
    #[arg(
        long = "what-if",
        env = "BORDERFLOW_REPLAY_WHAT_IF",
        default_value = "",
        allow_hyphen_values = true
    )]
    pub what_if: String,
    /// Event time within which an anomaly the what-if raised under another
    /// id is the baseline's moved, not one lost and one gained.
    #[arg(long, env = "BORDERFLOW_REPLAY_TOLERANCE", default_value = "1h", value_parser = parse_duration)]
    pub tolerance: Duration,
    /// The report as JSON.
    #[arg(long, env = "BORDERFLOW_REPLAY_JSON")]
    pub json: bool,
    /// Gained, lost and moved anomalies listed in the text report (the JSON
    /// lists all).
    #[arg(long, env = "BORDERFLOW_REPLAY_LIST", default_value_t = 50)]
    pub list: usize,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Kafka bootstrap servers, comma separated.
    #[arg(
        long,
        env = "BORDERFLOW_KAFKA_BROKERS",
        default_value = "127.0.0.1:9092"
    )]
    pub brokers: String,
    /// Extra librdkafka settings as key=value, comma separated or repeated
    /// (e.g. security.protocol=SASL_SSL), as the services take them.
    #[arg(long = "kafka-option", env = "BORDERFLOW_KAFKA_OPTIONS", value_delimiter = ',', value_parser = parse_key_value)]
    pub kafka_options: Vec<(String, String)>,
    /// The inspections topic.
    #[arg(long, env = "BORDERFLOW_TOPIC_INSPECTIONS", default_value = Topics::INSPECTIONS)]
    pub topic: String,
    /// Event times from (RFC 3339, inclusive).
    #[arg(long, env = "BORDERFLOW_REPLAY_FROM", value_parser = parse_time)]
    pub from: Option<i64>,
    /// Event times to (RFC 3339, exclusive).
    #[arg(long, env = "BORDERFLOW_REPLAY_TO", value_parser = parse_time)]
    pub to: Option<i64>,
    /// The records file to write.
    #[arg(long, env = "BORDERFLOW_REPLAY_OUT")]
    pub out: PathBuf,
}

fn parse_time(text: &str) -> Result<i64, String> {
    parse_rfc3339(text).ok_or_else(|| format!("{text:?} is not an RFC 3339 time"))
}

/// Runs `cli`; what to print on standard output.
pub fn execute(cli: Cli) -> Result<String> {
    match cli.command {
        Command::Run(args) => {
            let comparison = run(&args)?;
            let report = Report::of(&comparison);
            Ok(if args.json {
                serde_json::to_string_pretty(&report).expect("the report serialises") + "\n"
            } else {
                report.text(args.list)
            })
        }
        Command::Export(args) => {
            let mut kafka = KafkaArgs::local(args.brokers);
            kafka.options = args.kafka_options;
            let started = std::time::Instant::now();
            let done = export(&Export {
                kafka,
                topic: args.topic.clone(),
                from_ms: args.from,
                to_ms: args.to,
                out: args.out.clone(),
            })?;
            let range = match (args.from, args.to) {
                (None, None) => String::new(),
                (from, to) => format!(
                    " with event times in [{}, {})",
                    from.map_or_else(|| "…".into(), format_rfc3339),
                    to.map_or_else(|| "…".into(), format_rfc3339)
                ),
            };
            Ok(format!(
                "{} of {} records from {} partitions of {}{range} written to {} in {:.2} s\n",
                done.written,
                done.read,
                done.partitions,
                args.topic,
                args.out.display(),
                started.elapsed().as_secs_f64()
            ))
        }
        Command::Flags => Ok(help()),
    }
}

/// Both runs of `args`.
pub fn run(args: &RunArgs) -> Result<Comparison> {
    let baseline = Setting::parse("baseline", &args.baseline)?;
    let what_if = Setting::parse("what-if", &args.what_if)?;
    let tolerance_ms = args.tolerance.as_millis() as i64;
    if let Some(name) = &args.scenario {
        let mut scenario = Scenario::load(name)?;
        if let Some(seed) = args.seed {
            scenario.seed = seed;
        }
        if let Some(days) = args.days {
            limit_days(&mut scenario, days)?;
        }
        return compare_scenario(&scenario, &baseline, &what_if, tolerance_ms);
    }
    let (Some(path), Some(network)) = (&args.records, &args.network) else {
        return Err(Error::Usage("give --scenario, or --records with --network"));
    };
    let network = networks::resolve(network, 1)?;
    let pairs = match &args.pair_keys {
        Some(path) => pair_keys(path)?,
        None => PairKeys::default(),
    };
    let world = World::of_network(&network, pairs);
    let records = Records::read(path)?;
    Ok(compare_records(
        &path.display().to_string(),
        &records,
        &world,
        &baseline,
        &what_if,
        tolerance_ms,
    ))
}

fn pair_keys(path: &std::path::Path) -> Result<PairKeys> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        what: "reading",
        path: path.to_owned(),
        source,
    })?;
    PairKeys::parse(&text).map_err(|e| Error::PairKeys {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
