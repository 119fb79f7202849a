use std::sync::atomic::{AtomicU32, Ordering};

use borderflow_common::admin::Readiness;
use borderflow_common::kafka::Topics;

use super::*;
use crate::partition::effects::Record;
use crate::stream::output::Outputs;

/// A stage whose restores fail `failures` times per partition before they
/// succeed, taking `takes` each; its state is the partition and the
/// attempt that made it.
struct Flaky {
    failures: u32,
    takes: Duration,
    attempts: Mutex<HashMap<i32, u32>>,
    prepared: AtomicU32,
}

impl Flaky {
    fn new(failures: u32, takes: Duration) -> Arc<Self> {
        Arc::new(Self {
            failures,
            takes,
            attempts: Mutex::default(),
            prepared: AtomicU32::new(0),
        })
    }
}

impl Stage for Flaky {
    type Partition = (i32, u32);

    fn name(&self) -> &'static str {
        "flaky"
    }

    fn topic<'a>(&self, topics: &'a Topics) -> &'a str {
        &topics.inspections
    }

    fn before_assign(&self) -> anyhow::Result<()> {
        self.prepared.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn assign(&self, partition: i32, _committed: Option<i64>) -> anyhow::Result<(i32, u32)> {
        std::thread::sleep(self.takes);
        let mut attempts = self.attempts.lock().unwrap();
        let attempt = attempts.entry(partition).or_default();
        *attempt += 1;
        if *attempt <= self.failures {
            anyhow::bail!("attempt {attempt} failed");
        }
        Ok((partition, *attempt))
    }

    fn process(
        &self,
        _state: &mut (i32, u32),
        _record: &Record<'_>,
        _out: &mut Outputs<'_>,
    ) -> anyhow::Result<()> {
        Ok(())
    }

    fn finish(&self, _state: &mut (i32, u32), _out: &mut Outputs<'_>) -> anyhow::Result<()> {
        Ok(())
    }

    fn commit_offset(&self, _state: &(i32, u32)) -> Option<i64> {
        None
    }
}

/// Polls `restorer` until `n` partitions came back (or ten seconds passed).
fn collect(restorer: &mut Restorer<(i32, u32)>, n: usize) -> Vec<(i32, u32)> {
    let started = Instant::now();
    let mut done = Vec::new();
    while done.len() < n && started.elapsed() < Duration::from_secs(10) {
        done.extend(restorer.take_done().into_iter().map(|r| r.state));
        std::thread::sleep(Duration::from_millis(5));
    }
    done.sort_unstable();
    done
}

#[test]
fn a_failed_restore_is_started_again_and_only_whole_state_comes_back() {
    let readiness = Readiness::default();
    let ready = readiness.flag("flaky state");
    let mut restorer = Restorer::new("flaky", Some(ready.clone()));
    assert!(!ready.get(), "nothing assigned yet: not ready");
    restorer.assigned();
    assert!(ready.get(), "assigned nothing to restore: ready");
    let stage = Flaky::new(2, Duration::ZERO);
    restorer
        .start(
            stage.clone(),
            vec![(0, Some(10)), (1, None)],
            CancellationToken::new(),
        )
        .unwrap();
    assert!(!ready.get(), "down while restoring");
    assert!(restorer.is_restoring(0) && restorer.is_restoring(1));
    // Each partition failed twice, then came back from its third attempt.
    assert_eq!(collect(&mut restorer, 2), vec![(0, 3), (1, 3)]);
    assert!(ready.get(), "up once every partition is whole");
    assert!(!restorer.is_restoring(0));
    assert_eq!(stage.prepared.load(Ordering::SeqCst), 1);
}

#[test]
fn a_partition_revoked_while_restoring_never_comes_back() {
    let readiness = Readiness::default();
    let ready = readiness.flag("flaky state");
    let mut restorer = Restorer::new("flaky", Some(ready.clone()));
    let stage = Flaky::new(0, Duration::from_millis(100));
    restorer
        .start(
            stage.clone(),
            vec![(0, None), (1, None)],
            CancellationToken::new(),
        )
        .unwrap();
    restorer.assigned();
    restorer.forget(1);
    assert!(!ready.get(), "partition 0 is still restoring");
    assert_eq!(collect(&mut restorer, 1), vec![(0, 1)]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(restorer.take_done().is_empty());
    assert!(ready.get());
}

#[test]
fn a_restore_of_an_earlier_assignment_is_dropped_for_the_latest() {
    let mut restorer = Restorer::new("flaky", None);
    let slow = Flaky::new(0, Duration::from_millis(200));
    restorer
        .start(slow, vec![(3, None)], CancellationToken::new())
        .unwrap();
    // Revoked and assigned again before the first restore finished: only
    // the second restore's state is taken.
    restorer.forget(3);
    let fast = Flaky::new(1, Duration::ZERO);
    restorer
        .start(fast, vec![(3, None)], CancellationToken::new())
        .unwrap();
    assert_eq!(collect(&mut restorer, 1), vec![(3, 2)]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(restorer.take_done().is_empty());
}
