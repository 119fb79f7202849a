//! `borderflow-bench`: measures a whole borderflow on this machine (or
//! against a given Kafka cluster) and prints the figures. See
//! `benches/README.md`.

use std::io::Write as _;

use borderflow_benches::load::{self, Args, chart};
use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if std::env::var_os("RUST_LOG").is_some() {
        borderflow_common::telemetry::init_tracing(borderflow_common::telemetry::LogFormat::Text);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(load::run(&args))?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(report.table().as_bytes())?;
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
        writeln!(stdout, "\nJSON: {}", path.display())?;
    }
    if let Some(dir) = args.svg.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.svg, chart::svg(&report))?;
    writeln!(stdout, "chart: {}", args.svg.display())?;
    Ok(())
}
