//! SLOW_INSPECTIONS: a period's mean inspection time against the crossing's
//! usual, learned from the periods that were not slow.

use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{
    AnomalyKind, CrossingDetectorState, Evidence, MeanVar as MeanVarProto, Severity,
};

use super::rule::{Finding, MIN_HISTORY, Period, PeriodRule, measure};
use crate::detect::baseline::MeanVar;

#[derive(Clone, Debug, Default)]
pub(super) struct SlowRule {
    mean_duration_ms: MeanVar,
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
        if slow {
            findings.push(Finding {
                since_ms: p.start,
                kind: AnomalyKind::SlowInspections,
                subject: String::new(),
                severity: Severity::Medium,
                explanation: format!(
                    "Inspections take {:.1} min on average against {:.1} min usually ({n:.0} in {:.0} min)",
                    d / 60_000.0,
                    usual / 60_000.0,
                    p.minutes()
                ),
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
        Some(self.mean_duration_ms.to_proto().encode_to_vec())
    }

    fn restore(&mut self, section: Option<&[u8]>, legacy: &CrossingDetectorState) {
        let state = match section.map(MeanVarProto::decode) {
            Some(decoded) => decoded.ok(),
            None => legacy.mean_duration_ms,
        };
        self.mean_duration_ms = state.as_ref().map(MeanVar::from_proto).unwrap_or_default();
    }
}
