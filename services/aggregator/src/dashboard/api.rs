//! The dashboard's JSON endpoints: every crossing's summary, one crossing's
//! recent windows and anomalies, and a filtered anomaly list.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::Dashboard;
use super::anomaly::{AnomalyParams, AnomalyView};
use super::view::{CrossingView, WindowPoint};
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
    anomalies: Vec<AnomalyView>,
}

#[derive(Serialize)]
struct Anomalies {
    anomalies: Vec<AnomalyView>,
}

#[derive(Serialize)]
struct Problem {
    error: String,
}

fn problem(status: StatusCode, error: String) -> Response {
    (status, Json(Problem { error })).into_response()
}

pub(crate) async fn crossings(State(dashboard): State<Dashboard>) -> Response {
    let body = dashboard.hub().crossings();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub(crate) async fn crossing(
    State(dashboard): State<Dashboard>,
    Path(id): Path<String>,
) -> Response {
    let Some(summary) = dashboard.hub().summary(&id) else {
        return problem(StatusCode::NOT_FOUND, format!("crossing {id} is not known"));
    };
    let stores = &dashboard.stores;
    let mut recent = stores.windows.recent(&id, CHART_WINDOWS);
    recent.reverse();
    let (open, _) = stores.windows.current(&id);
    let query = AnomalyQuery {
        crossing_ids: vec![id.clone()],
        include_retracted: true,
        ..AnomalyQuery::default()
    };
    let (anomalies, _) = stores.anomalies.list(&query, CROSSING_ANOMALIES, None);
    Json(Detail {
        summary,
        windows: recent.iter().map(WindowPoint::from).collect(),
        current: open.as_ref().map(WindowPoint::from),
        lanes: stores.reference.crossing(&id).map_or(0, |c| c.lanes),
        anomalies: anomalies.iter().map(|a| AnomalyView::from(&**a)).collect(),
    })
    .into_response()
}

pub(crate) async fn anomalies(
    State(dashboard): State<Dashboard>,
    Query(params): Query<AnomalyParams>,
) -> Response {
    let (query, limit) = match params.parse() {
        Ok(parsed) => parsed,
        Err(error) => return problem(StatusCode::BAD_REQUEST, error),
    };
    let (found, _) = dashboard.stores.anomalies.list(&query, limit, None);
    Json(Anomalies {
        anomalies: found.iter().map(|a| AnomalyView::from(&**a)).collect(),
    })
    .into_response()
}
