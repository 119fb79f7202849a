//! Running traffic through a testbed for the fault tests, and the
//! undisturbed reference a disturbed run is compared with.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use borderflow_simulator::link::LinkConfig;
use borderflow_simulator::model::network::Network;
use borderflow_simulator::model::traffic::Traffic;
use borderflow_simulator::run::{Ingests, LinkEvent, RunConfig, run_emissions};
use borderflow_simulator::stats::Stats;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::anomalies::{Flagged, difference, settle, tally};
use crate::broker::create_topics;
use crate::planted::Planted;
use crate::testbed::Testbed;
use crate::totals::{Totals, describe, run_config, wait_for};

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
        let mut config = run_config(hours, speed);
        config.outbox_dir = outbox;
        let traffic = Traffic::new(&bed.network, &config.traffic);
        Self::spawn(bed, &bed.network, ingest, config, traffic, Vec::new()).await
    }

    /// Streams `planted`'s traffic, incidents and link outages included,
    /// as [`start`](Self::start) streams plain traffic. Register it first
    /// ([`Planted::register`]).
    pub async fn planted(
        bed: &Testbed,
        ingest: SocketAddr,
        planted: &Planted,
        speed: Option<f64>,
        outbox: Option<PathBuf>,
    ) -> anyhow::Result<Self> {
        let config = RunConfig {
            traffic: planted.traffic_config(),
            clock_speed: speed,
            link: LinkConfig::default(),
            outbox_dir: outbox,
            closing_after_ms: 10 * 60_000,
        };
        let links = planted.plan.link_events.clone();
        let network = planted.network();
        Self::spawn(bed, network, ingest, config, planted.traffic(), links).await
    }

    async fn spawn(
        bed: &Testbed,
        network: &Network,
        ingest: SocketAddr,
        config: RunConfig,
        traffic: Traffic,
        links: Vec<LinkEvent>,
    ) -> anyhow::Result<Self> {
        let stats = Arc::new(Stats::default());
        let channel = bed.ingest_endpoint(ingest)?;
        let tokens = bed.tokens()?;
        let network = network.clone();
        let task = {
            let stats = stats.clone();
            tokio::spawn(async move {
                run_emissions(
                    &network,
                    &config,
                    &Ingests::one(channel, tokens),
                    traffic,
                    links,
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
    pub anomalies: BTreeSet<Flagged>,
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
            "reference.document-state",
            "reference.crossing-stats",
            "reference.anomalies",
            "reference.deadletter",
            "reference.statistics",
            "reference.referrals",
        ];
        let bootstrap = bed.bootstrap().to_owned();
        let partitions = bed.partitions;
        tokio::task::spawn_blocking(move || create_topics(&bootstrap, &names, partitions))
            .await??;
        let mut aggregator = bed
            .start_aggregator(bed.aggregator_config(&[
                "--group-id=reference-run",
                "--topic-by-document=reference.by-document",
                "--topic-document-state=reference.document-state",
                "--topic-crossing-stats=reference.crossing-stats",
                "--topic-anomalies=reference.anomalies",
                "--topic-deadletter=reference.deadletter",
                "--topic-statistics=reference.statistics",
                "--topic-referrals=reference.referrals",
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

/// Checks what a disturbed run flagged against what the undisturbed
/// reference flagged over the same planted traffic: something was flagged,
/// every planted incident raised its kind, and the two runs flagged
/// exactly the same.
pub fn compare_anomalies(
    planted: &Planted,
    disturbed: &BTreeSet<Flagged>,
    reference: &BTreeSet<Flagged>,
) -> Result<(), String> {
    if disturbed.is_empty() {
        return Err("the disturbed run flagged nothing".into());
    }
    let undetected = planted.undetected(disturbed);
    if !undetected.is_empty() {
        return Err(format!(
            "planted but not flagged by the disturbed run: {undetected:?}; flagged: {}; \
             by the undisturbed run: {} (missed there: {:?})",
            tally(disturbed),
            tally(reference),
            planted.undetected(reference)
        ));
    }
    if disturbed != reference {
        return Err(format!(
            "the disturbed run (left) and the undisturbed one (right) differ:\n{}",
            difference(disturbed, reference)
        ));
    }
    Ok(())
}
