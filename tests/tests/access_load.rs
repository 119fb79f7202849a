//! Scopes and the audit trail under load: a network of several countries
//! streams through ingest and the aggregator while a one-country analyst
//! watches windows and anomalies and other principals hammer the query
//! API. The watcher never receives another country's window or anomaly
//! (while there are plenty of them), and every call leaves its audit record.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use borderflow_access::Role;
use borderflow_common::grpc::{Authorized, Bearer, authorized};
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyKind, AnomalyStatus, ListAnomaliesRequest, ListCrossingsRequest, Severity,
    WatchAnomaliesRequest, WatchCrossingStatsRequest,
};
use borderflow_proto::ms_to_timestamp;
use borderflow_simulator::cli::register_crossings;
use borderflow_simulator::model::networks;
use borderflow_systest::audit;
use borderflow_systest::harness::Stream;
use borderflow_systest::testbed::Testbed;
use futures::StreamExt;
use tokio::task::JoinSet;

const HOME: &str = "KGZ";
const CALLERS: usize = 8;
const CALLS_EACH: usize = 60;

async fn client(addr: std::net::SocketAddr, token: &str) -> AnalyticsServiceClient<Authorized> {
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    AnalyticsServiceClient::new(authorized(channel, Bearer::new(Some(token)).unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn watch_streams_stay_in_scope_and_every_call_is_audited_under_load() {
    let network = networks::generated(16, 11);
    let home: HashSet<String> = network
        .crossings
        .iter()
        .filter(|c| c.country == HOME)
        .map(|c| c.id.clone())
        .collect();
    assert!(!home.is_empty() && home.len() < network.crossings.len());
    let bed = Testbed::start(network.clone(), 6).await.unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();
    let addr = aggregator.grpc_addr;
    let trainer = Bearer::from_file(&bed.token_file(Role::Trainer)).unwrap();
    register_crossings(&format!("http://{addr}"), None, trainer, &network)
        .await
        .unwrap();
    let issuer = bed.setup.identity.issuer().unwrap();
    let local = issuer.token(
        "kgz-analyst",
        &[Role::Analyst],
        &[HOME],
        Duration::from_secs(900),
    );

    // The one-country watcher: windows and anomalies as they come.
    let mut watcher = client(addr, &local).await;
    let mut windows = watcher
        .watch_crossing_stats(WatchCrossingStatsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut anomalies = watcher
        .watch_anomalies(WatchAnomaliesRequest {
            replay: 1_000,
            ..WatchAnomaliesRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut calls = 3usize; // registration and the two watches
    let seen_windows = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Ok(Some(Ok(update))) =
            tokio::time::timeout(Duration::from_secs(8), windows.next()).await
        {
            seen.push(update.window.unwrap().crossing_id);
        }
        seen
    });
    let seen_anomalies = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Ok(Some(Ok(update))) =
            tokio::time::timeout(Duration::from_secs(8), anomalies.next()).await
        {
            let anomaly = update.anomaly.unwrap();
            seen.push((anomaly.id, anomaly.crossing_id));
        }
        seen
    });

    // Traffic, and principals of every kind querying throughout.
    let stream = Stream::start(&bed, ingest.grpc_addr, 24, Some(3_600.0), None)
        .await
        .unwrap();
    // Anomalies at every crossing in turn while the watcher follows.
    let planter = {
        let ids: Vec<String> = network.crossings.iter().map(|c| c.id.clone()).collect();
        let bed = &bed;
        async move {
            let mut planted = Vec::new();
            for (n, crossing) in ids.iter().cycle().take(48).enumerate() {
                let anomaly = Anomaly {
                    id: format!("planted-{n}"),
                    kind: AnomalyKind::WatchlistHit as i32,
                    severity: Severity::High as i32,
                    crossing_id: crossing.clone(),
                    event_time: Some(ms_to_timestamp(1_777_852_800_000 + n as i64 * 60_000)),
                    status: AnomalyStatus::Open as i32,
                    ..Anomaly::default()
                };
                bed.publish_anomaly(&anomaly).await.unwrap();
                planted.push(anomaly);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            planted
        }
    };
    let made = Arc::new(AtomicUsize::new(0));
    let mut callers = JoinSet::new();
    for i in 0..CALLERS {
        let countries: &[&str] = if i % 2 == 0 { &["*"] } else { &[HOME, "TJK"] };
        let role = [Role::Viewer, Role::Analyst, Role::Auditor][i % 3];
        let token = issuer.token(
            &format!("caller-{i}"),
            &[role],
            countries,
            Duration::from_secs(900),
        );
        let mut caller = client(addr, &token).await;
        let made = made.clone();
        callers.spawn(async move {
            for n in 0..CALLS_EACH {
                // Allowed or denied, each is a call with its record.
                if n % 2 == 0 {
                    let _ = caller.list_crossings(ListCrossingsRequest::default()).await;
                } else {
                    let _ = caller.list_anomalies(ListAnomaliesRequest::default()).await;
                }
                made.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
    }
    let planted = planter.await;
    while callers.join_next().await.is_some() {}
    calls += made.load(Ordering::Relaxed);
    stream.finish().await.unwrap();

    let seen_windows = seen_windows.await.unwrap();
    let seen_anomalies = seen_anomalies.await.unwrap();
    let mut everyone = client(
        addr,
        &std::fs::read_to_string(bed.token_file(Role::Analyst)).unwrap(),
    )
    .await;
    let all = everyone
        .list_anomalies(ListAnomaliesRequest {
            page_size: 1_000,
            ..ListAnomaliesRequest::default()
        })
        .await
        .unwrap()
        .into_inner()
        .anomalies;
    calls += 1;
    let foreign_anomalies = all
        .iter()
        .filter(|a| !home.contains(&a.crossing_id))
        .count();
    let planted_home: HashSet<&str> = planted
        .iter()
        .filter(|a| home.contains(&a.crossing_id))
        .map(|a| a.id.as_str())
        .collect();
    eprintln!(
        "watcher: {} windows, {} anomalies of {HOME}; the network raised {} anomalies, {foreign_anomalies} elsewhere",
        seen_windows.len(),
        seen_anomalies.len(),
        all.len()
    );
    assert!(
        seen_windows.len() > 100,
        "the watcher saw windows: {}",
        seen_windows.len()
    );
    assert!(
        foreign_anomalies > 0,
        "other countries raised anomalies the watcher must not see"
    );
    let leaked: Vec<&String> = seen_windows
        .iter()
        .chain(seen_anomalies.iter().map(|(_, crossing)| crossing))
        .filter(|id| !home.contains(*id))
        .collect();
    assert!(
        leaked.is_empty(),
        "out-of-scope items delivered: {leaked:?}"
    );
    let delivered: HashSet<&str> = seen_anomalies.iter().map(|(id, _)| id.as_str()).collect();
    assert!(
        planted_home.iter().all(|id| delivered.contains(id)),
        "every anomaly of {HOME} reached the watcher: {planted_home:?} vs {delivered:?}"
    );
    drop(watcher);

    let kafka = bed.kafka();
    let topic = bed.topics.audit.clone();
    let partitions = bed.partitions;
    let records = tokio::task::spawn_blocking(move || {
        audit::read(&kafka, &topic, partitions, calls, Duration::from_secs(60))
    })
    .await
    .unwrap();
    let call_records = records.iter().filter(|r| audit::is_call(r)).count();
    eprintln!("{calls} calls under load, {call_records} audit records of calls");
    assert_eq!(call_records, calls, "one audit record per call");

    aggregator.stop_and_wait().await.unwrap();
    ingest.stop_and_wait().await.unwrap();
}
