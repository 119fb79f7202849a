use clap::Parser;

use borderflow_common::shutdown::{CancellationToken, cancel_on_signal};
use borderflow_common::telemetry::{LogFormat, init_tracing};
use borderflow_simulator::cli::{Cli, execute};

/// The generator allocates and frees each event's strings: on glibc's
/// allocator a third of its time went to malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing(LogFormat::Text);
    let shutdown = CancellationToken::new();
    cancel_on_signal(shutdown.clone());
    execute(cli, shutdown, |line| eprintln!("{line}")).await
}
