//! The built-in dashboard, served on the admin port: an overview of every
//! crossing (table and map), a live anomaly feed and a page per crossing.
//!
//! - `GET /` and `/assets/{name}`: the page, compiled into the binary; it
//!   holds no data and shows nothing until its viewer signs in.
//! - `/auth/session`: sign in, who is signed in, sign out (`auth`).
//!
//! Every `/api/…` route needs a signed-in page (or a bearer token), checks
//! the permission it needs, answers within the caller's country scope and
//! is audited; anomalies need a role that reads them.
//!
//! - `GET /api/crossings`: `{clock_ms, crossings: [summary]}`.
//! - `GET /api/crossings/{id}`: `{summary, windows, current, lanes,
//!   anomalies}`; windows oldest first, for the charts.
//! - `GET /api/anomalies?kind=&crossing=&severity=&limit=`: newest first;
//!   lists are comma-separated, `severity` is the least one.
//! - `GET /api/triage`, `POST /api/anomalies/{id}/triage`: the anomaly
//!   queue by triage state and assignee, and an action on one (`triage`).
//! - `GET /api/pairs`: `{pairs: [{id, posts}]}`, the twin pairs this
//!   system exchanges for with a post in the caller's scope.
//! - `GET /api/pairs/{id}?hours=`: `{id, posts, from_ms, latest_ms, flows,
//!   anomalies, anomalies_shown}`; per direction of travel and period, the
//!   exits published at one post, the entries at the other and what the
//!   reconciliation judged (`pair`).
//! - `GET /api/live`: server-sent events. `snapshot` (`{seq, clock_ms,
//!   crossings, anomalies}`) on connecting and after falling behind; then
//!   once a second `delta` (`{seq, clock_ms, changed, removed,
//!   anomalies_skipped}`) with only the summaries that changed, and one
//!   `anomaly` event per new or revised anomaly; heartbeat comments.
//!
//! Reading order: `view` turns store records into what the page shows,
//! `delta` keeps what was last sent so only changes go out, `hub` runs
//! the once-a-second tick every page shares, `live` streams it, `api`
//! answers the JSON queries and `assets` serves the page itself
//! (`services/aggregator/dashboard/`).

mod anomaly;
mod api;
mod assets;
mod auth;
mod delta;
mod hub;
mod live;
mod pair;
mod statistics;
mod triage;
mod view;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use borderflow_access::Permission;
use borderflow_i18n::Lang;
use tokio_util::sync::CancellationToken;

use crate::access::{Caller, Gate};
use crate::grpc::statistics::StatisticsApi;
use crate::grpc::triage::TriageApi;
use crate::stream::materialise::Stores;
use hub::{Hub, Viewer};

#[derive(Clone)]
struct Dashboard {
    stores: Stores,
    gate: Arc<Gate>,
    statistics: StatisticsApi,
    triage: TriageApi,
    shutdown: CancellationToken,
    /// Started by the first page or API call, then shared by all.
    hub: Arc<OnceLock<Arc<Hub>>>,
}

impl Dashboard {
    fn hub(&self) -> Arc<Hub> {
        self.hub
            .get_or_init(|| Hub::start(self.stores.clone(), self.shutdown.clone()))
            .clone()
    }
}

/// What `caller` may see of the dashboard.
fn viewer(caller: &Caller) -> Viewer {
    Viewer {
        scope: caller.scope(),
        anomalies: caller.may(Permission::ReadAnomalies),
        lang: Lang::En,
    }
}

/// The language a page's request asks for (its `Accept-Language`).
fn language(headers: &axum::http::HeaderMap) -> Lang {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::En, Lang::negotiate)
}

/// The page, its assets, sign-in and `/api/…`; live streams end on
/// `shutdown`.
pub fn router(
    stores: Stores,
    gate: Arc<Gate>,
    statistics: StatisticsApi,
    triage: TriageApi,
    shutdown: CancellationToken,
) -> Router {
    let dashboard = Dashboard {
        stores,
        gate,
        statistics,
        triage,
        shutdown,
        hub: Arc::default(),
    };
    let api = Router::new()
        .route("/api/crossings", get(api::crossings))
        .route("/api/crossings/{id}", get(api::crossing))
        .route("/api/anomalies", get(api::anomalies))
        .route("/api/kinds", get(api::kinds))
        .route("/api/triage", get(triage::queue))
        .route("/api/anomalies/{id}/triage", post(triage::act))
        .route("/api/live", get(live::live))
        .route("/api/pairs", get(pair::pairs))
        .route("/api/pairs/{id}", get(pair::pair))
        .route("/api/statistics", get(statistics::statistics))
        .route("/api/statistics.csv", get(statistics::csv))
        .route_layer(middleware::from_fn_with_state(
            dashboard.clone(),
            auth::guard,
        ));
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{name}", get(assets::asset))
        .route(
            "/auth/session",
            get(auth::session)
                .post(auth::sign_in)
                .delete(auth::sign_out),
        )
        .merge(api)
        .with_state(dashboard)
}
