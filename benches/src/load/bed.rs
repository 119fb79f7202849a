//! The test bed as a run sets it up from the tool's flags: a given cluster
//! or a tansu of its own, the flags' client settings for every client and
//! service, topics under a fresh prefix (a shared cluster keeps earlier
//! runs apart) plus one for the raw producer, the services' deployed
//! settings, and the network's crossings registered before any aggregator
//! starts. The services run as child processes so each one's memory can be
//! read on its own.

use std::path::Path;

use anyhow::bail;
use borderflow_common::kafka::KafkaArgs;
use borderflow_simulator::model::network::Network;
use borderflow_systest::process::{ChildService, binary_dir};
use borderflow_systest::testbed::Testbed;

use super::args::Args;

/// The services a run starts.
const SERVICES: [&str; 2] = ["borderflow-ingest", "borderflow-aggregator"];

/// Starts the bed for `network` with topics named `prefix…` and the raw
/// producer's `raw_topic`.
pub async fn start(
    args: &Args,
    network: Network,
    prefix: &str,
    raw_topic: &str,
) -> anyhow::Result<Testbed> {
    let bin_dir = match &args.bin_dir {
        Some(dir) => dir.clone(),
        None => binary_dir()?,
    };
    for name in SERVICES {
        if !bin_dir.join(name).exists() {
            bail!(
                "{} is missing: build the services first (cargo build --release -p borderflow-ingest -p borderflow-aggregator)",
                bin_dir.join(name).display()
            );
        }
    }
    let mut kafka = KafkaArgs::local("");
    kafka.linger = args.linger;
    kafka.fetch_wait = args.fetch_wait;
    kafka.compression = args.compression.clone();
    kafka.options = args
        .kafka_options
        .iter()
        .filter_map(|o| o.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let mut builder = Testbed::builder(network);
    if args.runs(super::Phase::Pipeline) {
        builder = builder.extra_topic(super::pipeline::topic(prefix));
    }
    if args.runs(super::Phase::Recovery) {
        for records in &args.recovery_records {
            for topic in super::recovery::topics(prefix, *records) {
                builder = builder.extra_topic(topic);
            }
        }
    }
    let bed = builder
        .partitions(args.partitions)
        .brokers(args.brokers.clone())
        .kafka(kafka)
        .topic_prefix(prefix)
        .extra_topic(raw_topic)
        .as_deployed()
        .bin_dir(Some(bin_dir))
        .service_log("warn")
        .start()
        .await?;
    bed.publish_registry().await?;
    Ok(bed)
}

/// Ingest as a child process, logging to `log_dir`.
pub async fn start_ingest(bed: &Testbed, log_dir: &Path) -> anyhow::Result<ChildService> {
    let name = SERVICES[0];
    let log = log_dir.join(format!("{name}.log"));
    bed.spawn(name, &bed.ingest_args(&[]), log).await
}

/// An aggregator in consumer group `group` as a child process, logging to
/// `log_dir`, with its per-document state on disk there when `on_disk`.
pub async fn start_aggregator(
    bed: &Testbed,
    log_dir: &Path,
    group: &str,
    on_disk: bool,
) -> anyhow::Result<ChildService> {
    let name = SERVICES[1];
    let log = log_dir.join(format!("{name}.log"));
    let group_flag = format!("--group-id={group}");
    // The latency phase times each planted zone to its report; held for a
    // re-scan it would time the grace instead.
    let mut args = vec![group_flag.as_str(), "--rescan-grace=0"];
    let state = log_dir.join(format!("{name}-state"));
    let state_flag = format!("--state-dir={}", state.display());
    if on_disk {
        let _ = std::fs::remove_dir_all(&state);
        args.push(&state_flag);
    }
    bed.spawn(name, &bed.aggregator_args(&args), log).await
}
