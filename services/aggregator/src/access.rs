//! Access to the aggregator's interfaces: every gRPC method and dashboard
//! API route authenticates its caller (a bearer JWT or a client
//! certificate, [`borderflow_access`]), checks the permission it needs
//! ([`methods`]; the dashboard's routes in `dashboard::auth`), filters by
//! the caller's country scope ([`Caller::scope`]) and leaves an audit
//! record ([`audit`]) — allowed or denied, deny by default.
//!
//! Reading order: [`Gate`] holds what every check needs; [`grpc`] is the
//! tower layer in front of the gRPC services; [`caller`] is what a handler
//! sees of the request.

pub mod audit;
pub mod caller;
pub mod grpc;
pub mod methods;

use std::net::SocketAddr;
use std::sync::Arc;

use borderflow_access::{AuthError, Authenticator, Permission, Principal, Role};
use borderflow_proto::audit::v1::{AuditOutcome, AuditPhase, AuditRecord};
use borderflow_proto::ms_to_timestamp;

pub use audit::{AuditFailure, AuditSink};
pub use caller::{Caller, Note};

use crate::error::Error;
use crate::metrics;
use crate::store::ReferenceStore;

/// Shared by every check of one aggregator instance.
pub struct Gate {
    pub authenticator: Authenticator,
    pub audit: AuditSink,
    /// The crossing registry, which says which country a crossing is in.
    pub reference: Arc<ReferenceStore>,
    /// Named in audit records.
    pub instance: String,
}

/// A refused request and its audit record.
#[derive(Debug)]
pub struct Refused {
    pub refusal: Refusal,
    pub record: AuditRecord,
}

/// Why a request was refused before reaching its handler.
#[derive(Debug)]
pub enum Refusal {
    Unauthenticated(AuthError),
    /// Authenticated, but no role grants the permission.
    Forbidden(Principal, Permission),
    /// A path under a borderflow package that no rule names.
    UnknownMethod(Principal),
}

impl Refusal {
    pub fn message(&self, method: &str) -> String {
        match self {
            Self::Unauthenticated(err) => err.to_string(),
            Self::Forbidden(_, permission) => {
                let roles: Vec<&str> = Role::ALL
                    .iter()
                    .filter(|r| r.grants().contains(permission))
                    .map(|r| r.name())
                    .collect();
                format!(
                    "{method} needs the {} permission (roles: {})",
                    permission.name(),
                    roles.join(", ")
                )
            }
            Self::UnknownMethod(_) => format!("{method} is not served"),
        }
    }

    /// The status a refused call answers.
    pub fn status(&self, method: &str) -> tonic::Status {
        let message = self.message(method);
        match self {
            Self::Unauthenticated(_) => Error::Unauthenticated(message),
            Self::Forbidden(..) | Self::UnknownMethod(_) => Error::PermissionDenied(message),
        }
        .into()
    }
}

/// What a request needs besides a valid credential.
#[derive(Clone, Copy, Debug)]
pub enum Need {
    Permission(Permission),
    /// Only to know who is calling (the dashboard's sign-in).
    Identity,
    /// A path no rule names: refused.
    Unknown,
}

/// Where a request comes from and what it presents (no `Debug`: it holds
/// the bearer token).
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    pub bearer: Option<&'a str>,
    pub client_cert: Option<&'a [u8]>,
    pub source: Option<SocketAddr>,
}

impl Gate {
    /// Authenticates and checks what the request needs; the caller on
    /// success, the refusal and its audit record otherwise.
    pub async fn admit(
        self: &Arc<Self>,
        credentials: Credentials<'_>,
        need: Need,
        interface: &'static str,
        method: String,
    ) -> Result<Caller, Box<Refused>> {
        let source = credentials.source;
        let refused = |refusal: Refusal| {
            let record = self.refusal_record(&refusal, source, interface, &method);
            Err(Box::new(Refused { refusal, record }))
        };
        let principal = match self
            .authenticator
            .authenticate(credentials.bearer, credentials.client_cert)
            .await
        {
            Ok(principal) => principal,
            Err(err) => return refused(Refusal::Unauthenticated(err)),
        };
        match need {
            Need::Unknown => return refused(Refusal::UnknownMethod(principal)),
            Need::Permission(permission) if !principal.may(permission) => {
                return refused(Refusal::Forbidden(principal, permission));
            }
            Need::Permission(_) | Need::Identity => {}
        }
        Ok(Caller::new(
            self.clone(),
            principal,
            source,
            interface,
            method,
        ))
    }

    /// [`Self::admit`], writing the refusal's audit record (and counting it,
    /// as `label`) when it refuses; the refusal as the status to answer.
    pub async fn admit_or_refuse(
        self: &Arc<Self>,
        credentials: Credentials<'_>,
        need: Need,
        interface: &'static str,
        method: String,
        label: &'static str,
    ) -> Result<Caller, tonic::Status> {
        match self
            .admit(credentials, need, interface, method.clone())
            .await
        {
            Ok(caller) => Ok(caller),
            Err(refused) => {
                let Refused { refusal, record } = *refused;
                count(&record, label, "none");
                self.audit
                    .write(&record)
                    .await
                    .map_err(caller::unavailable)?;
                Err(refusal.status(&method))
            }
        }
    }

    fn refusal_record(
        &self,
        refusal: &Refusal,
        source: Option<SocketAddr>,
        interface: &'static str,
        method: &str,
    ) -> AuditRecord {
        let (principal, outcome, reason) = match refusal {
            Refusal::Unauthenticated(err) => {
                (None, AuditOutcome::Unauthenticated, err.reason().to_owned())
            }
            Refusal::Forbidden(p, permission) => (
                Some(p),
                AuditOutcome::Denied,
                format!("role: {}", permission.name()),
            ),
            Refusal::UnknownMethod(p) => (Some(p), AuditOutcome::Denied, "unknown method".into()),
        };
        let status = match outcome {
            AuditOutcome::Unauthenticated => "Unauthenticated",
            _ => "PermissionDenied",
        };
        AuditRecord {
            id: uuid::Uuid::new_v4().to_string(),
            time: Some(ms_to_timestamp(borderflow_common::clock::now_ms())),
            principal: principal.map(|p| p.subject.clone()).unwrap_or_default(),
            roles: principal.map(Principal::role_names).unwrap_or_default(),
            countries: principal.map(|p| p.scope.values()).unwrap_or_default(),
            authenticated_by: principal
                .map(|p| p.method.name().to_owned())
                .unwrap_or_default(),
            source: source.map(|s| s.to_string()).unwrap_or_default(),
            interface: interface.into(),
            method: method.into(),
            outcome: outcome as i32,
            status: status.into(),
            reason,
            phase: AuditPhase::Complete as i32,
            call_id: uuid::Uuid::new_v4().to_string(),
            instance: self.instance.clone(),
            ..AuditRecord::default()
        }
    }
}

/// The outcome of an answered call from its status code.
pub fn outcome_of(code: tonic::Code) -> AuditOutcome {
    match code {
        tonic::Code::Ok => AuditOutcome::Allowed,
        tonic::Code::PermissionDenied => AuditOutcome::Denied,
        tonic::Code::Unauthenticated => AuditOutcome::Unauthenticated,
        _ => AuditOutcome::Failed,
    }
}

/// Counts a finished call for the metrics.
pub fn count(record: &AuditRecord, method: &'static str, role: &'static str) {
    let interface = if record.interface == "grpc" {
        "grpc"
    } else {
        "http"
    };
    let outcome = AuditOutcome::try_from(record.outcome).unwrap_or_default();
    metrics::api_call(interface, method, role, outcome_label(outcome));
    let reason = match outcome {
        AuditOutcome::Unauthenticated => AUTH_REASONS
            .iter()
            .copied()
            .find(|r| *r == record.reason)
            .unwrap_or("other"),
        AuditOutcome::Denied if record.reason.starts_with("role") => "role",
        AuditOutcome::Denied if record.reason == "scope" => "scope",
        AuditOutcome::Denied => "other",
        _ => return,
    };
    metrics::api_denied(interface, method, reason);
}

fn outcome_label(outcome: AuditOutcome) -> &'static str {
    match outcome {
        AuditOutcome::Allowed => "allowed",
        AuditOutcome::Failed => "failed",
        AuditOutcome::Unauthenticated => "unauthenticated",
        AuditOutcome::Denied => "denied",
        AuditOutcome::Unspecified => "unspecified",
    }
}

/// [`AuthError::reason`] values, as static labels.
const AUTH_REASONS: &[&str] = &[
    "missing",
    "malformed",
    "algorithm",
    "unknown-key",
    "signature",
    "expired",
    "not-yet-valid",
    "issuer",
    "audience",
    "claims",
    "certificate",
    "tokens-not-accepted",
];
