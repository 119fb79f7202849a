//! The dashboard's HTTP contract over in-memory stores: the JSON endpoints,
//! the embedded page, and the live stream's snapshot, deltas, anomaly
//! events and end on shutdown; sign-in, roles, country scopes and an audit
//! record for every request (into an in-memory audit store). Requests are
//! plain HTTP/1.0 over TCP, so the event stream arrives as written, without
//! chunking.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use borderflow_access::issuer::Issuer;
use borderflow_access::jwks::Keys;
use borderflow_access::jwt::{ClaimMapping, JwtVerifier, TokenPolicy};
use borderflow_access::{Authenticator, Role};
use borderflow_aggregator::access::{AuditSink, Gate};
use borderflow_aggregator::dashboard;
use borderflow_aggregator::grpc::statistics::StatisticsApi;
use borderflow_aggregator::grpc::triage::TriageApi;
use borderflow_aggregator::store::{
    AnomalyStore, AuditQuery, AuditStore, LiaisonStore, ReferenceStore, ReferralStore,
    StatisticsStore, TriageStore, WindowStore, reference,
};
use borderflow_aggregator::stream::materialise::Stores;
use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyKind, AnomalyStatus, Crossing, CrossingWindow, CrossingWindowRecord,
    Distribution, Severity, WindowState,
};
use borderflow_proto::audit::v1::AuditOutcome;
use borderflow_proto::reference::v1::{ReferenceRecord, reference_record};
use borderflow_proto::{Message, ms_to_timestamp};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

const T0: i64 = 1_777_852_800_000; // 2026-05-04T00:00:00Z
const MINUTE: i64 = 60_000;

fn stores() -> Stores {
    let stores = Stores {
        windows: Arc::new(WindowStore::new(2 * 24 * 60 * MINUTE)),
        anomalies: Arc::new(AnomalyStore::new(1_000)),
        reference: Arc::new(ReferenceStore::default()),
        audit: Arc::new(AuditStore::new(1_000)),
        statistics: Arc::new(StatisticsStore::new(92 * 24 * 60 * MINUTE)),
        referrals: Arc::new(ReferralStore::new(1_000)),
        liaison: Arc::new(LiaisonStore::new(Default::default(), 7 * 24 * 60 * MINUTE)),
        triage: Arc::new(TriageStore::new(1_000)),
    };
    for (id, lat, country) in [
        ("KZ-1", 44.2, "KAZ"),
        ("KZ-2", 43.1, "KAZ"),
        ("TJ-1", 38.6, "TJK"),
    ] {
        let record = ReferenceRecord {
            body: Some(reference_record::Body::Crossing(Crossing {
                id: id.into(),
                name: format!("Crossing {id}"),
                country: country.into(),
                neighbour_country: "CHN".into(),
                latitude: lat,
                longitude: 80.0,
                capacity_per_hour: 600,
                ..Crossing::default()
            })),
        };
        let key = reference::crossing_key(id);
        stores
            .reference
            .apply(key.as_bytes(), Some(&record.encode_to_vec()))
            .unwrap();
    }
    stores
        .windows
        .apply(window("KZ-1", 0, WindowState::Closed, 5));
    stores
        .windows
        .apply(window("KZ-2", 0, WindowState::Closed, 3));
    stores
}

fn window(
    crossing: &str,
    minute: i64,
    state: WindowState,
    inspections: u64,
) -> CrossingWindowRecord {
    CrossingWindowRecord {
        window: Some(CrossingWindow {
            crossing_id: crossing.into(),
            start: Some(ms_to_timestamp(T0 + minute * MINUTE)),
            end: Some(ms_to_timestamp(T0 + (minute + 1) * MINUTE)),
            state: state as i32,
            inspections,
            queue_wait: Some(Distribution {
                count: inspections,
                p50_seconds: 30.0,
                p95_seconds: 90.0,
                ..Distribution::default()
            }),
            protection_requests: inspections.min(2),
            ..CrossingWindow::default()
        }),
        ..CrossingWindowRecord::default()
    }
}

fn expired(id: &str, crossing: &str, minute: i64) -> Anomaly {
    Anomaly {
        id: id.into(),
        kind: AnomalyKind::DocumentExpired as i32,
        severity: Severity::High as i32,
        crossing_id: crossing.into(),
        event_time: Some(ms_to_timestamp(T0 + minute * MINUTE)),
        explanation: "document expired".into(),
        status: AnomalyStatus::Open as i32,
        ..Anomaly::default()
    }
}

const ISSUER: &str = "https://idp.test/realms/border";

/// A dashboard on a free port, and the issuer whose tokens it accepts.
struct Served {
    addr: SocketAddr,
    issuer: Arc<Issuer>,
    analyst: String,
}

impl Served {
    fn token(&self, roles: &[Role], countries: &[&str]) -> String {
        self.issuer
            .token("tester", roles, countries, Duration::from_secs(600))
    }
}

async fn serve(stores: Stores, shutdown: CancellationToken) -> Served {
    let issuer = Arc::new(Issuer::generate(ISSUER, "borderflow").unwrap());
    let verifier = JwtVerifier::new(
        Arc::new(Keys::fixed(issuer.jwks())),
        TokenPolicy {
            issuer: ISSUER.into(),
            audience: "borderflow".into(),
            leeway_seconds: 60,
            claims: ClaimMapping::default(),
        },
    );
    let gate = Arc::new(Gate {
        authenticator: Authenticator::new(Some(verifier), None, Duration::from_secs(600)),
        audit: AuditSink::in_memory(stores.audit.clone()),
        reference: stores.reference.clone(),
        instance: "test".into(),
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let statistics = StatisticsApi::new(stores.clone(), 5);
    let triage = TriageApi::in_memory(stores.clone());
    let app = dashboard::router(stores, gate, statistics, triage, shutdown);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    let analyst = issuer.token("tester", &[Role::Analyst], &["*"], Duration::from_secs(600));
    Served {
        addr,
        issuer,
        analyst,
    }
}

async fn request(addr: SocketAddr, path: &str, token: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let auth = if token.is_empty() {
        String::new()
    } else {
        format!("Authorization: Bearer {token}\r\n")
    };
    let head = format!("GET {path} HTTP/1.0\r\nHost: test\r\n{auth}\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// Status code, headers and body of a whole response.
async fn get_as(addr: SocketAddr, path: &str, token: &str) -> (u16, String, String) {
    let mut response = String::new();
    request(addr, path, token)
        .await
        .read_to_string(&mut response)
        .await
        .unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head.to_lowercase(), body.to_owned())
}

async fn get(served: &Served, path: &str) -> (u16, String, String) {
    get_as(served.addr, path, &served.analyst).await
}

async fn get_json(served: &Served, path: &str) -> Value {
    let (status, _, body) = get(served, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn crossings_anomalies_and_the_page_are_served() {
    let stores = stores();
    stores.anomalies.apply(expired("a1", "KZ-1", 0));
    let addr = &serve(stores, CancellationToken::new()).await;

    let all = get_json(addr, "/api/crossings").await;
    let crossings = all["crossings"].as_array().unwrap();
    assert_eq!(crossings.len(), 3);
    assert_eq!(crossings[0]["id"], "KZ-1");
    assert_eq!(crossings[0]["rate_per_min"], 5.0);
    assert_eq!(crossings[0]["open_anomalies"], 1);
    assert_eq!(
        crossings[0]["state"], "alert",
        "a high anomaly at the clock"
    );
    assert_eq!(crossings[1]["state"], "ok");
    assert_eq!(all["clock_ms"], T0 + MINUTE);

    let detail = get_json(addr, "/api/crossings/KZ-1").await;
    assert_eq!(detail["windows"].as_array().unwrap().len(), 1);
    assert_eq!(detail["windows"][0]["wait_p95_s"], 90.0);
    assert_eq!(detail["anomalies"][0]["id"], "a1");
    assert_eq!(get(addr, "/api/crossings/NOPE").await.0, 404);

    let found = get_json(addr, "/api/anomalies?kind=document_expired&severity=high").await;
    assert_eq!(found["anomalies"][0]["kind"], "DOCUMENT_EXPIRED");
    let none = get_json(addr, "/api/anomalies?crossing=KZ-2").await;
    assert!(none["anomalies"].as_array().unwrap().is_empty());
    let (status, _, body) = get(addr, "/api/anomalies?kind=teleport").await;
    assert_eq!(status, 400, "{body}");

    let (status, head, page) = get(addr, "/").await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html"));
    assert!(head.contains("content-security-policy: default-src 'self'"));
    assert!(page.contains("/assets/app.js"));
    let (status, head, _) = get(addr, "/assets/app.js").await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/javascript"));
    assert_eq!(get(addr, "/assets/missing.js").await.0, 404);
}

/// A server-sent event stream read so far.
struct Events {
    stream: TcpStream,
    buffer: String,
    seen: Vec<(String, Value)>,
}

/// Reads events until `done(seen)`.
async fn read_until(events: &mut Events, what: &str, done: impl Fn(&[(String, Value)]) -> bool) {
    let Events {
        stream,
        buffer,
        seen,
    } = events;
    let read = async {
        while !done(seen) {
            if let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let name = block.lines().find_map(|l| l.strip_prefix("event: "));
                let data = block.lines().find_map(|l| l.strip_prefix("data: "));
                if let (Some(name), Some(data)) = (name, data) {
                    seen.push((name.to_owned(), serde_json::from_str(data).unwrap()));
                }
                continue;
            }
            let mut chunk = [0u8; 8192];
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the stream ended while waiting for {what}");
            buffer.push_str(std::str::from_utf8(&chunk[..n]).unwrap());
        }
    };
    if tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .is_err()
    {
        panic!("no {what} within 10 s; events: {seen:?}");
    }
}

/// The first event named `name` that passes `want`.
fn find<'a>(
    seen: &'a [(String, Value)],
    name: &str,
    want: impl Fn(&Value) -> bool,
) -> Option<&'a Value> {
    seen.iter()
        .find(|(n, v)| n == name && want(v))
        .map(|(_, v)| v)
}

fn changes(delta: &Value, id: &str) -> Option<Value> {
    delta["changed"]
        .as_array()?
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
}

#[tokio::test]
async fn the_live_stream_sends_a_snapshot_then_only_what_changed() {
    let stores = stores();
    let shutdown = CancellationToken::new();
    let served = serve(stores.clone(), shutdown.clone()).await;
    let mut events = Events {
        stream: request(served.addr, "/api/live", &served.analyst).await,
        buffer: String::new(),
        seen: Vec::new(),
    };

    read_until(&mut events, "snapshot", |s| !s.is_empty()).await;
    let (name, snapshot) = &events.seen[0];
    assert_eq!(name, "snapshot", "the snapshot comes first");
    assert_eq!(snapshot["crossings"].as_array().unwrap().len(), 3);

    stores
        .windows
        .apply(window("KZ-1", 1, WindowState::Closed, 9));
    let kz1 = |d: &Value| changes(d, "KZ-1").is_some();
    read_until(&mut events, "a delta for KZ-1", |s| {
        find(s, "delta", kz1).is_some()
    })
    .await;
    let delta = find(&events.seen, "delta", kz1).unwrap();
    assert_eq!(
        delta["changed"].as_array().unwrap().len(),
        1,
        "only what changed: {delta}"
    );
    assert_eq!(changes(delta, "KZ-1").unwrap()["inspections"], 9);
    assert_eq!(delta["clock_ms"], T0 + 2 * MINUTE);

    stores.anomalies.apply(expired("a2", "KZ-2", 1));
    let a2 = |a: &Value| a["id"] == "a2";
    let kz2 = |d: &Value| changes(d, "KZ-2").is_some();
    read_until(&mut events, "the anomaly and its crossing's delta", |s| {
        find(s, "anomaly", a2).is_some() && find(s, "delta", kz2).is_some()
    })
    .await;
    assert_eq!(
        find(&events.seen, "anomaly", a2).unwrap()["severity"],
        "high"
    );
    let kz2 = changes(find(&events.seen, "delta", kz2).unwrap(), "KZ-2").unwrap();
    assert_eq!(kz2["state"], "alert");
    assert_eq!(kz2["open_anomalies"], 1);

    shutdown.cancel();
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        let mut rest = Vec::new();
        events.stream.read_to_end(&mut rest).await
    })
    .await;
    assert!(ended.is_ok(), "the stream ends on shutdown");
}

/// A request with a body (sign-in), answered whole.
async fn send(addr: SocketAddr, head: &str, body: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{head}\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (
        head[9..12].parse().unwrap(),
        head.to_owned(),
        body.to_owned(),
    )
}

#[tokio::test]
async fn every_api_route_needs_a_token_a_role_and_the_scope_and_is_audited() {
    let stores = stores();
    stores.anomalies.apply(expired("kz", "KZ-1", 0));
    stores.anomalies.apply(expired("tj", "TJ-1", 0));
    let served = serve(stores.clone(), CancellationToken::new()).await;
    let addr = served.addr;

    // Signed out: nothing but the page itself.
    for path in [
        "/api/crossings",
        "/api/crossings/KZ-1",
        "/api/anomalies",
        "/api/live",
    ] {
        let (status, _, body) = get_as(addr, path, "").await;
        assert_eq!(status, 401, "{path}: {body}");
        assert!(!body.contains("KZ-1"), "{path} leaked: {body}");
    }
    assert_eq!(get_as(addr, "/", "").await.0, 200);

    // A viewer sees figures, never anomalies.
    let viewer = served.token(&[Role::Viewer], &["*"]);
    let (status, _, body) = get_as(addr, "/api/anomalies", &viewer).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("read-anomalies"), "{body}");
    let (status, _, body) = get_as(addr, "/api/crossings/KZ-1", &viewer).await;
    assert_eq!(status, 200);
    let detail: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(detail["anomalies"].as_array().unwrap().len(), 0);
    // Nor the protection figures: a minute's counts can point at a person.
    assert_eq!(detail["protection"], false);
    assert_eq!(detail["windows"][0]["protection_requests"], 0);
    let analyst = served.token(&[Role::Analyst], &["*"]);
    let (_, _, body) = get_as(addr, "/api/crossings/KZ-1", &analyst).await;
    let detail: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(detail["protection"], true);
    assert_eq!(detail["windows"][0]["protection_requests"], 2);

    // A Tajik analyst sees Tajik crossings and their anomalies only.
    let tajik = served.token(&[Role::Analyst], &["TJK"]);
    let (_, _, body) = get_as(addr, "/api/crossings", &tajik).await;
    let listed: Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<&str> = listed["crossings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["TJ-1"]);
    assert_eq!(get_as(addr, "/api/crossings/KZ-1", &tajik).await.0, 403);
    assert_eq!(
        get_as(addr, "/api/anomalies?crossing=KZ-1", &tajik).await.0,
        403
    );
    let (_, _, body) = get_as(addr, "/api/anomalies", &tajik).await;
    let found: Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<&str> = found["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["tj"]);
    let mut live = Events {
        stream: request(addr, "/api/live", &tajik).await,
        buffer: String::new(),
        seen: Vec::new(),
    };
    read_until(&mut live, "snapshot", |s| !s.is_empty()).await;
    let snapshot = &live.seen[0].1;
    assert_eq!(
        snapshot["crossings"].as_array().unwrap().len(),
        1,
        "{snapshot}"
    );
    assert_eq!(snapshot["crossings"][0]["id"], "TJ-1");
    assert_eq!(snapshot["anomalies"][0]["id"], "tj");
    assert_eq!(snapshot["anomalies"].as_array().unwrap().len(), 1);

    // Expired and foreign tokens are refused.
    let stranger = Issuer::generate(ISSUER, "borderflow").unwrap();
    let foreign = stranger.token("x", &[Role::Analyst], &["*"], Duration::from_secs(60));
    assert_eq!(get_as(addr, "/api/crossings", &foreign).await.0, 401);

    // Every request above has its audit record, allowed or not.
    let records = |outcome| {
        stores
            .audit
            .list(
                &AuditQuery {
                    outcome: Some(outcome),
                    ..AuditQuery::default()
                },
                1_000,
                None,
            )
            .0
            .len()
    };
    assert_eq!(records(AuditOutcome::Unauthenticated), 5);
    assert_eq!(records(AuditOutcome::Denied), 3);
    // viewer detail, analyst detail, tajik list, anomalies, live opened
    assert_eq!(records(AuditOutcome::Allowed), 5);
    let (denied, _) = stores.audit.list(
        &AuditQuery {
            principal: "tester".into(),
            outcome: Some(AuditOutcome::Denied),
            ..AuditQuery::default()
        },
        10,
        None,
    );
    assert!(
        denied
            .iter()
            .any(|r| r.resource == "crossing=KZ-1" && r.reason == "scope")
    );
}

#[tokio::test]
async fn a_page_signs_in_with_a_token_into_a_strict_cookie_and_out_again() {
    let stores = stores();
    let served = serve(stores.clone(), CancellationToken::new()).await;
    let token = served.token(&[Role::Viewer], &["KAZ"]);
    let (status, head, body) = send(
        served.addr,
        "POST /auth/session HTTP/1.0",
        &format!("{{\"token\": \"{token}\"}}"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .expect("a session cookie")
        .to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    let session: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(session["roles"], serde_json::json!(["viewer"]));
    assert_eq!(session["countries"], serde_json::json!(["KAZ"]));

    // The cookie alone opens the API, within the token's scope.
    let value = cookie.split(';').next().unwrap();
    let mut stream = TcpStream::connect(served.addr).await.unwrap();
    let head = format!("GET /api/crossings HTTP/1.0\r\nHost: test\r\nCookie: {value}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.0 200"), "{response}");
    assert!(
        response.contains("KZ-2") && !response.contains("TJ-1"),
        "{response}"
    );

    let (status, _, body) = send(
        served.addr,
        "POST /auth/session HTTP/1.0",
        "{\"token\": \"forged\"}",
    )
    .await;
    assert_eq!(status, 401, "{body}");
    let (status, head, _) = send(served.addr, "DELETE /auth/session HTTP/1.0", "").await;
    assert_eq!(status, 204);
    assert!(head.contains("Max-Age=0"), "{head}");
}

async fn post_as(addr: SocketAddr, path: &str, token: &str, body: &str) -> (u16, Value) {
    let head = format!("POST {path} HTTP/1.0\r\nAuthorization: Bearer {token}");
    let (status, _, body) = send(addr, &head, body).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn operators_triage_anomalies_as_themselves_within_their_scope() {
    let stores = stores();
    stores.anomalies.apply(expired("a1", "KZ-1", 0));
    stores.anomalies.apply(expired("a2", "KZ-1", 1));
    stores.anomalies.apply(expired("t1", "TJ-1", 2));
    stores.triage.raised("a1", 1_000);
    let served = serve(stores.clone(), CancellationToken::new()).await;
    let addr = served.addr;
    let operator = served.analyst.clone();
    let colleague =
        served
            .issuer
            .token("op-2", &[Role::Analyst], &["KAZ"], Duration::from_secs(600));
    let act = |id: &str| format!("/api/anomalies/{id}/triage");

    // Everything starts new, newest first.
    let queue = get_json(&served, "/api/triage?state=new").await;
    let ids: Vec<&str> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["anomaly"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["t1", "a2", "a1"]);
    assert!(queue["items"][0]["triage"].is_null());
    assert_eq!(queue["subject"], "tester");

    let (status, body) = post_as(
        addr,
        &act("a1"),
        &operator,
        r#"{"action":"acknowledge","revision":0}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["triage"]["state"], "acknowledged");
    assert_eq!(body["triage"]["revision"], 1);
    assert_eq!(body["triage"]["raised_at_ms"], 1_000);
    assert_eq!(body["triage"]["history"][0]["actor"], "tester");

    // A colleague acting on the view before the acknowledgement is told.
    let (status, body) = post_as(
        addr,
        &act("a1"),
        &colleague,
        r#"{"action":"acknowledge","revision":0}"#,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = post_as(
        addr,
        &act("a1"),
        &colleague,
        r#"{"action":"dismiss","revision":1}"#,
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("reason")),
        "{body}"
    );
    let (status, body) = post_as(
        addr,
        &act("a1"),
        &colleague,
        r#"{"action":"close","revision":1}"#,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("acknowledged"),
        "{body}"
    );
    let (status, body) = post_as(
        addr,
        &act("a1"),
        &colleague,
        r#"{"action":"dismiss","reason":"handled_at_booth","note":"seen at booth 3","revision":1}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["triage"]["dismiss_reason"], "handled_at_booth");
    assert_eq!(body["triage"]["history"][1]["actor"], "op-2");
    let (status, _) = post_as(
        addr,
        &act("a2"),
        &operator,
        r#"{"action":"assign","assignee":"op-2"}"#,
    )
    .await;
    assert_eq!(status, 200);

    // The queue by state and by assignee; the colleague cannot see Tajikistan's.
    let open = get_json(&served, "/api/triage?state=new,acknowledged,escalated").await;
    assert_eq!(open["items"].as_array().unwrap().len(), 2, "{open}");
    let (status, _, body) = get_as(addr, "/api/triage?mine=1", &colleague).await;
    assert_eq!(status, 200);
    let mine: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["anomaly"]["id"], "a2");
    assert_eq!(mine["items"][0]["triage"]["assignee"], "op-2");
    let (status, body) = post_as(addr, &act("t1"), &colleague, r#"{"action":"acknowledge"}"#).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = post_as(addr, &act("nope"), &operator, r#"{"action":"acknowledge"}"#).await;
    assert_eq!(status, 404);
    assert_eq!(
        get_as(addr, "/api/triage?state=sleeping", &operator)
            .await
            .0,
        400
    );

    // A viewer reads figures only: no queue, no actions.
    let viewer = served.token(&[Role::Viewer], &["*"]);
    assert_eq!(get_as(addr, "/api/triage", &viewer).await.0, 403);
    let (status, _) = post_as(addr, &act("a2"), &viewer, r#"{"action":"acknowledge"}"#).await;
    assert_eq!(status, 403);
    assert_eq!(stores.triage.get("a2").unwrap().revision, 1, "unchanged");

    // Every action is audited with the state it replaces, never the note.
    let records = stores.audit.list(&AuditQuery::default(), 1_000, None).0;
    let changes: Vec<_> = records
        .iter()
        .flat_map(|r| r.changes.iter().map(move |c| (r.principal.as_str(), c)))
        .filter(|(_, c)| c.list == "triage")
        .collect();
    assert!(changes.iter().any(|(who, c)| {
        *who == "op-2"
            && c.key == "a1"
            && c.previous.starts_with("state=acknowledged revision=1")
            && c.action
                .starts_with("dismiss -> state=dismissed revision=2")
    }));
    assert!(
        records
            .iter()
            .all(|r| !format!("{r:?}").contains("booth 3"))
    );
}
