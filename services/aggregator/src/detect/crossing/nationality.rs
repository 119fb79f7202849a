//! NATIONALITY_MIX_SHIFT: the mix of nationalities over the look-back
//! against the usual mix, unless it is like the same hours of the latest
//! alike day (the mix has its hours and its market days). The usual mix
//! learns from the periods without a shift.

use borderflow_i18n::{Args as _, message};
use std::collections::HashMap;

use borderflow_domain::time::MS_PER_DAY;
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{
    AnomalyKind, CrossingDetectorState, Evidence, NationalityRuleState, NationalityShare, Severity,
};

use super::period::{PeriodSums, pooled_nationalities};
use super::rule::{Finding, MIN_HISTORY, Period, PeriodRule, measure};
use crate::detect::stats::js_divergence;

/// Periods of nationality history before the mix is compared (one day of
/// 15-minute periods forgets slowly enough to be a baseline).
const NATIONALITY_MEMORY: u32 = 96;

/// How far back an alike day is looked for: the look-back the crossing
/// keeps when it declares a calendar.
const MAX_DAYS_BACK: i64 = 7;

#[derive(Clone, Debug, Default)]
pub(super) struct NationalityRule {
    nationalities: HashMap<String, f64>,
    periods: u32,
}

impl PeriodRule for NationalityRule {
    fn name(&self) -> &'static str {
        "nationality"
    }

    fn kinds(&self) -> &'static [AnomalyKind] {
        &[AnomalyKind::NationalityMixShift]
    }

    fn evaluate(&mut self, p: &Period<'_>, findings: &mut Vec<Finding>) {
        let c = p.config;
        let lookback = c.nationality_lookback.max(1);
        let pooled = pooled_nationalities(p.recent.iter().rev().take(lookback));
        let pooled_n: f64 = pooled.values().sum();
        let mut shifted = false;
        if p.warm && self.periods >= MIN_HISTORY * 2 && pooled_n >= c.nationality_min_count as f64 {
            let divergence = js_divergence(&pooled, &self.nationalities);
            // The mix has its hours (commuters out in the morning, back at
            // night) and its days (traders on market days): a mix like the
            // same hours of the latest alike day is no shift. Where that
            // day is not yesterday (a market yesterday, none today) and its
            // hours are not at hand, the rhythm cannot be told from a
            // shift, and the rule waits.
            // Those hours may be empty on the latest alike day (the crossing
            // closed by announcement, or out of touch): an earlier alike
            // day still known to the look-back tells the rhythm then.
            let to_alike = |t: i64| p.calendar.map_or(1, |cal| cal.days_to_alike(t));
            let first_back = to_alike(p.start);
            let enough = |pool: &HashMap<String, f64>| {
                pool.values().sum::<f64>() >= c.nationality_min_count as f64 / 2.0
            };
            let mut days_back = first_back;
            let mut alike = same_hours_days_before(p, lookback, days_back);
            while !enough(&alike) && days_back < MAX_DAYS_BACK {
                days_back += to_alike(p.start - days_back * MS_PER_DAY);
                alike = same_hours_days_before(p, lookback, days_back);
            }
            let known = enough(&alike);
            let like_alike = known && js_divergence(&pooled, &alike) < c.nationality_divergence;
            let judged = known || first_back == 1;
            if divergence >= c.nationality_divergence && !like_alike && judged {
                shifted = true;
                let (top, share) = biggest_gain(&pooled, &self.nationalities);
                let usual_share = self.nationalities.get(&top).copied().unwrap_or(0.0);
                findings.push(Finding {
                    since_ms: p.start,
                    kind: AnomalyKind::NationalityMixShift,
                    subject: String::new(),
                    severity: Severity::Medium,
                    message: message("nationality-mix-shift")
                        .fixed("divergence", divergence, 2)
                        .text("nationality", top.to_string())
                        .fixed("share", share * 100.0, 0)
                        .fixed("usual", usual_share * 100.0, 0),
                    evidence: Evidence {
                        values: vec![
                            measure("divergence", divergence, "bits"),
                            measure("share", share, ""),
                        ],
                        baseline: Some(usual_share),
                        threshold: Some(c.nationality_divergence),
                        ..Evidence::default()
                    },
                });
            }
        }
        if p.sums.inspections > 0 && !shifted {
            self.learn(p.sums);
        }
    }

    fn snapshot(&self) -> Option<Vec<u8>> {
        Some(self.state().encode_to_vec())
    }

    fn restore(&mut self, section: Option<&[u8]>, legacy: &CrossingDetectorState) {
        let state = match section.map(NationalityRuleState::decode) {
            Some(Ok(state)) => state,
            Some(Err(_)) => return,
            None => NationalityRuleState {
                shares: legacy.nationalities.clone(),
                periods: legacy.nationality_periods,
            },
        };
        self.nationalities = state
            .shares
            .into_iter()
            .map(|n| (n.nationality, n.share))
            .collect();
        self.periods = state.periods;
    }
}

impl NationalityRule {
    fn state(&self) -> NationalityRuleState {
        let mut shares: Vec<NationalityShare> = self
            .nationalities
            .iter()
            .map(|(n, s)| NationalityShare {
                nationality: n.clone(),
                share: *s,
            })
            .collect();
        shares.sort_by(|a, b| a.nationality.cmp(&b.nationality));
        NationalityRuleState {
            shares,
            periods: self.periods,
        }
    }

    fn learn(&mut self, sums: &PeriodSums) {
        self.periods = self.periods.saturating_add(1);
        let alpha = 1.0 / f64::from(self.periods.min(NATIONALITY_MEMORY));
        let total = sums.inspections as f64;
        for share in self.nationalities.values_mut() {
            *share *= 1.0 - alpha;
        }
        for (nationality, count) in &sums.nationalities {
            *self.nationalities.entry(nationality.clone()).or_insert(0.0) +=
                alpha * *count as f64 / total;
        }
        self.nationalities.retain(|_, share| *share >= 1e-4);
    }
}

/// Nationality counts of the `lookback` periods `days` days before those
/// ending with the period `p`.
fn same_hours_days_before(p: &Period<'_>, lookback: usize, days: i64) -> HashMap<String, f64> {
    let last = p.start - days * MS_PER_DAY;
    let first = last - (lookback as i64 - 1) * p.config.period_ms();
    pooled_nationalities(
        p.recent
            .iter()
            .filter(|r| (first..=last).contains(&r.start_ms)),
    )
}

/// The nationality whose share grew most, and its share now.
fn biggest_gain(now: &HashMap<String, f64>, usual: &HashMap<String, f64>) -> (String, f64) {
    let total: f64 = now.values().sum::<f64>().max(1.0);
    let mut best = (String::new(), 0.0, f64::MIN);
    let mut keys: Vec<&String> = now.keys().collect();
    keys.sort_unstable();
    for key in keys {
        let share = now[key] / total;
        let gain = share - usual.get(key).copied().unwrap_or(0.0);
        if gain > best.2 {
            best = (key.clone(), share, gain);
        }
    }
    (best.0, best.1)
}
