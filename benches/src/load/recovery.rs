//! Recovery: how long an aggregator killed with `kill -9` takes, once
//! restarted, until its per-document state is whole again, for a
//! by-document topic holding `records` records of history.
//!
//! The topic is filled as the inspections stage fills it (each inspection
//! with a document key, keyed by that key) and the documents group's
//! offsets are committed at its end, as an aggregator that had processed
//! all of it leaves them. An aggregator started on it (its inspections
//! topic empty, its changelog empty) can only rebuild the histories by
//! replaying each by-document partition from its start: the first figure,
//! which grows with the history. It then writes the whole state to the
//! changelog and its local copy, is killed with `kill -9` and started
//! again: the second figure, the local copy and the changelog written
//! since, which grows with the state. Each is the process's time from its
//! start to `/readyz` (which waits for every assigned partition's state),
//! with what its metrics say it read and holds.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use borderflow_aggregator::metrics::{
    ASSIGNMENT_RESTORE, DOCUMENT_HISTORIES, DOCUMENT_RECORDS, REPLAYED_RECORDS, RESTORED_RECORDS,
};
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
    /// From the process's start to `/readyz`.
    pub ready_seconds: f64,
    /// From its start until it holds the whole state.
    pub caught_up_seconds: f64,
    /// From the group's assignment to the last partition's state whole,
    /// by the process's own count (the rest of `ready_seconds` is starting
    /// and joining the group).
    pub restore_seconds: f64,
    /// By-document records it replayed, by its own count.
    pub replayed: u64,
    /// State records it read from its local copy and from the changelog.
    pub from_local: u64,
    pub from_changelog: u64,
    /// Records read to restore (of any source) per second of
    /// `ready_seconds`.
    pub read_rate: f64,
    /// Document histories it holds once ready.
    pub histories: u64,
    /// Peak resident memory of the process.
    pub peak_rss_mib: Option<f64>,
}

impl RecoveryFigures {
    fn new(
        records: u64,
        path: &'static str,
        ready: Duration,
        caught_up: Duration,
        state: &StateFigures,
        peak_rss_kib: Option<u64>,
    ) -> Self {
        let read = state.replayed + state.from_local + state.from_changelog;
        Self {
            records,
            path,
            ready_seconds: ready.as_secs_f64(),
            caught_up_seconds: caught_up.as_secs_f64(),
            restore_seconds: state.restore_seconds,
            replayed: state.replayed,
            from_local: state.from_local,
            from_changelog: state.from_changelog,
            read_rate: read as f64 / ready.as_secs_f64().max(1e-3),
            histories: state.histories,
            peak_rss_mib: peak_rss_kib.map(|k| k as f64 / 1_024.0),
        }
    }
}

/// Topics a recovery run of `records` uses: its by-document topic, an
/// inspections topic left empty, and the document state's changelog.
pub fn topics(prefix: &str, records: usize) -> [String; 3] {
    [
        format!("{prefix}recovery-{records}-by-document"),
        format!("{prefix}recovery-{records}-inspections"),
        format!("{prefix}recovery-{records}-document-state"),
    ]
}

/// Fills the run's by-document topic with `records` records and commits
/// the documents group at its end; times the first start (no changelog
/// yet: replay from the start) and, after a `kill -9`, the restart (the
/// local copy and the changelog written since).
pub async fn run(
    bed: &Testbed,
    network: &Network,
    seed: u64,
    keys: &Pseudonymiser,
    records: usize,
    prefix: &str,
    log_dir: &Path,
) -> anyhow::Result<Vec<RecoveryFigures>> {
    let [by_document, inspections, document_state] = topics(prefix, records);
    let (produced, ends) = fill(bed, network, seed, keys, records, &by_document).await?;
    let group = format!("{prefix}recovery-{records}");
    commit_ends(bed, &format!("{group}-documents"), &by_document, &ends)?;
    let state_dir = log_dir.join(format!("recovery-{records}-state"));
    let _ = std::fs::remove_dir_all(&state_dir);
    let args = bed.aggregator_args(&[
        &format!("--group-id={group}"),
        &format!("--topic-by-document={by_document}"),
        &format!("--topic-inspections={inspections}"),
        &format!("--topic-document-state={document_state}"),
        &format!("--state-dir={}", state_dir.display()),
        "--instance-id=recovery-0",
    ]);
    let name = "borderflow-aggregator";
    let started = Instant::now();
    let mut first = bed
        .spawn_within(
            name,
            &args,
            log_dir.join(format!("recovery-{records}-first.log")),
            RESTORE_LIMIT,
        )
        .await?;
    let ready = started.elapsed();
    // Every record is behind a committed offset: all of it is replayed.
    let figures = loop {
        let figures = state_figures(&first).await?;
        if figures.replayed + figures.live >= produced {
            break figures;
        }
        if started.elapsed() > RESTORE_LIMIT {
            bail!(
                "the aggregator replayed {} and processed {} of {produced} records",
                figures.replayed,
                figures.live
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let caught_up = started.elapsed();
    let mut partitions: Vec<i32> = ends.keys().copied().collect();
    partitions.sort_unstable();
    written(&first, &partitions).await?;
    // Every partition has published its figures by now.
    let figures = StateFigures {
        histories: state_figures(&first).await?.histories,
        ..figures
    };
    let replay = RecoveryFigures::new(
        produced,
        "replay from the start",
        ready,
        caught_up,
        &figures,
        first.peak_rss_kib().ok(),
    );
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
    let restored = loop {
        let restored = state_figures(&second).await?;
        if restored.histories >= figures.histories {
            break restored;
        }
        if started.elapsed() > RESTORE_LIMIT {
            bail!(
                "the restarted aggregator holds {} of {} histories",
                restored.histories,
                figures.histories
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let stores = RecoveryFigures::new(
        produced,
        "local copy + changelog",
        ready,
        started.elapsed(),
        &restored,
        second.peak_rss_kib().ok(),
    );
    let _ = second.terminate(Duration::from_secs(30)).await;
    Ok(vec![replay, stores])
}

/// Waits until the aggregator has written its whole state to the
/// changelog and its local copy: every partition's copy holds its
/// histories (each partition's state after the replay is written whole, in
/// one change), and the count has stayed put for two seconds.
async fn written(service: &ChildService, partitions: &[i32]) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut last = (0, Instant::now());
    loop {
        let (status, body) = http_get(service.admin_addr, "/metrics").await?;
        if status != 200 {
            bail!("/metrics answered {status}");
        }
        let held: Vec<u64> = partitions
            .iter()
            .map(|p| {
                let label = format!("partition=\"{p}\"");
                metric_sum(&body, DOCUMENT_HISTORIES, &[label.as_str()]) as u64
            })
            .collect();
        let total = held.iter().sum::<u64>();
        if total != last.0 {
            last = (total, Instant::now());
        }
        if held.iter().all(|h| *h > 0) && last.1.elapsed() > Duration::from_secs(2) {
            return Ok(());
        }
        if started.elapsed() > RESTORE_LIMIT {
            bail!("the local copy holds {held:?} histories by partition");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
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

/// What the aggregator's metrics say it restored, processed and holds.
struct StateFigures {
    restore_seconds: f64,
    replayed: u64,
    from_local: u64,
    from_changelog: u64,
    live: u64,
    histories: u64,
}

async fn state_figures(service: &ChildService) -> anyhow::Result<StateFigures> {
    let (status, body) = http_get(service.admin_addr, "/metrics").await?;
    if status != 200 {
        bail!("/metrics answered {status}");
    }
    Ok(StateFigures {
        restore_seconds: metric_sum(&body, ASSIGNMENT_RESTORE, &["stage=\"documents\""]),
        replayed: metric_sum(&body, REPLAYED_RECORDS, &[]) as u64,
        from_local: metric_sum(&body, RESTORED_RECORDS, &["source=\"local\""]) as u64,
        from_changelog: metric_sum(&body, RESTORED_RECORDS, &["source=\"changelog\""]) as u64,
        live: metric_sum(&body, DOCUMENT_RECORDS, &[]) as u64,
        histories: metric_sum(&body, DOCUMENT_HISTORIES, &[]) as u64,
    })
}
