//! A scenario run on a testbed as a trainer runs it: ingest and one
//! aggregator in process, the simulator's booths streaming to ingest (a
//! connection each, an on-disk outbox) and its scorer reading the
//! aggregator.

use std::sync::Arc;
use std::time::Duration;

use borderflow_simulator::exercise::{ExerciseOptions, Outcome, Targets, run_scenario};
use borderflow_simulator::scenario::Scenario;
use borderflow_simulator::stats::Stats;
use tokio_util::sync::CancellationToken;

use crate::testbed::{Service, Testbed};

/// Ingest and an aggregator serving one exercise.
pub struct ExerciseServices {
    pub ingest: Service<borderflow_ingest::Running>,
    pub aggregator: Service<borderflow_aggregator::Running>,
    pub targets: Targets,
    outbox: std::path::PathBuf,
}

impl ExerciseServices {
    /// Starts ingest and an aggregator (with `aggregator_flags`) on `bed`.
    pub async fn start(bed: &Testbed, aggregator_flags: &[&str]) -> anyhow::Result<Self> {
        Self::start_with(bed, &[], aggregator_flags).await
    }

    /// Starts ingest (with `ingest_flags`) and an aggregator (with
    /// `aggregator_flags`) on `bed`.
    pub async fn start_with(
        bed: &Testbed,
        ingest_flags: &[&str],
        aggregator_flags: &[&str],
    ) -> anyhow::Result<Self> {
        let ingest = bed.start_ingest(bed.ingest_config(ingest_flags)).await?;
        let aggregator = bed
            .start_aggregator(bed.aggregator_config(aggregator_flags))
            .await?;
        let targets = bed.targets(ingest.grpc_addr, aggregator.grpc_addr).await?;
        Ok(Self {
            ingest,
            aggregator,
            targets,
            outbox: bed.dir().join("outbox"),
        })
    }

    /// Options for a run with the booths' outbox on the testbed; the run
    /// ends once the aggregator's figures have been quiet for
    /// `settle_quiet`.
    pub fn options(&self, settle_quiet: Duration) -> ExerciseOptions {
        ExerciseOptions {
            outbox_dir: Some(self.outbox.clone()),
            settle_quiet,
            ..ExerciseOptions::default()
        }
    }

    /// Runs `scenario`, counting in `stats`.
    pub async fn run(
        &self,
        scenario: &Scenario,
        options: &ExerciseOptions,
        stats: Arc<Stats>,
    ) -> anyhow::Result<Outcome> {
        run_scenario(
            scenario,
            &self.targets,
            options,
            stats,
            CancellationToken::new(),
        )
        .await
    }

    /// Stops the aggregator, then ingest.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.aggregator.stop_and_wait().await?;
        self.ingest.stop_and_wait().await
    }
}
