//! QUEUE_SLA: the share of a period's travellers who waited less than the
//! service level, against the target share (absolute: no baseline, no
//! state).

use borderflow_i18n::{Args as _, message};
use borderflow_proto::analytics::v1::{AnomalyKind, Evidence, Severity};

use super::rule::{Finding, Period, PeriodRule, measure};

#[derive(Clone, Copy, Debug)]
pub(super) struct QueueRule;

impl PeriodRule for QueueRule {
    fn name(&self) -> &'static str {
        "queue_sla"
    }

    fn kinds(&self) -> &'static [AnomalyKind] {
        &[AnomalyKind::QueueSla]
    }

    fn evaluate(&mut self, p: &Period<'_>, findings: &mut Vec<Finding>) {
        let (sums, c) = (p.sums, p.config);
        if sums.inspections < c.queue_sla_min_count {
            return;
        }
        let n = p.travellers();
        let within = 1.0 - sums.waits_over_sla as f64 / n;
        if within >= c.queue_sla_share {
            return;
        }
        findings.push(Finding {
            since_ms: p.start,
            kind: AnomalyKind::QueueSla,
            subject: String::new(),
            severity: if within < 0.8 {
                Severity::High
            } else {
                Severity::Medium
            },
            message: message("queue-sla")
                .fixed("within", within * 100.0, 0)
                .number("travellers", n.round())
                .fixed("wait", c.queue_sla_wait.as_secs_f64() / 60.0, 0)
                .fixed("target", c.queue_sla_share * 100.0, 0),
            evidence: Evidence {
                values: vec![measure("share_within_sla", within, "")],
                threshold: Some(c.queue_sla_share),
                ..Evidence::default()
            },
        });
    }
}
