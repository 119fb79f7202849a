//! The tower layer in front of the aggregator's gRPC services. For every
//! method under a borderflow package it authenticates the caller, checks
//! the method's permission ([`super::methods`]), hands the [`super::Caller`] to
//! the handler, and writes the call's audit record before the answer
//! leaves — so no call is answered unaudited, whatever its handler does.
//! Health and reflection pass through: probes and generic clients need no
//! credential to learn what is served.

use std::sync::Arc;
use std::task::{Context, Poll};

use borderflow_proto::audit::v1::AuditPhase;
use futures::future::BoxFuture;
use http::header::AUTHORIZATION;
use tonic::Code;
use tonic::body::Body;
use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
use tower::{Layer, Service};

use super::methods::{self, Shape};
use super::{Credentials, Gate, Need, outcome_of};

/// Marks a call the JSON API made on behalf of an HTTP request (an
/// in-process extension a client cannot send): audited as `http`.
#[derive(Clone, Copy, Debug)]
pub struct Transcoded;

#[derive(Clone)]
pub struct AccessLayer {
    gate: Arc<Gate>,
}

impl AccessLayer {
    pub fn new(gate: Arc<Gate>) -> Self {
        Self { gate }
    }
}

impl<S> Layer<S> for AccessLayer {
    type Service = Access<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Access {
            inner,
            gate: self.gate.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Access<S> {
    inner: S,
    gate: Arc<Gate>,
}

impl<S> Service<http::Request<Body>> for Access<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        let path = request.uri().path();
        if !methods::is_borderflow(path) {
            return Box::pin(self.inner.call(request));
        }
        let rule = methods::find(path);
        let method = path.to_owned();
        let bearer = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(borderflow_access::bearer)
            .map(str::to_owned);
        let (source, cert) = peer(&request);
        let interface = if request.extensions().get::<Transcoded>().is_some() {
            "http"
        } else {
            "grpc"
        };
        // The service that was polled ready serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let gate = self.gate.clone();
        Box::pin(async move {
            let credentials = Credentials {
                bearer: bearer.as_deref(),
                client_cert: cert.as_deref(),
                source,
            };
            let need = rule.map_or(Need::Unknown, |r| Need::Permission(r.permission));
            let label = rule.map_or("unknown", |r| r.name);
            let admitted = gate
                .admit_or_refuse(credentials, need, interface, method, label)
                .await;
            let caller = match admitted {
                Ok(caller) => caller,
                Err(status) => return Ok(status.into_http()),
            };
            let rule = rule.expect("a caller is admitted only for a ruled method");
            request.extensions_mut().insert(caller.clone());
            let response = inner.call(request).await?;
            let code = response
                .headers()
                .get("grpc-status")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i32>().ok())
                .map_or(Code::Ok, Code::from);
            let phase = if rule.shape == Shape::ServerStream && code == Code::Ok {
                AuditPhase::StreamOpened
            } else {
                AuditPhase::Complete
            };
            let finished = caller
                .finish(
                    phase,
                    outcome_of(code),
                    &format!("{code:?}"),
                    rule.name,
                    Some(rule.permission),
                )
                .await;
            if let Err(status) = finished {
                return Ok(status.into_http());
            }
            Ok(response)
        })
    }
}

/// The peer's address and, over mutual TLS, its certificate (DER).
fn peer<B>(request: &http::Request<B>) -> (Option<std::net::SocketAddr>, Option<Vec<u8>>) {
    let extensions = request.extensions();
    if let Some(tls) = extensions.get::<TlsConnectInfo<TcpConnectInfo>>() {
        let cert = tls
            .peer_certs()
            .and_then(|certs| certs.first().map(|c| c.as_ref().to_vec()));
        return (tls.get_ref().remote_addr(), cert);
    }
    let source = extensions
        .get::<TcpConnectInfo>()
        .and_then(TcpConnectInfo::remote_addr);
    (source, None)
}
