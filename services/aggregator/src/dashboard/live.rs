//! `/api/live`: server-sent events. A `snapshot` first, then once a second a
//! `delta` with the crossings that changed, and an `anomaly` event per new
//! or revised anomaly. A page that falls behind gets a fresh snapshot; the
//! stream ends when the aggregator shuts down.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;
use tracing::debug;

use super::Dashboard;
use super::hub::Frame;

/// Comment lines that keep idle proxies and load balancers from closing
/// the stream.
const HEARTBEAT: Duration = Duration::from_secs(10);

pub(crate) async fn live(
    State(dashboard): State<Dashboard>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let hub = dashboard.hub();
    let shutdown = dashboard.shutdown.clone();
    let stream = async_stream::stream! {
        let (mut frames, snapshot) = hub.subscribe();
        yield Ok(Event::default().event("snapshot").data(snapshot));
        loop {
            let frame = tokio::select! {
                () = shutdown.cancelled() => break,
                frame = frames.recv() => frame,
            };
            match frame {
                Ok(Frame::Delta(data)) => yield Ok(Event::default().event("delta").data(&*data)),
                Ok(Frame::Anomaly(data)) => yield Ok(Event::default().event("anomaly").data(&*data)),
                Err(RecvError::Lagged(missed)) => {
                    debug!(missed, "dashboard client fell behind; sending a new snapshot");
                    let (again, snapshot) = hub.subscribe();
                    frames = again;
                    yield Ok(Event::default().event("snapshot").data(snapshot));
                }
                Err(RecvError::Closed) => break,
            }
        }
    };
    Sse::new(stream).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
}
