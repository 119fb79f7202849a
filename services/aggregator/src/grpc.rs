//! The aggregator's gRPC services: [`analytics::AnalyticsApi`] for queries and
//! watches over the materialised stores, [`reference::ReferenceApi`] for
//! loading reference lists and the crossing registry.

pub mod analytics;
pub mod reference;

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::Status;

/// Buffer of a server stream towards one client.
const STREAM_BUFFER: usize = 256;

/// Forwards broadcast items that pass `keep` to a client stream until the
/// client leaves or the service shuts down. A client that falls behind the
/// broadcast buffer is told how many items it missed and goes on.
fn follow<T, R, F>(
    mut updates: broadcast::Receiver<Arc<T>>,
    first: Vec<R>,
    shutdown: CancellationToken,
    mut keep: F,
) -> ReceiverStream<Result<R, Status>>
where
    T: Send + Sync + 'static,
    R: Send + 'static,
    F: FnMut(&T) -> Option<R> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(STREAM_BUFFER);
    tokio::spawn(async move {
        for item in first {
            if tx.send(Ok(item)).await.is_err() {
                return;
            }
        }
        loop {
            let item = tokio::select! {
                _ = shutdown.cancelled() => {
                    let _ = tx.send(Err(Status::unavailable("server shutting down"))).await;
                    return;
                }
                _ = tx.closed() => return,
                item = updates.recv() => item,
            };
            match item {
                Ok(item) => {
                    if let Some(response) = keep(&item)
                        && tx.send(Ok(response)).await.is_err()
                    {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "watch client fell behind");
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    ReceiverStream::new(rx)
}
