//! Newly assigned partitions are restored off the poll thread.
//!
//! A partition's state can take long to rebuild: the per-document stage
//! replays the partition's history, the crossing stage waits for the
//! materialised view. Rebuilding it inside the rebalance callback holds the
//! poll thread (past `max.poll.interval.ms`, the member is expelled and the
//! partitions move again); rebuilding it against a deadline and carrying on
//! serves incomplete state as if it were whole. So an assigned partition is
//! paused, rebuilt on a restoring thread for as long as that takes (a failed
//! attempt starts again from scratch; partitions side by side, a thread a
//! core), and only then resumed. Nothing of a
//! restoring partition is processed, its stage's readiness flag is down
//! until every partition is whole, and each restore's duration is a metric.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use borderflow_common::admin::ReadyFlag;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::metrics;
use crate::stream::pipeline::Stage;

/// A partition whose state is whole, ready to be resumed.
pub struct Restored<P> {
    pub partition: i32,
    generation: u64,
    pub committed: Option<i64>,
    pub state: P,
}

/// The partitions being restored for one stage, and their results.
pub struct Restorer<P> {
    stage: &'static str,
    /// Partition → the generation of the restore it waits for; a revoked
    /// partition leaves, and a late result for it is dropped.
    wanted: Arc<Mutex<HashMap<i32, u64>>>,
    generation: u64,
    done_tx: Sender<Restored<P>>,
    done_rx: Receiver<Restored<P>>,
    ready: Option<ReadyFlag>,
    /// The group has given this member an assignment (possibly empty):
    /// until then it does not know what it owns, and is not ready.
    settled: bool,
    /// When the restores in progress began (the assignment they are of).
    began: Option<std::time::Instant>,
}

/// First pause after a failed attempt; it doubles up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

impl<P: Send + 'static> Restorer<P> {
    pub fn new(stage: &'static str, ready: Option<ReadyFlag>) -> Self {
        let (done_tx, done_rx) = channel();
        if let Some(flag) = &ready {
            flag.set(false);
        }
        Self {
            stage,
            wanted: Arc::default(),
            generation: 0,
            done_tx,
            done_rx,
            ready,
            settled: false,
            began: None,
        }
    }

    /// The group assigned this member its partitions (the group calls this
    /// for every assignment, an empty one included).
    pub fn assigned(&mut self) {
        self.settled = true;
        let idle = self.wanted.lock().expect("restorer lock").is_empty();
        self.show(idle);
    }

    /// Ready once assigned and nothing is restoring.
    fn show(&self, idle: bool) {
        if let Some(flag) = &self.ready {
            flag.set(self.settled && idle);
        }
    }

    /// Starts restoring `assigned` (partition, committed offset) on a thread
    /// of its own; the results come back through [`Self::take_done`].
    pub fn start<S>(
        &mut self,
        stage: Arc<S>,
        assigned: Vec<(i32, Option<i64>)>,
        shutdown: CancellationToken,
    ) -> std::io::Result<()>
    where
        S: Stage<Partition = P>,
    {
        if assigned.is_empty() {
            return Ok(());
        }
        self.generation += 1;
        let generation = self.generation;
        self.began.get_or_insert_with(std::time::Instant::now);
        {
            let mut wanted = self.wanted.lock().expect("restorer lock");
            for (id, _) in &assigned {
                wanted.insert(*id, generation);
            }
            metrics::partitions_restoring(self.stage, wanted.len());
        }
        if let Some(flag) = &self.ready {
            flag.set(false);
        }
        let wanted = self.wanted.clone();
        let done = self.done_tx.clone();
        let name = self.stage;
        std::thread::Builder::new()
            .name(format!("{name}-restore"))
            .spawn(move || {
                restore_all(
                    stage.as_ref(),
                    &assigned,
                    generation,
                    &wanted,
                    &done,
                    &shutdown,
                )
            })
            .map(drop)
    }

    /// The partitions restored since the last call that are still wanted.
    pub fn take_done(&mut self) -> Vec<Restored<P>> {
        let mut done = Vec::new();
        let mut wanted = self.wanted.lock().expect("restorer lock");
        while let Ok(restored) = self.done_rx.try_recv() {
            if wanted.get(&restored.partition) == Some(&restored.generation) {
                wanted.remove(&restored.partition);
                done.push(restored);
            }
        }
        if !done.is_empty() {
            metrics::partitions_restoring(self.stage, wanted.len());
            self.show(wanted.is_empty());
            if wanted.is_empty()
                && let Some(began) = self.began.take()
            {
                metrics::assignment_restored(self.stage, began.elapsed());
            }
        }
        done
    }

    /// A partition revoked: whatever its restore produces is dropped.
    pub fn forget(&mut self, partition: i32) {
        let mut wanted = self.wanted.lock().expect("restorer lock");
        if wanted.remove(&partition).is_some() {
            if wanted.is_empty() {
                self.began = None;
            }
            metrics::partitions_restoring(self.stage, wanted.len());
            self.show(wanted.is_empty());
        }
    }

    pub fn is_restoring(&self, partition: i32) -> bool {
        self.wanted
            .lock()
            .expect("restorer lock")
            .contains_key(&partition)
    }
}

fn restore_all<S: Stage>(
    stage: &S,
    assigned: &[(i32, Option<i64>)],
    generation: u64,
    wanted: &Mutex<HashMap<i32, u64>>,
    done: &Sender<Restored<S::Partition>>,
    shutdown: &CancellationToken,
) {
    let still_wanted = |id: i32| {
        !shutdown.is_cancelled()
            && wanted.lock().expect("restorer lock").get(&id) == Some(&generation)
    };
    let any_wanted = || assigned.iter().any(|(id, _)| still_wanted(*id));
    let started = Instant::now();
    let mut backoff = MIN_BACKOFF;
    loop {
        if !any_wanted() {
            return;
        }
        match stage.before_assign() {
            Ok(()) => break,
            Err(err) => {
                warn!(stage = stage.name(), %err, "not ready to restore; trying again");
                metrics::restore_failure(stage.name());
                sleep(&mut backoff, shutdown);
            }
        }
    }
    // Partitions are restored side by side, a thread a core: a replay is
    // decoding and folding, bound by the processor, not by the broker.
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(assigned.len())
        .max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(&(id, committed)) =
                    assigned.get(next.fetch_add(1, Ordering::Relaxed))
                {
                    let Some(state) = restore_one(stage, id, committed, &still_wanted, shutdown)
                    else {
                        continue;
                    };
                    info!(
                        stage = stage.name(),
                        partition = id,
                        since_assigned_ms = started.elapsed().as_millis() as u64,
                        "partition restored"
                    );
                    let _ = done.send(Restored {
                        partition: id,
                        generation,
                        committed,
                        state,
                    });
                }
            });
        }
    });
}

/// Restores partition `id`, trying again from scratch until it is whole or
/// no longer wanted.
fn restore_one<S: Stage>(
    stage: &S,
    id: i32,
    committed: Option<i64>,
    still_wanted: &(impl Fn(i32) -> bool + Sync),
    shutdown: &CancellationToken,
) -> Option<S::Partition> {
    let mut backoff = MIN_BACKOFF;
    while still_wanted(id) {
        let attempt = Instant::now();
        match stage.assign(id, committed) {
            Ok(state) => {
                metrics::restore_duration(stage.name(), attempt.elapsed());
                return Some(state);
            }
            Err(err) => {
                warn!(stage = stage.name(), partition = id, %err, "restore failed; starting it again");
                metrics::restore_failure(stage.name());
                sleep(&mut backoff, shutdown);
            }
        }
    }
    None
}

fn sleep(backoff: &mut Duration, shutdown: &CancellationToken) {
    let until = Instant::now() + *backoff;
    while Instant::now() < until && !shutdown.is_cancelled() {
        std::thread::sleep(Duration::from_millis(50));
    }
    *backoff = (*backoff * 2).min(MAX_BACKOFF);
}

#[cfg(test)]
mod tests;
