//! The load tool's flags.

use std::path::PathBuf;
use std::time::Duration;

use borderflow_common::config::parse_duration;

#[derive(clap::Parser, Clone, Debug)]
#[command(
    name = "borderflow-bench",
    version,
    about = "Measures borderflow end to end: raw Kafka baselines, ingest, the aggregator, latency and memory"
)]
pub struct Args {
    /// Kafka bootstrap servers to measure against; without it a tansu broker
    /// (in memory) is started on a free loopback port.
    #[arg(long, env = "BORDERFLOW_BENCH_BROKERS")]
    pub brokers: Option<String>,

    /// Extra librdkafka settings for every client, key=value, comma separated
    /// (e.g. security.protocol=SASL_SSL).
    #[arg(
        long = "kafka-option",
        env = "BORDERFLOW_BENCH_KAFKA_OPTIONS",
        value_delimiter = ','
    )]
    pub kafka_options: Vec<String>,

    /// Producer linger (raw producer, ingest and aggregator alike).
    #[arg(long, env = "BORDERFLOW_BENCH_LINGER", default_value = "5ms", value_parser = parse_duration)]
    pub linger: Duration,

    /// Consumer fetch wait (raw consumer and aggregator alike).
    #[arg(long, env = "BORDERFLOW_BENCH_FETCH_WAIT", default_value = "20ms", value_parser = parse_duration)]
    pub fetch_wait: Duration,

    /// Producer compression (raw producer, ingest and aggregator alike).
    #[arg(long, env = "BORDERFLOW_BENCH_COMPRESSION", default_value = "lz4")]
    pub compression: String,

    /// Inspection records for the throughput phases.
    #[arg(long, env = "BORDERFLOW_BENCH_RECORDS", default_value_t = 200_000)]
    pub records: usize,

    /// Crossings of the generated network (each has 2-6 checkpoints).
    #[arg(long, env = "BORDERFLOW_BENCH_CROSSINGS", default_value_t = 50)]
    pub crossings: usize,

    /// Seed of the network and its traffic.
    #[arg(long, env = "BORDERFLOW_BENCH_SEED", default_value_t = crate::data::SEED)]
    pub seed: u64,

    /// Partitions of every topic the run creates.
    #[arg(long, env = "BORDERFLOW_BENCH_PARTITIONS", default_value_t = 12)]
    pub partitions: i32,

    /// Events per streamed batch in the ingest throughput phase.
    #[arg(long, env = "BORDERFLOW_BENCH_BATCH", default_value_t = 200)]
    pub batch: usize,

    /// Checkpoint streams open at once in the ingest throughput phase.
    #[arg(long, env = "BORDERFLOW_BENCH_CONCURRENCY", default_value_t = 64)]
    pub concurrency: usize,

    /// Batches a stream may have unacknowledged.
    #[arg(long, env = "BORDERFLOW_BENCH_WINDOW", default_value_t = 8)]
    pub window: usize,

    /// HTTP/2 connections to ingest the streams are spread over.
    #[arg(long, env = "BORDERFLOW_BENCH_CONNECTIONS", default_value_t = 4)]
    pub connections: usize,

    /// Offered load of the latency phase, events per second.
    #[arg(long, env = "BORDERFLOW_BENCH_RATE", default_value_t = 20_000)]
    pub rate: u64,

    /// How long the latency phase offers its load.
    #[arg(long, env = "BORDERFLOW_BENCH_DURATION", default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,

    /// In the latency phase, how often a booth sends what it has (the
    /// simulator's checkpoint links linger 50 ms).
    #[arg(long, env = "BORDERFLOW_BENCH_TICK", default_value = "50ms", value_parser = parse_duration)]
    pub tick: Duration,

    /// In the latency phase, one event in this many carries a corrupted
    /// machine-readable zone (an MRZ_CHECK_DIGIT anomaly to watch for).
    #[arg(long, env = "BORDERFLOW_BENCH_PLANT_EVERY", default_value_t = 100)]
    pub plant_every: usize,

    /// The phases to run, comma separated.
    #[arg(
        long,
        env = "BORDERFLOW_BENCH_PHASES",
        value_delimiter = ',',
        default_value = "producer,ingest,consumer,pipeline,aggregator,latency,recovery"
    )]
    pub phases: Vec<Phase>,

    /// By-document records of history the recovery phase restores, one run
    /// each (comma separated).
    #[arg(
        long,
        env = "BORDERFLOW_BENCH_RECOVERY_RECORDS",
        value_delimiter = ',',
        default_value = "1000000"
    )]
    pub recovery_records: Vec<usize>,

    /// Run the aggregator with its per-document state on disk
    /// (`--state-dir` under the log directory), as the deployments do;
    /// without it every history is held in memory.
    #[arg(long, env = "BORDERFLOW_BENCH_AGGREGATOR_STATE_DIR")]
    pub aggregator_state_dir: bool,

    /// Where the service binaries are (default: beside this executable).
    #[arg(long, env = "BORDERFLOW_BENCH_BIN_DIR")]
    pub bin_dir: Option<PathBuf>,

    /// Write the results as JSON here.
    #[arg(long, env = "BORDERFLOW_BENCH_JSON")]
    pub json: Option<PathBuf>,

    /// Draw throughput over time and the latency distributions here (SVG).
    #[arg(
        long,
        env = "BORDERFLOW_BENCH_SVG",
        default_value = "target/borderflow-bench.svg"
    )]
    pub svg: PathBuf,

    /// Keep the services' logs here (default: a temporary directory).
    #[arg(long, env = "BORDERFLOW_BENCH_LOG_DIR")]
    pub log_dir: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Producer,
    Ingest,
    Consumer,
    Pipeline,
    Aggregator,
    Latency,
    Recovery,
}

impl Args {
    pub fn runs(&self, phase: Phase) -> bool {
        self.phases.contains(&phase)
    }
}
