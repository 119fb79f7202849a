//! The JSON/HTTP API against a live aggregator on a real broker: transcoded
//! from the contract, with the same tokens, roles, scopes and audit as gRPC
//! — listing, paging, a write, a stream as newline-delimited JSON, field-
//! named errors — and the OpenAPI document it serves is the checked-in one.

use std::net::SocketAddr;
use std::time::Duration;

use borderflow_access::Role;
use borderflow_common::grpc::Bearer;
use borderflow_i18n::{Args as _, Lang, message, render};
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, AnomalyStatus, Severity};
use borderflow_proto::ms_to_timestamp;
use borderflow_simulator::cli::register_crossings;
use borderflow_simulator::model::networks;
use borderflow_systest::testbed::{Testbed, eventually};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PLANTED: usize = 7;

/// One HTTP/1.0 exchange: status and body.
async fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String) {
    exchange_in(addr, method, path, token, body, None).await
}

/// [`exchange`] asking for a language (`Accept-Language`).
async fn exchange_in(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
    language: Option<&str>,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let language = language.map_or(String::new(), |l| format!("Accept-Language: {l}\r\n"));
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: test\r\n{auth}{language}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head[9..12].parse().unwrap(), body.to_owned())
}

async fn json(addr: SocketAddr, path: &str, token: &str) -> Value {
    let (status, body) = exchange(addr, "GET", path, Some(token), "").await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_api_is_the_grpc_api_with_the_same_access_and_audit() {
    let network = networks::generated(4, 5);
    let bed = Testbed::start(network.clone(), 3).await.unwrap();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();
    let (grpc, admin) = (aggregator.grpc_addr, aggregator.admin_addr);
    let trainer = Bearer::from_file(&bed.token_file(Role::Trainer)).unwrap();
    register_crossings(&format!("http://{grpc}"), None, trainer, &network)
        .await
        .unwrap();
    for n in 0..PLANTED {
        let crossing = &network.crossings[n % network.crossings.len()];
        let explanation = message("document-expired")
            .text("since", "2026-03-24")
            .number("days", 40.0 + n as f64)
            .part(
                "outcome",
                message("outcome-admitted-at").crossing("place", &crossing.id, &crossing.name),
            );
        bed.publish_anomaly(&Anomaly {
            explanation: render(Lang::En, &explanation),
            message: Some(explanation),
            id: format!("json-{n}"),
            kind: AnomalyKind::DocumentExpired as i32,
            severity: Severity::High as i32,
            crossing_id: network.crossings[n % network.crossings.len()].id.clone(),
            event_time: Some(ms_to_timestamp(1_777_852_800_000 + n as i64 * 60_000)),
            status: AnomalyStatus::Open as i32,
            ..Anomaly::default()
        })
        .await
        .unwrap();
    }
    let stores = aggregator.running.as_ref().unwrap().stores.clone();
    let stored = eventually(Duration::from_secs(20), || {
        let stores = stores.clone();
        async move { (stores.anomalies.len() == PLANTED).then_some(()) }
    })
    .await;
    assert!(stored.is_some());
    let token = |role| std::fs::read_to_string(bed.token_file(role)).unwrap();
    let analyst = token(Role::Analyst);

    // No credential: refused, in the API's error shape.
    let (status, body) = exchange(admin, "GET", "/v1/crossings", None, "").await;
    assert_eq!(status, 401, "{body}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["status"], "UNAUTHENTICATED");
    assert_eq!(problem["code"], 16);

    // Lists, one crossing, paging.
    let listed = json(admin, "/v1/crossings", &analyst).await;
    assert_eq!(
        listed["crossings"].as_array().unwrap().len(),
        network.crossings.len()
    );
    let first = &network.crossings[0];
    let stats = json(
        admin,
        &format!("/v1/crossings/{}/stats", first.id),
        &analyst,
    )
    .await;
    assert_eq!(stats["summary"]["crossing"]["id"], first.id.as_str());
    assert_eq!(
        stats["summary"]["crossing"]["country"],
        first.country.as_str()
    );
    let mut seen = 0;
    let mut pages = 0;
    let mut page_token = String::new();
    loop {
        let page = json(
            admin,
            &format!("/v1/anomalies?page_size=3&page_token={page_token}"),
            &analyst,
        )
        .await;
        pages += 1;
        seen += page["anomalies"].as_array().unwrap().len();
        page_token = page["nextPageToken"].as_str().unwrap().to_owned();
        if page_token.is_empty() {
            break;
        }
        page_token = page_token.replace(':', "%3A");
    }
    assert_eq!((seen, pages), (PLANTED, PLANTED.div_ceil(3)));
    let filtered = json(
        admin,
        &format!("/v1/anomalies?filter.crossing_ids={}", first.id),
        &analyst,
    )
    .await;
    let at_first = (0..PLANTED)
        .filter(|n| n % network.crossings.len() == 0)
        .count();
    assert_eq!(filtered["anomalies"].as_array().unwrap().len(), at_first);

    // Explanations in the language asked for; kinds and values as ever.
    let in_language = |language: Option<&'static str>| {
        let analyst = analyst.clone();
        async move {
            let (status, body) = exchange_in(
                admin,
                "GET",
                "/v1/anomalies/json-1",
                Some(&analyst),
                "",
                language,
            )
            .await;
            assert_eq!(status, 200, "{body}");
            serde_json::from_str::<Value>(&body).unwrap()["anomaly"].clone()
        }
    };
    let english = in_language(None).await;
    let russian = in_language(Some("ru-RU,ru;q=0.9,en;q=0.8")).await;
    assert_eq!(
        english["explanation"],
        "Document expired on 2026-03-24, 41 days before the inspection; \
         traveller admitted at Generated crossing 2"
    );
    assert_eq!(
        russian["explanation"],
        "Срок действия документа истёк 2026-03-24, за 41 день до проверки; \
         путешественник пропущен, пункт пропуска Сгенерированный пункт пропуска 2"
    );
    assert_eq!(russian["kind"], english["kind"]);
    assert_eq!(russian["message"], english["message"]);
    assert_eq!(
        in_language(Some("kk-KZ, de;q=0.5")).await["explanation"],
        english["explanation"],
        "English when none of ours is asked for"
    );

    // Scope and roles, as over gRPC.
    let other = network
        .crossings
        .iter()
        .find(|c| c.country != first.country)
        .unwrap();
    let issuer = bed.setup.identity.issuer().unwrap();
    let local = issuer.token(
        "local",
        &[Role::Analyst],
        &[&first.country],
        Duration::from_secs(300),
    );
    let (status, body) = exchange(
        admin,
        "GET",
        &format!("/v1/crossings/{}/stats", other.id),
        Some(&local),
        "",
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let scoped = json(admin, "/v1/crossings", &local).await;
    assert!(
        scoped["crossings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["crossing"]["country"] == first.country.as_str())
    );
    let entry = r#"{"entries": [{"list": "REFERENCE_LIST_LOST_STOLEN", "key": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=", "source": "INTERPOL SLTD"}]}"#;
    let (status, body) = exchange(
        admin,
        "POST",
        "/v1/reference/entries:upsert",
        Some(&analyst),
        entry,
    )
    .await;
    assert_eq!(status, 403, "an analyst does not write lists: {body}");
    let (status, body) = exchange(
        admin,
        "POST",
        "/v1/reference/entries:upsert",
        Some(&token(Role::ReferenceAdmin)),
        entry,
    )
    .await;
    assert_eq!(
        (
            status,
            serde_json::from_str::<Value>(&body).unwrap()["upserted"].clone()
        ),
        (200, Value::from(1)),
        "{body}"
    );

    // Errors name the field.
    let (status, body) = exchange(
        admin,
        "GET",
        "/v1/anomalies?page_size=lots",
        Some(&analyst),
        "",
    )
    .await;
    assert_eq!(status, 400);
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["field"], "page_size", "{body}");

    // A stream, as newline-delimited JSON.
    let mut stream = TcpStream::connect(admin).await.unwrap();
    stream
        .write_all(format!("GET /v1/anomalies:watch?replay=3 HTTP/1.0\r\nHost: test\r\nAuthorization: Bearer {analyst}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut text = String::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut chunk = [0u8; 4096];
        loop {
            let lines = text
                .split_once("\r\n\r\n")
                .map_or(0, |(_, body)| body.matches('\n').count());
            if lines >= 3 {
                break;
            }
            let n = stream.read(&mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            text.push_str(std::str::from_utf8(&chunk[..n]).unwrap());
        }
    })
    .await;
    assert!(read.is_ok(), "no replay within 10 s: {text}");
    let (head, lines) = text.split_once("\r\n\r\n").unwrap();
    assert!(
        head.to_lowercase().contains("application/x-ndjson"),
        "{head}"
    );
    let watched: Vec<Value> = lines
        .lines()
        .take(3)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(watched.len(), 3);
    assert!(
        watched
            .iter()
            .all(|w| w["anomaly"]["id"].as_str().unwrap().starts_with("json-"))
    );
    drop(stream);

    // The served description is the checked-in one.
    let (status, served) = exchange(admin, "GET", "/v1/openapi.json", None, "").await;
    assert_eq!(status, 200);
    let checked_in = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/api/openapi.json"),
    )
    .unwrap();
    assert_eq!(served.trim(), checked_in.trim());

    // Audited as HTTP calls, and readable over the same API by an auditor.
    let records = eventually(Duration::from_secs(10), || {
        let auditor = token(Role::Auditor);
        async move {
            let found = json(
                admin,
                "/v1/audit/records?method=ListCrossings&page_size=100",
                &auditor,
            )
            .await;
            let records = found["records"].as_array().cloned().unwrap_or_default();
            (records.len() >= 3).then_some(records)
        }
    })
    .await
    .expect("the JSON calls are audited");
    assert!(
        records.iter().all(|r| r["interface"] == "http"),
        "{records:?}"
    );
    assert!(
        records
            .iter()
            .any(|r| r["outcome"] == "AUDIT_OUTCOME_UNAUTHENTICATED")
    );
    assert!(
        records
            .iter()
            .any(|r| r["principal"] == "local" && r["outcome"] == "AUDIT_OUTCOME_ALLOWED")
    );

    // What never became a call is audited too: an unreadable request and
    // an unknown route (after authenticating; refused without a token).
    let (status, _) = exchange(admin, "GET", "/v1/nowhere", Some(&analyst), "").await;
    assert_eq!(status, 404);
    assert_eq!(exchange(admin, "GET", "/v1/nowhere", None, "").await.0, 401);
    let auditor = token(Role::Auditor);
    let failed = eventually(Duration::from_secs(10), || {
        let auditor = auditor.clone();
        async move {
            let found = json(
                admin,
                "/v1/audit/records?outcome=AUDIT_OUTCOME_FAILED&page_size=100",
                &auditor,
            )
            .await;
            let records = found["records"].as_array().cloned().unwrap_or_default();
            (records.len() >= 2).then_some(records)
        }
    })
    .await
    .expect("unreadable and unrouted requests are audited");
    assert!(
        failed.iter().any(
            |r| r["method"].as_str().unwrap().ends_with("/ListAnomalies")
                && r["reason"].as_str().unwrap().contains("page_size")
        ),
        "{failed:?}"
    );
    assert!(
        failed
            .iter()
            .any(|r| r["method"] == "GET /v1/nowhere" && r["status"] == "NotFound"),
        "{failed:?}"
    );
    aggregator.stop_and_wait().await.unwrap();
}
