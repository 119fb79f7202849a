//! Standby copies (`--standby-documents`): the local copy of every
//! by-document partition this instance does not own follows the changelog,
//! so that when a rebalance hands the partition over (its owner failed or
//! left) the restore opens a copy that is seconds behind and reads only
//! those seconds of the changelog, not all of it.
//!
//! An owner claims its partition for as long as it restores or processes
//! it ([`Claim`]); a claimed partition is not followed, and a claim waits
//! for a standby write of the partition under way to end. A followed copy
//! is written only by the standby: taking a partition up begins a new
//! ownership of its copy ([`LocalStores::restoring`]), which voids writes a
//! former owner still has queued. It costs every instance the whole state
//! on disk and a read of every changelog partition.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use anyhow::Context;
use borderflow_common::kafka::KafkaArgs;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use tracing::{info, warn};

use super::LocalStores;
use super::local::Records;
use crate::metrics;

/// Records a followed partition gathers before they are written.
const CHUNK: usize = 20_000;
/// Longest a followed partition's records wait to be written.
const FLUSH_EVERY: Duration = Duration::from_millis(500);
/// How often the partitions to follow are looked at again.
const RECONCILE_EVERY: Duration = Duration::from_millis(500);
/// Wait before following again a partition that failed to be followed.
const RETRY_AFTER: Duration = Duration::from_secs(5);
/// How often an idle followed copy is marked current.
const TOUCH_EVERY: Duration = Duration::from_secs(600);

/// Follows the changelog into the copies of the partitions no owner here
/// claims.
pub struct Standby {
    local: Arc<LocalStores>,
    /// Per partition, the claims held; a partition without is followed.
    claims: Mutex<HashMap<i32, usize>>,
}

/// An owner's hold on its partition: while it lives, the standby leaves
/// the partition's copy alone.
pub struct Claim {
    standby: Arc<Standby>,
    partition: i32,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut claims = self.standby.claims.lock().expect("standby claims");
        if let Some(count) = claims.get_mut(&self.partition) {
            *count -= 1;
            if *count == 0 {
                claims.remove(&self.partition);
            }
        }
    }
}

/// A partition being followed.
struct Follow {
    /// The changelog offset after the last record read.
    next: i64,
    chunk: Records,
    written: Instant,
}

impl Standby {
    /// Starts following `changelog`'s `partitions` into `local`.
    pub fn start(
        local: Arc<LocalStores>,
        kafka: &KafkaArgs,
        changelog: &str,
        partitions: i32,
    ) -> anyhow::Result<Arc<Self>> {
        let consumer: BaseConsumer = kafka
            .reader_config("borderflow-aggregator-standby")
            .create()
            .context("creating the standby reader")?;
        let standby = Arc::new(Self {
            local,
            claims: Mutex::new(HashMap::new()),
        });
        let follower = Follower {
            standby: Arc::downgrade(&standby),
            consumer,
            topic: changelog.to_owned(),
            partitions,
            followed: HashMap::new(),
            failed: HashMap::new(),
        };
        std::thread::Builder::new()
            .name("document-standby".into())
            .spawn(move || follower.run())
            .context("starting the standby thread")?;
        Ok(standby)
    }

    /// Claims `partition` for its owner; returns once no standby write of
    /// it is under way.
    pub fn claim(self: &Arc<Self>, partition: i32) -> Claim {
        *self
            .claims
            .lock()
            .expect("standby claims")
            .entry(partition)
            .or_default() += 1;
        Claim {
            standby: self.clone(),
            partition,
        }
    }
}

struct Follower {
    standby: Weak<Standby>,
    consumer: BaseConsumer,
    topic: String,
    partitions: i32,
    followed: HashMap<i32, Follow>,
    /// Partitions whose following failed, and when.
    failed: HashMap<i32, Instant>,
}

impl Follower {
    fn run(mut self) {
        let mut reconciled = Instant::now() - RECONCILE_EVERY;
        loop {
            let Some(standby) = self.standby.upgrade() else {
                return;
            };
            if reconciled.elapsed() >= RECONCILE_EVERY {
                self.reconcile(&standby);
                reconciled = Instant::now();
            }
            if self.followed.is_empty() {
                drop(standby);
                std::thread::sleep(RECONCILE_EVERY);
                continue;
            }
            let idle = match self.consumer.poll(Duration::from_millis(100)) {
                None => true,
                Some(Ok(message)) => {
                    if let Some(follow) = self.followed.get_mut(&message.partition())
                        && message.offset() >= follow.next
                    {
                        follow.next = message.offset() + 1;
                        follow.chunk.push((
                            message.key().unwrap_or_default().to_vec(),
                            message.payload().map(<[u8]>::to_vec),
                        ));
                    }
                    false
                }
                Some(Err(err)) => {
                    warn!(%err, "reading the changelog for the standby copies failed");
                    true
                }
            };
            self.flush(&standby, idle);
        }
    }

    /// Stops following claimed partitions and starts on unclaimed ones.
    fn reconcile(&mut self, standby: &Standby) {
        let before = self.followed.len();
        let mut dropped = false;
        for partition in 0..self.partitions {
            let claimed = standby
                .claims
                .lock()
                .expect("standby claims")
                .contains_key(&partition);
            if claimed {
                dropped |= self.followed.remove(&partition).is_some();
                continue;
            }
            if self.followed.contains_key(&partition)
                || self
                    .failed
                    .get(&partition)
                    .is_some_and(|at| at.elapsed() < RETRY_AFTER)
            {
                continue;
            }
            match self.begin(standby, partition) {
                Ok(Some(next)) => {
                    self.failed.remove(&partition);
                    self.followed.insert(
                        partition,
                        Follow {
                            next,
                            chunk: Vec::new(),
                            written: Instant::now(),
                        },
                    );
                }
                // Claimed meanwhile.
                Ok(None) => {}
                Err(err) => {
                    warn!(partition, %err, "following the changelog into a standby copy failed; trying again");
                    self.failed.insert(partition, Instant::now());
                }
            }
        }
        if dropped || self.followed.len() != before {
            self.assign();
            metrics::standby_partitions(self.followed.len());
            info!(
                partitions = self.followed.len(),
                "standby copies following the changelog"
            );
        }
    }

    /// Takes up an unclaimed partition's copy: where to read on from, or
    /// `None` when an owner claimed it meanwhile.
    fn begin(&self, standby: &Standby, partition: i32) -> anyhow::Result<Option<i64>> {
        let (low, high) =
            self.consumer
                .fetch_watermarks(&self.topic, partition, Timeout::After(RETRY_AFTER))?;
        let claims = standby.claims.lock().expect("standby claims");
        if claims.contains_key(&partition) {
            return Ok(None);
        }
        let local = &standby.local;
        local.restoring(partition);
        let next = match local.open_copy(partition) {
            // Held by the changelog (on an empty one, only a copy of
            // nothing is).
            Ok(Some(loaded)) if loaded.next >= low && (high > low || loaded.next == 0) => {
                loaded.next
            }
            Ok(_) => {
                local.rebuilding(partition);
                low
            }
            Err(err) => {
                warn!(partition, %err, "the local state copy cannot be used; rebuilding it from the changelog");
                local.rebuilding(partition);
                low
            }
        };
        Ok(Some(next))
    }

    fn assign(&self) {
        let mut list = TopicPartitionList::new();
        for (partition, follow) in &self.followed {
            let _ = list.add_partition_offset(&self.topic, *partition, Offset::Offset(follow.next));
        }
        if let Err(err) = self.consumer.assign(&list) {
            warn!(%err, "assigning the changelog partitions to follow failed");
        }
    }

    /// Writes what followed partitions gathered: a full chunk at once, the
    /// rest when the changelog is idle or it has waited long enough.
    fn flush(&mut self, standby: &Standby, idle: bool) {
        let mut lost = Vec::new();
        for (partition, follow) in &mut self.followed {
            let due = follow.written.elapsed() >= FLUSH_EVERY;
            let write = follow.chunk.len() >= CHUNK || (!follow.chunk.is_empty() && (idle || due));
            let touch = follow.chunk.is_empty() && follow.written.elapsed() >= TOUCH_EVERY;
            if !write && !touch {
                continue;
            }
            // Held while writing: a claim waits for the write to end.
            let claims = standby.claims.lock().expect("standby claims");
            if claims.contains_key(partition) {
                lost.push(*partition);
                continue;
            }
            let records = std::mem::take(&mut follow.chunk);
            let count = records.len();
            let result = if write {
                standby
                    .local
                    .write_now(*partition, records, follow.next - 1)
            } else {
                standby.local.touch(*partition)
            };
            drop(claims);
            follow.written = Instant::now();
            match result {
                Ok(()) => metrics::standby_records(count),
                Err(err) => {
                    warn!(partition, %err, "writing a standby copy failed; dropping it");
                    metrics::local_state_write_failed();
                    standby.local.discard(*partition);
                    self.failed.insert(*partition, Instant::now());
                    lost.push(*partition);
                }
            }
        }
        if !lost.is_empty() {
            for partition in lost {
                self.followed.remove(&partition);
            }
            self.assign();
            metrics::standby_partitions(self.followed.len());
        }
    }
}
