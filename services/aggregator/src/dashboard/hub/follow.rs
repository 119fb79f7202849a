//! The hub's task: collects which crossings the stores' update channels
//! touched and the anomalies that arrived, and hands them to a tick once a
//! second. A receiver that lagged behind a channel forces a full rebuild.

use std::collections::HashSet;
use std::mem::take;
use std::sync::Arc;
use std::time::Duration;

use borderflow_proto::analytics::v1::{Anomaly, CrossingWindow};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::Hub;

const TICK: Duration = Duration::from_secs(1);
/// Every this many ticks every crossing is rebuilt: alerts expire with the
/// clock, and registrations have no update channel of their own.
const RESCAN_TICKS: u64 = 10;
/// Anomalies sent one by one per tick; more are counted as skipped.
const ANOMALIES_PER_TICK: usize = 100;

pub(super) async fn follow(
    hub: Arc<Hub>,
    mut windows: broadcast::Receiver<Arc<CrossingWindow>>,
    mut anomalies: broadcast::Receiver<Arc<Anomaly>>,
    shutdown: CancellationToken,
) {
    let mut touched = HashSet::new();
    let mut arrived: Vec<Arc<Anomaly>> = Vec::new();
    let mut skipped = 0u64;
    let mut rescan = false;
    let mut ticks = 0u64;
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            update = windows.recv() => match update {
                Ok(window) => {
                    touched.insert(window.crossing_id.clone());
                }
                Err(RecvError::Lagged(_)) => rescan = true,
                Err(RecvError::Closed) => return,
            },
            update = anomalies.recv() => match update {
                Ok(anomaly) => {
                    touched.insert(anomaly.crossing_id.clone());
                    if arrived.len() < ANOMALIES_PER_TICK {
                        arrived.push(anomaly);
                    } else {
                        skipped += 1;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    skipped += missed;
                    rescan = true;
                }
                Err(RecvError::Closed) => return,
            },
            _ = ticker.tick() => {
                ticks += 1;
                let ids = if take(&mut rescan) || ticks.is_multiple_of(RESCAN_TICKS) {
                    touched.clear();
                    None
                } else {
                    Some(take(&mut touched))
                };
                let hub = hub.clone();
                let arrived = take(&mut arrived);
                let skipped = take(&mut skipped);
                // Rebuilding thousands of summaries is CPU work, off the reactor.
                let _ = tokio::task::spawn_blocking(move || hub.tick(ids, arrived, skipped)).await;
            }
        }
    }
}
