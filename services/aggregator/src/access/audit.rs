//! The audit trail's writer: every record goes to the audit topic with
//! `acks=all`, and a call is answered only once its record is durable
//! (unless the deployment chose to answer when the trail is down).

use std::sync::Arc;
use std::time::Duration;

use borderflow_proto::Message as _;
use borderflow_proto::audit::v1::AuditRecord;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer as _};
use rdkafka::util::Timeout;
use tracing::{error, warn};

use crate::metrics;
use crate::store::AuditStore;

/// How long a record may take to become durable.
const DELIVERY: Duration = Duration::from_secs(5);

/// What to do with a call whose audit record cannot be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFailure {
    /// Refuse the call (`UNAVAILABLE`, HTTP 503): nothing unaudited is
    /// answered.
    Closed,
    /// Answer anyway and count the failure (for deployments that prefer
    /// availability; the metric and alert then matter).
    Open,
}

/// The audit trail could not take a record.
#[derive(Debug, thiserror::Error)]
#[error("the audit trail is unavailable: {0}")]
pub struct AuditUnavailable(String);

#[derive(Clone)]
pub struct AuditSink {
    target: Target,
    failure: AuditFailure,
}

#[derive(Clone)]
enum Target {
    Kafka {
        producer: FutureProducer,
        topic: String,
    },
    /// Straight into a store: tests of the interfaces without a broker.
    Store(Arc<AuditStore>),
}

impl AuditSink {
    pub fn new(producer: FutureProducer, topic: String, failure: AuditFailure) -> Self {
        Self {
            target: Target::Kafka { producer, topic },
            failure,
        }
    }

    /// A sink that applies records to `store` directly.
    pub fn in_memory(store: Arc<AuditStore>) -> Self {
        Self {
            target: Target::Store(store),
            failure: AuditFailure::Closed,
        }
    }

    /// Writes `record`; an error only when the call must not be answered.
    pub async fn write(&self, record: &AuditRecord) -> Result<(), AuditUnavailable> {
        let (producer, topic) = match &self.target {
            Target::Kafka { producer, topic } => (producer, topic),
            Target::Store(store) => {
                store.apply(record.clone());
                return Ok(());
            }
        };
        let payload = record.encode_to_vec();
        let key = if record.principal.is_empty() {
            "-"
        } else {
            &record.principal
        };
        let sent = producer
            .send(
                FutureRecord::to(topic).key(key).payload(&payload),
                Timeout::After(DELIVERY),
            )
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err((err, _)) => {
                metrics::audit_write_failure();
                match self.failure {
                    AuditFailure::Closed => {
                        error!(%err, method = %record.method, "audit record not written; the call is refused");
                        Err(AuditUnavailable(err.to_string()))
                    }
                    AuditFailure::Open => {
                        warn!(%err, method = %record.method, "audit record not written; answering anyway");
                        Ok(())
                    }
                }
            }
        }
    }

    /// Waits (up to `limit`) for records still on their way: shutdown.
    pub fn flush(&self, limit: Duration) {
        if let Target::Kafka { producer, .. } = &self.target
            && producer.flush(Timeout::After(limit)).is_err()
        {
            warn!("audit records not all flushed at shutdown");
        }
    }

    /// Writes a record whose call has already been answered (a stream's
    /// close), in the background.
    pub fn write_detached(&self, record: AuditRecord) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            metrics::audit_write_failure();
            return;
        };
        let sink = self.clone();
        runtime.spawn(async move {
            let _ = sink.write(&record).await;
        });
    }
}
