//! The end-to-end load tool behind `borderflow-bench`: one run measures
//! the raw Kafka baselines, ingest and the aggregator on the same records,
//! latency at a fixed offered load, and each service's peak memory.
//!
//! Phases, in order, each on its own: [`producer`] (raw producer to a topic
//! of its own), [`ingest`] (the same events through gRPC into the
//! inspections topic), [`consumer`] (raw consumer of the inspections topic),
//! [`pipeline`] (the aggregator's Kafka work without its logic),
//! [`aggregator`] (a fresh group over it), [`latency`] (offered load through
//! both services), [`recovery`] (an aggregator killed and restarted over a
//! by-document history of each size asked for). [`bed`] sets the system tests' test bed up for a run;
//! [`report`] and [`chart`] present the figures.

pub mod aggregator;
pub mod args;
pub mod bed;
pub mod chart;
pub mod consumer;
pub mod ingest;
pub mod latency;
pub mod pipeline;
pub mod producer;
pub mod recovery;
pub mod report;
pub mod timeline;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use borderflow_access::Role;
use borderflow_common::clock::now_ms;
use borderflow_simulator::model::networks;
use borderflow_systest::process::ChildService;

use crate::data;
pub use args::{Args, Phase};
use bed::{start_aggregator, start_ingest};
use report::{Memory, Report, RunSettings};

/// Longest the aggregator may take over the throughput phase's records.
const AGGREGATOR_LIMIT: Duration = Duration::from_secs(600);

/// The consumer group of the measured aggregator.
const GROUP: &str = "borderflow-bench-aggregator";

/// Runs every phase `args` asks for and returns the figures.
pub async fn run(args: &Args) -> anyhow::Result<Report> {
    let reads_inspections =
        args.runs(Phase::Consumer) || args.runs(Phase::Pipeline) || args.runs(Phase::Aggregator);
    if reads_inspections && !args.runs(Phase::Producer) && !args.runs(Phase::Ingest) {
        bail!("nothing fills the inspections topic: run the producer or ingest phase");
    }
    let network = networks::generated(args.crossings, args.seed);
    let checkpoints = network.checkpoints().count();
    let latency_count = if args.runs(Phase::Latency) {
        (args.rate as f64 * args.duration.as_secs_f64()) as usize
    } else {
        0
    };
    // Only the phases that send them need the throughput phases' events
    // (a recovery run generates its own).
    let throughput_count = if args.runs(Phase::Producer) || args.runs(Phase::Ingest) {
        args.records
    } else {
        0
    };
    progress(format!(
        "generating {} events for {} crossings ({checkpoints} checkpoints)",
        throughput_count + latency_count,
        network.crossings.len()
    ));
    let mut events = data::events(&network, args.seed, throughput_count + latency_count);
    let latency_events = events.split_off(throughput_count.min(events.len()));
    // Fresh names, so a shared cluster keeps earlier runs apart.
    let run = uuid::Uuid::new_v4().simple().to_string();
    let prefix = format!("bench-{}.", &run[..8]);
    let raw_topic = format!("{prefix}raw-producer");
    let bed = bed::start(args, network, &prefix, &raw_topic).await?;
    let log_dir = match &args.log_dir {
        Some(dir) => dir.clone(),
        None => bed.dir().join("logs"),
    };
    std::fs::create_dir_all(&log_dir)?;
    let kafka = bed.kafka();
    let keys = bed.pseudonymiser()?;
    let inspections = data::inspections(&events, &keys, now_ms());
    let documents = data::distinct_documents(&inspections);
    let with_document = inspections
        .iter()
        .filter(|i| {
            i.document
                .as_ref()
                .is_some_and(|d| d.document_key.len() == 32)
        })
        .count() as u64;
    let records = inspections.len() as u64;
    let encoded = Arc::new(data::encode(&inspections));
    drop(inspections);

    let mut report = Report {
        settings: RunSettings {
            broker: match &args.brokers {
                Some(b) => format!("given ({b})"),
                None => "tansu 0.6 in memory, started by the tool".into(),
            },
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            records: records as usize,
            crossings: args.crossings,
            checkpoints,
            documents,
            partitions: args.partitions,
            batch: args.batch,
            concurrency: args.concurrency,
            window: args.window,
            connections: args.connections,
            linger_ms: args.linger.as_millis() as u64,
            fetch_wait_ms: args.fetch_wait.as_millis() as u64,
            compression: args.compression.clone(),
            rate: args.rate,
            duration_seconds: args.duration.as_secs_f64(),
        },
        raw_producer: None,
        ingest: None,
        raw_consumer: None,
        raw_pipeline: None,
        aggregator: None,
        latency: None,
        recovery: Vec::new(),
        memory: Memory::default(),
        ingest_over_raw_producer: None,
        aggregator_over_raw_consumer: None,
        aggregator_over_raw_pipeline: None,
    };

    if args.runs(Phase::Producer) {
        // Without the ingest phase the raw producer fills the inspections
        // topic for the phases after it.
        let topic = if args.runs(Phase::Ingest) {
            &raw_topic
        } else {
            &bed.topics.inspections
        };
        progress(format!("raw producer: {records} records"));
        report.raw_producer = Some(producer::run(&kafka, topic, encoded.clone()).await?);
    }
    drop(encoded);

    let tls = bed.client_tls()?;
    let tokens = bed.tokens()?;
    let mut ingest: Option<ChildService> = None;
    if args.runs(Phase::Ingest) {
        let service = start_ingest(&bed, &log_dir).await?;
        let plans = ingest::plan(&events, args.batch, &tokens);
        let channels = ingest::channels(service.grpc_addr, &tls, args.connections).await?;
        progress(format!(
            "ingest: {records} events over {} checkpoint streams, {} at once",
            plans.len(),
            args.concurrency
        ));
        report.ingest = Some(ingest::run(plans, &channels, args.concurrency, args.window).await?);
        ingest = Some(service);
    }
    drop(events);

    if args.runs(Phase::Consumer) {
        progress("raw consumer");
        report.raw_consumer = Some(consumer::run(&kafka, &bed.topics.inspections, records).await?);
    }

    if args.runs(Phase::Pipeline) {
        progress("raw pipeline: consume, produce to a by-document topic, consume");
        report.raw_pipeline = Some(
            pipeline::run(
                &kafka,
                &bed.topics.inspections,
                &pipeline::topic(&prefix),
                records,
            )
            .await?,
        );
    }

    let mut aggregator: Option<ChildService> = None;
    if args.runs(Phase::Aggregator) {
        progress("aggregator");
        let started = Instant::now();
        let service = start_aggregator(&bed, &log_dir, GROUP, args.aggregator_state_dir).await?;
        report.aggregator = Some(
            aggregator::measure(
                service.admin_addr,
                started,
                records,
                with_document,
                AGGREGATOR_LIMIT,
            )
            .await?,
        );
        report.memory.aggregator_after_throughput_mib = mib(service.peak_rss_kib().ok());
        aggregator = Some(service);
    }

    if args.runs(Phase::Latency) {
        let ingest = match &mut ingest {
            Some(service) => service,
            None => ingest.insert(start_ingest(&bed, &log_dir).await?),
        };
        let aggregator = match &mut aggregator {
            Some(service) => service,
            None => aggregator
                .insert(start_aggregator(&bed, &log_dir, GROUP, args.aggregator_state_dir).await?),
        };
        let mut latency_events = latency_events;
        let planted = latency::plant(&mut latency_events, args.plant_every, args.seed);
        progress(format!(
            "latency: {} events/s for {:?}, {} planted anomalies",
            args.rate,
            args.duration,
            planted.len()
        ));
        let channels = ingest::channels(ingest.grpc_addr, &tls, args.connections).await?;
        let config = latency::LatencyConfig {
            rate: args.rate,
            tick: args.tick,
            plant_every: args.plant_every,
            seed: args.seed,
        };
        report.latency = Some(
            latency::run(
                latency_events,
                &planted,
                &config,
                &channels,
                &tokens,
                aggregator.grpc_addr,
                &bed.setup.identity.token_file(Role::Analyst),
            )
            .await?,
        );
    }

    report.memory.ingest_peak_mib = ingest.as_ref().and_then(|s| mib(s.peak_rss_kib().ok()));
    report.memory.aggregator_peak_mib =
        aggregator.as_ref().and_then(|s| mib(s.peak_rss_kib().ok()));
    if args.runs(Phase::Recovery) {
        // Alone on the machine: the other phases' services stop first.
        for service in [ingest.take(), aggregator.take()].into_iter().flatten() {
            let mut service = service;
            let _ = service.terminate(Duration::from_secs(30)).await;
        }
        for records in &args.recovery_records {
            progress(format!(
                "recovery: {records} by-document records, kill -9 and restart"
            ));
            report.recovery.extend(
                recovery::run(
                    &bed,
                    &bed.network,
                    args.seed,
                    &keys,
                    *records,
                    &prefix,
                    &log_dir,
                )
                .await?,
            );
        }
    }

    for service in [ingest.as_mut(), aggregator.as_mut()].into_iter().flatten() {
        let _ = service.terminate(Duration::from_secs(30)).await;
    }
    if !bed.has_local_broker() {
        progress(format!(
            "the run's topics (prefix {}) stay on the cluster; delete them when done",
            prefix.trim_end_matches('.')
        ));
    }
    Ok(report.with_ratios())
}

fn mib(kib: Option<u64>) -> Option<f64> {
    kib.map(|k| k as f64 / 1_024.0)
}

/// A progress line on standard error (the table goes to standard output).
fn progress(line: impl std::fmt::Display) {
    eprintln!("[borderflow-bench] {line}");
}
