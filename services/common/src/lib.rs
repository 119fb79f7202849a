//! What every borderflow service shares: [`telemetry`] (tracing and the
//! Prometheus recorder), [`shutdown`] (signals and cancellation), [`kafka`]
//! (client settings and topic names), [`admin`] (the HTTP port with
//! `/metrics` and health), [`grpc`] (TLS, health and reflection) and
//! [`clock`] (the wall clock).

pub mod admin;
pub mod clock;
pub mod config;
pub mod grpc;
pub mod kafka;
pub mod shutdown;
pub mod telemetry;
