//! The after-action report of a run, from what the aggregators hold now:
//! the anomalies of the scored span, the operators' triage of them and the
//! traffic of the crossings the incidents happened at, scored against the
//! truth and rendered (`crate::report`).

use std::collections::BTreeSet;
use std::time::Duration;

use borderflow_common::grpc::Authorized;
use borderflow_i18n::Lang;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;

use super::{list_all, read_traffic, read_triage};
use crate::report::{self, ReportInput, TrainerAction};
use crate::score::{Roster, Scope, Scorecard, score, score_operators};
use crate::truth::Truth;

/// Crossings whose traffic a report charts at most: those of the planted
/// incidents, in the order they were planted.
const CHARTED: usize = 12;

/// The crossings the planted incidents happened at.
pub fn involved(truth: &Truth) -> Vec<String> {
    let mut seen = BTreeSet::new();
    truth
        .planted()
        .flat_map(|o| o.crossings.iter().cloned())
        .filter(|c| seen.insert(c.clone()))
        .take(CHARTED)
        .collect()
}

/// Reads, scores (the system and the operators) and renders the report;
/// returns the scorecard and the HTML.
pub async fn after_action(
    clients: &mut [AnalyticsServiceClient<Authorized>],
    scope: &Scope,
    truth: &Truth,
    trainer: &[TrainerAction],
    roster: &Roster,
    lang: Lang,
) -> anyhow::Result<(Scorecard, String)> {
    let anomalies = list_all(clients, scope, lang).await?;
    let triage = read_triage(clients, scope, Duration::ZERO).await?;
    let traffic = read_traffic(clients, &involved(truth), scope).await?;
    let mut card = score(scope, truth, &anomalies);
    card.operators = Some(score_operators(scope, truth, &anomalies, &triage, roster));
    let html = report::render(&ReportInput {
        scorecard: &card,
        scope,
        truth,
        anomalies: &anomalies,
        triage: &triage,
        traffic: &traffic,
        trainer,
        lang,
        generated_ms: borderflow_common::clock::now_ms(),
    });
    Ok((card, html))
}
