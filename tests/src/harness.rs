//! Running traffic through a testbed for the fault tests, and the
//! undisturbed reference a disturbed run is compared with.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use borderflow_simulator::run::run;
use borderflow_simulator::stats::Stats;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::broker::create_topics;
use crate::testbed::Testbed;
use crate::totals::{Totals, anomaly_ids, describe, run_config, wait_for};

/// A simulator streaming the testbed's network to ingest in the background.
pub struct Stream {
    pub stats: Arc<Stats>,
    pub task: JoinHandle<anyhow::Result<()>>,
}

impl Stream {
    /// Streams `hours` of traffic at `speed` (simulated seconds per second;
    /// unpaced when `None`) to the ingest at `ingest`, with the booths'
    /// store-and-forward journals in `outbox` (memory when `None`).
    pub async fn start(
        bed: &Testbed,
        ingest: SocketAddr,
        hours: i64,
        speed: Option<f64>,
        outbox: Option<PathBuf>,
    ) -> anyhow::Result<Self> {
        let stats = Arc::new(Stats::default());
        let channel = bed.ingest_channel(ingest).await?;
        let tokens = bed.tokens()?;
        let network = bed.network.clone();
        let mut config = run_config(hours, speed);
        config.outbox_dir = outbox;
        let task = {
            let stats = stats.clone();
            tokio::spawn(async move {
                run(
                    &network,
                    &config,
                    channel,
                    &tokens,
                    Vec::new(),
                    stats,
                    CancellationToken::new(),
                )
                .await
            })
        };
        Ok(Self { stats, task })
    }

    pub fn acked(&self) -> u64 {
        self.stats.acked.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Waits until at least `count` events are acknowledged.
    pub async fn wait_acked(&self, count: u64, limit: Duration) -> anyhow::Result<()> {
        crate::testbed::eventually(limit, || async { (self.acked() >= count).then_some(()) })
            .await
            .ok_or_else(|| anyhow::anyhow!("{} of {count} events acknowledged", self.acked()))
    }

    pub async fn finish(self) -> anyhow::Result<Arc<Stats>> {
        self.task.await??;
        Ok(self.stats)
    }
}

/// What an undisturbed aggregator makes of the whole inspections topic:
/// a fresh consumer group writing to topics of its own.
pub struct Reference {
    pub totals: Totals,
    pub anomalies: BTreeSet<String>,
}

impl Reference {
    pub async fn run(
        bed: &Testbed,
        crossings: &[String],
        want: &Totals,
        limit: Duration,
    ) -> anyhow::Result<Self> {
        let names = [
            "reference.by-document",
            "reference.crossing-stats",
            "reference.anomalies",
            "reference.deadletter",
        ];
        let bootstrap = bed.bootstrap().to_owned();
        let partitions = bed.partitions;
        tokio::task::spawn_blocking(move || create_topics(&bootstrap, &names, partitions))
            .await??;
        let mut aggregator = bed
            .start_aggregator(bed.aggregator_config(&[
                "--group-id=reference-run",
                "--topic-by-document=reference.by-document",
                "--topic-crossing-stats=reference.crossing-stats",
                "--topic-anomalies=reference.anomalies",
                "--topic-deadletter=reference.deadletter",
            ]))
            .await?;
        let mut client = bed.analytics(aggregator.grpc_addr).await?;
        let totals = wait_for(&mut client, crossings, want, limit).await;
        if &totals != want {
            anyhow::bail!("the reference run: {}", describe(want, &totals));
        }
        // Anomalies settle once the windows are complete; give the
        // per-document stage the same chance.
        let anomalies = settle(&mut client).await;
        aggregator.stop_and_wait().await?;
        Ok(Self { totals, anomalies })
    }
}

/// The anomaly ids an aggregator serves once they stop changing for two
/// seconds.
pub async fn settle(
    client: &mut borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient<
        borderflow_common::grpc::Authorized,
    >,
) -> BTreeSet<String> {
    let mut last = anomaly_ids(client).await;
    let mut stable_since = std::time::Instant::now();
    let started = std::time::Instant::now();
    while stable_since.elapsed() < Duration::from_secs(2)
        && started.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = anomaly_ids(client).await;
        if now != last {
            last = now;
            stable_since = std::time::Instant::now();
        }
    }
    last
}
