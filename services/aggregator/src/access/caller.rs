//! The authenticated caller of one request, as handlers see it: who, from
//! where, the scope to filter by, and the note the handler leaves for the
//! call's audit record (what it asked for, how much it got, what changed).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use borderflow_access::{Permission, Principal};
use borderflow_proto::audit::v1::{AuditChange, AuditOutcome, AuditPhase, AuditRecord};
use borderflow_proto::ms_to_timestamp;
use tonic::Status;

use super::Gate;
use super::audit::AuditUnavailable;
use crate::error::Error;
use crate::store::CrossingScope;

/// What the handler tells the audit record.
#[derive(Clone, Debug, Default)]
pub struct Note {
    pub resource: String,
    pub count: u64,
    pub reason: String,
    pub changes: Vec<AuditChange>,
}

/// One authenticated request.
#[derive(Clone)]
pub struct Caller {
    pub principal: Arc<Principal>,
    pub source: Option<SocketAddr>,
    pub interface: &'static str,
    pub method: String,
    pub call_id: String,
    gate: Arc<Gate>,
    note: Arc<Mutex<Note>>,
}

impl Caller {
    pub(super) fn new(
        gate: Arc<Gate>,
        principal: Principal,
        source: Option<SocketAddr>,
        interface: &'static str,
        method: String,
    ) -> Self {
        Self {
            principal: Arc::new(principal),
            source,
            interface,
            method,
            call_id: uuid::Uuid::new_v4().to_string(),
            gate,
            note: Arc::default(),
        }
    }

    /// The caller of a gRPC request; a request that did not pass the access
    /// layer has none and is refused.
    pub fn of<T>(request: &tonic::Request<T>) -> Result<Self, Status> {
        request
            .extensions()
            .get::<Self>()
            .cloned()
            .ok_or_else(|| Error::Unauthenticated("no authenticated caller".into()).into())
    }

    /// The crossings this caller may see.
    pub fn scope(&self) -> CrossingScope {
        CrossingScope::new(self.principal.scope.clone(), self.gate.reference.clone())
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.principal.may(permission)
    }

    /// `PERMISSION_DENIED` unless the caller's scope covers `crossing_id`.
    pub fn check_crossing(&self, crossing_id: &str) -> Result<(), Error> {
        if self.scope().covers(crossing_id) {
            return Ok(());
        }
        self.note(|n| n.reason = "scope".into());
        Err(Error::denied(format!(
            "crossing {crossing_id} is outside your country scope"
        )))
    }

    /// `PERMISSION_DENIED` unless the caller's scope covers `country`.
    pub fn check_country(&self, country: &str) -> Result<(), Error> {
        if self.scope().covers_country(country) {
            return Ok(());
        }
        self.note(|n| n.reason = "scope".into());
        Err(Error::denied(format!(
            "country {country} is outside your country scope"
        )))
    }

    /// Changes the note the call's audit record will carry.
    pub fn note(&self, change: impl FnOnce(&mut Note)) {
        change(&mut self.note.lock().unwrap_or_else(|e| e.into_inner()));
    }

    pub fn taken_note(&self) -> Note {
        self.note.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The record of this call with `phase`, `outcome` and `status`.
    pub fn record(&self, phase: AuditPhase, outcome: AuditOutcome, status: &str) -> AuditRecord {
        let note = self.taken_note();
        let principal = &self.principal;
        AuditRecord {
            id: uuid::Uuid::new_v4().to_string(),
            time: Some(ms_to_timestamp(borderflow_common::clock::now_ms())),
            principal: principal.subject.clone(),
            roles: principal.role_names(),
            countries: principal.scope.values(),
            authenticated_by: principal.method.name().into(),
            source: self.source.map(|s| s.to_string()).unwrap_or_default(),
            interface: self.interface.into(),
            method: self.method.clone(),
            resource: note.resource,
            result_count: note.count,
            outcome: outcome as i32,
            status: status.into(),
            reason: note.reason,
            phase: phase as i32,
            call_id: self.call_id.clone(),
            instance: self.gate.instance.clone(),
            changes: note.changes,
        }
    }

    /// Writes the record of the answered call (`phase`, `status`) and
    /// counts it as `label`; an error when the call must not be answered.
    pub async fn finish(
        &self,
        phase: AuditPhase,
        outcome: AuditOutcome,
        status: &str,
        label: &'static str,
        permission: Option<Permission>,
    ) -> Result<(), Status> {
        let record = self.record(phase, outcome, status);
        let role = permission
            .and_then(|p| self.principal.role_for(p))
            .map_or("none", borderflow_access::Role::name);
        super::count(&record, label, role);
        self.gate.audit.write(&record).await.map_err(unavailable)
    }

    /// Records the changes a call is about to make, before it makes them:
    /// a change whose record cannot be written is not made.
    pub async fn pending_change(&self, changes: Vec<AuditChange>) -> Result<(), Status> {
        self.note(|n| n.changes = changes);
        let record = self.record(AuditPhase::PendingChange, AuditOutcome::Allowed, "");
        self.gate.audit.write(&record).await.map_err(unavailable)
    }

    /// Completes when the caller's credential expires (never for a client
    /// certificate): a stream opened with a token ends with it.
    pub async fn expired(&self) {
        let Some(exp) = self.principal.expires_at else {
            return std::future::pending().await;
        };
        let now_ms = borderflow_common::clock::now_ms().max(0) as u64;
        let left = (exp * 1_000).saturating_sub(now_ms);
        tokio::time::sleep(std::time::Duration::from_millis(left)).await;
    }

    /// A counter of what this call's stream delivers.
    pub fn delivered(self) -> Delivered {
        Delivered {
            caller: self,
            count: 0,
        }
    }
}

/// Counts the items a server stream delivers; the stream's closing audit
/// record is written when this is dropped, however the stream ends.
pub struct Delivered {
    caller: Caller,
    pub count: u64,
}

impl Drop for Delivered {
    fn drop(&mut self) {
        let count = self.count;
        self.caller.note(|n| n.count = count);
        let record = self
            .caller
            .record(AuditPhase::StreamClosed, AuditOutcome::Allowed, "OK");
        self.caller.gate.audit.write_detached(record);
    }
}

pub(super) fn unavailable(err: AuditUnavailable) -> Status {
    Error::unavailable(format!("{err}; the call was not answered")).into()
}
