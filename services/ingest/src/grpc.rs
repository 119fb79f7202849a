//! `IngestService`: the thin gRPC edge over validation, authorisation, record
//! building and publishing.

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use borderflow_common::clock::now_ms;
use borderflow_proto::Message;
use borderflow_proto::ingest::v1::ingest_service_server::IngestService;
use borderflow_proto::ingest::v1::{
    Rejection, StreamInspectionsRequest, StreamInspectionsResponse, SubmitInspectionRequest,
    SubmitInspectionResponse,
};
use borderflow_proto::inspection::v1::{
    CheckpointHeartbeat, DocumentFormat, InspectionEvent, InspectionRecord, inspection_record,
};
use futures::Future;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use crate::auth::{Authenticator, Checkpoint, authorise};
use crate::error::{Error, PublishError};
use crate::metrics;
use crate::producer::{Admission, OutRecord, Publisher};
use crate::record::RecordBuilder;
use crate::validate::{FieldError, Limits, validate_event};

/// What the handlers share.
pub struct Shared {
    pub auth: Authenticator,
    pub builder: RecordBuilder,
    pub publisher: Publisher,
    pub limits: Limits,
    pub max_batch_events: usize,
    /// Batches a stream may have awaiting Kafka before reading stops.
    pub stream_window: usize,
    /// How long a stream waits for capacity before RESOURCE_EXHAUSTED.
    pub backpressure_wait: Duration,
    pub shutdown: CancellationToken,
}

#[derive(Clone)]
pub struct IngestApi {
    shared: Arc<Shared>,
}

impl IngestApi {
    pub fn new(shared: Shared) -> Self {
        Self {
            shared: Arc::new(shared),
        }
    }
}

type Delivery = Pin<Box<dyn Future<Output = Result<(), PublishError>> + Send>>;

/// A batch handed to Kafka, answered once `delivery` resolves.
struct Pending {
    crossing: String,
    sequence: u64,
    heartbeat: bool,
    accepted: u32,
    rejections: Vec<Rejection>,
    received: Instant,
    delivery: Delivery,
}

/// A streamed batch made ready for Kafka.
struct PreparedBatch {
    /// The events' records, then the heartbeat's.
    records: Vec<OutRecord>,
    events: usize,
    heartbeat: bool,
    rejections: Vec<Rejection>,
}

/// One event made ready for Kafka.
struct Prepared {
    record: OutRecord,
    event_id: String,
    document_valid: bool,
}

impl Shared {
    fn authenticate<T>(&self, request: &Request<T>) -> Result<Arc<Checkpoint>, Error> {
        let certs = request.peer_certs();
        self.auth
            .authenticate(request.metadata(), certs.as_deref().map(Vec::as_slice))
    }

    /// Validates, authorises and pseudonymises one event.
    fn prepare(&self, checkpoint: &Checkpoint, event: InspectionEvent) -> Result<Prepared, Error> {
        let times = validate_event(&event, &self.limits)?;
        authorise(
            checkpoint,
            &event.crossing_id,
            &event.lane_id,
            &event.checkpoint_id,
        )?;
        let event_id = event.event_id.clone();
        let key = event.crossing_id.clone();
        let inspection = self.builder.build(event, times, now_ms());
        let document = inspection.document.as_ref();
        let document_valid = document.is_some_and(|d| d.mrz_valid);
        metrics::document(
            DocumentFormat::label_of(document.map_or(0, |d| d.format)),
            document_valid,
        );
        let payload = InspectionRecord {
            body: Some(inspection_record::Body::Inspection(inspection)),
        }
        .encode_to_vec();
        Ok(Prepared {
            record: OutRecord { key, payload },
            event_id,
            document_valid,
        })
    }

    /// The heartbeat record, stamped with the caller's identity.
    fn heartbeat(
        &self,
        checkpoint: &Checkpoint,
        mut beat: CheckpointHeartbeat,
    ) -> Result<OutRecord, FieldError> {
        let mismatch = |field: &str| FieldError {
            field: format!("heartbeat.{field}"),
            reason: format!(
                "does not match the authenticated checkpoint {}",
                checkpoint.id
            ),
        };
        if !beat.checkpoint_id.is_empty() && beat.checkpoint_id != checkpoint.id {
            return Err(mismatch("checkpoint_id"));
        }
        if !beat.crossing_id.is_empty() && beat.crossing_id != checkpoint.crossing_id {
            return Err(mismatch("crossing_id"));
        }
        let at = beat.at.as_ref().and_then(borderflow_proto::timestamp_to_ms);
        if at.is_none() {
            return Err(FieldError {
                field: "heartbeat.at".into(),
                reason: "is required".into(),
            });
        }
        beat.checkpoint_id.clone_from(&checkpoint.id);
        beat.crossing_id.clone_from(&checkpoint.crossing_id);
        Ok(OutRecord {
            key: checkpoint.crossing_id.clone(),
            payload: InspectionRecord {
                body: Some(inspection_record::Body::Heartbeat(beat)),
            }
            .encode_to_vec(),
        })
    }

    /// Turns one streamed batch into records and rejections. An event for
    /// another crossing fails the whole stream: that is not a data error.
    fn prepare_batch(
        &self,
        checkpoint: &Checkpoint,
        batch: StreamInspectionsRequest,
    ) -> Result<PreparedBatch, Error> {
        if batch.events.len() > self.max_batch_events {
            return Err(Error::BatchTooLarge {
                len: batch.events.len(),
                limit: self.max_batch_events,
            });
        }
        let mut records = Vec::with_capacity(batch.events.len() + 1);
        let mut rejections = Vec::new();
        let batch_len = batch.events.len();
        for (index, event) in batch.events.into_iter().enumerate() {
            let event_id = event.event_id.clone();
            match self.prepare(checkpoint, event) {
                Ok(prepared) => records.push(prepared.record),
                Err(Error::Invalid(field)) => {
                    metrics::event_rejected(&checkpoint.crossing_id);
                    metrics::error("invalid");
                    rejections.push(Rejection {
                        index: index as u32,
                        event_id,
                        field: field.field,
                        reason: field.reason,
                    });
                }
                Err(other) => return Err(other),
            }
        }
        let events = records.len();
        let mut heartbeat = false;
        if let Some(beat) = batch.heartbeat {
            match self.heartbeat(checkpoint, beat) {
                Ok(record) => {
                    records.push(record);
                    heartbeat = true;
                }
                Err(field) => rejections.push(Rejection {
                    index: batch_len as u32,
                    event_id: String::new(),
                    field: field.field,
                    reason: field.reason,
                }),
            }
        }
        Ok(PreparedBatch {
            records,
            events,
            heartbeat,
            rejections,
        })
    }

    async fn submit(
        &self,
        checkpoint: &Checkpoint,
        event: Option<InspectionEvent>,
    ) -> Result<SubmitInspectionResponse, Error> {
        let event = event.ok_or_else(|| FieldError {
            field: "event".into(),
            reason: "is required".into(),
        })?;
        let crossing = event.crossing_id.clone();
        let prepared = match self.prepare(checkpoint, event) {
            Ok(prepared) => prepared,
            Err(error) => {
                metrics::event_rejected(&checkpoint.crossing_id);
                return Err(error);
            }
        };
        let delivery = self
            .publisher
            .publish(vec![prepared.record], Admission::Immediate)
            .await?;
        metrics::in_flight(self.publisher.in_flight());
        delivery.await?;
        metrics::events_published(&crossing, 1);
        Ok(SubmitInspectionResponse {
            event_id: prepared.event_id,
            document_valid: prepared.document_valid,
        })
    }
}

#[tonic::async_trait]
impl IngestService for IngestApi {
    async fn submit_inspection(
        &self,
        request: Request<SubmitInspectionRequest>,
    ) -> Result<Response<SubmitInspectionResponse>, Status> {
        const RPC: &str = "SubmitInspection";
        let received = Instant::now();
        let outcome = async {
            if self.shared.shutdown.is_cancelled() {
                return Err(Error::ShuttingDown);
            }
            let checkpoint = self.shared.authenticate(&request)?;
            self.shared
                .submit(&checkpoint, request.into_inner().event)
                .await
        }
        .await;
        match outcome {
            Ok(response) => {
                metrics::request(RPC, tonic::Code::Ok);
                metrics::acked(RPC, received.elapsed());
                Ok(Response::new(response))
            }
            Err(error) => {
                metrics::request(RPC, error.code());
                metrics::error(error.kind());
                Err(error.into())
            }
        }
    }

    type StreamInspectionsStream = ReceiverStream<Result<StreamInspectionsResponse, Status>>;

    async fn stream_inspections(
        &self,
        request: Request<Streaming<StreamInspectionsRequest>>,
    ) -> Result<Response<Self::StreamInspectionsStream>, Status> {
        let checkpoint = self.shared.authenticate(&request).map_err(|error| {
            metrics::request("StreamInspections", error.code());
            metrics::error(error.kind());
            Status::from(error)
        })?;
        let inbound = request.into_inner();
        let window = self.shared.stream_window.max(1);
        let (responses, outbound) = mpsc::channel(window);
        let (pending_tx, pending_rx) = mpsc::channel(window);
        tokio::spawn(read_batches(
            self.shared.clone(),
            checkpoint,
            inbound,
            pending_tx,
        ));
        tokio::spawn(acknowledge(pending_rx, responses));
        Ok(Response::new(ReceiverStream::new(outbound)))
    }
}

/// Reads batches until the client ends the stream, an error ends it, or the
/// service shuts down. At most `stream_window` batches wait for Kafka: the
/// bounded channel stops reading, and HTTP/2 flow control pushes back on the
/// client.
async fn read_batches(
    shared: Arc<Shared>,
    checkpoint: Arc<Checkpoint>,
    mut inbound: Streaming<StreamInspectionsRequest>,
    pending: mpsc::Sender<Result<Pending, Status>>,
) {
    metrics::streams(1.0);
    loop {
        let next = tokio::select! {
            _ = shared.shutdown.cancelled() => {
                let _ = pending.send(Err(Status::from(Error::ShuttingDown))).await;
                break;
            }
            next = inbound.message() => next,
        };
        let batch = match next {
            Ok(Some(batch)) => batch,
            Ok(None) => break,
            Err(status) => {
                let _ = pending.send(Err(status)).await;
                break;
            }
        };
        let received = Instant::now();
        let sequence = batch.sequence;
        metrics::batch(batch.events.len());
        let outcome = async {
            let prepared = shared.prepare_batch(&checkpoint, batch)?;
            let delivery = shared
                .publisher
                .publish(prepared.records, Admission::Wait(shared.backpressure_wait))
                .await?;
            Ok::<_, Error>(Pending {
                crossing: checkpoint.crossing_id.clone(),
                sequence,
                heartbeat: prepared.heartbeat,
                accepted: prepared.events as u32,
                rejections: prepared.rejections,
                received,
                delivery: Box::pin(delivery),
            })
        }
        .await;
        metrics::in_flight(shared.publisher.in_flight());
        let failed = outcome.is_err();
        let item = outcome.map_err(|error| {
            metrics::request("StreamInspections", error.code());
            metrics::error(error.kind());
            Status::from(error)
        });
        if pending.send(item).await.is_err() || failed {
            break;
        }
    }
    metrics::streams(-1.0);
}

/// Answers batches in order, each once Kafka confirmed all of its records.
async fn acknowledge(
    mut pending: mpsc::Receiver<Result<Pending, Status>>,
    responses: mpsc::Sender<Result<StreamInspectionsResponse, Status>>,
) {
    while let Some(item) = pending.recv().await {
        let batch = match item {
            Ok(batch) => batch,
            Err(status) => {
                let _ = responses.send(Err(status)).await;
                return;
            }
        };
        match batch.delivery.await {
            Ok(()) => {
                metrics::request("StreamInspections", tonic::Code::Ok);
                metrics::acked("StreamInspections", batch.received.elapsed());
                metrics::events_published(&batch.crossing, u64::from(batch.accepted));
                if batch.heartbeat {
                    metrics::heartbeat();
                }
                let response = StreamInspectionsResponse {
                    sequence: batch.sequence,
                    accepted: batch.accepted,
                    rejections: batch.rejections,
                };
                if responses.send(Ok(response)).await.is_err() {
                    return;
                }
            }
            Err(error) => {
                let error = Error::from(error);
                metrics::request("StreamInspections", error.code());
                metrics::error(error.kind());
                let _ = responses.send(Err(error.into())).await;
                return;
            }
        }
    }
}
