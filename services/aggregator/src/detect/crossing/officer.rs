//! OFFICER_OVERRIDE: an officer admits travellers carrying alerts far more
//! often than the peers at the same crossing over the look-back. One
//! episode per officer; no state of its own (the look-back is the
//! crossing's recent periods).

use borderflow_i18n::{Args as _, message};
use borderflow_proto::analytics::v1::{AnomalyKind, Evidence, Severity};

use super::period::pooled_officers;
use super::rule::{Finding, Period, PeriodRule, measure};
use crate::detect::stats::binomial_tail;

/// How unlikely the officer's admissions must be at the peers' rate.
const SIGNIFICANCE: f64 = 1e-3;

#[derive(Clone, Copy, Debug)]
pub(super) struct OfficerRule;

impl PeriodRule for OfficerRule {
    fn name(&self) -> &'static str {
        "officer"
    }

    fn kinds(&self) -> &'static [AnomalyKind] {
        &[AnomalyKind::OfficerOverride]
    }

    fn evaluate(&mut self, p: &Period<'_>, findings: &mut Vec<Finding>) {
        let c = p.config;
        let periods = (c.officer_lookback.as_millis() as i64 / c.period_ms()).max(1) as usize;
        let tallies = pooled_officers(p.recent.iter().rev().take(periods));
        let total_alerted: u32 = tallies.values().map(|t| t.alerted).sum();
        let total_admitted: u32 = tallies.values().map(|t| t.admitted).sum();
        let hours = c.officer_lookback.as_secs_f64() / 3_600.0;
        for (officer, tally) in &tallies {
            let peer_alerted = total_alerted - tally.alerted;
            let peer_admitted = total_admitted - tally.admitted;
            // Smoothed towards a prior of one admission in ten (travellers
            // cleared after a second look), so a crossing whose peers saw few
            // alerts is not judged against a rate of exactly zero.
            let peer_rate = (f64::from(peer_admitted) + 0.2) / (f64::from(peer_alerted) + 2.0);
            let rate = f64::from(tally.admitted) / f64::from(tally.alerted.max(1));
            if tally.admitted >= c.officer_min_admitted
                && rate - peer_rate >= c.officer_margin
                && binomial_tail(
                    u64::from(tally.admitted),
                    u64::from(tally.alerted),
                    peer_rate,
                ) < SIGNIFICANCE
            {
                findings.push(Finding {
                    since_ms: p.start,
                    kind: AnomalyKind::OfficerOverride,
                    subject: officer.clone(),
                    severity: Severity::High,
                    message: message("officer-override")
                        .text("officer", officer.to_string())
                        .number("admitted", f64::from(tally.admitted))
                        .number("alerted", f64::from(tally.alerted))
                        .fixed("hours", hours, 0)
                        .number("peer-admitted", peer_admitted as f64)
                        .number("peer-alerted", peer_alerted as f64),
                    evidence: Evidence {
                        event_ids: tally.event_ids.clone(),
                        values: vec![
                            measure("admit_rate", rate, ""),
                            measure("alerted_admitted", f64::from(tally.admitted), ""),
                        ],
                        baseline: Some(peer_rate),
                        threshold: Some(peer_rate + c.officer_margin),
                        officer_id: officer.clone(),
                        ..Evidence::default()
                    },
                });
            }
        }
    }
}
