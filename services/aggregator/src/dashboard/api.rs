//! The dashboard's JSON endpoints: every crossing's summary, one crossing's
//! recent windows and anomalies, and a filtered anomaly list.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;

use super::anomaly::{self, AnomalyParams, AnomalyView};
use super::view::{CrossingView, WindowPoint};
use super::{Dashboard, language, viewer};
use crate::access::Caller;
use crate::store::AnomalyQuery;

/// Closed windows a crossing page charts (two hours of one-minute windows).
const CHART_WINDOWS: usize = 120;
const CROSSING_ANOMALIES: usize = 50;

#[derive(Serialize)]
struct Detail {
    summary: CrossingView,
    /// Closed windows, oldest first.
    windows: Vec<WindowPoint>,
    /// The open window, when there is one.
    current: Option<WindowPoint>,
    lanes: u32,
    /// The twin pair the crossing is a post of, when this system exchanges
    /// for it (`/api/pairs/{id}`).
    pair: Option<String>,
    anomalies: Vec<AnomalyView>,
    /// Whether the windows carry protection figures: only for a role that
    /// reads anomalies (`grpc::as_seen`).
    protection: bool,
}

#[derive(Serialize)]
struct Anomalies {
    anomalies: Vec<AnomalyView>,
}

#[derive(Serialize)]
struct Problem {
    error: String,
}

/// A JSON error of the dashboard's routes.
pub(super) fn problem(status: StatusCode, error: String) -> Response {
    (status, Json(Problem { error })).into_response()
}

pub(crate) async fn crossings(
    State(dashboard): State<Dashboard>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let (body, count) = dashboard.hub().crossings(&viewer(&caller));
    caller.note(|n| n.count = count as u64);
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub(crate) async fn crossing(
    State(dashboard): State<Dashboard>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let lang = language(&headers);
    caller.note(|n| n.resource = format!("crossing={id}"));
    if let Err(status) = caller.check_crossing(&id) {
        return problem(StatusCode::FORBIDDEN, status.to_string());
    }
    let Some(summary) = dashboard.hub().summary(&id) else {
        return problem(StatusCode::NOT_FOUND, format!("crossing {id} is not known"));
    };
    let stores = &dashboard.stores;
    let mut recent = stores.windows.recent(&id, CHART_WINDOWS);
    recent.reverse();
    let (open, _) = stores.windows.current(&id);
    // Anomalies, and protection figures, only for a role that reads them.
    let reads = viewer(&caller).anomalies;
    let point = |w: &borderflow_proto::analytics::v1::CrossingWindow| {
        let mut p = WindowPoint::from(w);
        if !reads {
            p.hide_protection();
        }
        p
    };
    let anomalies = if reads {
        let query = AnomalyQuery {
            crossing_ids: vec![id.clone()],
            include_retracted: true,
            ..AnomalyQuery::default()
        };
        stores.anomalies.list(&query, CROSSING_ANOMALIES, None).0
    } else {
        Vec::new()
    };
    caller.note(|n| n.count = (recent.len() + anomalies.len()) as u64);
    Json(Detail {
        summary,
        windows: recent.iter().map(point).collect(),
        current: open.as_ref().map(point),
        lanes: stores.reference.crossing(&id).map_or(0, |c| c.lanes),
        pair: stores
            .liaison
            .keys()
            .of_post(&id)
            .map(|p| p.pair_id.clone()),
        anomalies: anomalies
            .iter()
            .map(|a| AnomalyView::of(a, lang, &*stores.reference))
            .collect(),
        protection: reads,
    })
    .into_response()
}

pub(crate) async fn anomalies(
    State(dashboard): State<Dashboard>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(params): Query<AnomalyParams>,
) -> Response {
    let lang = language(&headers);
    let (mut query, limit) = match params.parse() {
        Ok(parsed) => parsed,
        Err(error) => return problem(StatusCode::BAD_REQUEST, error),
    };
    caller.note(|n| n.resource = format!("crossings={}", query.crossing_ids.join(",")));
    for id in &query.crossing_ids {
        if let Err(status) = caller.check_crossing(id) {
            return problem(StatusCode::FORBIDDEN, status.to_string());
        }
    }
    let scope = caller.scope();
    if !scope.is_all() {
        query.scope = Some(scope);
    }
    let (found, _) = dashboard.stores.anomalies.list(&query, limit, None);
    caller.note(|n| n.count = found.len() as u64);
    Json(Anomalies {
        anomalies: found
            .iter()
            .map(|a| AnomalyView::of(a, lang, &*dashboard.stores.reference))
            .collect(),
    })
    .into_response()
}

/// The anomaly kinds the feed filters by, from the contract's vocabulary.
pub(crate) async fn kinds(Extension(caller): Extension<Caller>) -> Response {
    let kinds = anomaly::kinds();
    caller.note(|n| n.count = kinds.len() as u64);
    Json(kinds).into_response()
}
