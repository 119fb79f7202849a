//! The dashboard's triage queue in a real browser: a tansu broker, the
//! aggregator as a child process, two registered crossings of two
//! countries and four anomalies of four severities published to the
//! anomalies topic. Debian's Chromium, driven by
//! `tests/dashboard/triage.mjs`, signs in as an analyst, finds all four new
//! on `#/triage`, acknowledges one, takes one, dismisses one for a false
//! alarm and notes the last (a reason picked and a note typed must survive
//! the queue's five-second refresh), checks "My queue", the state filter, a
//! refusal of an action on a stale revision (another analyst noted the
//! anomaly through the JSON API meanwhile) and the page in Russian; a
//! viewer gets no triage, an analyst scoped to one country sees only its
//! two. The records the aggregator then holds, listed through
//! `AnalyticsService.ListTriage`, must be exactly what the page did (actors,
//! assignee, reason, notes) and what the page last showed. A screenshot of
//! the queue after the four actions goes to `<target>/dashboard-triage.png`
//! (`docs/triage.png` is a copy of one, for the README).
//!
//! Skipped (with a message) only when `/usr/bin/chromium` is missing and
//! `CI` is not set; under CI it always runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use borderflow_access::Role;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyKind, AnomalyStatus, ListTriageRequest, Severity,
};
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::triage::v1::DismissReason::{FalseAlarm, Unspecified as NoReason};
use borderflow_proto::triage::v1::{DismissReason, TriageAction, TriageRecord, TriageState};
use borderflow_simulator::model::network::CrossingSpec;
use borderflow_simulator::model::networks;
use borderflow_systest::browser;
use borderflow_systest::testbed::{Testbed, aggregator_channel, eventually};
use serde_json::{Value, json};

const DRIVER_TIMEOUT: Duration = Duration::from_secs(90);
/// The analyst who acts through the page, and the one who acts behind
/// its back: subjects of tokens this test mints.
const ANALYST: &str = "analyst-one";
const OTHER: &str = "analyst-two";
const NOTE: &str = "officer at lane 3 called back";
const OTHER_NOTE: &str = "seen on the night shift";

/// What the test publishes of one anomaly, and where.
struct Published<'a> {
    id: &'static str,
    kind: AnomalyKind,
    severity: Severity,
    explanation: &'static str,
    crossing: &'a CrossingSpec,
}

impl Published<'_> {
    fn anomaly(&self, event_ms: i64) -> Anomaly {
        Anomaly {
            id: self.id.into(),
            kind: self.kind as i32,
            severity: self.severity as i32,
            crossing_id: self.crossing.id.clone(),
            event_time: Some(ms_to_timestamp(event_ms)),
            detected_at: Some(ms_to_timestamp(event_ms + 2_000)),
            explanation: self.explanation.into(),
            status: AnomalyStatus::Open as i32,
            ..Anomaly::default()
        }
    }
}

/// One history entry as (action, actor, assignee, reason, note).
fn entries(record: &TriageRecord) -> Vec<(TriageAction, &str, &str, DismissReason, &str)> {
    record
        .history
        .iter()
        .map(|e| {
            (
                TriageAction::try_from(e.action).unwrap(),
                e.actor.as_str(),
                e.assignee.as_str(),
                DismissReason::try_from(e.reason).unwrap(),
                e.note.as_str(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn operators_triage_anomalies_on_the_dashboard_in_chromium() {
    if !browser::available("dashboard triage test") {
        return;
    }
    let dir = browser::driver_dir();
    tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || browser::npm_ci_if_needed(&dir)
    })
    .await
    .unwrap();

    let network = networks::generated(2, 7);
    let (home, away) = (&network.crossings[0], &network.crossings[1]);
    assert_ne!(home.country, away.country, "two countries to scope by");
    let bed = Testbed::start(network.clone(), 2).await.unwrap();
    // Registered before the aggregator starts: a scoped caller's anomalies
    // are those of its country's crossings.
    bed.publish_registry().await.unwrap();
    let mut aggregator = bed
        .spawn(
            "borderflow-aggregator",
            &bed.aggregator_args(&[]),
            bed.dir().join("aggregator.log"),
        )
        .await
        .unwrap();

    // Four anomalies, newest first, a minute apart.
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let published = [
        Published {
            id: "watchlist-1",
            kind: AnomalyKind::WatchlistHit,
            severity: Severity::Critical,
            explanation: "Document on the watchlist presented at lane 2",
            crossing: home,
        },
        Published {
            id: "stolen-1",
            kind: AnomalyKind::LostStolenDocument,
            severity: Severity::High,
            explanation: "Passport reported stolen presented at lane 4",
            crossing: home,
        },
        Published {
            id: "mrz-1",
            kind: AnomalyKind::MrzCheckDigit,
            severity: Severity::Medium,
            explanation: "Machine-readable zone failed its check digits",
            crossing: away,
        },
        Published {
            id: "expired-1",
            kind: AnomalyKind::DocumentExpired,
            severity: Severity::Low,
            explanation: "Document expired 12 days before the crossing",
            crossing: away,
        },
    ];
    for (i, p) in published.iter().enumerate() {
        let at = now_ms - 60_000 * (i as i64 + 1);
        bed.publish_anomaly(&p.anomaly(at)).await.unwrap();
    }
    let [acked, taken, dismissed, noted] = published.each_ref().map(|p| p.id);

    let issuer = bed.setup.identity.issuer().unwrap();
    let token_file = |subject: &str, role: Role, countries: &[&str]| {
        let file = bed.dir().join(format!("{subject}.jwt"));
        let token = issuer.token(subject, &[role], countries, Duration::from_secs(3_600));
        std::fs::write(&file, token).unwrap();
        file
    };
    let analyst = token_file(ANALYST, Role::Analyst, &["*"]);
    let other = token_file(OTHER, Role::Analyst, &["*"]);
    let viewer = token_file("viewer-all", Role::Viewer, &["*"]);
    let scoped_subject = format!("analyst-{}", home.country.to_lowercase());
    let scoped = token_file(&scoped_subject, Role::Analyst, &[&home.country]);

    // The aggregator holds all four, and knows whose country each is in.
    let addr = aggregator.grpc_addr;
    let mut client = AnalyticsServiceClient::new(aggregator_channel(addr, &analyst).await.unwrap());
    let scoped_client =
        AnalyticsServiceClient::new(aggregator_channel(addr, &scoped).await.unwrap());
    eventually(Duration::from_secs(30), || {
        let (mut all, mut one) = (client.clone(), scoped_client.clone());
        async move {
            let all = all.list_triage(ListTriageRequest::default()).await.ok()?;
            let one = one.list_triage(ListTriageRequest::default()).await.ok()?;
            (all.into_inner().items.len() == 4 && one.into_inner().items.len() == 2).then_some(())
        }
    })
    .await
    .expect("four anomalies held, two in the scoped analyst's country");

    let plan = json!({
        "anomalies": published.iter().map(|p| json!({
            "id": p.id,
            "crossing": p.crossing.id,
            "country": p.crossing.country,
            "severity": p.severity.label(),
        })).collect::<Vec<_>>(),
        "acknowledge": acked,
        "take": taken,
        "dismiss": dismissed,
        "note": { "id": noted, "text": NOTE },
        "stale": { "id": acked, "note": OTHER_NOTE },
        "scoped_country": home.country,
    });
    let plan_file = bed.dir().join("triage-plan.json");
    std::fs::write(&plan_file, plan.to_string()).unwrap();
    let observed_file = bed.dir().join("triage-observed.json");

    let url = format!("http://{}/", aggregator.admin_addr);
    let screenshot = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target tmp dir sits in the target dir")
        .join("dashboard-triage.png");
    let driver = tokio::task::spawn_blocking({
        let (url, screenshot, observed_file) =
            (url.clone(), screenshot.clone(), observed_file.clone());
        move || {
            Command::new("node")
                .arg("triage.mjs")
                .arg(&url)
                .arg(&screenshot)
                .arg(format!("--plan-file={}", plan_file.display()))
                .arg(format!("--observed-file={}", observed_file.display()))
                .arg(format!("--analyst-token-file={}", analyst.display()))
                .arg(format!("--other-token-file={}", other.display()))
                .arg(format!("--viewer-token-file={}", viewer.display()))
                .arg(format!("--scoped-token-file={}", scoped.display()))
                .current_dir(&dir)
                .status()
        }
    });
    let status = tokio::time::timeout(DRIVER_TIMEOUT, driver)
        .await
        .expect("the browser checks finish in time")
        .unwrap()
        .expect("running node (installed?)");
    eprintln!("triage screenshot: {}", screenshot.display());
    assert!(status.success(), "the browser checks failed against {url}");

    // What the aggregator holds is what the page did, actor by actor.
    let items = client
        .list_triage(ListTriageRequest::default())
        .await
        .unwrap()
        .into_inner()
        .items;
    let records: BTreeMap<String, TriageRecord> = items
        .into_iter()
        .map(|i| (i.anomaly.unwrap().id, i.triage.expect("every one triaged")))
        .collect();
    assert_eq!(records.len(), 4, "{records:?}");
    let state = |id: &str| TriageState::try_from(records[id].state).unwrap();

    assert_eq!(state(acked), TriageState::Acknowledged);
    assert_eq!(records[acked].revision, 2);
    assert_eq!(
        entries(&records[acked]),
        [
            (TriageAction::Acknowledge, ANALYST, "", NoReason, ""),
            (TriageAction::Note, OTHER, "", NoReason, OTHER_NOTE),
        ],
        "the refused escalation left no trace"
    );

    assert_eq!(state(taken), TriageState::New);
    assert_eq!(records[taken].assignee, ANALYST);
    assert_eq!(
        entries(&records[taken]),
        [(TriageAction::Assign, ANALYST, ANALYST, NoReason, "")]
    );

    assert_eq!(state(dismissed), TriageState::Dismissed);
    assert_eq!(records[dismissed].dismiss_reason, FalseAlarm as i32);
    assert_eq!(
        entries(&records[dismissed]),
        [(TriageAction::Dismiss, ANALYST, "", FalseAlarm, "")]
    );

    assert_eq!(state(noted), TriageState::New);
    assert_eq!(records[noted].assignee, "");
    assert_eq!(
        entries(&records[noted]),
        [(TriageAction::Note, ANALYST, "", NoReason, NOTE)]
    );

    // ... and what the page last showed of each.
    let observed: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&observed_file).unwrap()).unwrap();
    assert_eq!(observed.len(), 4, "{observed:?}");
    for shown in &observed {
        let id = shown["id"].as_str().unwrap();
        let record = &records[id];
        let actions: Vec<&str> = record
            .history
            .iter()
            .map(|e| TriageAction::label_of(e.action))
            .collect();
        assert_eq!(
            shown["state"],
            TriageState::label_of(record.state),
            "{id}: {shown}"
        );
        assert_eq!(shown["revision"], record.revision, "{id}: {shown}");
        assert_eq!(shown["history"], json!(actions), "{id}: {shown}");
        let assignee = if record.assignee.is_empty() {
            String::new()
        } else {
            format!("assigned to {}", record.assignee)
        };
        assert_eq!(shown["assignee"], assignee, "{id}: {shown}");
        let reason = match DismissReason::try_from(record.dismiss_reason).unwrap() {
            FalseAlarm => "false alarm",
            NoReason => "",
            other => panic!("{id}: dismissed as {other:?}"),
        };
        assert_eq!(shown["reason"], reason, "{id}: {shown}");
    }

    let (exit, _) = aggregator.terminate(Duration::from_secs(20)).await.unwrap();
    assert!(exit.success(), "the aggregator exited with {exit}");
}
