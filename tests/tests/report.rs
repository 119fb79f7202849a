//! The after-action report of a real exercise: a short scenario streamed
//! through ingest into the aggregator on a real broker, an analyst
//! triaging its anomalies over gRPC, the report made by the library and by
//! `borderflow-sim report` from the exercise record, and the file opened
//! in Chromium with the network refused: every section, who escalated what,
//! the timeline's marks, the traffic charts, and it prints.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use borderflow_access::Role;
use borderflow_i18n::Lang;
use borderflow_proto::analytics::v1::TriageAnomalyRequest;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::triage::v1::{DismissReason, TriageAction};
use borderflow_simulator::exercise::after_action;
use borderflow_simulator::report::ExerciseRecord;
use borderflow_simulator::scenario::Scenario;
use borderflow_simulator::score::{Judgement, Roster, judgements};
use borderflow_simulator::stats::Stats;
use borderflow_systest::browser;
use borderflow_systest::exercise::ExerciseServices;
use borderflow_systest::process::binary_dir;
use borderflow_systest::testbed::Testbed;

const SCENARIO: &str = r#"
name = "report drill"
network = "central-asia"
start = "2026-05-04T00:00:00Z"
duration = "6h"
speed = "x900"
seed = 17
scale = 0.2
baseline = "2h"

[[incident]]
kind = "forged_documents"
name = "forged passports at Zhibek Zholy"
crossing = "KZ-ZHIBEKZHOLY"
start = "+2h"
duration = "3h"
count = 4

[[incident]]
kind = "stolen_documents"
name = "stolen passports at Tashkent airport"
crossing = "UZ-TAS"
start = "+3h"
duration = "2h"
count = 2
"#;

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target tmp dir sits in the target dir")
        .to_owned()
}

fn open_in_chromium(report: &Path, screenshot: &Path, incidents: usize, crossings: usize) {
    let status = Command::new("node")
        .arg("report.mjs")
        .arg(report)
        .arg(screenshot)
        .arg(format!("--incidents={incidents}"))
        .arg("--escalated-by=dev-analyst")
        .arg(format!("--crossings={crossings}"))
        .current_dir(browser::driver_dir())
        .status()
        .expect("running node (installed?)");
    assert!(
        status.success(),
        "the report checks failed on {}",
        report.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_exercise_report_shows_who_caught_what_and_when() {
    if !browser::available("report browser test") {
        return;
    }
    browser::npm_ci_if_needed(&browser::driver_dir());
    let scenario = Scenario::from_toml(SCENARIO, "report-drill").unwrap();
    let bed = Testbed::start(scenario.network.clone(), 12).await.unwrap();
    let services = ExerciseServices::start(&bed, &["--allowed-lateness=20m"])
        .await
        .unwrap();
    let outcome = services
        .run(
            &scenario,
            &services.options(Duration::from_secs(3)),
            Arc::new(Stats::default()),
        )
        .await
        .unwrap();
    let forged = outcome
        .scorecard
        .incidents
        .iter()
        .find(|k| k.kind == "forged_documents")
        .unwrap();
    assert!(forged.detected >= 2, "{forged:?}");

    // The analyst escalates every forged document the system caught and
    // dismisses the first stolen one as a false alarm (a wrong call).
    let addr = services.aggregator.grpc_addr;
    let mut analyst =
        AnalyticsServiceClient::new(bed.aggregator_channel(addr, Role::Analyst).await.unwrap());
    let truth = &outcome.truth;
    let mut escalated = 0;
    let mut dismissed = 0;
    for (id, _, judgement) in judgements(&outcome.scope, truth, &outcome.anomalies) {
        let Judgement::Detects(o) = judgement else {
            continue;
        };
        let (action, reason) = match truth.occurrences[o as usize].kind.as_str() {
            "forged_documents" => (TriageAction::Escalate, DismissReason::Unspecified),
            "stolen_documents" if dismissed == 0 => {
                (TriageAction::Dismiss, DismissReason::FalseAlarm)
            }
            _ => continue,
        };
        analyst
            .triage_anomaly(TriageAnomalyRequest {
                anomaly_id: id,
                action: action as i32,
                reason: reason as i32,
                ..TriageAnomalyRequest::default()
            })
            .await
            .unwrap();
        if action == TriageAction::Escalate {
            escalated += 1;
        } else {
            dismissed += 1;
        }
    }
    assert_eq!(escalated, forged.detected);

    // The report as `run --report` makes it.
    let mut trainer = [AnalyticsServiceClient::new(
        bed.aggregator_channel(addr, Role::Trainer).await.unwrap(),
    )];
    let (card, html) = after_action(
        &mut trainer,
        &outcome.scope,
        truth,
        &[],
        &Roster::default(),
        Lang::En,
    )
    .await
    .unwrap();
    let operators = card.operators.as_ref().unwrap();
    assert_eq!(operators.escalated, escalated);
    assert_eq!(operators.wrongly_dismissed, dismissed);
    let analyst_row = operators
        .operators
        .iter()
        .find(|o| o.operator == "dev-analyst")
        .unwrap();
    assert_eq!(analyst_row.escalated, escalated);
    assert_eq!(analyst_row.actions, escalated + dismissed);
    assert_eq!(
        card.totals, outcome.scorecard.totals,
        "the same anomalies, scored alike"
    );
    let report = target_dir().join("exercise-report.html");
    std::fs::write(&report, &html).unwrap();
    let incidents = operators.incidents.len();
    open_in_chromium(
        &report,
        &target_dir().join("exercise-report.png"),
        incidents,
        2,
    );

    // The same from the record, by the command line, in Russian.
    let record = bed.dir().join("exercise.json");
    let json = serde_json::to_string(&ExerciseRecord::new(&outcome.scope, truth, &[])).unwrap();
    std::fs::write(&record, json).unwrap();
    let (out, scorecard) = (
        bed.dir().join("report-ru.html"),
        bed.dir().join("card.json"),
    );
    let status = Command::new(binary_dir().unwrap().join("borderflow-sim"))
        .arg("report")
        .arg(format!("--record={}", record.display()))
        .arg(format!("--aggregator=http://{addr}"))
        .arg(format!(
            "--aggregator-token-file={}",
            bed.token_file(Role::Trainer).display()
        ))
        .arg("--lang=ru")
        .arg(format!("--out={}", out.display()))
        .arg(format!("--scorecard={}", scorecard.display()))
        .status()
        .unwrap();
    assert!(status.success());
    let russian = std::fs::read_to_string(&out).unwrap();
    assert!(russian.contains("Отчёт об учении: report drill"));
    assert!(russian.contains("передано выше"));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&scorecard).unwrap()).unwrap();
    assert_eq!(written["operators"]["escalated"], escalated);
    assert_eq!(written["operators"]["wrongly_dismissed"], dismissed);
    services.stop().await.unwrap();
}
