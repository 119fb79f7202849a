//! The operators' side of an exercise: the triage records every system
//! holds for the anomalies of the scored span, read back once the
//! operators have had their time, for the operators' score.

use std::time::Duration;

use anyhow::Context;
use borderflow_common::grpc::Authorized;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::analytics::v1::{AnomalyFilter, ListTriageRequest};
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::triage::v1::TriageRecord;

use crate::score::Scope;

/// Every triage record of every system for anomalies stamped in `scope`'s
/// span, after waiting `grace` for the operators to finish.
pub async fn read_triage(
    clients: &mut [AnalyticsServiceClient<Authorized>],
    scope: &Scope,
    grace: Duration,
) -> anyhow::Result<Vec<TriageRecord>> {
    if !grace.is_zero() {
        tracing::info!(?grace, "waiting for the operators to finish their triage");
        tokio::time::sleep(grace).await;
    }
    let filter = AnomalyFilter {
        from: Some(ms_to_timestamp(scope.start_ms)),
        to: Some(ms_to_timestamp(scope.end_ms)),
        include_retracted: true,
        ..AnomalyFilter::default()
    };
    let mut records = Vec::new();
    for client in clients {
        let mut token = String::new();
        loop {
            let page = client
                .list_triage(ListTriageRequest {
                    filter: Some(filter.clone()),
                    page_size: 1_000,
                    page_token: token,
                    ..ListTriageRequest::default()
                })
                .await
                .context("listing the operators' triage")?
                .into_inner();
            records.extend(page.items.into_iter().filter_map(|i| i.triage));
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
    }
    Ok(records)
}
