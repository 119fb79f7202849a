//! The dashboard's HTTP contract over in-memory stores: the JSON endpoints,
//! the embedded page, and the live stream's snapshot, deltas, anomaly
//! events and end on shutdown. Requests are plain HTTP/1.0 over TCP, so
//! the event stream arrives as written, without chunking.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use borderflow_aggregator::dashboard;
use borderflow_aggregator::materialise::Stores;
use borderflow_aggregator::store::{AnomalyStore, ReferenceStore, WindowStore, reference};
use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyKind, AnomalyStatus, Crossing, CrossingWindow, CrossingWindowRecord,
    Distribution, Severity, WindowState,
};
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
    };
    for (id, lat) in [("KZ-1", 44.2), ("KZ-2", 43.1)] {
        let record = ReferenceRecord {
            body: Some(reference_record::Body::Crossing(Crossing {
                id: id.into(),
                name: format!("Crossing {id}"),
                country: "KAZ".into(),
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

async fn serve(stores: Stores, shutdown: CancellationToken) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = dashboard::router(stores, shutdown);
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

async fn request(addr: SocketAddr, path: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!("GET {path} HTTP/1.0\r\nHost: test\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// Status code, headers and body of a whole response.
async fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let mut response = String::new();
    request(addr, path)
        .await
        .read_to_string(&mut response)
        .await
        .unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head.to_lowercase(), body.to_owned())
}

async fn get_json(addr: SocketAddr, path: &str) -> Value {
    let (status, _, body) = get(addr, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn crossings_anomalies_and_the_page_are_served() {
    let stores = stores();
    stores.anomalies.apply(expired("a1", "KZ-1", 0));
    let addr = serve(stores, CancellationToken::new()).await;

    let all = get_json(addr, "/api/crossings").await;
    let crossings = all["crossings"].as_array().unwrap();
    assert_eq!(crossings.len(), 2);
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
    let addr = serve(stores.clone(), shutdown.clone()).await;
    let mut events = Events {
        stream: request(addr, "/api/live").await,
        buffer: String::new(),
        seen: Vec::new(),
    };

    read_until(&mut events, "snapshot", |s| !s.is_empty()).await;
    let (name, snapshot) = &events.seen[0];
    assert_eq!(name, "snapshot", "the snapshot comes first");
    assert_eq!(snapshot["crossings"].as_array().unwrap().len(), 2);

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
