use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

use borderflow_common::telemetry::{LogFormat, init_tracing};
use borderflow_replay::cli::{Cli, execute};

/// The steps allocate and free each record's strings, as in the
/// aggregator, which runs on mimalloc for the same reason.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(LogFormat::Text);
    match execute(cli) {
        Ok(out) => match std::io::stdout().lock().write_all(out.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("borderflow-replay: writing the report: {err}");
                ExitCode::FAILURE
            }
        },
        Err(err) => {
            eprintln!("borderflow-replay: {err}");
            ExitCode::FAILURE
        }
    }
}
