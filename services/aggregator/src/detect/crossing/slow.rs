//! SLOW_INSPECTIONS: a period's mean inspection time against the crossing's
//! usual, learned from the periods that were not slow, reported once two
//! periods running were slow (one period of a few travellers with visas
//! to check is no slowdown).

use borderflow_i18n::{Args as _, message};
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{
    AnomalyKind, CrossingDetectorState, Evidence, MeanVar as MeanVarProto, Severity, SlowRuleState,
};

use super::rule::{Finding, MIN_HISTORY, Period, PeriodRule, measure};
use crate::detect::baseline::MeanVar;

#[derive(Clone, Debug, Default)]
pub(super) struct SlowRule {
    mean_duration_ms: MeanVar,
    /// Start of the run of slow periods.
    slow_since_ms: Option<i64>,
}

impl PeriodRule for SlowRule {
    fn name(&self) -> &'static str {
        "slow_inspections"
    }

    fn kinds(&self) -> &'static [AnomalyKind] {
        &[AnomalyKind::SlowInspections]
    }

    fn evaluate(&mut self, p: &Period<'_>, findings: &mut Vec<Finding>) {
        let (sums, c) = (p.sums, p.config);
        let n = p.travellers();
        let Some(d) = (sums.inspections > 0).then(|| sums.duration_sum_ms as f64 / n) else {
            return;
        };
        let usual = self.mean_duration_ms.mean;
        let slow = p.warm
            && sums.inspections >= c.slow_min_count
            && self.mean_duration_ms.count >= MIN_HISTORY
            && d >= c.slow_factor * usual;
        if !slow {
            self.slow_since_ms = None;
        }
        let since = slow.then(|| *self.slow_since_ms.get_or_insert(p.start));
        if let Some(since) = since.filter(|s| *s < p.start) {
            findings.push(Finding {
                since_ms: since,
                kind: AnomalyKind::SlowInspections,
                subject: String::new(),
                severity: Severity::Medium,
                message: message("slow-inspections")
                    .fixed("mean", d / 60_000.0, 1)
                    .fixed("usual", usual / 60_000.0, 1)
                    .number("inspections", n.round())
                    .fixed("minutes", p.minutes(), 0),
                evidence: Evidence {
                    values: vec![measure("mean_inspection_time", d / 1_000.0, "s")],
                    baseline: Some(usual / 1_000.0),
                    threshold: Some(c.slow_factor * usual / 1_000.0),
                    ..Evidence::default()
                },
            });
        } else if sums.inspections >= c.slow_min_count {
            self.mean_duration_ms.observe(d);
        }
    }

    fn snapshot(&self) -> Option<Vec<u8>> {
        let m = self.mean_duration_ms;
        let state = SlowRuleState {
            mean: m.mean,
            variance: m.variance,
            count: m.count,
            slow_since_ms: self.slow_since_ms.unwrap_or_default(),
        };
        Some(state.encode_to_vec())
    }

    fn restore(&mut self, section: Option<&[u8]>, legacy: &CrossingDetectorState) {
        let state = match section.map(SlowRuleState::decode) {
            Some(decoded) => decoded.ok(),
            None => legacy
                .mean_duration_ms
                .map(|m: MeanVarProto| SlowRuleState {
                    mean: m.mean,
                    variance: m.variance,
                    count: m.count,
                    slow_since_ms: 0,
                }),
        };
        let Some(state) = state else {
            *self = Self::default();
            return;
        };
        self.mean_duration_ms = MeanVar {
            mean: state.mean,
            variance: state.variance,
            count: state.count,
        };
        self.slow_since_ms = (state.slow_since_ms != 0).then_some(state.slow_since_ms);
    }
}
