//! The period rules: each crossing-level rule judged once per evaluated
//! period, with its own state and its own snapshot section. A new rule is
//! one file implementing [`PeriodRule`] and one line in [`rules`].

use std::collections::VecDeque;
use std::fmt::Debug;

use borderflow_proto::analytics::v1::{
    AnomalyKind, CrossingDetectorState, Evidence, Measurement, Message, PeriodRecord, Severity,
};

use super::period::PeriodSums;
use super::{flow, influx, nationality, officer, queue, refusal, slow};
use crate::detect::calendar::MarketCalendar;
use crate::detect::config::DetectConfig;

/// Every period rule, in the order their findings are reported.
pub(super) fn rules() -> Vec<Box<dyn PeriodRule>> {
    vec![
        Box::<flow::FlowRule>::default(),
        Box::<slow::SlowRule>::default(),
        Box::new(queue::QueueRule),
        Box::<refusal::RefusalRule>::default(),
        Box::<nationality::NationalityRule>::default(),
        Box::new(officer::OfficerRule),
        Box::<influx::InfluxRule>::default(),
    ]
}

/// One crossing-level rule over evaluation periods.
pub(super) trait PeriodRule: Debug + Send + Sync {
    /// The rule's snapshot section key (stable: snapshots outlive releases).
    fn name(&self) -> &'static str;

    /// The kinds the rule reports; an episode of one of them not found
    /// again in a period ends.
    fn kinds(&self) -> &'static [AnomalyKind];

    /// Judges one period (adding to `findings`) and learns from it unless
    /// it was anomalous for this rule.
    fn evaluate(&mut self, period: &Period<'_>, findings: &mut Vec<Finding>);

    /// The rule's state as its own message, or nothing if it keeps none.
    fn snapshot(&self) -> Option<Vec<u8>> {
        None
    }

    /// Resumes from the rule's `section`, or from the fields of a snapshot
    /// written before sections existed when the section is absent.
    fn restore(&mut self, _section: Option<&[u8]>, _legacy: &CrossingDetectorState) {}
}

/// What a rule sees of one period.
pub(super) struct Period<'a> {
    pub start: i64,
    pub sums: &'a PeriodSums,
    /// Enough periods observed to trust learned baselines.
    pub warm: bool,
    pub config: &'a DetectConfig,
    pub calendar: Option<&'a MarketCalendar>,
    /// Figures of recent periods, this one last.
    pub recent: &'a VecDeque<PeriodRecord>,
}

impl Period<'_> {
    /// Travellers inspected in the period.
    pub(super) fn travellers(&self) -> f64 {
        self.sums.inspections as f64
    }

    pub(super) fn minutes(&self) -> f64 {
        self.config.period_ms() as f64 / 60_000.0
    }
}

/// One flagged condition of a period.
pub(super) struct Finding {
    /// Start of the first period in which it held.
    pub since_ms: i64,
    pub kind: AnomalyKind,
    /// Whom the condition concerns within the crossing (an officer), or
    /// empty for the crossing as a whole: one episode per kind and subject.
    pub subject: String,
    pub severity: Severity,
    pub message: Message,
    /// Values, baseline, threshold and what else the rule can show; the
    /// crossing is added when reported.
    pub evidence: Evidence,
}

pub(super) fn measure(name: &str, value: f64, unit: &str) -> Measurement {
    Measurement {
        name: name.to_owned(),
        value,
        unit: unit.to_owned(),
    }
}

/// Periods before a learned mean (duration, refusal share) is trusted.
pub(super) const MIN_HISTORY: u32 = 8;
