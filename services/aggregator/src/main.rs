use clap::Parser;

use borderflow_aggregator::Config;
use borderflow_common::shutdown::{CancellationToken, cancel_on_signal};
use borderflow_common::telemetry::{init_tracing, metrics_handle};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    init_tracing(config.log_format);
    metrics_handle();
    let shutdown = CancellationToken::new();
    cancel_on_signal(shutdown.clone());
    borderflow_aggregator::run(config, shutdown).await
}
