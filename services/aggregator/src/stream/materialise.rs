//! Every instance reads the crossing-stats, anomalies, reference and
//! triage topics whole, into the stores, on one thread (the audit topic's tail on
//! another, `audit`, the statistics topic on a third, `statistics`, and
//! the referrals topic on a fourth, `referrals`). Processing waits until this view has caught up with
//! the topics before it resumes a partition, so state published by a
//! previous owner is never missed.

mod audit;
mod liaison;
mod referrals;
mod statistics;
mod view;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use borderflow_common::kafka::{KafkaArgs, Topics};
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::triage::v1::TriageRecord;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::metrics;
use crate::store::{
    AnomalyStore, AuditStore, LiaisonStore, ReferenceStore, ReferralStore, StatisticsStore,
    TriageStore, WindowStore,
};

/// The stores every instance keeps.
#[derive(Clone, Debug)]
pub struct Stores {
    pub windows: Arc<WindowStore>,
    pub anomalies: Arc<AnomalyStore>,
    pub reference: Arc<ReferenceStore>,
    pub audit: Arc<AuditStore>,
    pub statistics: Arc<StatisticsStore>,
    pub referrals: Arc<ReferralStore>,
    pub liaison: Arc<LiaisonStore>,
    pub triage: Arc<TriageStore>,
}

impl Stores {
    /// Every crossing known from the registry or from traffic, sorted.
    pub fn crossing_ids(&self) -> Vec<String> {
        let mut ids = self.windows.crossing_ids();
        ids.extend(self.reference.crossings().iter().map(|c| c.id.clone()));
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// The view did not catch up within the deadline given (it goes on
/// reading; a later wait may succeed).
#[derive(Debug)]
pub struct NotCaughtUp(String);

impl std::fmt::Display for NotCaughtUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotCaughtUp {}

/// Handle on the materialising thread.
#[derive(Clone)]
pub struct Materialiser {
    /// Asks where the topics end. A client of its own: requests behind the
    /// reader's long-polling fetches would wait for them.
    watermarks: Arc<BaseConsumer>,
    /// Next offset to read, per (topic, partition).
    positions: Arc<Mutex<HashMap<(String, i32), i64>>>,
    assignment: Vec<(String, i32)>,
    quiet_for: Duration,
}

impl Materialiser {
    /// Assigns every partition of the four topics from the beginning and
    /// starts reading on a thread of its own.
    pub fn start(
        kafka: &KafkaArgs,
        topics: &Topics,
        stores: Stores,
        instance: &str,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let consumer: BaseConsumer = kafka
            .reader_config("borderflow-aggregator-materialiser")
            .create()
            .context("creating the materialiser consumer")?;
        let consumer = Arc::new(consumer);
        let names = [
            &topics.crossing_stats,
            &topics.anomalies,
            &topics.reference,
            &topics.triage,
        ];
        let mut list = TopicPartitionList::new();
        let mut assignment = Vec::new();
        for name in names {
            for partition in 0..partition_count(&consumer, name)? {
                list.add_partition_offset(name, partition, Offset::Beginning)?;
                assignment.push((name.to_string(), partition));
            }
        }
        consumer
            .assign(&list)
            .context("assigning the materialised topics")?;
        let watermarks: BaseConsumer = kafka
            .reader_config("borderflow-aggregator-watermarks")
            .create()
            .context("creating the watermark client")?;
        let materialiser = Self {
            watermarks: Arc::new(watermarks),
            positions: Arc::new(Mutex::new(HashMap::new())),
            assignment,
            quiet_for: quiet_for(kafka.fetch_wait),
        };
        audit::start(kafka, &topics.audit, stores.audit.clone(), shutdown.clone())?;
        statistics::start(
            kafka,
            &topics.statistics,
            stores.statistics.clone(),
            shutdown.clone(),
        )?;
        referrals::start(
            kafka,
            &topics.referrals,
            stores.referrals.clone(),
            shutdown.clone(),
        )?;
        liaison::start(
            kafka,
            topics,
            stores.liaison.clone(),
            instance,
            shutdown.clone(),
        )?;
        let positions = materialiser.positions.clone();
        let topics = topics.clone();
        std::thread::Builder::new()
            .name("materialiser".into())
            .spawn(move || read(&consumer, &topics, &stores, &positions, &shutdown))
            .context("spawning the materialiser thread")?;
        Ok(materialiser)
    }

    /// Waits until everything written to the topics before this call has
    /// been applied to the stores.
    pub fn wait_caught_up(&self, limit: Duration) -> anyhow::Result<()> {
        let started = Instant::now();
        let mut targets = Vec::new();
        for (topic, partition) in &self.assignment {
            let (_, high) = self
                .watermarks
                .fetch_watermarks(topic, *partition, Timeout::After(limit))
                .with_context(|| format!("reading the end of {topic}/{partition}"))?;
            targets.push(((topic.clone(), *partition), high));
        }
        loop {
            let lagging = {
                let positions = self.positions.lock().expect("positions lock");
                targets
                    .iter()
                    .filter(|(key, high)| {
                        *high > 0 && positions.get(key).copied().unwrap_or(0) < *high
                    })
                    .count()
            };
            if lagging == 0 {
                if self.wait_past_ends(&targets, started, limit) {
                    return Ok(());
                }
                return Err(NotCaughtUp(format!(
                    "materialised view not read past the ends of its partitions within {limit:?}"
                ))
                .into());
            }
            if started.elapsed() > limit {
                return Err(NotCaughtUp(format!(
                    "materialised view still {lagging} partitions behind after {limit:?}"
                ))
                .into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Materialiser {
    /// Waits until the records at `written` — (topic, partition, offset),
    /// as delivery reports give them — are applied to the stores: what a
    /// write answers on, instead of waiting for every topic to go quiet.
    pub async fn wait_applied(
        &self,
        written: &[(String, i32, i64)],
        limit: Duration,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            let pending = {
                let positions = self.positions.lock().expect("positions lock");
                written
                    .iter()
                    .filter(|(topic, partition, offset)| {
                        positions
                            .get(&(topic.clone(), *partition))
                            .is_none_or(|next| next <= offset)
                    })
                    .count()
            };
            if pending == 0 {
                return Ok(());
            }
            if started.elapsed() > limit {
                bail!("{pending} written records not read back after {limit:?}");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// How long the reader must not advance before the view counts as caught
/// up: several of its fetch waits, so a fetch still under way when the
/// reported end was reached has returned.
fn quiet_for(fetch_wait: Duration) -> Duration {
    fetch_wait.saturating_mul(5).max(Duration::from_millis(500))
}

impl Materialiser {
    /// Waits until every partition of `targets` (each with the end the
    /// broker reported) is read past that end or has stopped advancing for
    /// [`quiet_for`] (within `limit` of `started`). Some Kafka-protocol
    /// brokers report a partition's end as the start of its last record
    /// batch, so reaching the reported end can leave that batch still to
    /// apply; a new owner that resumed without it would miss the previous
    /// owner's last amendment of a window. A partition still being written
    /// is soon read past its reported end (its last batch has been fetched,
    /// and the rest of it applies within the same fetch); an idle one goes
    /// quiet. Waiting for the whole reader to go quiet instead never ends
    /// while other partitions are busy.
    ///
    /// Returns whether that happened in time: a view not known to be past
    /// the ends is not caught up, and a partition is not resumed from it.
    fn wait_past_ends(
        &self,
        targets: &[((String, i32), i64)],
        started: Instant,
        limit: Duration,
    ) -> bool {
        let snapshot = || self.positions.lock().expect("positions lock").clone();
        let mut last = snapshot();
        let mut moved: HashMap<&(String, i32), Instant> = targets
            .iter()
            .map(|(key, _)| (key, Instant::now()))
            .collect();
        while started.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(20));
            let now = snapshot();
            // Every partition's progress is noted before any is judged.
            for (key, _) in targets {
                if last.get(key) != now.get(key) {
                    moved.insert(key, Instant::now());
                }
            }
            let done = targets.iter().all(|(key, high)| {
                let position = now.get(key).copied().unwrap_or(0);
                *high == 0
                    || position > *high
                    || moved
                        .get(key)
                        .is_some_and(|t| t.elapsed() >= self.quiet_for)
            });
            if done {
                // The rest of a batch read into applies in the same pass.
                std::thread::sleep(Duration::from_millis(50));
                return true;
            }
            last = now;
        }
        false
    }
}

/// Partitions of `topic`, waiting briefly for the broker to know it.
pub fn partition_count(consumer: &BaseConsumer, topic: &str) -> anyhow::Result<i32> {
    let started = Instant::now();
    loop {
        let metadata = consumer.fetch_metadata(Some(topic), Timeout::After(Duration::from_secs(5)));
        if let Ok(metadata) = metadata
            && let Some(t) = metadata.topics().first()
            && t.error().is_none()
            && !t.partitions().is_empty()
        {
            return Ok(t.partitions().len() as i32);
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("topic {topic} does not exist or has no partitions; create the topics first");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Polls `consumer` until `shutdown`, handing each record to `each`; a
/// failed read is logged for `view` and retried after a pause.
fn follow(
    consumer: &BaseConsumer,
    view: &'static str,
    shutdown: &CancellationToken,
    mut each: impl FnMut(&BorrowedMessage<'_>),
) {
    while !shutdown.is_cancelled() {
        match consumer.poll(Duration::from_millis(100)) {
            None | Some(Err(KafkaError::PartitionEOF(_))) => {}
            Some(Ok(message)) => each(&message),
            Some(Err(err)) => {
                warn!(%err, view, "materialised view read failed");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

/// A triage record, or a tombstone (no payload) deleting one.
fn apply_triage(stores: &Stores, message: &BorrowedMessage<'_>) -> Result<(), String> {
    let Some(payload) = message.payload() else {
        let key = message.key().unwrap_or_default();
        stores.triage.remove(&String::from_utf8_lossy(key));
        return Ok(());
    };
    let record = TriageRecord::decode(payload).map_err(|e| e.to_string())?;
    if record.anomaly_id.is_empty() {
        return Err("a triage record without an anomaly id".into());
    }
    stores.triage.apply(record);
    Ok(())
}

fn read(
    consumer: &BaseConsumer,
    topics: &Topics,
    stores: &Stores,
    positions: &Mutex<HashMap<(String, i32), i64>>,
    shutdown: &CancellationToken,
) {
    follow(consumer, "stores", shutdown, |message| {
        let topic = message.topic();
        let outcome = if topic == topics.crossing_stats {
            message
                .payload()
                .map_or(Ok(()), |payload| stores.windows.apply_encoded(payload))
                .map_err(|e| e.to_string())
        } else if topic == topics.anomalies {
            message
                .payload()
                .map(Anomaly::decode)
                .transpose()
                .map(|anomaly| {
                    if let Some(anomaly) = anomaly {
                        let at_ms = message
                            .timestamp()
                            .to_millis()
                            .unwrap_or_else(borderflow_common::clock::now_ms);
                        stores.triage.raised(&anomaly.id, at_ms);
                        stores.anomalies.apply(anomaly);
                    }
                })
                .map_err(|e| e.to_string())
        } else if topic == topics.triage {
            apply_triage(stores, message)
        } else {
            stores
                .reference
                .apply(message.key().unwrap_or_default(), message.payload())
        };
        if let Err(err) = outcome {
            metrics::materialise_error(topic);
            debug!(topic, partition = message.partition(), offset = message.offset(), %err, "skipping an unreadable record");
        }
        positions.lock().expect("positions lock").insert(
            (topic.to_owned(), message.partition()),
            message.offset() + 1,
        );
    });
}
