//! The dashboard's pair view in a real browser, on a real run: a twin pair
//! coupled by the simulator (travellers let out at KZ-A are inspected at
//! KG-B after the drive, forty parties vanish between the posts for two
//! hours), ingest keying their documents with the pair key, the
//! aggregator's liaison stage exchanging and reconciling both posts'
//! periods on a tansu broker. Then Debian's Chromium, driven by
//! `tests/dashboard/pair.mjs`, reaches the pair view from KZ-A's crossing
//! page and checks its figures against what crossed the exchange topic
//! (every period's published total, per post and direction) and what the
//! reconciliation judged: travellers who never arrived, arrivals never
//! recorded leaving, the periods that alarmed (marked on the gap chart),
//! and the MIRROR_GAP anomaly. In Russian too. A viewer scoped to a
//! country with no post of the pair is refused it; one scoped to KGZ sees
//! it without the anomalies.
//!
//! Skipped (with a message) only when `/usr/bin/chromium` is missing and
//! `CI` is not set; under CI it always runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use borderflow_access::Role;
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::AnomalyKind;
use borderflow_proto::inspection::v1::Direction;
use borderflow_proto::liaison::v1::LiaisonRecord;
use borderflow_proto::timestamp_to_ms;
use borderflow_simulator::stats::Stats;
use borderflow_systest::browser;
use borderflow_systest::exercise::ExerciseServices;
use borderflow_systest::testbed::{Testbed, eventually};
use borderflow_systest::twins;
use serde_json::json;

const PAIR: &str = "KG-B+KZ-A";
const DRIVER_TIMEOUT: Duration = Duration::from_secs(180);

/// Every period that crossed the exchange topic: (crossing, exit, start)
/// to its total, the largest where a period was published again.
fn exchanged(bed: &Testbed) -> BTreeMap<(String, bool, i64), u64> {
    let mut out = BTreeMap::new();
    for (_, payload) in twins::read_topic(bed, &bed.topics.liaison) {
        let record = LiaisonRecord::decode(&payload[..]).unwrap();
        let start = record
            .period_start
            .as_ref()
            .and_then(timestamp_to_ms)
            .unwrap();
        let exit = record.direction == Direction::Exit as i32;
        let total = out.entry((record.crossing_id, exit, start)).or_insert(0);
        *total = (*total).max(record.total);
    }
    out
}

/// What the page must show of the flow from `from` to `to`.
fn expected_flow(
    exchanged: &BTreeMap<(String, bool, i64), u64>,
    judged: &[borderflow_aggregator::store::liaison::FlowJudgements],
    from: &str,
    to: &str,
) -> serde_json::Value {
    let sum = |crossing: &str, exit: bool| -> (u64, usize) {
        let periods: Vec<u64> = exchanged
            .iter()
            .filter(|((c, e, _), _)| c == crossing && *e == exit)
            .map(|(_, total)| *total)
            .collect();
        (periods.iter().sum(), periods.len())
    };
    let (left, left_periods) = sum(from, true);
    let (entered, _) = sum(to, false);
    let flow = judged.iter().find(|f| f.from == from && f.to == to);
    let verdicts = |pick: fn(
        &borderflow_aggregator::store::liaison::PeriodJudgement,
    ) -> Option<borderflow_aggregator::store::liaison::Verdict>| {
        flow.map(|f| {
            f.periods
                .values()
                .filter_map(pick)
                .fold(0, |n, v| n + v.missing)
        })
    };
    let alarms = flow.map_or(0, |f| {
        f.periods
            .values()
            .filter(|p| p.gone.is_some_and(|v| v.alarm) || p.unrecorded.is_some_and(|v| v.alarm))
            .count()
    });
    json!({
        "from": from,
        "to": to,
        "left": left,
        "left_periods": left_periods,
        "entered": entered,
        "gone": verdicts(|p| p.gone),
        "unrecorded": verdicts(|p| p.unrecorded),
        "gap_marks": alarms,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_pair_view_shows_both_sides_and_the_gap_of_a_real_run_in_chromium() {
    if !browser::available("dashboard pair view test") {
        return;
    }
    let dir = browser::driver_dir();
    tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || browser::npm_ci_if_needed(&dir)
    })
    .await
    .unwrap();

    let bed = Testbed::start(twins::network(), 3).await.unwrap();
    let keys = format!("--pair-keys-file={}", bed.setup.pair_keys_file.display());
    let services = ExerciseServices::start_with(&bed, &[&keys], &[&keys])
        .await
        .unwrap();
    let scenario = twins::vanishing_scenario(bed.dir(), 5);
    let options = services.options(Duration::from_secs(8));
    let outcome = services
        .run(&scenario, &options, Arc::new(Stats::default()))
        .await
        .unwrap();
    let gap = outcome
        .anomalies
        .iter()
        .find(|a| a.kind == AnomalyKind::MirrorGap as i32 && a.crossing_id == "KZ-A")
        .expect("the vanished travellers are a MIRROR_GAP at KZ-A")
        .id
        .clone();

    // The page shows what the exchange carried: wait until this
    // instance's view of the topic holds every period on it.
    let exchanged = exchanged(&bed);
    assert!(exchanged.len() > 100, "{}", exchanged.len());
    let stores = services.aggregator.running.as_ref().unwrap().stores.clone();
    eventually(Duration::from_secs(30), || {
        let held: BTreeMap<(String, bool, i64), u64> = stores
            .liaison
            .figures(PAIR, i64::MIN)
            .into_iter()
            .map(|(k, f)| (k, f.total))
            .collect();
        let same = held == exchanged;
        async move { same.then_some(()) }
    })
    .await
    .expect("the liaison view holds what crossed the exchange");
    let judged = stores.liaison.judged().flows(PAIR, i64::MIN);
    let expected = json!({
        "pair": PAIR,
        "gap_anomaly": gap,
        "flows": [
            expected_flow(&exchanged, &judged, "KZ-A", "KG-B"),
            expected_flow(&exchanged, &judged, "KG-B", "KZ-A"),
        ],
    });
    eprintln!("expected on the pair view: {expected}");
    let out = &expected["flows"][0];
    assert!(out["gone"].as_u64().unwrap() > 40, "{out}");
    assert!(out["gap_marks"].as_u64().unwrap() > 0, "{out}");
    let expected_file = bed.dir().join("pair-expected.json");
    std::fs::write(&expected_file, expected.to_string()).unwrap();

    let issuer = bed.setup.identity.issuer().unwrap();
    let viewer = |country: &str| {
        let file = bed.dir().join(format!("viewer-{country}.jwt"));
        let token = issuer.token(
            &format!("viewer-{}", country.to_lowercase()),
            &[Role::Viewer],
            &[country],
            Duration::from_secs(3_600),
        );
        std::fs::write(&file, token).unwrap();
        file
    };
    let (outsider, neighbour) = (viewer("UZB"), viewer("KGZ"));
    let analyst = bed.token_file(Role::Analyst);
    let url = format!("http://{}/", services.aggregator.admin_addr);
    let screenshot = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("dashboard-pair.png");
    let driver = tokio::task::spawn_blocking({
        let (url, screenshot) = (url.clone(), screenshot.clone());
        move || {
            Command::new("node")
                .arg("pair.mjs")
                .arg(&url)
                .arg(&screenshot)
                .arg(format!("--expected-file={}", expected_file.display()))
                .arg(format!("--analyst-token-file={}", analyst.display()))
                .arg(format!("--outsider-token-file={}", outsider.display()))
                .arg(format!("--neighbour-token-file={}", neighbour.display()))
                .current_dir(&dir)
                .status()
        }
    });
    let status = tokio::time::timeout(DRIVER_TIMEOUT, driver)
        .await
        .expect("the browser checks finish in time")
        .unwrap()
        .expect("running node (installed?)");
    eprintln!("pair view screenshot: {}", screenshot.display());
    services.stop().await.unwrap();
    assert!(status.success(), "the browser checks failed against {url}");
}
