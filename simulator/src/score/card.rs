//! The scorecard as it is serialised: per planted kind, per anomaly kind,
//! totals, and every anomaly that was not a true positive with what it was
//! taken for (a duplicate, an excused side effect, a false alarm).

use serde::Serialize;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Scorecard {
    pub scenario: String,
    pub network: String,
    pub seed: u64,
    pub start: String,
    pub end: String,
    /// Crossings of the network, each watched for the whole scored span.
    pub crossings: usize,
    /// The scored span in days, fractional.
    pub days: f64,
    /// Crossings × days: what false alarms are counted against.
    pub crossing_days: f64,
    /// Anomalies in the scored span.
    pub anomalies: usize,
    pub incidents: Vec<KindScore>,
    pub background: Vec<KindScore>,
    /// One row per anomaly kind that was expected or raised a false alarm,
    /// planted or not.
    pub anomaly_kinds: Vec<AnomalyKindScore>,
    pub totals: Totals,
    /// Anomalies about an occurrence already detected by another one.
    pub duplicates: Vec<Duplicate>,
    /// Anomalies excused as side effects of an occurrence, with the reason.
    pub side_effects: Vec<Excused>,
    pub false_alarms: Vec<FalseAlarm>,
    /// What the operators did with the anomalies (their triage), when the
    /// run read it back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operators: Option<super::Operators>,
}

/// One planted kind (`forged_documents`, `background/market_day` …).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct KindScore {
    pub kind: String,
    pub expected_anomaly: String,
    pub planted: usize,
    pub detected: usize,
    pub missed: usize,
    /// Anomalies counted as detecting an occurrence: one per detected
    /// occurrence, so equal to `detected`.
    pub true_positives: usize,
    /// Further anomalies of the expected kind about occurrences already
    /// detected: neither true positives nor false alarms.
    pub duplicates: usize,
    /// Anomalies of the expected kind that concern no occurrence.
    pub false_alarms: usize,
    pub recall: f64,
    /// True positives over true positives and false alarms (duplicates
    /// in neither); `None` when nothing of the expected kind was flagged.
    pub precision: Option<f64>,
    /// Event time from an occurrence's start to its first detection.
    pub delay: Option<Delay>,
    /// Labels of the incidents with missed occurrences.
    pub missed_in: Vec<String>,
}

/// One anomaly kind, whether or not any incident planted it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AnomalyKindScore {
    pub anomaly: String,
    /// Occurrences (incidents and background) expecting this kind.
    pub expected: usize,
    /// One per detected occurrence.
    pub true_positives: usize,
    pub duplicates: usize,
    pub side_effects: usize,
    pub false_alarms: usize,
    pub precision: Option<f64>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Delay {
    pub mean_seconds: f64,
    pub median_seconds: f64,
    pub max_seconds: f64,
}

/// Planted incidents only (background occurrences have their own rows);
/// false alarms of every kind.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Totals {
    pub planted: usize,
    pub detected: usize,
    pub missed: usize,
    pub duplicates: usize,
    pub side_effects: usize,
    pub false_alarms: usize,
    /// False alarms per 100 crossing-days; `None` for an empty exposure.
    pub false_alarms_per_100_crossing_days: Option<f64>,
    pub recall: f64,
    pub precision: Option<f64>,
}

/// An anomaly as the lists below name it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Flagged {
    pub id: String,
    pub kind: String,
    pub crossing_id: String,
    pub event_time: String,
}

/// The occurrence an anomaly was taken to be about.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Concerns {
    pub occurrence: u32,
    /// The incident's label, or `background`.
    pub incident: String,
    /// The planted kind (`flow_surge`, `background/market_day` …).
    pub incident_kind: String,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Duplicate {
    #[serde(flatten)]
    pub anomaly: Flagged,
    #[serde(flatten)]
    pub of: Concerns,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Excused {
    #[serde(flatten)]
    pub anomaly: Flagged,
    #[serde(flatten)]
    pub by: Concerns,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FalseAlarm {
    #[serde(flatten)]
    pub anomaly: Flagged,
    pub explanation: String,
}
