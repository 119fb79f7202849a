//! What every borderflow service shares: [`telemetry`] (tracing, and with
//! the `admin` feature the Prometheus recorder), [`shutdown`] (signals and
//! cancellation), [`grpc`] (TLS, health and reflection), [`config`]
//! (parsers for flag values) and [`clock`] (the wall clock).
//!
//! Two features carry the weight only the services need, so a pure gRPC
//! client such as the simulator links neither librdkafka nor an HTTP server:
//!
//! - `kafka`: the `kafka` module (client settings, topic names, broker
//!   health), on rdkafka;
//! - `admin`: the `admin` module (the HTTP port with `/metrics` and health)
//!   and `telemetry::metrics_handle`, on axum and the Prometheus exporter.

#[cfg(feature = "admin")]
pub mod admin;
pub mod clock;
pub mod config;
pub mod grpc;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod shutdown;
pub mod telemetry;
