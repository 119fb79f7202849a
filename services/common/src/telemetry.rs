//! Logs and metrics setup.
//!
//! Metrics go through the `metrics` facade into one process-wide Prometheus
//! recorder (with the `admin` feature, which serves it); histograms get
//! explicit buckets so they render as Prometheus histograms (not summaries)
//! and aggregate across instances.

use std::sync::OnceLock;
#[cfg(feature = "admin")]
use std::time::Duration;

#[cfg(feature = "admin")]
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Buckets for durations from 1 ms to about 2 hours (seconds).
pub const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 60.0,
    120.0, 300.0, 600.0, 900.0, 1800.0, 2700.0, 3600.0, 7200.0,
];

/// Buckets for batch sizes (events).
pub const SIZE_BUCKETS: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Initialises tracing once per process; later calls are no-ops. The filter
/// comes from `RUST_LOG`, defaulting to `info`.
pub fn init_tracing(format: LogFormat) {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
        let registry = tracing_subscriber::registry().with(filter);
        let _ = match format {
            LogFormat::Text => registry
                .with(fmt::layer().with_writer(std::io::stderr))
                .try_init(),
            LogFormat::Json => registry
                .with(fmt::layer().json().with_writer(std::io::stderr))
                .try_init(),
        };
    });
}

/// The process-wide Prometheus handle, installing the recorder on first use.
/// Several services in one process (as in tests) share it.
#[cfg(feature = "admin")]
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), DURATION_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Suffix("_events".into()), SIZE_BUCKETS)
                })
                .expect("bucket lists are non-empty")
                .install_recorder()
                .expect("no other metrics recorder is installed");
            let upkeep = handle.clone();
            // Without the exporter's own HTTP task, histogram memory is only
            // reclaimed by upkeep (metrics-rs #467).
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(Duration::from_secs(5));
                        upkeep.run_upkeep();
                    }
                })
                .expect("spawning a thread");
            handle
        })
        .clone()
}
