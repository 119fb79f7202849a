//! The admin HTTP port: `/metrics` for Prometheus, `/healthz` (the process
//! runs) and `/readyz` (every component reported ready). Services merge their
//! own routes (the aggregator's dashboard) into the same router.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::telemetry::metrics_handle;

/// A component's name and whether it is ready.
type Flag = (String, Arc<AtomicBool>);

/// Named readiness flags; ready when every flag is set.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    flags: Arc<Mutex<Vec<Flag>>>,
}

/// One component's readiness, cheap to clone and set from any thread.
#[derive(Clone, Debug)]
pub struct ReadyFlag(Arc<AtomicBool>);

impl ReadyFlag {
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::Relaxed);
    }

    pub fn get(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl Readiness {
    /// Registers a component, initially not ready.
    pub fn flag(&self, name: &str) -> ReadyFlag {
        let flag = Arc::new(AtomicBool::new(false));
        self.flags
            .lock()
            .expect("readiness lock")
            .push((name.to_owned(), flag.clone()));
        ReadyFlag(flag)
    }

    /// Names of the components that are not ready.
    pub fn pending(&self) -> Vec<String> {
        self.flags
            .lock()
            .expect("readiness lock")
            .iter()
            .filter(|(_, flag)| !flag.load(Ordering::Relaxed))
            .map(|(name, _)| name.clone())
            .collect()
    }
}

/// `/metrics`, `/healthz` and `/readyz`.
pub fn router(readiness: Readiness) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .with_state(readiness)
}

async fn metrics() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics_handle().render(),
    )
}

async fn ready(State(readiness): State<Readiness>) -> impl IntoResponse {
    let pending = readiness.pending();
    if pending.is_empty() {
        (StatusCode::OK, "ready\n".to_owned())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("waiting for: {}\n", pending.join(", ")),
        )
    }
}

/// Serves `app` until `shutdown` is cancelled.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    // The peer address reaches handlers (audit records name it).
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.cancelled_owned())
    .await
}
