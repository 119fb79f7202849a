//! A real ingest on a real broker, started in this process, and the ways
//! the tests talk to it: the generated client, raw frames, and the check
//! that it is still serving.

use std::future::Future;
use std::time::Duration;

use borderflow_ingest::auth::Checkpoint;
use borderflow_proto::Message;
use borderflow_proto::ingest::v1::{
    StreamInspectionsRequest, StreamInspectionsResponse, SubmitInspectionRequest,
};
use borderflow_simulator::link::{IngestClient, client};
use borderflow_simulator::model::networks;
use borderflow_systest::testbed::{Service, Testbed};
use tokio::runtime::Runtime;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::hostile::valid_event;
use crate::verdicts::checkpoint;
use crate::wire::{self, Answer};

/// Longest any single call may take before it counts as a hang.
pub(crate) const CALL_LIMIT: Duration = Duration::from_secs(15);
/// Batch limit of the ingest under test (kept small so that exceeding it
/// is cheap).
pub(crate) const MAX_BATCH: usize = 200;

/// A running ingest, one booth's credentials and a TLS channel to it.
pub(crate) struct Edge {
    _bed: Testbed,
    pub(crate) ingest: Service<borderflow_ingest::Running>,
    pub(crate) checkpoint: Checkpoint,
    token: String,
    channel: Channel,
}

impl Edge {
    pub(crate) async fn start() -> Self {
        let network = networks::generated(1, 5);
        let crossing = network.crossings[0].id.clone();
        let bed = Testbed::start(network, 3).await.unwrap();
        let config = bed.ingest_config(&[&format!("--max-batch-events={MAX_BATCH}")]);
        let ingest = bed.start_ingest(config).await.unwrap();
        let checkpoint = checkpoint(&crossing);
        let token = bed.tokens().unwrap().token(&checkpoint.id);
        let channel = bed.ingest_channel(ingest.grpc_addr).await.unwrap();
        Self {
            _bed: bed,
            ingest,
            checkpoint,
            token,
            channel,
        }
    }

    pub(crate) fn client(&self) -> IngestClient {
        client(self.channel.clone(), &self.token).unwrap()
    }

    pub(crate) async fn raw(&self, path: &str, body: Vec<u8>) -> Result<Answer, String> {
        within(wire::call(&self.channel, path, &self.token, body))
            .await
            .and_then(|answer| answer)
    }

    /// Sends one batch on a fresh stream and reads every answer to the end.
    pub(crate) async fn stream(
        &self,
        batch: StreamInspectionsRequest,
    ) -> Result<(Vec<StreamInspectionsResponse>, Status), String> {
        let call = async {
            let requests = futures::stream::iter(vec![batch]);
            let mut responses = match self.client().stream_inspections(requests).await {
                Ok(response) => response.into_inner(),
                Err(status) => return (Vec::new(), status),
            };
            let mut acks = Vec::new();
            loop {
                match responses.message().await {
                    Ok(Some(ack)) => acks.push(ack),
                    Ok(None) => return (acks, Status::ok("")),
                    Err(status) => return (acks, status),
                }
            }
        };
        within(call).await
    }

    /// The server is still up: health SERVING, a valid event acknowledged
    /// alone and in a stream.
    pub(crate) async fn assert_still_serving(&self) {
        let mut health = HealthClient::new(self.channel.clone());
        for service in ["", "borderflow.ingest.v1.IngestService"] {
            let status = health
                .check(HealthCheckRequest {
                    service: service.into(),
                })
                .await
                .unwrap()
                .into_inner()
                .status;
            assert_eq!(
                status,
                ServingStatus::Serving as i32,
                "health of {service:?}"
            );
        }
        let event = valid_event(&self.checkpoint.crossing_id, 999_001);
        let response = self
            .client()
            .submit_inspection(SubmitInspectionRequest {
                event: Some(event.clone()),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(response.event_id, event.event_id);
        let (acks, status) = self
            .stream(StreamInspectionsRequest {
                sequence: 42,
                events: vec![valid_event(&self.checkpoint.crossing_id, 999_002)],
                heartbeat: None,
            })
            .await
            .unwrap();
        assert_eq!(status.code(), Code::Ok, "{status:?}");
        assert_eq!(acks.len(), 1);
        assert_eq!((acks[0].sequence, acks[0].accepted), (42, 1));
    }

    /// An encoded `SubmitInspectionRequest` around a valid event.
    pub(crate) fn valid_submit(&self, seed: u64) -> Vec<u8> {
        SubmitInspectionRequest {
            event: Some(valid_event(&self.checkpoint.crossing_id, seed)),
        }
        .encode_to_vec()
    }

    /// An encoded batch of `events` valid events.
    pub(crate) fn valid_batch(&self, sequence: u64, events: usize) -> Vec<u8> {
        StreamInspectionsRequest {
            sequence,
            events: (0..events as u64)
                .map(|i| valid_event(&self.checkpoint.crossing_id, sequence * 10_000 + i))
                .collect(),
            heartbeat: None,
        }
        .encode_to_vec()
    }
}

/// `future`, or an error if it takes longer than [`CALL_LIMIT`].
pub(crate) async fn within<T>(future: impl Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(CALL_LIMIT, future)
        .await
        .map_err(|_| format!("no answer within {CALL_LIMIT:?}"))
}

pub(crate) fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
