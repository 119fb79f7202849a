//! FLOW_SURGE and FLOW_DROP: a period's travellers against the traffic
//! profile, reported once a surge or drop has lasted. The profile learns
//! only from periods that were neither (a long surge must not become
//! normal) and in which the crossing did not announce closing.

use borderflow_i18n::{Args as _, message};
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{
    AnomalyKind, CrossingDetectorState, Evidence, FlowRuleState, Severity,
};

use super::rule::{Finding, Period, PeriodRule, measure};
use crate::detect::baseline::{MeanVar, TrafficProfile};

#[derive(Clone, Debug, Default)]
pub(super) struct FlowRule {
    traffic: TrafficProfile,
    /// Start of the run of periods in which traffic surged (dropped).
    surge_since_ms: Option<i64>,
    drop_since_ms: Option<i64>,
}

/// Tracks a condition over consecutive periods of `period_ms`: the start
/// of its streak once it has held `periods` periods up to the one starting
/// at `start`.
pub(super) fn streak(
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

/// Evaluation periods in an hour (at least one).
pub(super) fn periods_per_hour(period_ms: i64) -> u32 {
    (borderflow_domain::time::MS_PER_HOUR / period_ms.max(1)).max(1) as u32
}

/// The spread a period's count may show around expectation `e`, for a
/// crossing of `dispersion`: the expectation is itself estimated from
/// `count` periods, and its error widens the spread.
pub(super) fn spread(e: MeanVar, dispersion: f64) -> f64 {
    let estimated = 1.0 + 1.0 / f64::from(e.count.clamp(1, 8));
    (e.variance.max(dispersion * e.mean) * estimated)
        .max(1.0)
        .sqrt()
}

/// What a period's calendar says of its traffic: the declared market
/// day's factor, if any, and the declared special day's (1 on an ordinary
/// day).
pub(super) struct Calendar {
    pub market: Option<f64>,
    pub special: f64,
}

impl Calendar {
    pub(super) fn of(p: &Period<'_>) -> Self {
        Self {
            market: p.calendar.and_then(|cal| cal.market_factor(p.start)),
            special: p
                .calendar
                .and_then(|cal| cal.special_factor(p.start))
                .unwrap_or(1.0),
        }
    }

    /// `profile`'s expectation for the period: a declared holiday scales
    /// the expectation of the same day without it (and is learned scaled
    /// back, so it neither raises the ordinary baseline nor hides a surge
    /// on top of its own uplift).
    pub(super) fn expected(&self, profile: &TrafficProfile, p: &Period<'_>) -> Option<MeanVar> {
        profile
            .expected(p.start, self.market, periods_per_hour(p.config.period_ms()))
            .map(|e| e.scaled(self.special))
    }
}

impl PeriodRule for FlowRule {
    fn name(&self) -> &'static str {
        "flow"
    }

    fn kinds(&self) -> &'static [AnomalyKind] {
        &[AnomalyKind::FlowSurge, AnomalyKind::FlowDrop]
    }

    fn evaluate(&mut self, p: &Period<'_>, findings: &mut Vec<Finding>) {
        let (start, sums, c) = (p.start, p.sums, p.config);
        // A period in which the crossing announced closing is not judged
        // (nor learned from) for its flow.
        let calendar = Calendar::of(p);
        let (market, special) = (calendar.market, calendar.special);
        let expected = calendar.expected(&self.traffic, p);
        let dispersion = self.traffic.dispersion();
        let n = p.travellers();
        let minutes = p.minutes();
        let mut surge = false;
        let mut drop = false;
        if p.warm
            && !sums.closed
            && let Some(e) = expected
        {
            let sd = spread(e, dispersion);
            surge = n >= c.flow_min_count
                && n >= c.surge_factor * e.mean
                && n - e.mean >= c.flow_z * sd;
            // A fall is flagged from its first period: learning a fall's
            // first periods as normal would widen the spread that hides
            // the rest of it.
            drop = e.mean >= c.flow_min_count
                && n <= c.drop_factor * e.mean
                && e.mean - n >= (c.flow_z - 0.5) * sd;
        }
        // A coach or a train is one period's burst; a surge or a drop lasts.
        let (period, periods) = (c.period_ms(), c.flow_periods);
        let surge_since = streak(&mut self.surge_since_ms, surge, start, period, periods);
        let drop_since = streak(&mut self.drop_since_ms, drop, start, period, periods);
        if let Some(e) = expected {
            if let Some(since) = surge_since {
                findings.push(Finding {
                    since_ms: since,
                    kind: AnomalyKind::FlowSurge,
                    subject: String::new(),
                    severity: if n >= 4.0 * e.mean {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    message: message("flow-surge")
                        .fixed("ratio", n / e.mean.max(1.0), 1)
                        .number("travellers", n.round())
                        .fixed("minutes", minutes, 0)
                        .fixed("expected", e.mean, 0),
                    evidence: Evidence {
                        values: vec![measure("travellers", n, "")],
                        baseline: Some(e.mean),
                        threshold: Some(c.surge_factor * e.mean),
                        ..Evidence::default()
                    },
                });
            }
            if let Some(since) = drop_since {
                findings.push(Finding {
                    since_ms: since,
                    kind: AnomalyKind::FlowDrop,
                    subject: String::new(),
                    severity: if n == 0.0 {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    message: message("flow-drop")
                        .number("travellers", n.round())
                        .fixed("minutes", minutes, 0)
                        .fixed("expected", e.mean, 0),
                    evidence: Evidence {
                        values: vec![measure("travellers", n, "")],
                        baseline: Some(e.mean),
                        threshold: Some(c.drop_factor * e.mean),
                        ..Evidence::default()
                    },
                });
            }
        }
        if !surge && !drop && !sums.closed {
            self.traffic.learn(start, n / special, market);
        }
    }

    fn snapshot(&self) -> Option<Vec<u8>> {
        let state = FlowRuleState {
            traffic: self.traffic.slots.iter().map(|s| s.to_proto()).collect(),
            dispersion: Some(self.traffic.dispersion.to_proto()),
            surge_since_ms: self.surge_since_ms.unwrap_or_default(),
            drop_since_ms: self.drop_since_ms.unwrap_or_default(),
        };
        Some(state.encode_to_vec())
    }

    fn restore(&mut self, section: Option<&[u8]>, legacy: &CrossingDetectorState) {
        let state = match section.map(FlowRuleState::decode) {
            Some(Ok(state)) => state,
            Some(Err(_)) => return,
            None => FlowRuleState {
                traffic: legacy.traffic.clone(),
                dispersion: legacy.traffic_dispersion,
                surge_since_ms: legacy.surge_since_ms,
                drop_since_ms: legacy.drop_since_ms,
            },
        };
        let nonzero = |ms: i64| (ms != 0).then_some(ms);
        self.traffic = TrafficProfile::from_slots(
            state.traffic.iter().map(MeanVar::from_proto).collect(),
            state
                .dispersion
                .as_ref()
                .map(MeanVar::from_proto)
                .unwrap_or_default(),
        )
        .unwrap_or_default();
        self.surge_since_ms = nonzero(state.surge_since_ms);
        self.drop_since_ms = nonzero(state.drop_since_ms);
    }
}
