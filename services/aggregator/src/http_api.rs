//! The JSON/HTTP API for systems that do not speak gRPC, served on the
//! admin port: gRPC-JSON transcoding of the contract's `google.api.http`
//! annotations. Each request becomes the gRPC request of its method (proto3
//! JSON mapping), goes through the same access layer as a gRPC call — the
//! same bearer token (never the dashboard's cookie, so no other page can act
//! through it), roles, scopes and audit record (`interface: http`) — and the
//! answer comes back as JSON (a stream as newline-delimited JSON). Nothing
//! is written by hand per method, so the API cannot drift from the
//! contract; [`openapi`] describes it, served at `/v1/openapi.json`.
//!
//! Reading order: [`routes`] (the table), [`request`] (HTTP → message),
//! [`response`] (answer → JSON), [`openapi`].

pub mod openapi;
pub mod request;
pub mod response;
pub mod routes;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use bytes::{BufMut, BytesMut};
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use prost_reflect::DescriptorPool;
use prost_reflect::prost::Message as _;
use tonic::Status;
use tonic::transport::server::TcpConnectInfo;
use tower::ServiceExt as _;
use tower::util::BoxCloneSyncService;

use crate::access::grpc::Transcoded;
use crate::access::{Credentials, Gate, Need, methods};
use crate::error::{Error, field_of};
use borderflow_proto::audit::v1::{AuditOutcome, AuditPhase};
use routes::Route;

/// Largest JSON request body.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The gRPC services behind the access layer, as one callable service.
pub type Grpc = BoxCloneSyncService<
    http::Request<tonic::body::Body>,
    http::Response<tonic::body::Body>,
    Infallible,
>;

#[derive(Clone)]
struct HttpApi {
    routes: Arc<Vec<Route>>,
    grpc: Grpc,
    /// Audits what never becomes a call: no such route, an unreadable request.
    gate: Arc<Gate>,
    openapi: Arc<str>,
}

/// `/v1/…` for the methods of `services`, answered by `grpc`.
pub fn router(grpc: Grpc, gate: Arc<Gate>, services: &[&str]) -> anyhow::Result<Router> {
    let pool = DescriptorPool::decode(borderflow_proto::FILE_DESCRIPTOR_SET)?;
    let routes = routes::routes(&pool, services);
    let openapi = serde_json::to_string_pretty(&openapi::document(&routes))?;
    let api = HttpApi {
        routes: Arc::new(routes),
        grpc,
        gate,
        openapi: openapi.into(),
    };
    Ok(Router::new()
        .route("/v1/openapi.json", get(document))
        .route("/v1/{*rest}", any(dispatch))
        .with_state(api))
}

async fn document(State(api): State<HttpApi>) -> Response {
    (
        [(CONTENT_TYPE, "application/json")],
        api.openapi.to_string(),
    )
        .into_response()
}

/// A request that never becomes a call — no such route, or one its
/// method cannot read — is still authenticated and audited, then answered
/// with `status`.
async fn unanswerable(
    api: &HttpApi,
    parts: &http::request::Parts,
    route: Option<&Route>,
    status: Status,
) -> Response {
    let bearer = bearer(&parts.headers);
    let credentials = Credentials {
        bearer: bearer.as_deref(),
        client_cert: None,
        source: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0),
    };
    let rule = route.and_then(|r| methods::find(&r.grpc_path()));
    let (need, label) = rule.map_or((Need::Identity, "unknown"), |r| {
        (Need::Permission(r.permission), r.name)
    });
    let method = route.map_or_else(
        || format!("{} {}", parts.method, parts.uri.path()),
        Route::grpc_path,
    );
    let caller = match api
        .gate
        .admit_or_refuse(credentials, need, "http", method, label)
        .await
    {
        Ok(caller) => caller,
        Err(refused) => return response::problem(&refused),
    };
    let field = field_of(&status).unwrap_or_default().to_owned();
    caller.note(|n| n.reason = format!("{:?} {field}", status.code()).trim().to_owned());
    let finished = caller
        .finish(
            AuditPhase::Complete,
            AuditOutcome::Failed,
            &format!("{:?}", status.code()),
            label,
            rule.map(|r| r.permission),
        )
        .await;
    match finished {
        Ok(()) => response::problem(&status),
        Err(unavailable) => response::problem(&unavailable),
    }
}

/// `INVALID_ARGUMENT` naming the field a `field: reason` message starts with.
fn invalid(message: String) -> Status {
    match message.split_once(": ") {
        Some((field, reason)) => Error::invalid(field, reason),
        None => Error::invalid("request", message),
    }
    .into()
}

/// The bearer token of the `authorization` header (never the dashboard's
/// cookie, so no other page of the site can act through a signed-in
/// browser).
fn bearer(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(borderflow_access::bearer)
        .map(str::to_owned)
}

async fn dispatch(State(api): State<HttpApi>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some((route, bound)) = api
        .routes
        .iter()
        .find_map(|r| r.matches(&parts.method, parts.uri.path()).map(|b| (r, b)))
    else {
        let status = Error::not_found(format!(
            "route {} {} (see /v1/openapi.json)",
            parts.method,
            parts.uri.path()
        ))
        .into();
        return unanswerable(&api, &parts, None, status).await;
    };
    let query = match Query::<Vec<(String, String)>>::try_from_uri(&parts.uri) {
        Ok(Query(query)) => query,
        Err(err) => {
            return unanswerable(&api, &parts, Some(route), invalid(format!("query: {err}"))).await;
        }
    };
    let body = if route.body.is_empty() {
        None
    } else {
        match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Ok(bytes) => Some(bytes),
            Err(err) => {
                return unanswerable(&api, &parts, Some(route), invalid(format!("body: {err}")))
                    .await;
            }
        }
    };
    let input = route.method.input();
    let message = match request::build(&input, body.as_deref(), &bound, &query) {
        Ok(message) => message,
        Err(err) => return unanswerable(&api, &parts, Some(route), invalid(err)).await,
    };
    let encoded = message.encode_to_vec();
    let mut frame = BytesMut::with_capacity(5 + encoded.len());
    frame.put_u8(0);
    frame.put_u32(encoded.len() as u32);
    frame.put_slice(&encoded);
    let mut call = http::Request::builder()
        .method(http::Method::POST)
        .uri(route.grpc_path())
        .header(CONTENT_TYPE, "application/grpc")
        .header("te", "trailers");
    if let Some(token) = bearer(&parts.headers) {
        call = call.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    // Explanations follow the client's language.
    if let Some(language) = parts.headers.get(http::header::ACCEPT_LANGUAGE) {
        call = call.header(crate::grpc::language::ACCEPT_LANGUAGE, language.clone());
    }
    let Ok(mut call) = call.body(tonic::body::Body::new(http_body_util::Full::new(
        frame.freeze(),
    ))) else {
        return response::problem(&Error::Internal("building the call".into()).into());
    };
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    call.extensions_mut().insert(TcpConnectInfo {
        local_addr: None,
        remote_addr: peer,
    });
    call.extensions_mut().insert(Transcoded);
    let Ok(answer) = api.grpc.clone().oneshot(call).await;
    let output = route.method.output();
    if route.method.is_server_streaming() {
        response::stream(answer, output)
    } else {
        response::unary(answer, &output).await
    }
}
