//! What the fault tests (`tests/fault_*.rs`) share: incidents of every
//! family planted in a stream over a testbed of twelve partitions, and the
//! check that ends each of them — a disturbed run counts every event
//! exactly once and flags exactly what an undisturbed run over the same
//! input flags, every planted incident included.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::anomalies::{Flagged, settle, tally};
use crate::harness::{Reference, Stream, compare_anomalies};
use crate::planted::{Planted, every_family};
use crate::process::print_log_excerpts;
use crate::testbed::Testbed;
use crate::totals::{Totals, describe, wait_for};

/// Partitions of the fault tests' topics: state moves between instances a
/// partition at a time.
const PARTITIONS: i32 = 12;
/// Longest wait for a run's windows to hold every event.
const COMPLETE_WITHIN: Duration = Duration::from_secs(120);
/// Longest wait for the undisturbed run's.
const REFERENCE_WITHIN: Duration = Duration::from_secs(90);

/// A fault test's input and bed.
pub struct FaultRun {
    pub planted: Planted,
    pub bed: Testbed,
    pub crossings: Vec<String>,
    /// What the windows must count in the end.
    pub want: Totals,
    /// Events the stream sends.
    pub total: u64,
}

impl FaultRun {
    /// A testbed with [`every_family`]'s network and reference lists.
    pub async fn start() -> Self {
        let planted = every_family();
        let bed = Testbed::start(planted.network().clone(), PARTITIONS)
            .await
            .expect("a testbed");
        planted.register(&bed).await.expect("the planted lists");
        Self {
            crossings: planted.crossings(),
            want: planted.expected(),
            total: planted.sent(),
            planted,
            bed,
        }
    }

    /// Streams the planted traffic to `ingest` at `speed` times event time.
    pub async fn stream(&self, ingest: SocketAddr, speed: f64) -> Stream {
        Stream::planted(&self.bed, ingest, &self.planted, Some(speed), None)
            .await
            .expect("the stream starts")
    }

    /// Waits until the instance at `addr` counts every event, then until
    /// its anomalies settle; panics (with `logs` excerpts) when it does not.
    pub async fn settled(&self, addr: SocketAddr, logs: &[PathBuf]) -> BTreeSet<Flagged> {
        let mut client = self.bed.analytics(addr).await.expect("an analytics client");
        let counted = wait_for(&mut client, &self.crossings, &self.want, COMPLETE_WITHIN).await;
        if counted != self.want {
            print_log_excerpts(logs);
        }
        assert_eq!(
            counted,
            self.want,
            "the instance at {addr}: {}",
            describe(&self.want, &counted)
        );
        settle(&mut client).await
    }

    /// An undisturbed run over the same input, on topics of its own.
    pub async fn reference(&self) -> Reference {
        Reference::run(&self.bed, &self.crossings, &self.want, REFERENCE_WITHIN)
            .await
            .expect("the undisturbed run completes")
    }

    /// Panics (with `logs` excerpts) unless `anomalies`, of the run named
    /// `what`, are the undisturbed run's with every planted incident.
    pub fn compare(
        &self,
        what: &str,
        anomalies: &BTreeSet<Flagged>,
        reference: &Reference,
        logs: &[PathBuf],
    ) {
        if let Err(why) = compare_anomalies(&self.planted, anomalies, &reference.anomalies) {
            print_log_excerpts(logs);
            panic!("{what}: {why}");
        }
    }

    /// [`Self::settled`], then [`Self::compare`] with a fresh reference
    /// run; returns the anomalies.
    pub async fn check(&self, what: &str, addr: SocketAddr, logs: &[PathBuf]) -> BTreeSet<Flagged> {
        let anomalies = self.settled(addr, logs).await;
        let reference = self.reference().await;
        self.compare(what, &anomalies, &reference, logs);
        anomalies
    }

    /// The end of a fault test's report: the totals and what was flagged.
    pub fn summary(&self, anomalies: &BTreeSet<Flagged>) -> String {
        format!(
            "{}; {} anomalies ({}), every planted incident flagged, as an undisturbed run",
            describe(&self.want, &self.want),
            anomalies.len(),
            tally(anomalies)
        )
    }
}
