//! Who is looking at the dashboard. A page signs in by posting a bearer
//! token (from the deployment's OIDC issuer, or `borderflow-sim token`
//! locally); the token is verified and kept in an `HttpOnly`, `Secure`,
//! `SameSite=Strict` cookie, never in the page's storage or a URL, so any
//! instance behind a load balancer verifies it again on every request.
//! Systems call the JSON routes with `authorization: Bearer` instead.
//!
//! - `GET /auth/session`: who is signed in (roles, countries, what they may
//!   do), or 401.
//! - `POST /auth/session` `{"token": "…"}`: signs in.
//! - `DELETE /auth/session`: signs out.
//!
//! [`guard`] stands in front of every `/api/…` route: it authenticates,
//! checks the route's permission, hands the handler its caller and writes
//! the audit record before the answer leaves.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use borderflow_access::{AuthError, Permission, Principal};
use borderflow_proto::audit::v1::{AuditOutcome, AuditPhase};
use serde::{Deserialize, Serialize};

use super::Dashboard;
use super::api::problem;
use crate::access::{Caller, Credentials, Need, Refusal, Refused, count};
use crate::http_api::response::http_status;

/// The session cookie: the verified token itself. `__Host-`: the browser
/// takes it only from this host, over HTTPS or loopback, for path `/`, so a
/// sibling subdomain cannot plant one.
const COOKIE_NAME: &str = "__Host-borderflow_session";
/// Longest a signed-in page stays signed in, whatever the token allows.
const MAX_SESSION_SECONDS: u64 = 12 * 3600;
/// Largest sign-in body (a token is a few kilobytes).
const MAX_SIGN_IN_BYTES: usize = 64 * 1024;

/// The permission each API route needs (deny what is not listed).
fn route_rule(route: &str) -> Option<(&'static str, Permission)> {
    Some(match route {
        "/api/crossings" => ("GET /api/crossings", Permission::ReadFigures),
        "/api/crossings/{id}" => ("GET /api/crossings/{id}", Permission::ReadFigures),
        "/api/live" => ("GET /api/live", Permission::ReadFigures),
        "/api/anomalies" => ("GET /api/anomalies", Permission::ReadAnomalies),
        "/api/kinds" => ("GET /api/kinds", Permission::ReadAnomalies),
        "/api/triage" => ("GET /api/triage", Permission::ReadAnomalies),
        "/api/anomalies/{id}/triage" => (
            "POST /api/anomalies/{id}/triage",
            Permission::TriageAnomalies,
        ),
        "/api/pairs" => ("GET /api/pairs", Permission::ReadFigures),
        "/api/pairs/{id}" => ("GET /api/pairs/{id}", Permission::ReadFigures),
        "/api/statistics" => ("GET /api/statistics", Permission::ReadStatistics),
        "/api/statistics.csv" => ("GET /api/statistics.csv", Permission::ReadStatistics),
        _ => return None,
    })
}

fn audit_unavailable() -> Response {
    problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "the audit trail is unavailable; the request was not answered".into(),
    )
}

/// The bearer token of a request: its `authorization` header, else the
/// session cookie.
fn token(headers: &HeaderMap) -> Option<String> {
    if let Some(token) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(borderflow_access::bearer)
    {
        return Some(token.to_owned());
    }
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}

fn source(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

/// Authenticates, authorises and audits one `/api/…` request.
pub(crate) async fn guard(
    State(dashboard): State<Dashboard>,
    mut request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let rule = route_rule(&route);
    let label = rule.map_or("unknown", |(label, _)| label);
    let method = format!("{} {}", request.method(), route);
    let token = token(request.headers());
    let credentials = Credentials {
        bearer: token.as_deref(),
        client_cert: None,
        source: source(&request),
    };
    let need = rule.map_or(Need::Unknown, |(_, p)| Need::Permission(p));
    let caller = match dashboard
        .gate
        .admit_or_refuse(credentials, need, "http", method, label)
        .await
    {
        Ok(caller) => caller,
        Err(status) => return refused(&status),
    };
    let permission = rule.map(|(_, p)| p);
    request.extensions_mut().insert(caller.clone());
    let response = next.run(request).await;
    let status = response.status();
    let outcome = match status.as_u16() {
        200..=299 => AuditOutcome::Allowed,
        401 => AuditOutcome::Unauthenticated,
        403 => AuditOutcome::Denied,
        _ => AuditOutcome::Failed,
    };
    let phase = if route == "/api/live" && outcome == AuditOutcome::Allowed {
        AuditPhase::StreamOpened
    } else {
        AuditPhase::Complete
    };
    match caller
        .finish(phase, outcome, status.as_str(), label, permission)
        .await
    {
        Ok(()) => response,
        Err(status) => refused(&status),
    }
}

/// A refusal (or an audit trail that is down) as the dashboard answers it.
fn refused(status: &tonic::Status) -> Response {
    problem(http_status(status.code()), status.message().to_owned())
}

/// What the page shows of who is signed in and hides by.
#[derive(Serialize)]
struct Session {
    subject: String,
    name: String,
    roles: Vec<String>,
    countries: Vec<String>,
    permissions: Vec<&'static str>,
    expires_at: Option<u64>,
}

impl From<&Principal> for Session {
    fn from(p: &Principal) -> Self {
        Self {
            subject: p.subject.clone(),
            name: p.display_name.clone(),
            roles: p.role_names(),
            countries: p.scope.values(),
            permissions: p.permissions().into_iter().map(Permission::name).collect(),
            expires_at: p.expires_at,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct SignIn {
    token: String,
}

/// Checks a token for the `/auth/session` routes and audits the attempt.
async fn identify(
    dashboard: &Dashboard,
    token: Option<&str>,
    source: Option<SocketAddr>,
    method: &Method,
) -> Result<Caller, Response> {
    let credentials = Credentials {
        bearer: token,
        client_cert: None,
        source,
    };
    let label = format!("{method} /auth/session");
    let gate = &dashboard.gate;
    match gate.admit(credentials, Need::Identity, "http", label).await {
        Ok(caller) => Ok(caller),
        Err(refused) => {
            let Refused { refusal, record } = *refused;
            // A signed-out page asking who is signed in is audited, but is
            // no denial worth an alert.
            let asking = *method == Method::GET
                && matches!(refusal, Refusal::Unauthenticated(AuthError::Missing));
            if !asking {
                count(&record, "/auth/session", "none");
            }
            if gate.audit.write(&record).await.is_err() {
                return Err(audit_unavailable());
            }
            Err(problem(
                StatusCode::UNAUTHORIZED,
                refusal.message("signing in"),
            ))
        }
    }
}

async fn answered(caller: &Caller, dashboard: &Dashboard, status: StatusCode) -> Option<Response> {
    let record = caller.record(AuditPhase::Complete, AuditOutcome::Allowed, status.as_str());
    count(&record, "/auth/session", "none");
    dashboard
        .gate
        .audit
        .write(&record)
        .await
        .is_err()
        .then(audit_unavailable)
}

/// `GET /auth/session`.
pub(crate) async fn session(State(dashboard): State<Dashboard>, request: Request) -> Response {
    let token = token(request.headers());
    let caller = match identify(&dashboard, token.as_deref(), source(&request), &Method::GET).await
    {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    if let Some(refused) = answered(&caller, &dashboard, StatusCode::OK).await {
        return refused;
    }
    Json(Session::from(&*caller.principal)).into_response()
}

/// `POST /auth/session` with `{"token": "…"}` as JSON (a cross-site form
/// cannot send that without the page's consent): verifies the token and
/// sets the session cookie.
pub(crate) async fn sign_in(State(dashboard): State<Dashboard>, request: Request) -> Response {
    let source = source(&request);
    let is_json = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send {\"token\": \"…\"} as application/json".into(),
        );
    }
    let body = match axum::body::to_bytes(request.into_body(), MAX_SIGN_IN_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "sign-in body too large".into(),
            );
        }
    };
    let body: SignIn = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(err) => return problem(StatusCode::BAD_REQUEST, format!("token: {err}")),
    };
    let token = body.token.trim();
    let caller = match identify(&dashboard, Some(token), source, &Method::POST).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    if let Some(refused) = answered(&caller, &dashboard, StatusCode::OK).await {
        return refused;
    }
    let now = borderflow_common::clock::now_ms().max(0) as u64 / 1_000;
    let lifetime = caller
        .principal
        .expires_at
        .map_or(MAX_SESSION_SECONDS, |exp| exp.saturating_sub(now))
        .min(MAX_SESSION_SECONDS);
    let cookie = format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={lifetime}"
    );
    let mut response = Json(Session::from(&*caller.principal)).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}

/// `DELETE /auth/session`: forgets the session cookie.
pub(crate) async fn sign_out(State(dashboard): State<Dashboard>, request: Request) -> Response {
    let token = token(request.headers());
    if let Ok(caller) = identify(
        &dashboard,
        token.as_deref(),
        source(&request),
        &Method::DELETE,
    )
    .await
        && let Some(refused) = answered(&caller, &dashboard, StatusCode::NO_CONTENT).await
    {
        return refused;
    }
    let cookie = format!("{COOKIE_NAME}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}
