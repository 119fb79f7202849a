//! The anomalies an aggregator serves, as a disturbed run and an
//! undisturbed one are compared: what identifies each anomaly and what it
//! says happened, to whom, on which evidence.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use borderflow_common::grpc::Authorized;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, ListAnomaliesRequest, Severity};
use borderflow_proto::timestamp_to_ms;

/// One anomaly, by the fields a replay of the same input must reproduce.
///
/// Left out: when the rule fired in stream time, the revision and the
/// explanation's wording. A restarted instance resumes from its last
/// committed batch, so how far the stream had got when a rule ran (and how
/// often an open episode was republished) may differ from an undisturbed
/// run without the finding being any different.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flagged {
    pub id: String,
    pub kind: AnomalyKind,
    pub severity: Severity,
    pub crossing_id: String,
    /// When the anomalous thing happened.
    pub event_ms: i64,
    /// The document, person, officer or checkpoint it is about (whichever
    /// the evidence names), joined.
    pub subject: String,
    /// The evidence's event ids, sorted.
    pub event_ids: Vec<String>,
}

impl From<&Anomaly> for Flagged {
    fn from(a: &Anomaly) -> Self {
        let evidence = a.evidence.clone().unwrap_or_default();
        let mut event_ids = evidence.event_ids;
        event_ids.sort();
        Self {
            id: a.id.clone(),
            kind: a.kind(),
            severity: a.severity(),
            crossing_id: a.crossing_id.clone(),
            event_ms: a
                .event_time
                .as_ref()
                .and_then(timestamp_to_ms)
                .unwrap_or_default(),
            subject: [
                evidence.document_key,
                evidence.person_key,
                evidence.officer_id,
                evidence.checkpoint_id,
            ]
            .join("/"),
            event_ids,
        }
    }
}

/// Every anomaly an aggregator serves; `None` when it does not answer.
pub async fn list(client: &mut AnalyticsServiceClient<Authorized>) -> Option<BTreeSet<Flagged>> {
    let mut all = BTreeSet::new();
    let mut token = String::new();
    loop {
        let response = client
            .list_anomalies(ListAnomaliesRequest {
                page_size: 1_000,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .ok()?
            .into_inner();
        all.extend(response.anomalies.iter().map(Flagged::from));
        if response.next_page_token.is_empty() {
            return Some(all);
        }
        token = response.next_page_token;
    }
}

/// The anomalies an aggregator serves once they stop changing for two
/// seconds (or after 30 s).
pub async fn settle(client: &mut AnalyticsServiceClient<Authorized>) -> BTreeSet<Flagged> {
    let mut last = list(client).await.unwrap_or_default();
    let mut stable_since = Instant::now();
    let started = Instant::now();
    while stable_since.elapsed() < Duration::from_secs(2)
        && started.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = list(client).await.unwrap_or_default();
        if now != last {
            last = now;
            stable_since = Instant::now();
        }
    }
    last
}

/// The kinds among `anomalies`.
pub fn kinds(anomalies: &BTreeSet<Flagged>) -> BTreeSet<AnomalyKind> {
    anomalies.iter().map(|a| a.kind).collect()
}

/// Counts by kind, one line: `MRZ_CHECK_DIGIT 6, DOUBLE_ENTRY 4`.
pub fn tally(anomalies: &BTreeSet<Flagged>) -> String {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for a in anomalies {
        *counts.entry(a.kind.name()).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    parts.join(", ")
}

/// What only one side holds, one anomaly a line (empty when equal).
pub fn difference(left: &BTreeSet<Flagged>, right: &BTreeSet<Flagged>) -> String {
    let mut out = String::new();
    for a in left.difference(right) {
        let _ = writeln!(out, "  only left:  {a:?}");
    }
    for a in right.difference(left) {
        let _ = writeln!(out, "  only right: {a:?}");
    }
    out
}
