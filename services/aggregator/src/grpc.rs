//! The aggregator's gRPC services: [`analytics::AnalyticsApi`] for queries and
//! watches over the materialised stores, [`reference::ReferenceApi`] for
//! loading reference lists and the crossing registry, [`audit::AuditApi`]
//! for the audit trail, [`statistics::StatisticsApi`] for the published
//! statistics, [`protection::ProtectionApi`] for the referral watch. Each handler finds its authenticated
//! [`crate::access::Caller`] on the request.

pub mod analytics;
pub mod audit;
pub mod language;
pub mod protection;
pub mod reference;
pub mod statistics;
pub mod triage;

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::Status;

use borderflow_access::Permission;
use borderflow_proto::analytics::v1::CrossingWindow;

use crate::access::Caller;
use crate::error::Error;

/// `window` as `caller` may see it. A window's protection figures (requests,
/// suspected victims, children alone, entries without documents, referrals,
/// entries in need) are counts of a minute at one crossing, small enough to
/// point at a person in the queue: only a role that reads anomalies (which
/// name the same people's cases) sees them. The statistics carry the same
/// people under disclosure control.
fn as_seen(mut window: CrossingWindow, caller: &Caller) -> CrossingWindow {
    if !caller.may(Permission::ReadAnomalies) {
        window.protection_requests = 0;
        window.suspected_trafficking_victims = 0;
        window.unaccompanied_minors = 0;
        window.undocumented_entries = 0;
        window.referrals.clear();
        window.entries_in_need = 0;
    }
    window
}

/// A request's `[from, to)` in milliseconds, open where a bound is absent;
/// `from` must come before `to`.
fn range(
    from: Option<&borderflow_proto::Timestamp>,
    to: Option<&borderflow_proto::Timestamp>,
) -> Result<(i64, i64), Error> {
    let from = from
        .and_then(borderflow_proto::timestamp_to_ms)
        .unwrap_or(i64::MIN);
    let to = to
        .and_then(borderflow_proto::timestamp_to_ms)
        .unwrap_or(i64::MAX);
    if from >= to {
        return Err(Error::invalid("from", "must be before to"));
    }
    Ok((from, to))
}

/// Buffer of a server stream towards one client.
const STREAM_BUFFER: usize = 256;

/// Forwards broadcast items that pass `keep` to a client stream until the
/// client leaves or the service shuts down. A client that falls behind the
/// broadcast buffer is told how many items it missed (`DATA_LOSS`) and the
/// stream ends, so it reconnects asking for a replay rather than go on
/// with a gap it cannot see. When the stream ends, its audit record says
/// how many items it delivered.
fn follow<T, R, F>(
    mut updates: broadcast::Receiver<Arc<T>>,
    first: Vec<R>,
    shutdown: CancellationToken,
    caller: Caller,
    mut keep: F,
) -> ReceiverStream<Result<R, Status>>
where
    T: Send + Sync + 'static,
    R: Send + 'static,
    F: FnMut(&T) -> Option<R> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(STREAM_BUFFER);
    tokio::spawn(async move {
        let expiry = caller.clone();
        let expired = expiry.expired();
        tokio::pin!(expired);
        let mut delivered = caller.delivered();
        for item in first {
            if tx.send(Ok(item)).await.is_err() {
                return;
            }
            delivered.count += 1;
        }
        loop {
            let item = tokio::select! {
                _ = shutdown.cancelled() => {
                    let _ = tx.send(Err(Error::unavailable("server shutting down").into())).await;
                    return;
                }
                _ = tx.closed() => return,
                () = &mut expired => {
                    let _ = tx.send(Err(Error::Unauthenticated("the token expired; sign in again".into()).into())).await;
                    return;
                }
                item = updates.recv() => item,
            };
            match item {
                Ok(item) => {
                    if let Some(response) = keep(&item) {
                        if tx.send(Ok(response)).await.is_err() {
                            return;
                        }
                        delivered.count += 1;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "watch client fell behind");
                    let message = format!(
                        "the stream fell {missed} items behind and ends; reconnect with a replay"
                    );
                    let _ = tx.send(Err(Status::data_loss(message))).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    ReceiverStream::new(rx)
}
