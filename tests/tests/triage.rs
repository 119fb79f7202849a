//! The operators' triage on a real broker, over gRPC and the JSON API: an
//! anomaly acknowledged and escalated by an analyst, refused actions
//! naming what is wrong, the queue by state, the figures on `/metrics`, a
//! second instance rebuilding every record from the compacted triage topic,
//! two instances acting on the same revision at once (one wins, both agree),
//! and the audit trail holding each change without the notes' text.

use std::net::SocketAddr;
use std::time::Duration;

use borderflow_access::Role;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyKind, AnomalyStatus, ListTriageRequest, Severity, TriageAnomalyRequest,
};
use borderflow_proto::audit::v1::AuditPhase;
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::triage::v1::{TriageAction, TriageRecord, TriageState};
use borderflow_simulator::model::networks;
use borderflow_systest::admin::{http_get, metric_sum};
use borderflow_systest::audit;
use borderflow_systest::testbed::{Testbed, eventually};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tonic::Code;

const NOTE: &str = "lane 2 officer confirmed";

fn anomaly(id: &str, crossing: &str, severity: Severity) -> Anomaly {
    Anomaly {
        id: id.into(),
        kind: AnomalyKind::DocumentExpired as i32,
        severity: severity as i32,
        crossing_id: crossing.into(),
        event_time: Some(ms_to_timestamp(1_777_852_800_000)),
        explanation: "document expired".into(),
        status: AnomalyStatus::Open as i32,
        ..Anomaly::default()
    }
}

async fn post_json(addr: SocketAddr, path: &str, token: &str, body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.0\r\nHost: test\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (
        head[9..12].parse().unwrap(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

fn act(id: &str, action: TriageAction, expected: Option<u32>) -> TriageAnomalyRequest {
    TriageAnomalyRequest {
        anomaly_id: id.into(),
        action: action as i32,
        expected_revision: expected,
        ..TriageAnomalyRequest::default()
    }
}

async fn record_at(
    client: &mut AnalyticsServiceClient<borderflow_common::grpc::Authorized>,
    id: &str,
) -> Option<TriageRecord> {
    let items = client
        .list_triage(ListTriageRequest::default())
        .await
        .ok()?
        .into_inner()
        .items;
    items
        .into_iter()
        .find(|i| i.anomaly.as_ref().is_some_and(|a| a.id == id))?
        .triage
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn operators_triage_on_the_broker_and_every_instance_agrees() {
    let network = networks::generated(2, 7);
    let crossing = network.crossings[0].id.clone();
    let bed = Testbed::start(network, 3).await.unwrap();
    let args = bed.aggregator_args(&["--triage-figures-interval=1s"]);
    let first = bed
        .spawn("borderflow-aggregator", &args, bed.dir().join("first.log"))
        .await
        .unwrap();
    bed.publish_anomaly(&anomaly("high-1", &crossing, Severity::High))
        .await
        .unwrap();
    bed.publish_anomaly(&anomaly("critical-1", &crossing, Severity::Critical))
        .await
        .unwrap();
    let mut a = AnalyticsServiceClient::new(
        bed.aggregator_channel(first.grpc_addr, Role::Analyst)
            .await
            .unwrap(),
    );
    let new_only = ListTriageRequest {
        states: vec![TriageState::New as i32],
        ..ListTriageRequest::default()
    };
    let listed = eventually(Duration::from_secs(20), || {
        let mut a = a.clone();
        let request = new_only.clone();
        async move {
            let items = a.list_triage(request).await.ok()?.into_inner().items;
            (items.len() == 2).then_some(items)
        }
    })
    .await
    .expect("both anomalies are new");
    assert!(listed.iter().all(|i| i.triage.is_none()));

    // Acknowledged over gRPC as the analyst; the time starts at publication.
    let acked = a
        .triage_anomaly(act("high-1", TriageAction::Acknowledge, Some(0)))
        .await
        .unwrap()
        .into_inner()
        .triage
        .unwrap();
    assert_eq!(acked.state, TriageState::Acknowledged as i32);
    assert_eq!(acked.revision, 1);
    assert_eq!(acked.history[0].actor, "dev-analyst");
    assert!(acked.raised_at.is_some());
    let again = a
        .triage_anomaly(act("high-1", TriageAction::Acknowledge, None))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition, "{again:?}");
    let no_reason = a
        .triage_anomaly(act("high-1", TriageAction::Dismiss, None))
        .await
        .unwrap_err();
    assert_eq!(no_reason.code(), Code::InvalidArgument);
    assert_eq!(
        borderflow_aggregator::error::field_of(&no_reason),
        Some("reason")
    );
    let viewer = AnalyticsServiceClient::new(
        bed.aggregator_channel(first.grpc_addr, Role::Trainer)
            .await
            .unwrap(),
    )
    .triage_anomaly(act("critical-1", TriageAction::Acknowledge, None))
    .await
    .unwrap_err();
    assert_eq!(
        viewer.code(),
        Code::PermissionDenied,
        "a trainer does not triage"
    );

    // Escalated through the JSON API, with a note.
    let token = std::fs::read_to_string(bed.token_file(Role::Analyst)).unwrap();
    let body =
        format!(r#"{{"action":"TRIAGE_ACTION_ESCALATE","note":"{NOTE}","expectedRevision":1}}"#);
    let (status, escalated) = post_json(
        first.admin_addr,
        "/v1/anomalies/high-1/triage",
        &token,
        &body,
    )
    .await;
    assert_eq!(status, 200, "{escalated}");
    assert_eq!(escalated["triage"]["state"], "TRIAGE_STATE_ESCALATED");
    assert_eq!(escalated["triage"]["revision"], 2);
    let left = a
        .list_triage(new_only.clone())
        .await
        .unwrap()
        .into_inner()
        .items;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].anomaly.as_ref().unwrap().id, "critical-1");

    // The figures: one acknowledgement timed, the critical one waiting.
    let exposition = eventually(Duration::from_secs(20), || async {
        let (_, body) = http_get(first.admin_addr, "/metrics").await.ok()?;
        let waiting = metric_sum(
            &body,
            "borderflow_triage_oldest_unacknowledged_seconds",
            &["severity=\"critical\""],
        );
        let escalated = metric_sum(
            &body,
            "borderflow_triage_open_anomalies",
            &["severity=\"high\"", "state=\"escalated\""],
        );
        (waiting > 0.0 && escalated == 1.0).then_some(body)
    })
    .await
    .expect("the triage figures reach /metrics");
    let count = |name: &str, labels: &[&str]| metric_sum(&exposition, name, labels);
    assert_eq!(
        count(
            "borderflow_triage_time_to_acknowledge_seconds_count",
            &["severity=\"high\""]
        ),
        1.0
    );
    assert_eq!(
        count(
            "borderflow_triage_open_anomalies",
            &["severity=\"critical\"", "state=\"new\""]
        ),
        1.0
    );
    assert_eq!(
        count(
            "borderflow_triage_open_anomalies",
            &["severity=\"high\"", "state=\"new\""]
        ),
        0.0
    );
    assert_eq!(
        count(
            "borderflow_triage_actions_total",
            &["action=\"acknowledge\"", "outcome=\"refused\""]
        ),
        1.0
    );

    // A second instance rebuilds the records from the triage topic.
    let second = bed
        .spawn("borderflow-aggregator", &args, bed.dir().join("second.log"))
        .await
        .unwrap();
    let mut b = AnalyticsServiceClient::new(
        bed.aggregator_channel(second.grpc_addr, Role::Analyst)
            .await
            .unwrap(),
    );
    let rebuilt = record_at(&mut b, "high-1").await.expect("rebuilt");
    let held = record_at(&mut a, "high-1").await.unwrap();
    assert_eq!(rebuilt, held);
    assert_eq!(rebuilt.history.len(), 2);
    assert_eq!(rebuilt.history[1].note, NOTE);

    // Both instances act on revision 2 at once: one wins, both agree.
    let note = |id: &str| TriageAnomalyRequest {
        note: "closing in one hour".into(),
        ..act(id, TriageAction::Note, Some(2))
    };
    let (mut a2, mut b2) = (a.clone(), b.clone());
    let (from_a, from_b) = tokio::join!(
        a2.triage_anomaly(note("high-1")),
        b2.triage_anomaly(note("high-1"))
    );
    let codes = [&from_a, &from_b].map(|r| r.as_ref().map_or_else(|s| s.code(), |_| Code::Ok));
    assert_eq!(
        codes.iter().filter(|c| **c == Code::Ok).count(),
        1,
        "{codes:?}"
    );
    assert!(codes.contains(&Code::Aborted), "{codes:?}");
    let agreed = eventually(Duration::from_secs(20), || {
        let (mut a, mut b) = (a.clone(), b.clone());
        async move {
            let (x, y) = (
                record_at(&mut a, "high-1").await?,
                record_at(&mut b, "high-1").await?,
            );
            (x == y && x.revision == 3).then_some(x)
        }
    })
    .await
    .expect("both instances hold the winner");
    assert_eq!(agreed.history.len(), 3);

    // Each change is in the audit trail with what it replaced, the notes not.
    let kafka = bed.kafka();
    let topic = bed.topics.audit.clone();
    let partitions = bed.partitions;
    let records = tokio::task::spawn_blocking(move || {
        audit::read(&kafka, &topic, partitions, 1, Duration::from_secs(20))
    })
    .await
    .unwrap();
    let changes: Vec<_> = records
        .iter()
        .filter(|r| r.phase == AuditPhase::PendingChange as i32)
        .flat_map(|r| r.changes.iter().map(move |c| (r, c)))
        .filter(|(_, c)| c.list == "triage" && c.key == "high-1")
        .collect();
    assert!(changes.iter().any(|(r, c)| {
        r.principal == "dev-analyst"
            && c.action
                .starts_with("escalate -> state=escalated revision=2")
            && c.previous.starts_with("state=acknowledged revision=1")
    }));
    assert!(records.iter().all(|r| !format!("{r:?}").contains(NOTE)));
}
