//! The built-in dashboard in a real browser: a broker, ingest and an
//! aggregator in this process, a generated network of 40 crossings streaming
//! at sixty times real time, and Debian's Chromium driven by
//! `tests/dashboard/check.mjs` (playwright-core) against the aggregator's
//! admin port. The driver checks rows, markers, moving figures, sorting,
//! filtering, the live anomaly feed and a crossing page, and saves a
//! screenshot to `<target>/dashboard.png`.
//!
//! Skipped (with a message) only when `/usr/bin/chromium` is missing and
//! `CI` is not set; under CI it always runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use borderflow_benches::testbed::{Testbed, eventually};
use borderflow_domain::time::{Date, MS_PER_HOUR};
use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyKind, AnomalyStatus, Evidence, Measurement, Severity,
};
use borderflow_proto::{Message, ms_to_timestamp};
use borderflow_simulator::cli::register_crossings;
use borderflow_simulator::link::LinkConfig;
use borderflow_simulator::model::networks;
use borderflow_simulator::model::traffic::TrafficConfig;
use borderflow_simulator::run::{RunConfig, run};
use borderflow_simulator::stats::Stats;
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_util::sync::CancellationToken;

const CHROMIUM: &str = "/usr/bin/chromium";
const CROSSINGS: usize = 40;
/// Simulated seconds per wall second: a one-minute window closes every second.
const SPEED: f64 = 60.0;
/// The crossing the driver expects anomalies (and an alert) for.
const WATCHED: &str = "GEN-00003";
const DRIVER_TIMEOUT: Duration = Duration::from_secs(240);

fn driver_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dashboard")
}

/// `<target dir>/dashboard.png`, beside the build it checked.
fn screenshot_path() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target tmp dir sits in the target dir")
        .join("dashboard.png")
}

/// Whether to run: Chromium is there, or CI insists.
fn browser_available() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    let present = Path::new(CHROMIUM).exists();
    if !present && !ci {
        eprintln!(
            "SKIPPED dashboard browser test: {CHROMIUM} is not installed \
             (apt-get install -y chromium); with CI=true this is a failure"
        );
        return false;
    }
    assert!(present, "CI is set but {CHROMIUM} is missing");
    true
}

fn npm_ci_if_needed(dir: &Path) {
    if dir.join("node_modules/playwright-core").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .expect("running npm ci (node and npm installed?)");
    assert!(status.success(), "npm ci in {} failed", dir.display());
}

/// Anomalies as the detection engine will flag them for expired and
/// damaged documents. Until that engine lands this test writes them to the
/// anomalies topic itself (key = crossing id), where the materialiser picks
/// them up like any other; the lead switches it to real detections.
async fn write_anomalies(
    producer: FutureProducer,
    topic: String,
    sim_start_ms: i64,
    stop: CancellationToken,
) {
    let started = Instant::now();
    let mut n = 0u64;
    while !stop.is_cancelled() {
        let sim_now = sim_start_ms + (started.elapsed().as_secs_f64() * SPEED * 1_000.0) as i64;
        let other = format!("GEN-{:05}", (n % CROSSINGS as u64) + 1);
        let records = [
            anomaly(
                n,
                WATCHED,
                AnomalyKind::DocumentExpired,
                Severity::High,
                sim_now,
            ),
            anomaly(
                n,
                &other,
                AnomalyKind::MrzCheckDigit,
                Severity::Medium,
                sim_now,
            ),
        ];
        for record in records {
            let payload = record.encode_to_vec();
            let sent = producer
                .send(
                    FutureRecord::to(&topic)
                        .key(&record.crossing_id)
                        .payload(&payload),
                    Duration::from_secs(5),
                )
                .await;
            assert!(sent.is_ok(), "writing a test anomaly: {sent:?}");
        }
        n += 1;
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(Duration::from_millis(1_500)) => {}
        }
    }
}

fn anomaly(n: u64, crossing: &str, kind: AnomalyKind, severity: Severity, at_ms: i64) -> Anomaly {
    let expired = kind == AnomalyKind::DocumentExpired;
    Anomaly {
        id: format!("dashboard-test-{}-{n}", kind.as_str_name()),
        kind: kind as i32,
        severity: severity as i32,
        crossing_id: crossing.to_owned(),
        event_time: Some(ms_to_timestamp(at_ms)),
        detected_at: Some(ms_to_timestamp(at_ms)),
        explanation: if expired {
            format!(
                "travel document expired {} days before the crossing",
                3 + n % 40
            )
        } else {
            "machine-readable zone check digit does not match".to_owned()
        },
        evidence: Some(Evidence {
            event_ids: vec![format!("evt-{crossing}-{n}")],
            values: if expired {
                vec![Measurement {
                    name: "days_expired".into(),
                    value: (3 + n % 40) as f64,
                    unit: "d".into(),
                }]
            } else {
                Vec::new()
            },
            document_key: format!("{:064x}", u128::from(n) * 0x9e37_79b9_7f4a_7c15),
            checkpoint_id: format!("{crossing}-L1"),
            ..Evidence::default()
        }),
        status: AnomalyStatus::Open as i32,
        revision: 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dashboard_shows_live_crossings_and_anomalies_in_chromium() {
    if !browser_available() {
        return;
    }
    let dir = driver_dir();
    tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || npm_ci_if_needed(&dir)
    })
    .await
    .unwrap();

    let network = networks::generated(CROSSINGS, 5);
    let bed = Testbed::start(network.clone(), 4).await.unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();
    register_crossings(&format!("http://{}", aggregator.grpc_addr), None, &network)
        .await
        .unwrap();

    // Early morning local time, so traffic builds up while the page watches;
    // twelve simulated hours outlast the browser checks.
    let sim_start_ms = Date::new(2026, 5, 4).unwrap().start_epoch_ms() + 2 * MS_PER_HOUR;
    let stop = CancellationToken::new();
    let config = RunConfig {
        traffic: TrafficConfig {
            start_ms: sim_start_ms,
            end_ms: sim_start_ms + 12 * MS_PER_HOUR,
            seed: 5,
            scale: 1.0,
            heartbeat_idle_ms: 5 * 60_000,
        },
        clock_speed: Some(SPEED),
        link: LinkConfig::default(),
        outbox_dir: None,
        closing_after_ms: 10 * 60_000,
    };
    let stats = Arc::new(Stats::default());
    let simulator = tokio::spawn({
        let channel = bed.ingest_channel(ingest.grpc_addr).await.unwrap();
        let tokens = bed.tokens().unwrap();
        let (network, stats, stop) = (network.clone(), stats.clone(), stop.clone());
        async move { run(&network, &config, channel, &tokens, Vec::new(), stats, stop).await }
    });
    let producer: FutureProducer = bed
        .kafka()
        .producer_config("dashboard-test")
        .create()
        .unwrap();
    let writer = tokio::spawn(write_anomalies(
        producer,
        bed.topics.anomalies.clone(),
        sim_start_ms,
        stop.clone(),
    ));

    let stores = aggregator.running.as_ref().unwrap().stores.clone();
    eventually(Duration::from_secs(60), || {
        let ready = stores.reference.crossings().len() == CROSSINGS
            && stores.windows.crossing_ids().len() >= CROSSINGS / 2
            && !stores.anomalies.is_empty();
        async move { ready.then_some(()) }
    })
    .await
    .expect("crossings registered, windows and anomalies materialised");

    let url = format!("http://{}/", aggregator.admin_addr);
    let screenshot = screenshot_path();
    let driver = tokio::task::spawn_blocking({
        let (url, screenshot) = (url.clone(), screenshot.clone());
        move || {
            Command::new("node")
                .arg("check.mjs")
                .arg(&url)
                .arg(&screenshot)
                .arg(format!("--crossings={CROSSINGS}"))
                .arg(format!("--anomaly-crossing={WATCHED}"))
                .current_dir(&dir)
                .status()
        }
    });
    let status = tokio::time::timeout(DRIVER_TIMEOUT, driver)
        .await
        .expect("the browser checks finish in time")
        .unwrap()
        .expect("running node (installed?)");
    eprintln!("dashboard screenshot: {}", screenshot.display());

    stop.cancel();
    writer.await.unwrap();
    let _ = simulator.await.unwrap();
    assert!(status.success(), "the browser checks failed against {url}");
    assert!(
        screenshot.exists(),
        "no screenshot at {}",
        screenshot.display()
    );

    aggregator.stop_and_wait().await.unwrap();
    ingest.stop_and_wait().await.unwrap();
}
