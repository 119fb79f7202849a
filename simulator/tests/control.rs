//! A trainer steers an exercise live through its control endpoint: pauses
//! it (event time stands still and nothing later reaches ingest), resumes
//! it (from where it stopped, without a burst), speeds it up, injects
//! incidents (from the scenario's catalogue and as a written spec, whose
//! reference entries are loaded first) that stream and are scored, and
//! ends it early (the run closes and is scored over the span played).
//!
//! No broker: ingest and the aggregator are in-process fakes that
//! acknowledge what the booths send, take reference entries and flag
//! nothing, so the scorecard's figures come from the truth alone.

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use borderflow_common::grpc::{Authorized, Bearer, FIELD_METADATA, authorized};
use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::time::{MS_PER_HOUR, MS_PER_MINUTE};
use borderflow_proto::exercise::v1 as pb;
use borderflow_proto::exercise::v1::exercise_control_client::ExerciseControlClient;
use borderflow_proto::timestamp_to_ms;
use borderflow_simulator::control::Control;
use borderflow_simulator::control::grpc::{self, TrainerSecret};
use borderflow_simulator::exercise::{ExerciseOptions, System, Targets, run_scenario};
use borderflow_simulator::run;
use borderflow_simulator::scenario::Scenario;
use borderflow_simulator::setup::credentials::TokenIssuer;
use borderflow_simulator::stats::Stats;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::Code;
use tonic::transport::Channel;

const SECRET: &str = "trainer-secret-for-tests";

/// One road crossing open round the clock, three booths.
const NETWORK: &str = r#"
name = "one-crossing"

[[crossing]]
id = "KZ-KORDAY"
name = "Korday road crossing"
country = "KAZ"
neighbour = "KGZ"
latitude = 43.036
longitude = 74.714
mode = "road"
lanes = 3
officers = 9
capacity_per_hour = 240
rate_per_hour = 60
nationals_share = 0.45
nationalities = [["KGZ", 0.7], ["UZB", 0.1], ["RUS", 0.1], ["CHN", 0.05], ["TUR", 0.05]]

[crossing.profile]
hourly = [0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1.0, 1.6, 1.9, 1.8, 1.5, 1.3, 1.2, 1.3, 1.4, 1.6, 1.8, 1.7, 1.4, 1.1, 0.8, 0.6, 0.4, 0.3]
weekly = [1.0, 0.95, 0.95, 1.0, 1.15, 1.1, 0.85]
open_hours = [0, 24]
utc_offset_hours = 5
"#;

/// A day at an hour a second; the catalogue's ring comes late in it.
fn scenario(network: &std::path::Path) -> Scenario {
    let text = format!(
        r#"
name = "control"
network = "{}"
start = "2026-05-04T00:00:00Z"
duration = "1d"
speed = "x3600"
seed = 5
baseline = "2h"
tail = "10m"

[[incident]]
kind = "forged_documents"
name = "document ring"
crossing = "KZ-KORDAY"
start = "+20h"
duration = "3h"
count = 6
"#,
        network.display()
    );
    Scenario::from_toml(&text, "control.toml").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trainer_pauses_resumes_injects_and_ends_an_exercise() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("network.toml"), NETWORK).unwrap();
    let scenario = scenario(&dir.path().join("network.toml"));
    let start = scenario.start_ms;
    let ingest = fake::Ingest::start().await;
    let aggregator = fake::Aggregator::start().await;
    let targets = Targets::single(System {
        ingest: run::ingest(&ingest.url, None).unwrap(),
        aggregator: client(&aggregator.url, None),
        tokens: TokenIssuer::new(b"checkpoint-secret"),
        keys: Pseudonymiser::new(b"pseudonymisation-secret-for-tests").unwrap(),
    });

    let control = Control::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    let secret = TrainerSecret::new(SECRET).unwrap();
    tokio::spawn(grpc::serve(listener, control.clone(), secret, stop.clone()));
    let log_path = dir.path().join("exercise.jsonl");
    let options = ExerciseOptions {
        outbox_dir: Some(dir.path().join("outbox")),
        settle_quiet: Duration::from_secs(1),
        settle_limit: Duration::from_secs(10),
        control: Some(control.clone()),
        exercise_log: Some(log_path.clone()),
        ..ExerciseOptions::default()
    };
    let run = tokio::spawn({
        let scenario = scenario.clone();
        async move {
            let stats = Arc::new(Stats::default());
            run_scenario(
                &scenario,
                &targets,
                &options,
                stats,
                CancellationToken::new(),
            )
            .await
        }
    });

    // No token, or a wrong one: nothing.
    let mut anyone =
        ExerciseControlClient::new(Channel::from_shared(url.clone()).unwrap().connect_lazy());
    let refused = anyone.get_status(pb::GetStatusRequest::default()).await;
    assert_eq!(refused.unwrap_err().code(), Code::Unauthenticated);
    let mut guesser = ExerciseControlClient::new(client(&url, Some("trainer-secret")));
    let refused = guesser.pause(pb::PauseRequest {}).await;
    assert_eq!(refused.unwrap_err().code(), Code::Unauthenticated);

    let mut trainer = ExerciseControlClient::new(client(&url, Some(SECRET)));
    // The whole log, as it is written.
    let watched = tokio::spawn({
        let mut trainer = trainer.clone();
        async move {
            let mut entries = loop {
                // Until the run has started its log.
                let request = pb::WatchLogRequest { follow: true };
                match trainer.watch_log(request).await {
                    Ok(stream) => break stream.into_inner(),
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            };
            let mut actions = Vec::new();
            while let Some(response) = entries.message().await.unwrap() {
                actions.push(response.entry.unwrap().action);
            }
            actions
        }
    });

    // Past the baseline, at an hour a second.
    let status = wait_for(&mut trainer, |s| event_ms(s) >= start + 3 * MS_PER_HOUR).await;
    assert_eq!(status.state, pb::RunState::Running as i32);
    assert_eq!(status.speed, 3_600.0);

    // Paused, event time stands still and nothing later is sent.
    let paused = trainer
        .pause(pb::PauseRequest {})
        .await
        .unwrap()
        .into_inner();
    let paused = paused.status.unwrap();
    assert_eq!(paused.state, pb::RunState::Paused as i32);
    assert!(paused.paused);
    let stopped_at = event_ms(&paused);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let still = status_of(&mut trainer).await;
    assert_eq!(event_ms(&still), stopped_at);
    assert!(ingest.latest_ms() <= stopped_at);
    assert!(ingest.latest_ms() > stopped_at - 10 * MS_PER_MINUTE);

    // Resumed, it goes on from there at an hour a second: no jump, no
    // burst of what fell due while paused.
    let resumed_wall = Instant::now();
    let resumed = trainer
        .resume(pb::ResumeRequest {})
        .await
        .unwrap()
        .into_inner();
    let resumed = resumed.status.unwrap();
    assert_eq!(resumed.state, pb::RunState::Running as i32);
    // (The pause lasted a simulated hour.)
    assert!(event_ms(&resumed) - stopped_at < 5 * MS_PER_MINUTE);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let wall = resumed_wall.elapsed();
    let going = status_of(&mut trainer).await;
    let expected = stopped_at + (wall.as_secs_f64() * 3_600_000.0) as i64;
    let off = (event_ms(&going) - expected).abs();
    assert!(off < 10 * MS_PER_MINUTE, "{off} ms off");
    // Nothing ahead of the clock (what is due within a wall millisecond
    // counts as due).
    assert!(ingest.latest_ms() <= event_ms(&going) + 4_000);

    // Twice as fast.
    let request = pb::SetSpeedRequest { speed: 7_200.0 };
    let sped = trainer.set_speed(request).await.unwrap().into_inner();
    assert_eq!(sped.status.unwrap().speed, 7_200.0);

    // A written incident is validated as a scenario's, naming the field.
    let bad = spec(
        "kind = \"flow_surge\"\ncrossing = \"KZ-KORDAY\"\nduration = \"1h\"\nfactor = 0.5",
        pb::SpecFormat::Toml,
    );
    let refused = trainer.inject(bad).await.unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    let field = refused.metadata().get(FIELD_METADATA).unwrap();
    assert_eq!(field.to_str().unwrap(), "incident.factor (flow_surge)");

    // The catalogue's ring, planted again now.
    let before = status_of(&mut trainer).await;
    let request = pb::InjectRequest {
        incident: Some(pb::inject_request::Incident::CatalogueLabel(
            "document ring".into(),
        )),
    };
    let ring = trainer
        .inject(request)
        .await
        .unwrap()
        .into_inner()
        .incident
        .unwrap();
    assert_eq!(ring.label, "document ring (injected #1)");
    assert_eq!(ring.kind, "forged_documents");
    assert_eq!(ring.crossing_ids, ["KZ-KORDAY"]);
    assert_eq!(ring.occurrences, 6);
    assert_eq!(ring.source, pb::IncidentSource::Injected as i32);
    assert_eq!(ring.expected_anomalies, ["MRZ_CHECK_DIGIT"]);
    let ring_start = timestamp_to_ms(ring.start.as_ref().unwrap()).unwrap();
    let ring_end = timestamp_to_ms(ring.end.as_ref().unwrap()).unwrap();
    assert_eq!(ring_end - ring_start, 3 * MS_PER_HOUR);
    // From now: within the lookahead of the clock.
    assert!(ring_start >= event_ms(&before));
    assert!(ring_start - event_ms(&before) < run::LOOKAHEAD_MS + 15 * MS_PER_MINUTE);

    // Stolen documents as JSON: their entries go on the list first.
    let entries_before = aggregator.entries();
    let stolen = spec(
        r#"{"kind": "stolen_documents", "name": "stolen", "crossing": "KZ-KORDAY", "duration": "2h", "count": 2}"#,
        pb::SpecFormat::Json,
    );
    let stolen = trainer
        .inject(stolen)
        .await
        .unwrap()
        .into_inner()
        .incident
        .unwrap();
    assert_eq!((stolen.label.as_str(), stolen.occurrences), ("stolen", 2));
    assert_eq!(aggregator.entries(), entries_before + 2);

    // Beside the dashboard, the trainer sees the truth stream, to the end
    // of both incidents.
    let stolen_end = timestamp_to_ms(stolen.end.as_ref().unwrap()).unwrap();
    let streamed = wait_for(&mut trainer, |s| {
        event_ms(s) >= ring_end.max(stolen_end)
            && s.incidents.iter().all(|i| i.events == i.occurrences)
    })
    .await;
    let labels: Vec<&str> = streamed
        .incidents
        .iter()
        .map(|i| i.label.as_str())
        .collect();
    assert_eq!(labels, ["document ring (injected #1)", "stolen"]);
    assert!(
        streamed
            .incidents
            .iter()
            .all(|i| i.state == pb::IncidentState::Active as i32
                || i.state == pb::IncidentState::Over as i32)
    );
    // The scenario's own ring is still to come.
    let all = trainer
        .get_status(pb::GetStatusRequest {
            include_upcoming: true,
        })
        .await
        .unwrap()
        .into_inner()
        .status
        .unwrap();
    let upcoming: Vec<&str> = all
        .incidents
        .iter()
        .filter(|i| i.state == pb::IncidentState::Upcoming as i32)
        .map(|i| i.label.as_str())
        .collect();
    assert_eq!(upcoming, ["document ring"]);

    // Ended early, the run closes where the clock stood.
    let ended = trainer
        .end_early(pb::EndEarlyRequest {})
        .await
        .unwrap()
        .into_inner();
    let ended_at = event_ms(&ended.status.unwrap());
    assert!(
        ended_at < start + 20 * MS_PER_HOUR,
        "ended before the scenario's ring"
    );
    let outcome = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the run closes")
        .unwrap()
        .unwrap();
    assert_eq!(outcome.ended_early_at, Some(ended_at));
    assert_eq!(outcome.scope.start_ms, start);
    assert_eq!(outcome.scope.end_ms, ended_at + 10 * MS_PER_MINUTE);
    // The booths reported closed at the end.
    assert_eq!(ingest.latest_ms(), ended_at + 10 * MS_PER_MINUTE);

    // The truth is what was injected (the scenario's ring never began),
    // every event of it sent to ingest, and the scorecard counts it.
    let planted: Vec<_> = outcome.truth.planted().collect();
    assert_eq!(planted.len(), 8);
    let received = ingest.events();
    for o in &planted {
        assert!(
            o.label == "document ring (injected #1)" || o.label == "stolen",
            "{}",
            o.label
        );
        assert_eq!(o.event_ids.len(), 1, "{}", o.label);
        assert!(o.event_ids.iter().all(|id| received.contains(id)));
        assert!(o.end_ms <= ended_at);
    }
    let forged = outcome
        .scorecard
        .incidents
        .iter()
        .find(|k| k.kind == "forged_documents")
        .unwrap();
    assert_eq!((forged.planted, forged.detected), (6, 0));
    let stolen = outcome
        .scorecard
        .incidents
        .iter()
        .find(|k| k.kind == "stolen_documents")
        .unwrap();
    assert_eq!((stolen.planted, stolen.detected), (2, 0));

    // Every action is in the log, refusals too, with wall and event time.
    let actions: Vec<&str> = outcome
        .log
        .entries
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    let expected = [
        "start",
        "pause",
        "resume",
        "speed",
        "inject",
        "inject",
        "inject",
        "end_early",
        "end",
    ];
    assert_eq!(actions, expected);
    let entries = &outcome.log.entries;
    assert_eq!(entries[0].event_ms, start);
    assert_eq!(entries[1].event_ms, stopped_at);
    assert_eq!(entries[3].detail, "x7200 (was x3600)");
    assert!(
        entries[4]
            .outcome
            .starts_with("refused: incident.factor (flow_surge)"),
        "{}",
        entries[4].outcome
    );
    assert_eq!(entries[5].detail, "catalogue \"document ring\"");
    assert!(
        entries[5]
            .outcome
            .starts_with("planted \"document ring (injected #1)\": 6 occurrences")
    );
    assert_eq!(entries[7].event_ms, ended_at);
    assert_eq!(
        entries[8].detail,
        format!(
            "ended early at {}",
            borderflow_domain::time::format_rfc3339(ended_at)
        )
    );
    assert!(entries.windows(2).all(|w| w[0].wall_ms <= w[1].wall_ms));
    let lines = std::fs::read_to_string(&log_path).unwrap();
    assert_eq!(lines.lines().count(), expected.len());
    assert_eq!(watched.await.unwrap(), expected);

    // Over: the control says so.
    let late = trainer.pause(pb::PauseRequest {}).await.unwrap_err();
    assert_eq!(late.code(), Code::FailedPrecondition);
    let over = status_of(&mut trainer).await;
    assert_eq!(over.state, pb::RunState::Ended as i32);
    assert_eq!(event_ms(&over), ended_at);
    stop.cancel();
}

fn client(url: &str, token: Option<&str>) -> Authorized {
    let channel = Channel::from_shared(url.to_owned()).unwrap().connect_lazy();
    authorized(channel, Bearer::new(token).unwrap())
}

fn spec(text: &str, format: pb::SpecFormat) -> pb::InjectRequest {
    pb::InjectRequest {
        incident: Some(pb::inject_request::Incident::Spec(pb::IncidentSpec {
            text: text.into(),
            format: format as i32,
        })),
    }
}

fn event_ms(status: &pb::ExerciseStatus) -> i64 {
    timestamp_to_ms(status.event_time.as_ref().unwrap()).unwrap()
}

async fn status_of(trainer: &mut ExerciseControlClient<Authorized>) -> pb::ExerciseStatus {
    let request = pb::GetStatusRequest::default();
    trainer
        .get_status(request)
        .await
        .unwrap()
        .into_inner()
        .status
        .unwrap()
}

/// Polls the status until `done` says so (the run may still be starting).
async fn wait_for(
    trainer: &mut ExerciseControlClient<Authorized>,
    done: impl Fn(&pb::ExerciseStatus) -> bool,
) -> pb::ExerciseStatus {
    let started = Instant::now();
    loop {
        let request = pb::GetStatusRequest::default();
        if let Ok(response) = trainer.get_status(request).await {
            let status = response.into_inner().status.unwrap();
            if status.state != pb::RunState::Starting as i32 && done(&status) {
                return status;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "waited a minute"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Ingest and an aggregator in process: enough of them for a run.
mod fake {
    use super::*;
    use borderflow_proto::analytics::v1 as analytics;
    use borderflow_proto::ingest::v1 as ingest;
    use borderflow_proto::reference::v1 as reference;
    use tokio_stream::Stream;
    use tonic::{Request, Response, Status, Streaming};

    type Answer<T> = Result<Response<T>, Status>;
    type Stream_<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

    async fn serve(router: tonic::transport::server::Router) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let incoming = borderflow_common::grpc::incoming(listener);
        tokio::spawn(router.serve_with_incoming(incoming));
        url
    }

    /// Acknowledges every batch, keeping the event ids and the latest
    /// time sent (events' completion, heartbeats).
    #[derive(Clone, Default)]
    pub(super) struct Ingest {
        pub(super) url: String,
        events: Arc<Mutex<HashSet<String>>>,
        latest_ms: Arc<AtomicI64>,
    }

    impl Ingest {
        pub(super) async fn start() -> Self {
            let mut fake = Self::default();
            let service = ingest::ingest_service_server::IngestServiceServer::new(fake.clone());
            fake.url = serve(tonic::transport::Server::builder().add_service(service)).await;
            fake
        }

        pub(super) fn latest_ms(&self) -> i64 {
            self.latest_ms.load(Ordering::SeqCst)
        }

        pub(super) fn events(&self) -> HashSet<String> {
            self.events.lock().unwrap().clone()
        }
    }

    #[tonic::async_trait]
    impl ingest::ingest_service_server::IngestService for Ingest {
        async fn submit_inspection(
            &self,
            _: Request<ingest::SubmitInspectionRequest>,
        ) -> Answer<ingest::SubmitInspectionResponse> {
            Err(Status::unimplemented("booths stream"))
        }

        type StreamInspectionsStream = Stream_<ingest::StreamInspectionsResponse>;

        async fn stream_inspections(
            &self,
            request: Request<Streaming<ingest::StreamInspectionsRequest>>,
        ) -> Answer<Self::StreamInspectionsStream> {
            let mut batches = request.into_inner();
            let fake = self.clone();
            let (tx, rx) = tokio::sync::mpsc::channel(64);
            tokio::spawn(async move {
                while let Ok(Some(batch)) = batches.message().await {
                    for event in &batch.events {
                        fake.events.lock().unwrap().insert(event.event_id.clone());
                        if let Some(at) = event.completed_at.as_ref().and_then(timestamp_to_ms) {
                            fake.latest_ms.fetch_max(at, Ordering::SeqCst);
                        }
                    }
                    if let Some(at) = batch.heartbeat.as_ref().and_then(|h| h.at.as_ref()) {
                        fake.latest_ms
                            .fetch_max(timestamp_to_ms(at).unwrap(), Ordering::SeqCst);
                    }
                    let response = ingest::StreamInspectionsResponse {
                        sequence: batch.sequence,
                        accepted: batch.events.len() as u32,
                        rejections: Vec::new(),
                    };
                    if tx.send(Ok(response)).await.is_err() {
                        break;
                    }
                }
            });
            Ok(Response::new(Box::pin(
                tokio_stream::wrappers::ReceiverStream::new(rx),
            )))
        }
    }

    /// Takes crossings and reference entries, flags nothing.
    #[derive(Clone, Default)]
    pub(super) struct Aggregator {
        pub(super) url: String,
        entries: Arc<AtomicUsize>,
    }

    impl Aggregator {
        pub(super) async fn start() -> Self {
            let mut fake = Self::default();
            let router = tonic::transport::Server::builder()
                .add_service(
                    reference::reference_service_server::ReferenceServiceServer::new(fake.clone()),
                )
                .add_service(
                    analytics::analytics_service_server::AnalyticsServiceServer::new(fake.clone()),
                );
            fake.url = serve(router).await;
            fake
        }

        /// Reference entries upserted so far.
        pub(super) fn entries(&self) -> usize {
            self.entries.load(Ordering::SeqCst)
        }
    }

    fn unused<T>() -> Answer<T> {
        Err(Status::unimplemented("not used by a run"))
    }

    #[tonic::async_trait]
    impl reference::reference_service_server::ReferenceService for Aggregator {
        async fn upsert_entries(
            &self,
            request: Request<reference::UpsertEntriesRequest>,
        ) -> Answer<reference::UpsertEntriesResponse> {
            let n = request.into_inner().entries.len();
            self.entries.fetch_add(n, Ordering::SeqCst);
            Ok(Response::new(reference::UpsertEntriesResponse::default()))
        }

        async fn delete_entries(
            &self,
            _: Request<reference::DeleteEntriesRequest>,
        ) -> Answer<reference::DeleteEntriesResponse> {
            unused()
        }

        async fn list_entries(
            &self,
            _: Request<reference::ListEntriesRequest>,
        ) -> Answer<reference::ListEntriesResponse> {
            unused()
        }

        async fn upsert_crossings(
            &self,
            _: Request<reference::UpsertCrossingsRequest>,
        ) -> Answer<reference::UpsertCrossingsResponse> {
            Ok(Response::new(reference::UpsertCrossingsResponse::default()))
        }
    }

    #[tonic::async_trait]
    impl analytics::analytics_service_server::AnalyticsService for Aggregator {
        async fn list_crossings(
            &self,
            _: Request<analytics::ListCrossingsRequest>,
        ) -> Answer<analytics::ListCrossingsResponse> {
            unused()
        }

        async fn get_crossing_stats(
            &self,
            _: Request<analytics::GetCrossingStatsRequest>,
        ) -> Answer<analytics::GetCrossingStatsResponse> {
            unused()
        }

        async fn list_windows(
            &self,
            _: Request<analytics::ListWindowsRequest>,
        ) -> Answer<analytics::ListWindowsResponse> {
            unused()
        }

        type WatchCrossingStatsStream = Stream_<analytics::WatchCrossingStatsResponse>;

        async fn watch_crossing_stats(
            &self,
            _: Request<analytics::WatchCrossingStatsRequest>,
        ) -> Answer<Self::WatchCrossingStatsStream> {
            unused()
        }

        async fn list_anomalies(
            &self,
            _: Request<analytics::ListAnomaliesRequest>,
        ) -> Answer<analytics::ListAnomaliesResponse> {
            Ok(Response::new(analytics::ListAnomaliesResponse::default()))
        }

        async fn get_anomaly(
            &self,
            _: Request<analytics::GetAnomalyRequest>,
        ) -> Answer<analytics::GetAnomalyResponse> {
            unused()
        }

        type WatchAnomaliesStream = Stream_<analytics::WatchAnomaliesResponse>;

        async fn watch_anomalies(
            &self,
            _: Request<analytics::WatchAnomaliesRequest>,
        ) -> Answer<Self::WatchAnomaliesStream> {
            unused()
        }

        async fn triage_anomaly(
            &self,
            _: Request<analytics::TriageAnomalyRequest>,
        ) -> Answer<analytics::TriageAnomalyResponse> {
            unused()
        }

        async fn list_triage(
            &self,
            _: Request<analytics::ListTriageRequest>,
        ) -> Answer<analytics::ListTriageResponse> {
            Ok(Response::new(analytics::ListTriageResponse::default()))
        }
    }
}
