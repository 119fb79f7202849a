//! `borderflow-sim report`: the after-action report of an exercise, from
//! the record `run --record` wrote and what the aggregator holds now (the
//! anomalies, the operators' triage, the crossings' traffic), so it can be
//! made once the operators have finished. `run --report` writes the same
//! report at the end of the run.

use std::path::{Path, PathBuf};

use anyhow::Context;
use borderflow_common::grpc::{Bearer, ClientTlsArgs, authorized};
use borderflow_i18n::{Args as _, Lang, message, render};
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;

use super::parse_lang;
use crate::exercise::after_action;
use crate::report::{ExerciseRecord, TrainerAction};
use crate::score::{Roster, Scope};
use crate::truth::Truth;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// The exercise record `run --record` wrote.
    #[arg(long)]
    pub record: PathBuf,
    /// Aggregator gRPC address to read the anomalies, triage and traffic
    /// from.
    #[arg(long, env = "BORDERFLOW_AGGREGATOR_URL")]
    pub aggregator: String,
    /// File with the bearer token (the trainer role).
    #[arg(long, env = "BORDERFLOW_AGGREGATOR_TOKEN_FILE")]
    pub aggregator_token_file: Option<PathBuf>,
    #[command(flatten)]
    pub tls: ClientTlsArgs,
    /// The exercise's roster (see `run --roster`).
    #[arg(long, env = "BORDERFLOW_SIM_ROSTER")]
    pub roster: Option<PathBuf>,
    /// The report's language: `en` or `ru`.
    #[arg(long, env = "BORDERFLOW_LANG", default_value = "en", value_parser = parse_lang)]
    pub lang: Lang,
    /// Where to write the HTML report.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the scorecard (with the operators' part) as JSON here.
    #[arg(long)]
    pub scorecard: Option<PathBuf>,
}

/// What a report is made from, read back.
pub(super) struct Readback<'a> {
    pub scope: &'a Scope,
    pub truth: &'a Truth,
    pub trainer: &'a [TrainerAction],
    pub lang: Lang,
}

/// Reads what the aggregators hold, scores and writes the report to `out`.
pub(super) async fn write(
    clients: &mut [AnalyticsServiceClient<borderflow_common::grpc::Authorized>],
    input: Readback<'_>,
    roster: &Roster,
    out: &Path,
    scorecard_out: Option<&Path>,
) -> anyhow::Result<()> {
    let (card, html) = after_action(
        clients,
        input.scope,
        input.truth,
        input.trainer,
        roster,
        input.lang,
    )
    .await?;
    std::fs::write(out, html).with_context(|| format!("writing {}", out.display()))?;
    if let Some(path) = scorecard_out {
        let json = serde_json::to_string_pretty(&card)?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

pub(super) async fn report(args: ReportArgs, say: impl Fn(&str)) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.record)
        .with_context(|| format!("reading {}", args.record.display()))?;
    let record = ExerciseRecord::from_json(&text)
        .with_context(|| format!("in {}", args.record.display()))?;
    let truth = record.truth()?;
    let scope = record.scope();
    let trainer = record.trainer();
    let roster = match &args.roster {
        Some(path) => super::roster::load(path)?,
        None => Roster::default(),
    };
    let bearer = match &args.aggregator_token_file {
        Some(path) => Bearer::from_file(path)?,
        None => Bearer::default(),
    };
    let tls = args
        .aggregator
        .starts_with("https://")
        .then(|| args.tls.client_config())
        .transpose()?
        .flatten();
    let channel = crate::run::connect(&args.aggregator, tls).await?;
    let mut clients = [AnalyticsServiceClient::new(authorized(channel, bearer))
        .max_decoding_message_size(borderflow_common::grpc::MAX_MESSAGE_BYTES)];
    let input = Readback {
        scope: &scope,
        truth: &truth,
        trainer: &trainer,
        lang: args.lang,
    };
    write(
        &mut clients,
        input,
        &roster,
        &args.out,
        args.scorecard.as_deref(),
    )
    .await?;
    say(&render(
        args.lang,
        &message("report-written").text("path", args.out.display().to_string()),
    ));
    Ok(())
}
