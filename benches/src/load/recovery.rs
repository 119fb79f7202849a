//! Recovery: how long an aggregator killed with `kill -9` takes, once
//! restarted, until its per-document state is whole again, for a
//! by-document topic holding `records` records of history.
//!
//! The topic is filled as the inspections stage fills it (each inspection
//! with a document key, keyed by that key) and the documents group's
//! offsets are committed at its end, as an aggregator that had processed
//! all of it leaves them. An aggregator started on it (its inspections
//! topic empty) restores the histories, is killed with `kill -9` and started
//! again; the figure is the restarted process's time from its start to
//! `/readyz` (which waits for every assigned partition's state), with what
//! its metrics say it replayed and holds. Today's restore replays each
//! by-document partition from its start, so the time grows with the
//! history.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use borderflow_aggregator::metrics::{DOCUMENT_HISTORIES, DOCUMENT_RECORDS, REPLAYED_RECORDS};
use borderflow_domain::keys::Pseudonymiser;
use borderflow_proto::Message as _;
use borderflow_proto::inspection::v1::{InspectionRecord, inspection_record};
use borderflow_simulator::model::network::Network;
use borderflow_systest::admin::{http_get, metric_sum};
use borderflow_systest::data;
use borderflow_systest::process::ChildService;
use borderflow_systest::testbed::Testbed;
use rdkafka::ClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message as _;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};
use serde::Serialize;

use super::producer::send_waiting;

/// Events generated and produced at a time.
const CHUNK: usize = 250_000;
/// Longest a restore may take before the phase gives up.
const RESTORE_LIMIT: Duration = Duration::from_secs(3_600);

#[derive(Clone, Debug, Serialize)]
pub struct RecoveryFigures {
    /// By-document records in the topic.
    pub records: u64,
    /// How the state was restored.
    pub path: &'static str,
    /// From the restarted process's start to `/readyz`.
    pub ready_seconds: f64,
    /// From its start until it has replayed or processed every record.
    pub caught_up_seconds: f64,
    /// Records the restarted process replayed, by its own count.
    pub replayed: u64,
    /// Replayed records per second of `ready_seconds`.
    pub replay_rate: f64,
    /// Document histories it holds once ready.
    pub histories: u64,
    /// Peak resident memory of the restarted process.
    pub peak_rss_mib: Option<f64>,
}

/// Topics a recovery run of `records` uses: its by-document topic and an
/// inspections topic left empty.
pub fn topics(prefix: &str, records: usize) -> [String; 2] {
    [
        format!("{prefix}recovery-{records}-by-document"),
        format!("{prefix}recovery-{records}-inspections"),
    ]
}

/// Fills the run's by-document topic with `records` records, commits the
/// documents group at its end, and times a `kill -9` and restart.
pub async fn run(
    bed: &Testbed,
    network: &Network,
    seed: u64,
    keys: &Pseudonymiser,
    records: usize,
    prefix: &str,
    log_dir: &Path,
) -> anyhow::Result<RecoveryFigures> {
    let [by_document, inspections] = topics(prefix, records);
    let (produced, ends) = fill(bed, network, seed, keys, records, &by_document).await?;
    let group = format!("{prefix}recovery-{records}");
    commit_ends(bed, &format!("{group}-documents"), &by_document, &ends)?;
    let args = bed.aggregator_args(&[
        &format!("--group-id={group}"),
        &format!("--topic-by-document={by_document}"),
        &format!("--topic-inspections={inspections}"),
        "--instance-id=recovery-0",
    ]);
    let name = "borderflow-aggregator";
    let mut first = bed
        .spawn_within(
            name,
            &args,
            log_dir.join(format!("recovery-{records}-first.log")),
            RESTORE_LIMIT,
        )
        .await?;
    first.kill9()?;
    let started = Instant::now();
    let mut second = bed
        .spawn_within(
            name,
            &args,
            log_dir.join(format!("recovery-{records}-restarted.log")),
            RESTORE_LIMIT,
        )
        .await?;
    let ready = started.elapsed();
    // Every record is behind a committed offset: all of it is replayed.
    let (replayed, histories) = loop {
        let (replayed, live, histories) = state_figures(&second).await?;
        if replayed + live >= produced {
            break (replayed, histories);
        }
        if started.elapsed() > RESTORE_LIMIT {
            bail!(
                "the restarted aggregator replayed {replayed} and processed {live} of {produced} records"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let caught_up = started.elapsed();
    let peak_rss_mib = second.peak_rss_kib().ok().map(|k| k as f64 / 1_024.0);
    let _ = second.terminate(Duration::from_secs(30)).await;
    Ok(RecoveryFigures {
        records: produced,
        path: "replay from the start",
        ready_seconds: ready.as_secs_f64(),
        caught_up_seconds: caught_up.as_secs_f64(),
        replayed,
        replay_rate: replayed as f64 / ready.as_secs_f64().max(1e-3),
        histories,
        peak_rss_mib,
    })
}

/// The end of each partition as the delivery reports show it (the next
/// offset after the last record delivered there): exact, where a broker's
/// reported high watermark may fall short of its last batch.
#[derive(Clone, Default)]
struct Ends(Arc<Mutex<HashMap<i32, i64>>>);

impl ClientContext for Ends {}

impl ProducerContext for Ends {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Ok(message) = result {
            let mut ends = self.0.lock().expect("ends lock");
            let end = ends.entry(message.partition()).or_default();
            *end = (*end).max(message.offset() + 1);
        }
    }
}

/// Produces the by-document records of the first `records` events of the
/// network's traffic; returns how many there were and where each
/// partition ends.
async fn fill(
    bed: &Testbed,
    network: &Network,
    seed: u64,
    keys: &Pseudonymiser,
    records: usize,
    topic: &str,
) -> anyhow::Result<(u64, HashMap<i32, i64>)> {
    let kafka = bed.kafka();
    let network = network.clone();
    let keys = keys.clone();
    let topic = topic.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<(u64, HashMap<i32, i64>)> {
        let ends = Ends::default();
        let producer: ThreadedProducer<Ends> = kafka
            .producer_config("borderflow-bench-recovery")
            .create_with_context(ends.clone())?;
        let mut produced = 0u64;
        let mut failed = None;
        data::events_in_chunks(&network, seed, records, CHUNK, |events| {
            if failed.is_some() {
                return;
            }
            for inspection in data::inspections(&events, &keys, 0) {
                let Some(key) = inspection
                    .document
                    .as_ref()
                    .map(|d| d.document_key.clone())
                    .filter(|k| k.len() == 32)
                else {
                    continue;
                };
                let payload = InspectionRecord {
                    body: Some(inspection_record::Body::Inspection(inspection)),
                }
                .encode_to_vec();
                let next = BaseRecord::to(&topic).key(&key[..]).payload(&payload[..]);
                if let Err(err) = send_waiting(&producer, next) {
                    failed = Some(err);
                    return;
                }
                produced += 1;
            }
        });
        if let Some(err) = failed {
            return Err(err).context("producing the history");
        }
        producer.flush(Duration::from_secs(300))?;
        let ends = ends.0.lock().expect("ends lock").clone();
        Ok((produced, ends))
    })
    .await?
}

/// Commits `group`'s offsets on `topic` at `ends`.
fn commit_ends(
    bed: &Testbed,
    group: &str,
    topic: &str,
    ends: &HashMap<i32, i64>,
) -> anyhow::Result<()> {
    let consumer: BaseConsumer = bed
        .kafka()
        .consumer_config("borderflow-bench-recovery", group)
        .create()?;
    let mut list = TopicPartitionList::new();
    for (partition, end) in ends {
        list.add_partition_offset(topic, *partition, Offset::Offset(*end))?;
    }
    consumer.commit(&list, CommitMode::Sync)?;
    Ok(())
}

/// What the aggregator's metrics say it replayed, processed live and
/// holds.
async fn state_figures(service: &ChildService) -> anyhow::Result<(u64, u64, u64)> {
    let (status, body) = http_get(service.admin_addr, "/metrics").await?;
    if status != 200 {
        bail!("/metrics answered {status}");
    }
    Ok((
        metric_sum(&body, REPLAYED_RECORDS, &[]) as u64,
        metric_sum(&body, DOCUMENT_RECORDS, &[]) as u64,
        metric_sum(&body, DOCUMENT_HISTORIES, &[]) as u64,
    ))
}
