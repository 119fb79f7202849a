//! The edge on a real broker and a real TLS port: field-level validation,
//! checkpoint authentication and authorisation, mutual TLS, fast
//! UNAVAILABLE when Kafka is gone, and no personal data on the topic.

use std::time::{Duration, Instant};

use borderflow_common::kafka::Topics;
use borderflow_domain::mrz::{self, DocumentSpec, Format};
use borderflow_domain::time::Date;
use borderflow_proto::ingest::v1::ingest_service_client::IngestServiceClient;
use borderflow_proto::ingest::v1::{StreamInspectionsRequest, SubmitInspectionRequest};
use borderflow_proto::inspection::v1::{
    BoothChecks, Direction, DocumentRead, InspectionEvent, MachineReadableZone, Outcome,
    TravelMode, Traveller, document_read,
};
use borderflow_proto::ms_to_timestamp;
use borderflow_simulator::link::client;
use borderflow_simulator::model::networks;
use borderflow_simulator::setup::pki::DevPki;
use borderflow_systest::testbed::Testbed;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use tonic::Code;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

fn document(seed: u64) -> (DocumentSpec, Vec<String>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut spec = DocumentSpec::random(&mut rng, Format::Td3, Date::new(2026, 5, 4).unwrap());
    spec.primary_identifier = "ABDULLAEVA".into();
    spec.secondary_identifier = "GULNORA".into();
    let lines = mrz::write(&spec).unwrap();
    (spec, lines)
}

fn event(crossing: &str, lane: u32, seed: u64) -> InspectionEvent {
    let t = Date::new(2026, 5, 4).unwrap().start_epoch_ms() + 9 * 3_600_000 + seed as i64 * 1_000;
    InspectionEvent {
        event_id: uuid::Builder::from_random_bytes((u128::from(seed) + 1).to_be_bytes())
            .into_uuid()
            .to_string(),
        crossing_id: crossing.into(),
        lane_id: format!("L{:02}", lane + 1),
        checkpoint_id: format!("{crossing}-L{:02}", lane + 1),
        officer_id: format!("{crossing}-O001"),
        direction: Direction::Entry as i32,
        mode: TravelMode::Road as i32,
        queued_at: Some(ms_to_timestamp(t - 300_000)),
        started_at: Some(ms_to_timestamp(t - 60_000)),
        completed_at: Some(ms_to_timestamp(t)),
        document: Some(DocumentRead {
            source: Some(document_read::Source::Mrz(MachineReadableZone {
                lines: document(seed).1,
            })),
        }),
        traveller: Some(Traveller::default()),
        checks: Some(BoothChecks {
            biometric_score: Some(0.9),
            ..BoothChecks::default()
        }),
        outcome: Outcome::Admitted as i32,
        refusal_reason: 0,
        protection: None,
    }
}

struct Edge {
    bed: Testbed,
    ingest: borderflow_systest::testbed::Service<borderflow_ingest::Running>,
    crossing: String,
    other: String,
}

async fn edge(extra: &[&str]) -> Edge {
    let network = networks::generated(2, 4);
    let crossing = network.crossings[0].id.clone();
    let other = network.crossings[1].id.clone();
    let bed = Testbed::start(network, 3).await.unwrap();
    let ingest = bed.start_ingest(bed.ingest_config(extra)).await.unwrap();
    Edge {
        bed,
        ingest,
        crossing,
        other,
    }
}

impl Edge {
    async fn client_for(&self, checkpoint: &str) -> borderflow_simulator::link::IngestClient {
        let channel = self
            .bed
            .ingest_channel(self.ingest.grpc_addr)
            .await
            .unwrap();
        client(channel, &self.bed.tokens().unwrap().token(checkpoint)).unwrap()
    }

    async fn submit(
        &self,
        checkpoint: &str,
        event: Option<InspectionEvent>,
    ) -> Result<(), tonic::Status> {
        self.client_for(checkpoint)
            .await
            .submit_inspection(SubmitInspectionRequest { event })
            .await
            .map(drop)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_requests_name_the_field() {
    let edge = edge(&[]).await;
    let cp = format!("{}-L01", edge.crossing);
    let mut e = event(&edge.crossing, 0, 1);
    e.completed_at = None;
    let status = edge.submit(&cp, Some(e)).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("event.completed_at"),
        "{}",
        status.message()
    );
    assert_eq!(
        status.metadata().get("borderflow-field").unwrap(),
        "event.completed_at"
    );

    let status = edge.submit(&cp, None).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().starts_with("event:"),
        "{}",
        status.message()
    );

    let mut e = event(&edge.crossing, 0, 2);
    e.direction = 0;
    let status = edge.submit(&cp, Some(e)).await.unwrap_err();
    assert!(
        status.message().contains("event.direction"),
        "{}",
        status.message()
    );

    // A damaged MRZ is not a structural problem: it is published.
    let mut e = event(&edge.crossing, 0, 3);
    if let Some(document_read::Source::Mrz(zone)) =
        e.document.as_mut().and_then(|d| d.source.as_mut())
    {
        zone.lines[1].replace_range(0..1, "Q");
    }
    let response = edge
        .client_for(&cp)
        .await
        .submit_inspection(SubmitInspectionRequest { event: Some(e) })
        .await
        .unwrap()
        .into_inner();
    assert!(!response.document_valid);

    // In a stream, invalid events are rejected one by one; the rest go through.
    let mut batch = vec![
        event(&edge.crossing, 0, 4),
        event(&edge.crossing, 0, 5),
        event(&edge.crossing, 0, 6),
    ];
    batch[1].event_id = "not-a-uuid".into();
    let requests = futures::stream::iter(vec![StreamInspectionsRequest {
        sequence: 7,
        events: batch,
        heartbeat: None,
    }]);
    let mut responses = edge
        .client_for(&cp)
        .await
        .stream_inspections(requests)
        .await
        .unwrap()
        .into_inner();
    let ack = responses.message().await.unwrap().unwrap();
    assert_eq!((ack.sequence, ack.accepted), (7, 2));
    assert_eq!(ack.rejections.len(), 1);
    assert_eq!(
        (ack.rejections[0].index, ack.rejections[0].field.as_str()),
        (1, "event.event_id")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_are_authenticated_and_bound_to_their_crossing() {
    let edge = edge(&[]).await;
    let cp = format!("{}-L01", edge.crossing);
    // No token, and a made-up token.
    let channel = edge
        .bed
        .ingest_channel(edge.ingest.grpc_addr)
        .await
        .unwrap();
    let status = IngestServiceClient::new(channel)
        .submit_inspection(SubmitInspectionRequest {
            event: Some(event(&edge.crossing, 0, 1)),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let channel = edge
        .bed
        .ingest_channel(edge.ingest.grpc_addr)
        .await
        .unwrap();
    let status = client(channel, "0123456789abcdef0123456789abcdef01234567")
        .unwrap()
        .submit_inspection(SubmitInspectionRequest {
            event: Some(event(&edge.crossing, 0, 1)),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);

    // A booth of one crossing speaking for another crossing, or for
    // another booth of its own crossing.
    let status = edge
        .submit(&cp, Some(event(&edge.other, 0, 2)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let status = edge
        .submit(&cp, Some(event(&edge.crossing, 1, 3)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    // On a stream, impersonation ends the stream.
    let requests = futures::stream::iter(vec![StreamInspectionsRequest {
        sequence: 1,
        events: vec![event(&edge.other, 0, 4)],
        heartbeat: None,
    }]);
    let mut responses = edge
        .client_for(&cp)
        .await
        .stream_inspections(requests)
        .await
        .unwrap()
        .into_inner();
    let status = responses.message().await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    // And its own events are fine.
    edge.submit(&cp, Some(event(&edge.crossing, 0, 5)))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_clients_cannot_talk_to_the_tls_port() {
    let edge = edge(&[]).await;
    let channel = Channel::from_shared(format!("http://{}", edge.ingest.grpc_addr))
        .unwrap()
        .connect_timeout(Duration::from_secs(2))
        .connect_lazy();
    let status = client(channel, "x")
        .unwrap()
        .submit_inspection(SubmitInspectionRequest { event: None })
        .await
        .unwrap_err();
    assert_ne!(status.code(), Code::Ok);
    assert_ne!(
        status.code(),
        Code::InvalidArgument,
        "a plaintext request must not reach the service"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_identifies_the_checkpoint_by_its_certificate() {
    let network = networks::generated(1, 9);
    let crossing = network.crossings[0].id.clone();
    let bed = Testbed::start(network, 3).await.unwrap();
    let pki = DevPki::generate(&["localhost", "127.0.0.1"]).unwrap();
    let booth = pki.client(&format!("{crossing}-L01")).unwrap();
    let dir = bed.dir().join("mtls");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body) in [
        ("ca.pem", &pki.ca_pem),
        ("server.pem", &pki.server_cert_pem),
        ("server-key.pem", &pki.server_key_pem),
    ] {
        std::fs::write(dir.join(name), body).unwrap();
    }
    let digest = {
        use sha2_digest::digest;
        digest(&booth.cert_der)
    };
    std::fs::write(
        dir.join("credentials.toml"),
        format!("[[checkpoint]]\nid = \"{crossing}-L01\"\ncrossing = \"{crossing}\"\ncert_sha256 = \"{digest}\"\n"),
    )
    .unwrap();
    let mut config = bed.ingest_config(&[]);
    config.tls.cert = Some(dir.join("server.pem"));
    config.tls.key = Some(dir.join("server-key.pem"));
    config.tls.client_ca = Some(dir.join("ca.pem"));
    config.credentials = dir.join("credentials.toml");
    let ingest = bed.start_ingest(config).await.unwrap();
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&pki.ca_pem))
        .domain_name("localhost");

    // Without a client certificate the handshake fails.
    let channel = Channel::from_shared(format!("https://{}", ingest.grpc_addr))
        .unwrap()
        .tls_config(tls.clone())
        .unwrap()
        .connect_lazy();
    let status = IngestServiceClient::new(channel)
        .submit_inspection(SubmitInspectionRequest {
            event: Some(event(&crossing, 0, 1)),
        })
        .await
        .unwrap_err();
    // The server ends the handshake. Under TLS 1.3 the client finishes its
    // side first, so it sees the "certificate required" alert, the
    // connection closing, or its request hitting the closed socket (broken
    // pipe, reset); never an answer from the service.
    let text = format!("{status:?}");
    assert!(
        [
            "CertificateRequired",
            "connection closed",
            "BrokenPipe",
            "ConnectionReset"
        ]
        .iter()
        .any(|sign| text.contains(sign)),
        "{status:?}"
    );
    assert!(
        matches!(
            status.code(),
            Code::Unavailable | Code::Cancelled | Code::Unknown
        ),
        "{status:?}"
    );

    // With it, no token is needed.
    let channel = Channel::from_shared(format!("https://{}", ingest.grpc_addr))
        .unwrap()
        .tls_config(tls.identity(Identity::from_pem(&booth.cert_pem, &booth.key_pem)))
        .unwrap()
        .connect()
        .await
        .unwrap();
    IngestServiceClient::new(channel)
        .submit_inspection(SubmitInspectionRequest {
            event: Some(event(&crossing, 0, 2)),
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_kafka_gone_ingest_answers_unavailable_fast_and_stays_up() {
    let mut edge = edge(&["--broker-probe-interval=200ms"]).await;
    let cp = format!("{}-L01", edge.crossing);
    edge.submit(&cp, Some(event(&edge.crossing, 0, 1)))
        .await
        .unwrap();
    edge.bed.broker().kill();
    // Let the probe notice.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let started = Instant::now();
    let status = edge
        .submit(&cp, Some(event(&edge.crossing, 0, 2)))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        elapsed < Duration::from_secs(1),
        "answered after {elapsed:?}"
    );
    let admin = format!("http://{}", edge.ingest.admin_addr);
    let health = http_status(&format!("{admin}/healthz")).await;
    let ready = http_status(&format!("{admin}/readyz")).await;
    assert_eq!((health, ready), (200, 503));
    eprintln!("UNAVAILABLE after {elapsed:?} with the broker down; healthz 200, readyz 503");
    let _ = edge.ingest.stop_and_wait().await;
}

/// Status code of a GET on the admin port.
async fn http_status(url: &str) -> u16 {
    let url = url.strip_prefix("http://").unwrap();
    let (host, path) = url.split_once('/').unwrap();
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(
            format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_topic_holds_no_names_numbers_or_zones() {
    let edge = edge(&[]).await;
    let cp = format!("{}-L01", edge.crossing);
    let mut secrets = Vec::new();
    for seed in 10..20 {
        edge.submit(&cp, Some(event(&edge.crossing, 0, seed)))
            .await
            .unwrap();
        let (spec, lines) = document(seed);
        secrets.push(spec.document_number.clone());
        secrets.extend(lines);
    }
    secrets.push("ABDULLAEVA".into());
    secrets.push("GULNORA".into());
    let consumer: BaseConsumer = edge
        .bed
        .kafka()
        .reader_config("privacy-check")
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    for partition in 0..edge.bed.partitions {
        list.add_partition_offset(Topics::INSPECTIONS, partition, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&list).unwrap();
    let mut records = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while records < 10 && Instant::now() < deadline {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) {
            let payload = message.payload().unwrap_or_default();
            for secret in &secrets {
                assert!(
                    !payload
                        .windows(secret.len())
                        .any(|w| w == secret.as_bytes()),
                    "personal data {secret:?} found on the topic"
                );
            }
            records += 1;
        }
    }
    assert_eq!(records, 10, "all ten records were read and checked");
}

mod sha2_digest {
    /// Hex SHA-256, as the credentials file stores certificate digests.
    pub(crate) fn digest(bytes: &[u8]) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(bytes))
    }
}
