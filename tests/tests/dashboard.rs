//! The built-in dashboard in a real browser: a broker, ingest and an
//! aggregator in this process, a generated network of 40 crossings streaming
//! at sixty times real time, and Debian's Chromium driven by
//! `tests/dashboard/check.mjs` (playwright-core) against the aggregator's
//! admin port. Signed out, the page shows only its sign-in panel and the API
//! answers 401. Signed in through the form with the setup's analyst token,
//! the driver checks rows, markers, moving figures, sorting, filtering, the
//! live anomaly feed (travellers with expired or damaged documents submitted
//! through ingest and flagged by the detection engine) and a crossing page,
//! and saves a screenshot to `<target>/dashboard.png`. Signed out with the
//! button, the data is gone; signed in with a viewer token for one country,
//! the page lists exactly that country's crossings and no anomalies.
//!
//! Tokens reach the driver as files, not on its command line.
//!
//! Skipped (with a message) only when `/usr/bin/chromium` is missing and
//! `CI` is not set; under CI it always runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use borderflow_access::Role;
use borderflow_common::grpc::Bearer;
use borderflow_domain::mrz::{self, Corruption, DocumentSpec, Format};
use borderflow_domain::time::{Date, MS_PER_HOUR};
use borderflow_proto::ingest::v1::SubmitInspectionRequest;
use borderflow_proto::ingest::v1::ingest_service_client::IngestServiceClient;
use borderflow_proto::inspection::v1::{
    BoothChecks, Direction, DocumentRead, InspectionEvent, MachineReadableZone, Outcome,
    Protection, ReferralCategory, TravelMode, Traveller, document_read,
};
use borderflow_proto::ms_to_timestamp;
use borderflow_simulator::cli::register_crossings;
use borderflow_simulator::link::LinkConfig;
use borderflow_simulator::model::networks;
use borderflow_simulator::model::traffic::TrafficConfig;
use borderflow_simulator::run::{Ingests, RunConfig, run};
use borderflow_simulator::setup::credentials::TokenIssuer;
use borderflow_simulator::stats::Stats;
use borderflow_systest::browser;
use borderflow_systest::testbed::{Testbed, eventually};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

const CROSSINGS: usize = 40;
/// Simulated seconds per wall second: a one-minute window closes every second.
const SPEED: f64 = 60.0;
/// The crossing the driver expects anomalies (and an alert) for.
const WATCHED: &str = "GEN-00003";
/// The one country a scoped viewer signs in for: some, not all, of the
/// generated crossings.
const SCOPED_COUNTRY: &str = "KAZ";
const DRIVER_TIMEOUT: Duration = Duration::from_secs(240);

/// `<target dir>/dashboard.png`, beside the build it checked.
fn screenshot_path() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target tmp dir sits in the target dir")
        .join("dashboard.png")
}

/// Travellers the detection engine must flag, submitted through ingest like
/// any booth's: an expired passport at the watched crossing and a damaged
/// machine-readable zone at another, every 1.5 s of wall time, timed at the
/// simulated "now" so they land in the windows the page is showing.
async fn submit_flagged_travellers(
    channel: Channel,
    tokens: TokenIssuer,
    sim_start_ms: i64,
    stop: CancellationToken,
) {
    let started = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut n = 0u64;
    while !stop.is_cancelled() {
        let now = sim_start_ms + (started.elapsed().as_secs_f64() * SPEED * 1_000.0) as i64;
        let other = format!("GEN-{:05}", (n % CROSSINGS as u64) + 1);
        let today = Date::from_epoch_ms(now);
        for (crossing, expired) in [(WATCHED.to_owned(), true), (other, false)] {
            let mut spec = DocumentSpec::random(&mut rng, Format::Td3, today);
            let lines = if expired {
                spec.expiry_date = today.add_days(-(3 + (n % 40) as i64));
                mrz::write(&spec).unwrap()
            } else {
                mrz::corrupt(
                    &mrz::write(&spec).unwrap(),
                    Corruption::SubstituteChecked,
                    &mut rng,
                )
            };
            let checkpoint = format!("{crossing}-L01");
            let event = InspectionEvent {
                event_id: uuid::Builder::from_random_bytes(rng.random::<[u8; 16]>())
                    .into_uuid()
                    .to_string(),
                crossing_id: crossing.clone(),
                lane_id: "L01".into(),
                checkpoint_id: checkpoint.clone(),
                officer_id: format!("{crossing}-O001"),
                direction: Direction::Entry as i32,
                mode: TravelMode::Road as i32,
                queued_at: Some(ms_to_timestamp(now - 300_000)),
                started_at: Some(ms_to_timestamp(now - 60_000)),
                completed_at: Some(ms_to_timestamp(now)),
                document: Some(DocumentRead {
                    source: Some(document_read::Source::Mrz(MachineReadableZone { lines })),
                }),
                traveller: Some(Traveller::default()),
                checks: Some(BoothChecks {
                    biometric_score: Some(0.95),
                    ..BoothChecks::default()
                }),
                outcome: Outcome::Admitted as i32,
                refusal_reason: 0,
                // The watched crossing's travellers ask for protection and
                // are referred to the asylum authority.
                protection: expired.then(|| Protection {
                    protection_requested: true,
                    suspected_trafficking_victim: false,
                    referrals: vec![ReferralCategory::AsylumAuthority as i32],
                }),
            };
            let bearer = Bearer::new(Some(&tokens.token(&checkpoint))).unwrap();
            let mut client = IngestServiceClient::with_interceptor(channel.clone(), bearer);
            let sent = client
                .submit_inspection(SubmitInspectionRequest { event: Some(event) })
                .await;
            assert!(sent.is_ok(), "submitting a flagged traveller: {sent:?}");
        }
        n += 1;
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(Duration::from_millis(1_500)) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dashboard_shows_live_crossings_and_anomalies_in_chromium() {
    if !browser::available("dashboard browser test") {
        return;
    }
    let dir = browser::driver_dir();
    tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || browser::npm_ci_if_needed(&dir)
    })
    .await
    .unwrap();

    let network = networks::generated(CROSSINGS, 5);
    let scoped_crossings = network
        .crossings
        .iter()
        .filter(|c| c.country == SCOPED_COUNTRY)
        .count();
    assert!(
        (1..CROSSINGS).contains(&scoped_crossings),
        "{scoped_crossings} of {CROSSINGS} crossings in {SCOPED_COUNTRY}: pick a country some but not all belong to"
    );
    let bed = Testbed::start(network.clone(), 4).await.unwrap();
    let analyst_token = bed.token_file(Role::Analyst);
    let viewer_token = bed.dir().join("viewer-scoped.jwt");
    let viewer = bed.setup.identity.issuer().unwrap().token(
        &format!("viewer-{}", SCOPED_COUNTRY.to_lowercase()),
        &[Role::Viewer],
        &[SCOPED_COUNTRY],
        Duration::from_secs(3_600),
    );
    std::fs::write(&viewer_token, viewer).unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();
    let trainer = Bearer::from_file(&bed.token_file(Role::Trainer)).unwrap();
    register_crossings(
        &format!("http://{}", aggregator.grpc_addr),
        None,
        trainer,
        &network,
    )
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
        let channel = bed.ingest_endpoint(ingest.grpc_addr).unwrap();
        let tokens = bed.tokens().unwrap();
        let (network, stats, stop) = (network.clone(), stats.clone(), stop.clone());
        async move {
            let ingests = Ingests::one(channel, tokens);
            run(&network, &config, &ingests, Vec::new(), stats, stop).await
        }
    });
    let writer = tokio::spawn(submit_flagged_travellers(
        bed.ingest_channel(ingest.grpc_addr).await.unwrap(),
        bed.tokens().unwrap(),
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
                .arg(format!("--analyst-token-file={}", analyst_token.display()))
                .arg(format!("--viewer-token-file={}", viewer_token.display()))
                .arg(format!("--viewer-country={SCOPED_COUNTRY}"))
                .arg(format!("--viewer-crossings={scoped_crossings}"))
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
