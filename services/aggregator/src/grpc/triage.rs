//! The operators' triage of anomalies, behind `AnalyticsService`'s
//! `TriageAnomaly` and `ListTriage` and the dashboard's triage routes. An
//! action is checked by the pure lifecycle ([`crate::triage`]), audited
//! with the state it replaces before it is written, written to the triage
//! topic keyed by anomaly id, and answered once it is durable and this
//! instance's store holds it. The actor is always the caller's
//! authenticated subject; a note's text never reaches the audit trail,
//! the logs or the metrics.

use std::sync::Arc;
use std::time::Duration;

use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{
    Anomaly, ListTriageRequest, ListTriageResponse, Severity, TriageAnomalyRequest, TriagedAnomaly,
};
use borderflow_proto::audit::v1::AuditChange;
use borderflow_proto::triage::v1::{DismissReason, TriageAction, TriageRecord, TriageState};
use rdkafka::producer::FutureProducer;
use tokio::sync::Mutex;

use super::analytics::{parse_token, scoped_query};
use crate::access::Caller;
use crate::error::Error;
use crate::metrics;
use crate::stream::materialise::{Materialiser, Stores};
use crate::stream::output::write_durable;
use crate::triage::lifecycle::{self, Act, Refused, Subject, acknowledged};

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1_000;

#[derive(Clone)]
pub struct TriageApi {
    stores: Stores,
    sink: Sink,
    /// One action at a time on this instance: the revision read and the
    /// record written are one step here (across instances, the topic's
    /// order decides; `store::triage`).
    writing: Arc<Mutex<()>>,
}

/// Where records go.
#[derive(Clone)]
enum Sink {
    Kafka {
        producer: FutureProducer,
        topic: String,
        materialiser: Materialiser,
        /// Longest an action waits to be durable and applied.
        timeout: Duration,
    },
    /// Straight into the store: a dashboard served without a broker (tests).
    Memory,
}

/// An action as the dashboard or a client asks for it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub anomaly_id: String,
    pub action: TriageAction,
    pub reason: DismissReason,
    pub assignee: String,
    pub note: String,
    pub expected_revision: Option<u32>,
}

impl From<TriageAnomalyRequest> for Request {
    fn from(r: TriageAnomalyRequest) -> Self {
        Self {
            action: TriageAction::try_from(r.action).unwrap_or_default(),
            reason: DismissReason::try_from(r.reason).unwrap_or_default(),
            anomaly_id: r.anomaly_id,
            assignee: r.assignee,
            note: r.note,
            expected_revision: r.expected_revision,
        }
    }
}

/// Which anomalies a queue lists.
#[derive(Clone, Debug, Default)]
pub struct Queue {
    pub states: Vec<TriageState>,
    /// Only those assigned to this subject.
    pub assignee: Option<String>,
}

impl TriageApi {
    pub fn new(
        producer: FutureProducer,
        topic: String,
        stores: Stores,
        materialiser: Materialiser,
        timeout: Duration,
    ) -> Self {
        Self {
            stores,
            sink: Sink::Kafka {
                producer,
                topic,
                materialiser,
                timeout,
            },
            writing: Arc::default(),
        }
    }

    /// Records applied straight to `stores` (no broker): what a test of
    /// the dashboard serves.
    pub fn in_memory(stores: Stores) -> Self {
        Self {
            stores,
            sink: Sink::Memory,
            writing: Arc::default(),
        }
    }

    /// Takes `request`'s action as `caller`; the record after it.
    pub async fn act(&self, caller: &Caller, request: Request) -> Result<TriageRecord, Error> {
        let label = request.action.label();
        let outcome = self.act_inner(caller, request).await;
        let counted = match &outcome {
            Ok(_) => "applied",
            Err(Error::Invalid { .. } | Error::FailedPrecondition(_)) => "refused",
            Err(Error::Aborted(_)) => "conflict",
            Err(_) => "failed",
        };
        metrics::triage_action(label, counted);
        outcome
    }

    async fn act_inner(&self, caller: &Caller, request: Request) -> Result<TriageRecord, Error> {
        let id = request.anomaly_id.clone();
        caller.note(|n| n.resource = format!("anomaly={id} action={}", request.action.label()));
        if id.is_empty() {
            return Err(Error::required("anomaly_id"));
        }
        let anomaly = self.stores.anomalies.get(&id);
        let _writing = self.writing.lock().await;
        let current = self.stores.triage.get(&id);
        let crossing = match (&anomaly, &current) {
            (Some(a), _) => a.crossing_id.clone(),
            (None, Some(record)) => record.crossing_id.clone(),
            (None, None) => return Err(self.unknown(caller, &id)),
        };
        if !caller.scope().covers(&crossing) {
            return Err(self.unknown(caller, &id));
        }
        let revision = current.as_ref().map_or(0, |r| r.revision);
        if let Some(expected) = request.expected_revision
            && expected != revision
        {
            return Err(Error::Aborted(format!(
                "anomaly {id} is at triage revision {revision}, not {expected}: reload it"
            )));
        }
        let now_ms = borderflow_common::clock::now_ms();
        let raised_ms = self
            .stores
            .triage
            .raised_ms(&id)
            .or_else(|| current.as_deref().and_then(lifecycle::raised_ms))
            .unwrap_or(now_ms);
        let act = Act {
            id: uuid::Uuid::new_v4().to_string(),
            action: request.action,
            actor: &caller.principal.subject,
            at_ms: now_ms,
            reason: request.reason,
            assignee: &request.assignee,
            note: &request.note,
        };
        let action_id = act.id.clone();
        let subject = Subject {
            anomaly_id: &id,
            crossing_id: &crossing,
            raised_ms,
        };
        let record = lifecycle::apply(current.as_deref(), &subject, act).map_err(refused)?;
        caller.note(|n| n.count = 1);
        caller
            .pending_change(vec![change(current.as_deref(), &record, request.action)])
            .await
            .map_err(|status| Error::unavailable(status.message().to_owned()))?;
        self.write(&record).await?;
        let held = self.stores.triage.get(&id);
        let won = held
            .as_ref()
            .and_then(|h| h.history.last())
            .is_some_and(|last| last.id == action_id);
        if !won {
            // Another instance's action on the same revision came first in
            // the topic: write the winner again, so compaction keeps it.
            if let Some(held) = held {
                self.write(&held).await?;
            }
            return Err(Error::Aborted(format!(
                "anomaly {id} was triaged by another action at the same moment: reload it"
            )));
        }
        if current.as_deref().and_then(acknowledged).is_none()
            && let Some((at_ms, _)) = acknowledged(&record)
        {
            let severity = anomaly
                .as_deref()
                .map_or(Severity::Unspecified, severity_of);
            metrics::acknowledged(severity.label(), (at_ms - raised_ms) as f64 / 1_000.0);
        }
        Ok(record)
    }

    /// Unknown and out of scope answer alike to a scoped caller, so scope
    /// cannot be probed for which anomalies exist.
    fn unknown(&self, caller: &Caller, id: &str) -> Error {
        if caller.scope().is_all() {
            return Error::not_found(format!("anomaly {id}"));
        }
        caller.note(|n| n.reason = "scope".into());
        Error::denied(format!(
            "anomaly {id} is not known within your country scope"
        ))
    }

    /// Writes `record` and returns once it is durable and applied here.
    async fn write(&self, record: &TriageRecord) -> Result<(), Error> {
        let Sink::Kafka {
            producer,
            topic,
            materialiser,
            timeout,
        } = &self.sink
        else {
            self.stores.triage.apply(record.clone());
            return Ok(());
        };
        let encoded = [(record.anomaly_id.clone(), record.encode_to_vec())];
        let written = write_durable(producer, topic, &encoded, *timeout)
            .await
            .map_err(|err| Error::unavailable(format!("writing the triage record: {err}")))?;
        materialiser
            .wait_applied(&written, *timeout)
            .await
            .map_err(|e| Error::unavailable(e.to_string()))
    }

    /// A page of anomalies in `caller`'s scope matching `request`, with
    /// their triage, newest first.
    pub fn list(
        &self,
        caller: &Caller,
        request: &ListTriageRequest,
    ) -> Result<ListTriageResponse, Error> {
        let query = scoped_query(caller, request.filter.as_ref())?;
        let mut queue = Queue {
            states: request
                .states
                .iter()
                .map(|s| TriageState::try_from(*s).unwrap_or_default())
                .collect(),
            assignee: (!request.assignee.is_empty()).then(|| request.assignee.clone()),
        };
        if request.mine {
            queue.assignee = Some(caller.principal.subject.clone());
        }
        if queue.states.contains(&TriageState::Unspecified) {
            return Err(Error::invalid("states", "a state is unspecified"));
        }
        let limit = match request.page_size {
            0 => DEFAULT_PAGE,
            n => (n as usize).min(MAX_PAGE),
        };
        let after = parse_token(&request.page_token)?;
        let (found, next) = self
            .stores
            .anomalies
            .list_where(&query, limit, after, |a| self.in_queue(a, &queue));
        caller.note(|n| {
            n.resource = format!(
                "{} states={:?} assignee={}",
                n.resource,
                queue.states.iter().map(|s| s.label()).collect::<Vec<_>>(),
                queue.assignee.as_deref().unwrap_or("")
            );
            n.count = found.len() as u64;
        });
        Ok(ListTriageResponse {
            items: found
                .iter()
                .map(|a| TriagedAnomaly {
                    anomaly: Some((**a).clone()),
                    triage: self.stores.triage.get(&a.id).map(|t| (*t).clone()),
                })
                .collect(),
            next_page_token: next
                .map(|(ms, id)| format!("{ms}:{id}"))
                .unwrap_or_default(),
        })
    }

    /// The triage record of an anomaly, if it has one.
    pub fn get(&self, anomaly_id: &str) -> Option<Arc<TriageRecord>> {
        self.stores.triage.get(anomaly_id)
    }

    fn in_queue(&self, anomaly: &Anomaly, queue: &Queue) -> bool {
        if queue.states.is_empty() && queue.assignee.is_none() {
            return true;
        }
        let record = self.stores.triage.get(&anomaly.id);
        let state = lifecycle::state_of(record.as_deref());
        (queue.states.is_empty() || queue.states.contains(&state))
            && queue
                .assignee
                .as_ref()
                .is_none_or(|who| record.as_ref().is_some_and(|r| r.assignee == *who))
    }
}

fn severity_of(anomaly: &Anomaly) -> Severity {
    Severity::try_from(anomaly.severity).unwrap_or_default()
}

fn refused(refusal: Refused) -> Error {
    match refusal {
        Refused::Field { field, reason } => Error::invalid(field, reason),
        state @ Refused::State { .. } => Error::FailedPrecondition(state.to_string()),
    }
}

/// The audit trail's view of an action: what it changes from and to,
/// without the note's text.
fn change(
    current: Option<&TriageRecord>,
    next: &TriageRecord,
    action: TriageAction,
) -> AuditChange {
    let describe = |r: Option<&TriageRecord>| match r {
        None => "state=new revision=0".to_owned(),
        Some(r) => format!(
            "state={} revision={} assignee={} reason={}",
            TriageState::label_of(r.state),
            r.revision,
            r.assignee,
            DismissReason::label_of(r.dismiss_reason),
        ),
    };
    let note = next.history.last().map_or(0, |e| e.note.chars().count());
    AuditChange {
        list: "triage".into(),
        key: next.anomaly_id.clone(),
        action: format!(
            "{} -> {} (note: {note} characters)",
            action.label(),
            describe(Some(next))
        ),
        previous: describe(current),
    }
}
