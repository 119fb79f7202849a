//! Flow: a period's travellers against the traffic profile, reported once
//! a surge or drop has lasted.

use borderflow_proto::analytics::v1::{AnomalyKind, Severity};

use super::CrossingDetectors;
use super::evaluate::{Finding, measure};
use super::period::PeriodSums;

/// What the flow rules made of a period, for learning from it.
pub(super) struct Flow {
    /// The period looked like a surge (drop), lasting or not.
    pub surge: bool,
    pub drop: bool,
    /// The declared market factor, if the period fell on a market day.
    pub market: Option<f64>,
}

/// Tracks a condition over consecutive periods of `period_ms`: the start
/// of its streak once it has held `periods` periods up to the one starting
/// at `start`.
fn streak(
    since: &mut Option<i64>,
    holds: bool,
    start: i64,
    period_ms: i64,
    periods: u32,
) -> Option<i64> {
    if !holds {
        *since = None;
        return None;
    }
    let first = *since.get_or_insert(start);
    (start + period_ms - first >= i64::from(periods.max(1)) * period_ms).then_some(first)
}

impl CrossingDetectors {
    /// Judges the period's flow, adding what lasted long enough to
    /// `findings`.
    pub(super) fn judge_flow(
        &mut self,
        start: i64,
        sums: &PeriodSums,
        findings: &mut Vec<Finding>,
    ) -> Flow {
        // Flow against the traffic profile; a period in which the crossing
        // announced closing is not judged (nor learned from) for its flow.
        let market = self.calendar.and_then(|c| c.market_factor(start));
        let expected = self.traffic.expected(start, market);
        let dispersion = self.traffic.dispersion();
        let n = sums.inspections as f64;
        let minutes = self.config.period_ms() as f64 / 60_000.0;
        let mut surge = false;
        let mut drop = false;
        if self.warm()
            && !sums.closed
            && let Some(e) = expected
        {
            // The expectation is itself estimated from `count` periods:
            // its error widens the spread a period may show.
            let estimated = 1.0 + 1.0 / f64::from(e.count.clamp(1, 8));
            let sd = (e.variance.max(dispersion * e.mean) * estimated)
                .max(1.0)
                .sqrt();
            let c = &self.config;
            surge = n >= c.flow_min_count
                && n >= c.surge_factor * e.mean
                && n - e.mean >= c.flow_z * sd;
            drop = e.mean >= c.flow_min_count
                && n <= c.drop_factor * e.mean
                && e.mean - n >= (c.flow_z - 0.5) * sd;
        }
        // A coach or a train is one period's burst; a surge or a drop lasts.
        let (period, periods) = (self.config.period_ms(), self.config.flow_periods);
        let surge_since = streak(&mut self.surge_since_ms, surge, start, period, periods);
        let drop_since = streak(&mut self.drop_since_ms, drop, start, period, periods);
        if let Some(e) = expected {
            let c = &self.config;
            if let Some(since) = surge_since {
                findings.push(Finding {
                    since_ms: since,
                    kind: AnomalyKind::FlowSurge,
                    severity: if n >= 4.0 * e.mean { Severity::High } else { Severity::Medium },
                    explanation: format!(
                        "Traffic {:.1}x the usual: {n:.0} travellers in {minutes:.0} min against {:.0} expected",
                        n / e.mean.max(1.0),
                        e.mean
                    ),
                    values: vec![measure("travellers", n, "")],
                    baseline: Some(e.mean),
                    threshold: Some(c.surge_factor * e.mean),
                });
            }
            if let Some(since) = drop_since {
                findings.push(Finding {
                    since_ms: since,
                    kind: AnomalyKind::FlowDrop,
                    severity: if n == 0.0 { Severity::High } else { Severity::Medium },
                    explanation: format!("Traffic fell to {n:.0} travellers in {minutes:.0} min against {:.0} expected", e.mean),
                    values: vec![measure("travellers", n, "")],
                    baseline: Some(e.mean),
                    threshold: Some(c.drop_factor * e.mean),
                });
            }
        }
        Flow {
            surge,
            drop,
            market,
        }
    }
}
