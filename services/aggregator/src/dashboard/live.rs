//! `/api/live`: server-sent events. A `snapshot` first, then once a second a
//! `delta` with the crossings that changed, and an `anomaly` event per new
//! or revised anomaly. A page that falls behind gets a fresh snapshot; the
//! stream ends when the aggregator shuts down.

use std::convert::Infallible;
use std::time::Duration;

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use borderflow_i18n::Lang;
use futures::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tracing::debug;

use super::hub::{Frame, in_language};
use super::{Dashboard, viewer};
use crate::access::Caller;

/// Comment lines that keep idle proxies and load balancers from closing
/// the stream.
const HEARTBEAT: Duration = Duration::from_secs(10);

/// `/api/live?lang=ru`: an EventSource sends no headers of the page's
/// choosing, so the language comes as a parameter.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LiveParams {
    lang: Option<String>,
}

pub(crate) async fn live(
    State(dashboard): State<Dashboard>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<LiveParams>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let hub = dashboard.hub();
    let shutdown = dashboard.shutdown.clone();
    let mut viewer = viewer(&caller);
    viewer.lang = params
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default();
    let stream = async_stream::stream! {
        let expiry = caller.clone();
        let expired = expiry.expired();
        tokio::pin!(expired);
        let mut sent = caller.delivered();
        let (mut frames, snapshot) = hub.subscribe(&viewer);
        yield Ok(Event::default().event("snapshot").data(snapshot));
        sent.count += 1;
        loop {
            let frame = tokio::select! {
                () = shutdown.cancelled() => break,
                // The page notices the end and asks who is signed in.
                () = &mut expired => break,
                frame = frames.recv() => frame,
            };
            match frame {
                Ok(Frame::Delta(delta)) => {
                    yield Ok(Event::default().event("delta").data(&*delta.json_for(&viewer)));
                }
                Ok(Frame::Anomaly { crossing_id, json }) => {
                    if viewer.anomalies && viewer.scope.covers(&crossing_id) {
                        yield Ok(Event::default().event("anomaly").data(&*in_language(&json, viewer.lang)));
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    debug!(missed, "dashboard client fell behind; sending a new snapshot");
                    let (again, snapshot) = hub.subscribe(&viewer);
                    frames = again;
                    yield Ok(Event::default().event("snapshot").data(snapshot));
                }
                Err(RecvError::Closed) => break,
            }
            sent.count += 1;
        }
    };
    Sse::new(stream).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
}
