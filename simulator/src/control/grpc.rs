//! `borderflow.exercise.v1.ExerciseControl` over gRPC: the [`Control`]'s
//! operations, behind a gate that admits only calls carrying the trainer's
//! secret as a bearer token (compared in constant time). Deny by default:
//! no token, or a wrong one, is UNAUTHENTICATED. Plaintext, so it listens
//! on a loopback address only ([`parse_addr`]); reach it from elsewhere
//! through an SSH tunnel.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use anyhow::Context;
use borderflow_common::grpc::invalid_field;
use borderflow_proto::exercise::v1 as pb;
use borderflow_proto::ms_to_timestamp;
use pb::exercise_control_server::{ExerciseControl, ExerciseControlServer};
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;
use tonic::service::interceptor::InterceptedService;
use tonic::{Request, Response, Status};

use super::inject::{Format, Request as Injection};
use super::status::{IncidentState, PlantedIncident, RunState, Source};
use super::{Control, Error, LogEntry};

/// The trainer's secret: every call must carry it as
/// `authorization: Bearer <secret>`.
#[derive(Clone)]
pub struct TrainerSecret(Arc<[u8]>);

impl std::fmt::Debug for TrainerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrainerSecret(<redacted>)")
    }
}

impl TrainerSecret {
    /// `secret`, surrounding whitespace ignored; it must not be empty.
    pub fn new(secret: &str) -> anyhow::Result<Self> {
        let secret = secret.trim();
        anyhow::ensure!(!secret.is_empty(), "the trainer's secret is empty");
        Ok(Self(secret.as_bytes().into()))
    }

    /// The secret in `path`.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the trainer's secret in {}", path.display()))?;
        Self::new(&text).with_context(|| path.display().to_string())
    }

    /// Whether `metadata` carries the secret as a bearer token.
    fn admits(&self, metadata: &tonic::metadata::MetadataMap) -> bool {
        let Some(token) = metadata
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
        else {
            return false;
        };
        token.trim().as_bytes().ct_eq(&self.0).into()
    }
}

/// Admits calls with the trainer's secret, and no others.
#[derive(Clone, Debug)]
pub struct Gate(TrainerSecret);

impl tonic::service::Interceptor for Gate {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        if self.0.admits(request.metadata()) {
            Ok(request)
        } else {
            tracing::warn!("exercise control call refused: missing or wrong trainer token");
            Err(Error::Unauthenticated.into())
        }
    }
}

/// The control as a gRPC service, behind the gate.
pub fn service(
    control: Control,
    secret: TrainerSecret,
) -> InterceptedService<ExerciseControlServer<Service>, Gate> {
    ExerciseControlServer::with_interceptor(Service { control }, Gate(secret))
}

/// Serves the control on `listener` until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    control: Control,
    secret: TrainerSecret,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    tonic::transport::Server::builder()
        .add_service(service(control, secret))
        .serve_with_incoming_shutdown(
            borderflow_common::grpc::incoming(listener),
            shutdown.cancelled_owned(),
        )
        .await
        .context("serving the exercise control")
}

/// Where the control listens: `ADDRESS:PORT` on a loopback address, or a
/// port alone on 127.0.0.1. It speaks plaintext, so nothing else.
pub fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    let addr = match text.trim().parse::<u16>() {
        Ok(port) => SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
        Err(_) => text
            .trim()
            .parse::<SocketAddr>()
            .map_err(|_| format!("{text:?} is neither ADDRESS:PORT nor a port (on 127.0.0.1)"))?,
    };
    if !addr.ip().is_loopback() {
        return Err(format!(
            "{addr}: the control speaks plaintext, so it listens on a loopback address only \
             (reach it from elsewhere through an SSH tunnel)"
        ));
    }
    Ok(addr)
}

/// The gRPC face of a [`Control`].
#[derive(Debug)]
pub struct Service {
    control: Control,
}

type LogStream = Pin<Box<dyn Stream<Item = Result<pb::WatchLogResponse, Status>> + Send>>;

#[tonic::async_trait]
impl ExerciseControl for Service {
    async fn pause(
        &self,
        _: Request<pb::PauseRequest>,
    ) -> Result<Response<pb::PauseResponse>, Status> {
        let status = self.control.pause()?;
        Ok(Response::new(pb::PauseResponse {
            status: Some(status.into()),
        }))
    }

    async fn resume(
        &self,
        _: Request<pb::ResumeRequest>,
    ) -> Result<Response<pb::ResumeResponse>, Status> {
        let status = self.control.resume()?;
        Ok(Response::new(pb::ResumeResponse {
            status: Some(status.into()),
        }))
    }

    async fn set_speed(
        &self,
        request: Request<pb::SetSpeedRequest>,
    ) -> Result<Response<pb::SetSpeedResponse>, Status> {
        let speed = request.into_inner().speed;
        let speed = (speed != 0.0).then_some(speed);
        let status = self.control.set_speed(speed)?;
        Ok(Response::new(pb::SetSpeedResponse {
            status: Some(status.into()),
        }))
    }

    async fn inject(
        &self,
        request: Request<pb::InjectRequest>,
    ) -> Result<Response<pb::InjectResponse>, Status> {
        use pb::inject_request::Incident;
        let injection = match request.into_inner().incident {
            Some(Incident::CatalogueLabel(label)) => Injection::Catalogue(label),
            Some(Incident::Spec(spec)) => Injection::Spec {
                format: match pb::SpecFormat::try_from(spec.format) {
                    Ok(pb::SpecFormat::Json) => Format::Json,
                    Ok(pb::SpecFormat::Toml) => Format::Toml,
                    Ok(pb::SpecFormat::Unspecified) | Err(_) => {
                        return Err(invalid_field("spec.format", "say TOML or JSON"));
                    }
                },
                text: spec.text,
            },
            None => {
                return Err(invalid_field(
                    "incident",
                    "give a catalogue_label or a spec",
                ));
            }
        };
        let planted = self.control.inject(injection).await?;
        Ok(Response::new(pb::InjectResponse {
            incident: Some(planted.into()),
        }))
    }

    async fn end_early(
        &self,
        _: Request<pb::EndEarlyRequest>,
    ) -> Result<Response<pb::EndEarlyResponse>, Status> {
        let status = self.control.end_early()?;
        Ok(Response::new(pb::EndEarlyResponse {
            status: Some(status.into()),
        }))
    }

    async fn get_status(
        &self,
        request: Request<pb::GetStatusRequest>,
    ) -> Result<Response<pb::GetStatusResponse>, Status> {
        let status = self.control.status(request.into_inner().include_upcoming)?;
        Ok(Response::new(pb::GetStatusResponse {
            status: Some(status.into()),
        }))
    }

    type WatchLogStream = LogStream;

    async fn watch_log(
        &self,
        request: Request<pb::WatchLogRequest>,
    ) -> Result<Response<LogStream>, Status> {
        let follow = request.into_inner().follow;
        let (past, future) = self.control.watch_log()?;
        let past = tokio_stream::iter(past);
        let entries: Pin<Box<dyn Stream<Item = LogEntry> + Send>> = match future.filter(|_| follow)
        {
            // A watcher too slow to keep up misses entries rather than
            // holding the log up.
            Some(rx) => Box::pin(past.chain(BroadcastStream::new(rx).filter_map(Result::ok))),
            None => Box::pin(past),
        };
        let responses = entries.map(|entry| {
            Ok(pb::WatchLogResponse {
                entry: Some(entry.into()),
            })
        });
        Ok(Response::new(Box::pin(responses)))
    }
}

impl From<super::Status> for pb::ExerciseStatus {
    fn from(status: super::Status) -> Self {
        let state = match status.state {
            RunState::Starting => pb::RunState::Starting,
            RunState::Running => pb::RunState::Running,
            RunState::Paused => pb::RunState::Paused,
            RunState::Closing => pb::RunState::Closing,
            RunState::Ended => pb::RunState::Ended,
        };
        Self {
            scenario: status.scenario,
            state: state as i32,
            event_time: Some(ms_to_timestamp(status.event_ms)),
            wall_time: Some(ms_to_timestamp(status.wall_ms)),
            speed: status.speed.unwrap_or(0.0),
            paused: status.paused,
            start: Some(ms_to_timestamp(status.start_ms)),
            end: Some(ms_to_timestamp(status.end_ms)),
            incidents: status.incidents.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<PlantedIncident> for pb::PlantedIncident {
    fn from(p: PlantedIncident) -> Self {
        let source = match p.source {
            Source::Scenario => pb::IncidentSource::Scenario,
            Source::Injected => pb::IncidentSource::Injected,
        };
        let state = match p.state {
            IncidentState::Upcoming => pb::IncidentState::Upcoming,
            IncidentState::Active => pb::IncidentState::Active,
            IncidentState::Over => pb::IncidentState::Over,
        };
        Self {
            label: p.label,
            kind: p.kind,
            crossing_ids: p.crossings,
            start: Some(ms_to_timestamp(p.start_ms)),
            end: Some(ms_to_timestamp(p.end_ms)),
            source: source as i32,
            state: state as i32,
            occurrences: u32::try_from(p.occurrences).unwrap_or(u32::MAX),
            events: u32::try_from(p.events).unwrap_or(u32::MAX),
            expected_anomalies: p.expected,
            officer_id: p.officer.unwrap_or_default(),
        }
    }
}

impl From<LogEntry> for pb::LogEntry {
    fn from(entry: LogEntry) -> Self {
        Self {
            wall_time: Some(ms_to_timestamp(entry.wall_ms)),
            event_time: Some(ms_to_timestamp(entry.event_ms)),
            action: entry.action,
            detail: entry.detail,
            outcome: entry.outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_are_served() {
        assert_eq!(parse_addr("7300"), Ok("127.0.0.1:7300".parse().unwrap()));
        assert_eq!(parse_addr("[::1]:7300"), Ok("[::1]:7300".parse().unwrap()));
        assert!(parse_addr("0.0.0.0:7300").unwrap_err().contains("loopback"));
        assert!(parse_addr("localhost").is_err());
    }

    #[test]
    fn the_gate_admits_the_secret_alone() {
        let secret = TrainerSecret::new(" s3cret\n").unwrap();
        let with = |value: &str| {
            let mut metadata = tonic::metadata::MetadataMap::new();
            metadata.insert("authorization", value.parse().unwrap());
            secret.admits(&metadata)
        };
        assert!(with("Bearer s3cret"));
        assert!(!with("Bearer s3cre"));
        assert!(!with("Bearer s3cret2"));
        assert!(!with("s3cret"));
        assert!(!secret.admits(&tonic::metadata::MetadataMap::new()));
        assert!(TrainerSecret::new("  \n").is_err());
        assert_eq!(format!("{secret:?}"), "TrainerSecret(<redacted>)");
    }
}
