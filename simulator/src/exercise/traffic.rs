//! The traffic of the crossings an exercise involved, read back from the
//! aggregator's closed windows and summed per hour, for the report.

use std::collections::BTreeMap;

use anyhow::Context;
use borderflow_common::grpc::Authorized;
use borderflow_proto::analytics::v1::ListWindowsRequest;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::{ms_to_timestamp, timestamp_to_ms};

use crate::score::Scope;

const HOUR_MS: i64 = 3_600_000;

/// Inspections per hour at each of `crossings` over `scope`'s span: every
/// hour of the span, 0 where nothing was inspected. A crossing no system
/// knows is left out.
pub async fn read_traffic(
    clients: &mut [AnalyticsServiceClient<Authorized>],
    crossings: &[String],
    scope: &Scope,
) -> anyhow::Result<BTreeMap<String, Vec<(i64, u64)>>> {
    let first = scope.start_ms - scope.start_ms.rem_euclid(HOUR_MS);
    let mut out = BTreeMap::new();
    for crossing in crossings {
        let mut hours: BTreeMap<i64, u64> = (first..scope.end_ms)
            .step_by(HOUR_MS as usize)
            .map(|h| (h, 0))
            .collect();
        let mut known = false;
        for client in clients.iter_mut() {
            let answer = client
                .list_windows(ListWindowsRequest {
                    crossing_id: crossing.clone(),
                    from: Some(ms_to_timestamp(scope.start_ms)),
                    to: Some(ms_to_timestamp(scope.end_ms)),
                    limit: 0,
                })
                .await;
            let windows = match answer {
                Ok(answer) => answer.into_inner().windows,
                // Another country's system: not its crossing.
                Err(status) if status.code() == tonic::Code::PermissionDenied => continue,
                Err(status) => {
                    return Err(status)
                        .with_context(|| format!("reading the windows of {crossing}"));
                }
            };
            known |= !windows.is_empty();
            for w in windows {
                let Some(start) = w.start.as_ref().and_then(timestamp_to_ms) else {
                    continue;
                };
                *hours.entry(start - start.rem_euclid(HOUR_MS)).or_default() += w.inspections;
            }
        }
        if known {
            out.insert(crossing.clone(), hours.into_iter().collect());
        }
    }
    Ok(out)
}
