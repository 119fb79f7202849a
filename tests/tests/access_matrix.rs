//! Who may call what, on a real broker and an aggregator serving TLS: every
//! AnalyticsService (triage included), ReferenceService, AuditService and StatisticsService
//! method called by every role — scoped to one country and to all — on a
//! resource in and out of that country, and with every kind of broken credential (none,
//! expired, wrong audience, wrong issuer, tampered, `alg: none`). Each call
//! answers exactly the code its role, scope and credential call for, and
//! leaves exactly one audit record with the matching outcome.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use borderflow_access::issuer::Issuer;
use borderflow_access::{Permission, Role};
use borderflow_common::grpc::{Authorized, Bearer, authorized};
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyFilter, AnomalyKind, AnomalyStatus, Crossing, GetAnomalyRequest,
    GetCrossingStatsRequest, ListAnomaliesRequest, ListCrossingsRequest, ListTriageRequest,
    ListWindowsRequest, Severity, TriageAnomalyRequest, WatchAnomaliesRequest,
    WatchCrossingStatsRequest,
};
use borderflow_proto::audit::v1::audit_service_client::AuditServiceClient;
use borderflow_proto::audit::v1::{AuditOutcome, ListAuditRecordsRequest};
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::protection::v1::WatchReferralsRequest;
use borderflow_proto::protection::v1::protection_service_client::ProtectionServiceClient;
use borderflow_proto::reference::v1::reference_service_client::ReferenceServiceClient;
use borderflow_proto::reference::v1::{
    DeleteEntriesRequest, ListEntriesRequest, ListEntry, ReferenceList, UpsertCrossingsRequest,
    UpsertEntriesRequest,
};
use borderflow_proto::statistics::v1::statistics_service_client::StatisticsServiceClient;
use borderflow_proto::statistics::v1::{
    Dimension, ExportFormat, ExportStatisticsRequest, Granularity, QueryStatisticsRequest,
};
use borderflow_proto::triage::v1::TriageAction;
use borderflow_simulator::model::networks;
use borderflow_simulator::setup::identity::{DEV_AUDIENCE, DEV_ISSUER};
use borderflow_systest::audit;
use borderflow_systest::testbed::{Testbed, eventually};
use serde_json::json;
use tonic::Code;
use tonic::transport::Channel;

const HOME: &str = "KAZ";
const IN: &str = "KZ-IN";
const OUT: &str = "KG-OUT";

/// What a call names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Nothing,
    InScope,
    OutOfScope,
}

/// Every method with the targets it is called on.
const CALLS: &[(&str, Permission, &[Target])] = {
    use Permission::*;
    use Target::*;
    &[
        ("ListCrossings", ReadFigures, &[Nothing]),
        ("GetCrossingStats", ReadFigures, &[InScope, OutOfScope]),
        ("ListWindows", ReadFigures, &[InScope, OutOfScope]),
        ("WatchCrossingStats", ReadFigures, &[InScope, OutOfScope]),
        (
            "ListAnomalies",
            ReadAnomalies,
            &[Nothing, InScope, OutOfScope],
        ),
        ("GetAnomaly", ReadAnomalies, &[InScope, OutOfScope]),
        ("WatchAnomalies", ReadAnomalies, &[InScope, OutOfScope]),
        ("TriageAnomaly", TriageAnomalies, &[InScope, OutOfScope]),
        ("ListTriage", ReadAnomalies, &[Nothing, InScope, OutOfScope]),
        ("UpsertEntries", WriteReference, &[Nothing]),
        ("DeleteEntries", WriteReference, &[Nothing]),
        ("ListEntries", ReadReference, &[Nothing]),
        ("UpsertCrossings", WriteRegistry, &[InScope, OutOfScope]),
        ("ListAuditRecords", ReadAudit, &[Nothing]),
        (
            "QueryStatistics",
            ReadStatistics,
            &[Nothing, InScope, OutOfScope],
        ),
        ("ExportStatistics", ReadStatistics, &[InScope, OutOfScope]),
        (
            "WatchReferrals",
            WatchReferrals,
            &[Nothing, InScope, OutOfScope],
        ),
    ]
};

fn crossing(target: Target) -> &'static str {
    if target == Target::OutOfScope {
        OUT
    } else {
        IN
    }
}

fn registry_entry(id: &str) -> Crossing {
    Crossing {
        id: id.into(),
        name: format!("Crossing {id}"),
        country: if id == IN { "KAZ" } else { "KGZ" }.into(),
        latitude: 43.0,
        longitude: 76.0,
        ..Crossing::default()
    }
}

fn entry() -> ListEntry {
    ListEntry {
        list: ReferenceList::Watchlist as i32,
        key: vec![7; 32],
        source: "national list".into(),
        reference: "case 1".into(),
        added_at: None,
    }
}

/// Calls `method` on `target`; the status code it answered.
async fn call(channel: &Authorized, method: &str, target: Target) -> Code {
    let mut analytics = AnalyticsServiceClient::new(channel.clone());
    let mut reference = ReferenceServiceClient::new(channel.clone());
    let id = crossing(target).to_owned();
    let named = |t: Target| {
        if t == Target::Nothing {
            vec![]
        } else {
            vec![crossing(t).to_owned()]
        }
    };
    let code = |r: Result<(), tonic::Status>| r.map_or_else(|s| s.code(), |()| Code::Ok);
    match method {
        "ListCrossings" => code(
            analytics
                .list_crossings(ListCrossingsRequest::default())
                .await
                .map(drop),
        ),
        "GetCrossingStats" => code(
            analytics
                .get_crossing_stats(GetCrossingStatsRequest {
                    crossing_id: id,
                    recent_windows: 0,
                })
                .await
                .map(drop),
        ),
        "ListWindows" => code(
            analytics
                .list_windows(ListWindowsRequest {
                    crossing_id: id,
                    ..ListWindowsRequest::default()
                })
                .await
                .map(drop),
        ),
        "WatchCrossingStats" => code(
            analytics
                .watch_crossing_stats(WatchCrossingStatsRequest {
                    crossing_ids: named(target),
                    closed_only: false,
                })
                .await
                .map(drop),
        ),
        "ListAnomalies" => code(
            analytics
                .list_anomalies(ListAnomaliesRequest {
                    filter: Some(AnomalyFilter {
                        crossing_ids: named(target),
                        ..AnomalyFilter::default()
                    }),
                    ..ListAnomaliesRequest::default()
                })
                .await
                .map(drop),
        ),
        "GetAnomaly" => code(
            analytics
                .get_anomaly(GetAnomalyRequest {
                    id: format!("anomaly-{id}"),
                })
                .await
                .map(drop),
        ),
        // A note: allowed in every state, so every permitted caller's
        // call succeeds whatever the others did before.
        "TriageAnomaly" => code(
            analytics
                .triage_anomaly(TriageAnomalyRequest {
                    anomaly_id: format!("anomaly-{id}"),
                    action: TriageAction::Note as i32,
                    note: "checked".into(),
                    ..TriageAnomalyRequest::default()
                })
                .await
                .map(drop),
        ),
        "ListTriage" => code(
            analytics
                .list_triage(ListTriageRequest {
                    filter: Some(AnomalyFilter {
                        crossing_ids: named(target),
                        ..AnomalyFilter::default()
                    }),
                    ..ListTriageRequest::default()
                })
                .await
                .map(drop),
        ),
        "WatchAnomalies" => code(
            analytics
                .watch_anomalies(WatchAnomaliesRequest {
                    filter: Some(AnomalyFilter {
                        crossing_ids: named(target),
                        ..AnomalyFilter::default()
                    }),
                    replay: 5,
                })
                .await
                .map(drop),
        ),
        "UpsertEntries" => code(
            reference
                .upsert_entries(UpsertEntriesRequest {
                    entries: vec![entry()],
                })
                .await
                .map(drop),
        ),
        "DeleteEntries" => code(
            reference
                .delete_entries(DeleteEntriesRequest {
                    entries: vec![entry()],
                })
                .await
                .map(drop),
        ),
        "ListEntries" => code(
            reference
                .list_entries(ListEntriesRequest {
                    list: ReferenceList::Watchlist as i32,
                    ..ListEntriesRequest::default()
                })
                .await
                .map(drop),
        ),
        "UpsertCrossings" => code(
            reference
                .upsert_crossings(UpsertCrossingsRequest {
                    crossings: vec![registry_entry(&id)],
                })
                .await
                .map(drop),
        ),
        "ListAuditRecords" => code(
            AuditServiceClient::new(channel.clone())
                .list_audit_records(ListAuditRecordsRequest::default())
                .await
                .map(drop),
        ),
        "QueryStatistics" | "ExportStatistics" => {
            let query = QueryStatisticsRequest {
                granularity: Granularity::Day as i32,
                crossing_id: if target == Target::Nothing {
                    String::new()
                } else {
                    id
                },
                by: vec![Dimension::Sex as i32, Dimension::AgeBand as i32],
                ..QueryStatisticsRequest::default()
            };
            let mut statistics = StatisticsServiceClient::new(channel.clone());
            if method == "QueryStatistics" {
                code(statistics.query_statistics(query).await.map(drop))
            } else {
                code(
                    statistics
                        .export_statistics(ExportStatisticsRequest {
                            query: Some(query),
                            format: ExportFormat::Csv as i32,
                        })
                        .await
                        .map(drop),
                )
            }
        }
        "WatchReferrals" => code(
            ProtectionServiceClient::new(channel.clone())
                .watch_referrals(WatchReferralsRequest {
                    crossing_ids: named(target),
                    replay: 5,
                    ..WatchReferralsRequest::default()
                })
                .await
                .map(drop),
        ),
        other => panic!("no call for {other}"),
    }
}

/// The code a principal with `role`, scoped to HOME or to all, must get.
fn expected(role: Role, permission: Permission, target: Target, scoped: bool) -> Code {
    let granted = role.grants().contains(&permission);
    if !granted || (scoped && target == Target::OutOfScope) {
        Code::PermissionDenied
    } else {
        Code::Ok
    }
}

/// Tokens that must not get anyone in.
fn broken_tokens(issuer: &Issuer) -> Vec<(&'static str, Option<String>)> {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut claims = json!({
            "iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "sub": "intruder",
            "iat": now, "nbf": now, "exp": now + 600,
            "roles": Role::ALL.iter().map(|r| r.name()).collect::<Vec<_>>(),
            "countries": ["*"],
        });
        change(&mut claims);
        issuer.sign(&claims)
    };
    let valid = claims(&|_| {});
    let parts: Vec<&str> = valid.split('.').collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["sub"] = json!("someone-else");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    vec![
        ("no token", None),
        ("expired", Some(claims(&|c| c["exp"] = json!(now - 3_600)))),
        (
            "wrong audience",
            Some(claims(&|c| c["aud"] = json!("another-system"))),
        ),
        (
            "wrong issuer",
            Some(claims(&|c| c["iss"] = json!("https://idp.invalid"))),
        ),
        ("tampered", Some(tampered)),
        ("alg none", Some(unsigned)),
    ]
}

/// An open, high-severity anomaly at `crossing`.
fn anomaly(id: &str, crossing: &str) -> Anomaly {
    Anomaly {
        id: id.into(),
        kind: AnomalyKind::DocumentExpired as i32,
        severity: Severity::High as i32,
        crossing_id: crossing.into(),
        event_time: Some(ms_to_timestamp(1_777_852_800_000)),
        explanation: "document expired".into(),
        status: AnomalyStatus::Open as i32,
        ..Anomaly::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_method_answers_each_role_scope_and_credential_exactly_and_is_audited() {
    let bed = Testbed::start(networks::generated(2, 1), 3).await.unwrap();
    let s = &bed.setup;
    let tls_flags = [
        format!("--tls-cert={}", s.server_cert_file.display()),
        format!("--tls-key={}", s.server_key_file.display()),
    ];
    let flags: Vec<&str> = tls_flags.iter().map(String::as_str).collect();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&flags))
        .await
        .unwrap();
    let endpoint =
        Channel::from_shared(format!("https://localhost:{}", aggregator.grpc_addr.port()))
            .unwrap()
            .tls_config(bed.client_tls().unwrap())
            .unwrap()
            .connect()
            .await
            .unwrap();
    let issuer = s.identity.issuer().unwrap();
    let as_token = |token: Option<&str>| authorized(endpoint.clone(), Bearer::new(token).unwrap());

    // The registry and two anomalies, one in each country.
    let trainer = issuer.token("setup", &[Role::Trainer], &["*"], Duration::from_secs(600));
    let setup = as_token(Some(&trainer));
    ReferenceServiceClient::new(setup.clone())
        .upsert_crossings(UpsertCrossingsRequest {
            crossings: vec![registry_entry(IN), registry_entry(OUT)],
        })
        .await
        .unwrap();
    for id in [IN, OUT] {
        bed.publish_anomaly(&anomaly(&format!("anomaly-{id}"), id))
            .await
            .unwrap();
    }
    let polls = AtomicUsize::new(0);
    let known = eventually(Duration::from_secs(20), || {
        let setup = setup.clone();
        polls.fetch_add(1, Ordering::Relaxed);
        async move {
            let found = AnalyticsServiceClient::new(setup)
                .list_anomalies(ListAnomaliesRequest::default())
                .await
                .ok()?
                .into_inner()
                .anomalies;
            (found.len() == 2).then_some(())
        }
    })
    .await;
    assert!(known.is_some(), "the planted anomalies reach the store");
    // The registration and the polls are calls too.
    let setup_calls = 1 + polls.load(Ordering::Relaxed);
    let mut calls = setup_calls;

    let mut want: BTreeMap<AuditOutcome, usize> = BTreeMap::new();
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for role in Role::ALL {
        for scoped in [true, false] {
            let countries: &[&str] = if scoped { &[HOME] } else { &["*"] };
            let token = issuer.token(
                &format!("{}-{}", role.name(), scoped),
                &[role],
                countries,
                Duration::from_secs(600),
            );
            let channel = as_token(Some(&token));
            for &(method, permission, targets) in CALLS {
                for &target in targets {
                    let got = call(&channel, method, target).await;
                    let should = expected(role, permission, target, scoped);
                    calls += 1;
                    checked += 1;
                    *want
                        .entry(if should == Code::Ok {
                            AuditOutcome::Allowed
                        } else {
                            AuditOutcome::Denied
                        })
                        .or_default() += 1;
                    if got != should {
                        mismatches.push(format!("{role} scoped={scoped} {method} {target:?}: {got:?}, expected {should:?}"));
                    }
                }
            }
        }
    }
    for (what, token) in broken_tokens(&issuer) {
        let channel = as_token(token.as_deref());
        for &(method, _, targets) in CALLS {
            let got = call(&channel, method, targets[0]).await;
            calls += 1;
            checked += 1;
            *want.entry(AuditOutcome::Unauthenticated).or_default() += 1;
            if got != Code::Unauthenticated {
                mismatches.push(format!(
                    "{what} {method}: {got:?}, expected Unauthenticated"
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {checked} calls answered wrongly:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    eprintln!("matrix: {checked} calls, each answered as expected: {want:?}");

    // A handful of watchlist entries without a credential: refused; with
    // one: answered as soon as the store has them.
    let started = Instant::now();
    let entries: Vec<ListEntry> = (0..5u8)
        .map(|i| ListEntry {
            key: vec![i; 32],
            ..entry()
        })
        .collect();
    let admin = issuer.token(
        "reference-admin",
        &[Role::ReferenceAdmin],
        &["*"],
        Duration::from_secs(600),
    );
    ReferenceServiceClient::new(as_token(Some(&admin)))
        .upsert_entries(UpsertEntriesRequest { entries })
        .await
        .unwrap();
    let upsert_time = started.elapsed();
    calls += 1;
    *want.entry(AuditOutcome::Allowed).or_default() += 1;
    eprintln!("UpsertEntries of 5 entries answered in {upsert_time:?}");
    assert!(upsert_time < Duration::from_secs(3), "{upsert_time:?}");

    // Exactly one record per call, with the outcome the call had.
    let partitions = bed.partitions;
    let kafka = bed.kafka();
    let topic = bed.topics.audit.clone();
    let records = tokio::task::spawn_blocking(move || {
        audit::read(&kafka, &topic, partitions, calls, Duration::from_secs(60))
    })
    .await
    .unwrap();
    let call_records: Vec<_> = records.iter().filter(|r| audit::is_call(r)).collect();
    assert_eq!(call_records.len(), calls, "one audit record per call");
    *want.entry(AuditOutcome::Allowed).or_default() += setup_calls;
    let mut got: BTreeMap<AuditOutcome, usize> = BTreeMap::new();
    for record in &call_records {
        *got.entry(AuditOutcome::try_from(record.outcome).unwrap())
            .or_default() += 1;
    }
    assert_eq!(got, want, "audit outcomes");
    assert!(
        call_records
            .iter()
            .filter(|r| r.outcome == AuditOutcome::Unauthenticated as i32)
            .all(|r| r.principal.is_empty() && !r.reason.is_empty() && !r.source.is_empty()),
        "refused calls name their reason and source, no principal"
    );
    let refused_write = call_records
        .iter()
        .find(|r| r.method.ends_with("/UpsertEntries") && r.reason == "missing")
        .expect("the unauthenticated watchlist write is audited");
    assert_eq!(refused_write.status, "Unauthenticated");
    let changes: Vec<_> = records.iter().filter(|r| !r.changes.is_empty()).collect();
    assert!(
        changes.iter().any(|r| r
            .changes
            .iter()
            .any(|c| c.list == "watchlist" && c.previous.contains("case 1"))),
        "a replaced watchlist entry's previous value is recorded"
    );
    aggregator.stop_and_wait().await.unwrap();
}
