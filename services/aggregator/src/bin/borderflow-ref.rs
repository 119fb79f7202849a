//! borderflow-ref: loads watchlists and lost/stolen document lists from CSV
//! into a running deployment through `ReferenceService`. Identifiers are
//! keyed with the deployment's pseudonymisation secret on this machine;
//! only the keys travel.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use borderflow_aggregator::reflist;
use borderflow_common::clock::now_ms;
use borderflow_common::grpc::{Authorized, Bearer, ClientTlsArgs, authorized};
use borderflow_domain::keys::Pseudonymiser;
use borderflow_proto::reference::v1::reference_service_client::ReferenceServiceClient;
use borderflow_proto::reference::v1::{
    DeleteEntriesRequest, ListEntriesRequest, ListEntry, ReferenceList, UpsertEntriesRequest,
};
use clap::{Parser, Subcommand, ValueEnum};
use tonic::transport::Endpoint;

#[derive(Parser, Debug)]
#[command(name = "borderflow-ref", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Aggregator gRPC address.
    #[arg(
        long,
        global = true,
        env = "BORDERFLOW_AGGREGATOR_URL",
        default_value = "http://127.0.0.1:50052"
    )]
    aggregator: String,
    #[command(flatten)]
    tls: ClientTlsArgs,
    /// File with a bearer token of the reference-admin role.
    #[arg(long, global = true, env = "BORDERFLOW_TOKEN_FILE")]
    token_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Keys every row of a CSV file and adds (or replaces) the entries.
    Load(FileArgs),
    /// Keys every row of a CSV file and removes those entries.
    Delete(FileArgs),
    /// Prints how many entries each list holds.
    Count,
}

#[derive(clap::Args, Debug)]
struct FileArgs {
    /// Which list the file holds.
    #[arg(long, value_enum)]
    list: List,
    /// The CSV file (see the column names in `--help` of the list).
    file: PathBuf,
    /// The deployment's pseudonymisation secret.
    #[arg(long, env = "BORDERFLOW_SECRET_FILE")]
    secret_file: PathBuf,
    /// Source recorded for rows without a `source` column value.
    #[arg(long, default_value = "national list")]
    source: String,
    /// Check and key the file, send nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum List {
    /// Columns: issuing_state, document_number[, source, reference].
    LostStolen,
    /// Columns: primary_identifier, secondary_identifier, birth_date,
    /// nationality[, source, reference].
    Watchlist,
}

impl From<List> for ReferenceList {
    fn from(list: List) -> Self {
        match list {
            List::LostStolen => ReferenceList::LostStolen,
            List::Watchlist => ReferenceList::Watchlist,
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("borderflow-ref: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Count => {
            let mut client = connect(&cli).await?;
            for list in [ReferenceList::LostStolen, ReferenceList::Watchlist] {
                let total = client
                    .list_entries(ListEntriesRequest {
                        list: list as i32,
                        page_size: 1,
                        ..Default::default()
                    })
                    .await
                    .context("listing entries")?
                    .into_inner()
                    .total;
                say(&format!("{}: {total}", list.as_str_name()));
            }
            Ok(())
        }
        Command::Load(args) | Command::Delete(args) => {
            let entries = read(args)?;
            say(&format!(
                "{} entries keyed from {}",
                entries.len(),
                args.file.display()
            ));
            if args.dry_run {
                return Ok(());
            }
            let mut client = connect(&cli).await?;
            let mut done = 0u32;
            for chunk in entries.chunks(1_000) {
                let entries = chunk.to_vec();
                done += if matches!(cli.command, Command::Load(_)) {
                    client
                        .upsert_entries(UpsertEntriesRequest { entries })
                        .await
                        .context("loading entries")?
                        .into_inner()
                        .upserted
                } else {
                    client
                        .delete_entries(DeleteEntriesRequest { entries })
                        .await
                        .context("deleting entries")?
                        .into_inner()
                        .deleted
                };
            }
            let verb = if matches!(cli.command, Command::Load(_)) {
                "loaded"
            } else {
                "deleted"
            };
            say(&format!("{done} entries {verb}"));
            Ok(())
        }
    }
}

/// The tool's output: one line on stdout.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn read(args: &FileArgs) -> anyhow::Result<Vec<ListEntry>> {
    let secret = std::fs::read_to_string(&args.secret_file)
        .with_context(|| format!("reading {}", args.secret_file.display()))?;
    let keys = Pseudonymiser::new(secret.trim().as_bytes())
        .map_err(|err| anyhow::anyhow!("the pseudonymisation secret: {err}"))?;
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("opening {}", args.file.display()))?;
    match reflist::parse(file, args.list.into(), &keys, &args.source, now_ms()) {
        Ok(entries) => Ok(entries),
        Err(errors) => {
            for error in &errors {
                eprintln!("{}: {error}", args.file.display());
            }
            bail!(
                "{} problems in {}; nothing sent",
                errors.len(),
                args.file.display()
            )
        }
    }
}

async fn connect(cli: &Cli) -> anyhow::Result<ReferenceServiceClient<Authorized>> {
    let mut endpoint = Endpoint::from_shared(cli.aggregator.clone())
        .with_context(|| format!("the aggregator address {}", cli.aggregator))?;
    if let Some(tls) = cli.tls.client_config()? {
        endpoint = endpoint.tls_config(tls)?;
    }
    let channel = endpoint
        .connect()
        .await
        .with_context(|| format!("connecting to {}", cli.aggregator))?;
    let bearer = match &cli.token_file {
        Some(path) => Bearer::from_file(path)?,
        None => Bearer::default(),
    };
    Ok(ReferenceServiceClient::new(authorized(channel, bearer)))
}
