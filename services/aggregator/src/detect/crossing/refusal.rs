//! REFUSAL_RATE_SPIKE: a period's refusal decisions against their usual
//! share of travellers (a family refused together is one decision, not a
//! spike), learned from the periods without a spike.

use borderflow_i18n::{Args as _, message};
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{
    AnomalyKind, CrossingDetectorState, Evidence, MeanVar as MeanVarProto, Severity,
};

use super::rule::{Finding, MIN_HISTORY, Period, PeriodRule, measure};
use crate::detect::baseline::MeanVar;
use crate::detect::stats::binomial_tail;

#[derive(Clone, Debug, Default)]
pub(super) struct RefusalRule {
    refusal_share: MeanVar,
}

impl PeriodRule for RefusalRule {
    fn name(&self) -> &'static str {
        "refusal_rate"
    }

    fn kinds(&self) -> &'static [AnomalyKind] {
        &[AnomalyKind::RefusalRateSpike]
    }

    fn evaluate(&mut self, p: &Period<'_>, findings: &mut Vec<Finding>) {
        let (sums, c) = (p.sums, p.config);
        let n = p.travellers();
        let usual = self.refusal_share.mean.max(0.001);
        let decisions = sums.refused_parties;
        let mut spike = false;
        if p.warm && self.refusal_share.count >= MIN_HISTORY && decisions >= c.refusal_spike_min {
            let share = decisions as f64 / n;
            let threshold = (c.refusal_spike_factor * usual).max(usual + 0.02);
            if share >= threshold && binomial_tail(decisions, sums.inspections, usual) < 1e-4 {
                spike = true;
                findings.push(Finding {
                    since_ms: p.start,
                    kind: AnomalyKind::RefusalRateSpike,
                    subject: String::new(),
                    severity: Severity::Medium,
                    message: message("refusal-rate-spike")
                        .number("decisions", decisions as f64)
                        .number("refused", sums.refused as f64)
                        .number("inspections", n.round())
                        .fixed("share", share * 100.0, 1)
                        .fixed("usual", usual * 100.0, 2),
                    evidence: Evidence {
                        values: vec![measure("refusal_share", share, "")],
                        baseline: Some(usual),
                        threshold: Some(threshold),
                        ..Evidence::default()
                    },
                });
            }
        }
        if sums.inspections > 0 && !spike {
            self.refusal_share.observe(decisions as f64 / n);
        }
    }

    fn snapshot(&self) -> Option<Vec<u8>> {
        Some(self.refusal_share.to_proto().encode_to_vec())
    }

    fn restore(&mut self, section: Option<&[u8]>, legacy: &CrossingDetectorState) {
        let state = match section.map(MeanVarProto::decode) {
            Some(decoded) => decoded.ok(),
            None => legacy.refusal_share,
        };
        self.refusal_share = state.as_ref().map(MeanVar::from_proto).unwrap_or_default();
    }
}
