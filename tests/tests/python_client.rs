//! The documented Python client (`docs/examples/python`), built from the
//! .proto files only with the standard grpcio packages, against a live
//! aggregator over TLS: it lists the services through reflection v1alpha,
//! signs in with a bearer token, lists the crossings, watches anomalies and
//! pages through them — and finds exactly what was published, within the
//! scope of its token.
//!
//! The interpreter is `BORDERFLOW_PYTHON`, else the virtual environment
//! `scripts/ensure-tools.sh` makes under `$CARGO_HOME/borderflow-python`.
//! Skipped (with a message) only when neither exists and `CI` is not set.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use borderflow_access::Role;
use borderflow_common::grpc::Bearer;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, AnomalyStatus, Severity};
use borderflow_proto::ms_to_timestamp;
use borderflow_simulator::cli::register_crossings;
use borderflow_simulator::model::networks;
use borderflow_systest::testbed::{Testbed, eventually};
use serde_json::Value;

const PLANTED: usize = 25;
const PAGE: usize = 4;

fn python() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BORDERFLOW_PYTHON") {
        return Some(path.into());
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let venv = home.join("borderflow-python/bin/python3");
    venv.exists().then_some(venv)
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_example_signs_in_lists_watches_and_pages_over_tls() {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    let Some(python) = python() else {
        assert!(
            !ci,
            "CI is set but no Python environment: run scripts/ensure-tools.sh"
        );
        eprintln!("SKIPPED: no Python environment (scripts/ensure-tools.sh makes one)");
        return;
    };
    let network = networks::generated(6, 2);
    let bed = Testbed::start(network.clone(), 3).await.unwrap();
    let s = &bed.setup;
    let tls = [
        format!("--tls-cert={}", s.server_cert_file.display()),
        format!("--tls-key={}", s.server_key_file.display()),
    ];
    let flags: Vec<&str> = tls.iter().map(String::as_str).collect();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&flags))
        .await
        .unwrap();
    let url = format!("https://localhost:{}", aggregator.grpc_addr.port());
    let trainer = Bearer::from_file(&bed.token_file(Role::Trainer)).unwrap();
    register_crossings(&url, Some(bed.client_tls().unwrap()), trainer, &network)
        .await
        .unwrap();
    for n in 0..PLANTED {
        let crossing = &network.crossings[n % network.crossings.len()];
        bed.publish_anomaly(&Anomaly {
            id: format!("python-{n}"),
            kind: AnomalyKind::LostStolenDocument as i32,
            severity: Severity::High as i32,
            crossing_id: crossing.id.clone(),
            event_time: Some(ms_to_timestamp(1_777_852_800_000 + n as i64 * 60_000)),
            status: AnomalyStatus::Open as i32,
            ..Anomaly::default()
        })
        .await
        .unwrap();
    }
    let stored = eventually(Duration::from_secs(20), || {
        let stores = aggregator.running.as_ref().unwrap().stores.clone();
        async move { (stores.anomalies.len() == PLANTED).then_some(()) }
    })
    .await;
    assert!(stored.is_some(), "the published anomalies reach the store");

    // A one-country token: the client sees that country only.
    let country = network.crossings[0].country.clone();
    let mine: Vec<String> = network
        .crossings
        .iter()
        .filter(|c| c.country == country)
        .map(|c| c.id.clone())
        .collect();
    let issuer = s.identity.issuer().unwrap();
    let token_file = bed.dir().join("python.jwt");
    std::fs::write(
        &token_file,
        issuer.token(
            "python-client",
            &[Role::Analyst],
            &[&country],
            Duration::from_secs(600),
        ),
    )
    .unwrap();
    let expected_anomalies = (0..PLANTED)
        .filter(|n| mine.contains(&network.crossings[n % network.crossings.len()].id))
        .count();

    let script = workspace().join("docs/examples/python/borderflow_client.py");
    let output = tokio::task::spawn_blocking({
        let port = aggregator.grpc_addr.port();
        let ca = s.ca_file.clone();
        move || {
            Command::new(python)
                .arg(script)
                .arg(format!("--aggregator=localhost:{port}"))
                .arg(format!("--ca={}", ca.display()))
                .arg(format!("--token-file={}", token_file.display()))
                .arg("--watch-seconds=3")
                .arg(format!("--replay={PLANTED}"))
                .arg(format!("--page-size={PAGE}"))
                .output()
                .expect("running the Python client")
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "client failed: {stderr}\n{stdout}");
    let found: Value = serde_json::from_str(stdout.trim()).expect(&stdout);
    eprintln!("the Python client found: {found}");

    let services: Vec<&str> = found["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        services.contains(&"borderflow.analytics.v1.AnalyticsService"),
        "{services:?}"
    );
    let mut crossings: Vec<String> = found["crossings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    crossings.sort();
    let mut want = mine.clone();
    want.sort();
    assert_eq!(
        crossings, want,
        "the crossings of {country}, and only those"
    );
    assert_eq!(
        found["anomalies"], expected_anomalies,
        "paged through every visible anomaly"
    );
    assert_eq!(found["pages"], expected_anomalies.div_ceil(PAGE).max(1));
    assert_eq!(
        found["watched"], expected_anomalies,
        "the watch replayed them"
    );

    aggregator.stop_and_wait().await.unwrap();
}
