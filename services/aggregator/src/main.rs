use clap::Parser;

use borderflow_aggregator::Config;
use borderflow_common::shutdown::{CancellationToken, cancel_on_signal};
use borderflow_common::telemetry::{init_tracing, metrics_handle};

/// The services run on mimalloc: with glibc's allocator the aggregator
/// spent about a fifth of its time consolidating free lists (windows,
/// records and strings are allocated and freed per record).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    init_tracing(config.log_format);
    metrics_handle();
    let shutdown = CancellationToken::new();
    cancel_on_signal(shutdown.clone());
    borderflow_aggregator::run(config, shutdown).await
}
