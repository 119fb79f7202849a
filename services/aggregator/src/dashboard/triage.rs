//! The operators' triage on the dashboard: an anomaly queue by state and
//! assignee, and the actions on one anomaly. Both go through the same
//! [`TriageApi`] as `AnalyticsService`, as the signed-in caller.
//!
//! - `GET /api/triage?state=&mine=&kind=&crossing=&severity=&limit=`:
//!   `{subject, items: [{anomaly, triage}]}`, newest first; `state` is a
//!   comma-separated list (`new,acknowledged`), `mine=1` keeps those
//!   assigned to the caller; `triage` is null for a new anomaly.
//! - `POST /api/anomalies/{id}/triage` `{action, reason?, assignee?, note?,
//!   revision?}`: `{triage}`, or `{error, field?}` with 400 (a wrong field
//!   or state), 403, 404 or 409 (another action came first: reload).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use borderflow_proto::analytics::v1::{AnomalyFilter, ListTriageRequest};
use borderflow_proto::timestamp_to_ms;
use borderflow_proto::triage::v1::{
    DismissReason, TriageAction, TriageEntry, TriageRecord, TriageState,
};
use serde::{Deserialize, Serialize};

use super::anomaly::{AnomalyParams, AnomalyView};
use super::api::problem;
use super::{Dashboard, language};
use crate::access::Caller;
use crate::error::Error;
use crate::grpc::triage::Request;
use crate::http_api::response::http_status;

#[derive(Clone, Debug, Serialize)]
pub(crate) struct TriageView {
    state: &'static str,
    assignee: String,
    dismiss_reason: Option<&'static str>,
    revision: u32,
    raised_at_ms: Option<i64>,
    history: Vec<EntryView>,
}

#[derive(Clone, Debug, Serialize)]
struct EntryView {
    action: &'static str,
    actor: String,
    at_ms: Option<i64>,
    state: &'static str,
    assignee: String,
    reason: Option<&'static str>,
    note: String,
}

fn reason(value: i32) -> Option<&'static str> {
    (value != DismissReason::Unspecified as i32).then(|| DismissReason::label_of(value))
}

impl From<&TriageEntry> for EntryView {
    fn from(e: &TriageEntry) -> Self {
        Self {
            action: TriageAction::label_of(e.action),
            actor: e.actor.clone(),
            at_ms: e.at.as_ref().and_then(timestamp_to_ms),
            state: TriageState::label_of(e.state),
            assignee: e.assignee.clone(),
            reason: reason(e.reason),
            note: e.note.clone(),
        }
    }
}

impl From<&TriageRecord> for TriageView {
    fn from(r: &TriageRecord) -> Self {
        Self {
            state: TriageState::label_of(r.state),
            assignee: r.assignee.clone(),
            dismiss_reason: reason(r.dismiss_reason),
            revision: r.revision,
            raised_at_ms: r.raised_at.as_ref().and_then(timestamp_to_ms),
            history: r.history.iter().map(EntryView::from).collect(),
        }
    }
}

#[derive(Serialize)]
struct Item {
    anomaly: AnomalyView,
    triage: Option<TriageView>,
}

#[derive(Serialize)]
struct Queue {
    /// The caller, as assignments name them.
    subject: String,
    items: Vec<Item>,
}

/// The queue's own parameters (the anomaly filter is [`AnomalyParams`]).
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct QueueParams {
    state: Option<String>,
    mine: Option<String>,
}

fn error_response(error: &Error) -> Response {
    let status = http_status(error.code());
    match error {
        Error::Invalid { field, reason } => (
            status,
            Json(serde_json::json!({ "error": format!("{field}: {reason}"), "field": field })),
        )
            .into_response(),
        _ => problem(status, error.to_string()),
    }
}

pub(crate) async fn queue(
    State(dashboard): State<Dashboard>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(params): Query<AnomalyParams>,
    Query(queue): Query<QueueParams>,
) -> Response {
    let lang = language(&headers);
    let (query, limit) = match params.parse() {
        Ok(parsed) => parsed,
        Err(error) => return problem(StatusCode::BAD_REQUEST, error),
    };
    let mut states = Vec::new();
    for name in queue.state.as_deref().unwrap_or_default().split(',') {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        match TriageState::parse(name) {
            Some(state) => states.push(state as i32),
            None => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    format!("state: unknown triage state {name}"),
                );
            }
        }
    }
    let request = ListTriageRequest {
        filter: Some(AnomalyFilter {
            crossing_ids: query.crossing_ids,
            kinds: query.kinds,
            min_severity: query.min_severity,
            ..AnomalyFilter::default()
        }),
        states,
        mine: matches!(queue.mine.as_deref(), Some("1" | "true")),
        page_size: limit as u32,
        ..ListTriageRequest::default()
    };
    let answer = match dashboard.triage.list(&caller, &request) {
        Ok(answer) => answer,
        Err(error) => return error_response(&error),
    };
    let references = &*dashboard.stores.reference;
    Json(Queue {
        subject: caller.principal.subject.clone(),
        items: answer
            .items
            .iter()
            .filter_map(|item| {
                Some(Item {
                    anomaly: AnomalyView::of(item.anomaly.as_ref()?, lang, references),
                    triage: item.triage.as_ref().map(TriageView::from),
                })
            })
            .collect(),
    })
    .into_response()
}

/// An action as the page posts it.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ActionBody {
    action: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    assignee: Option<String>,
    #[serde(default)]
    note: Option<String>,
    /// The revision the page showed (0: no record yet).
    #[serde(default)]
    revision: Option<u32>,
}

impl ActionBody {
    fn request(self, anomaly_id: String) -> Result<Request, Error> {
        let action = TriageAction::parse(&self.action).ok_or_else(|| {
            Error::invalid("action", format!("unknown triage action {}", self.action))
        })?;
        let reason = match self.reason.as_deref().filter(|r| !r.is_empty()) {
            None => DismissReason::Unspecified,
            Some(r) => DismissReason::parse(r)
                .ok_or_else(|| Error::invalid("reason", format!("unknown reason {r}")))?,
        };
        Ok(Request {
            anomaly_id,
            action,
            reason,
            assignee: self.assignee.unwrap_or_default(),
            note: self.note.unwrap_or_default(),
            expected_revision: self.revision,
        })
    }
}

pub(crate) async fn act(
    State(dashboard): State<Dashboard>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(body): Json<ActionBody>,
) -> Response {
    let outcome = match body.request(id) {
        Ok(request) => dashboard.triage.act(&caller, request).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(record) => {
            Json(serde_json::json!({ "triage": TriageView::from(&record) })).into_response()
        }
        Err(error) => error_response(&error),
    }
}
