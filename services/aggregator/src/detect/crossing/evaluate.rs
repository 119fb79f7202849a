//! Evaluating one period against the crossing's baselines, then learning
//! from it (unless it was anomalous: a long surge must not become normal).

use borderflow_domain::time::MS_PER_DAY;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, Evidence, Measurement, Severity};

use super::CrossingDetectors;
use super::period::{PeriodSums, pooled_nationalities};
use crate::detect::anomaly::Draft;
use crate::detect::stats::{binomial_tail, js_divergence};

/// Periods of nationality history before the mix is compared (one day of
/// 15-minute periods forgets slowly enough to be a baseline).
const NATIONALITY_MEMORY: u32 = 96;
/// Periods before a duration or refusal baseline is trusted.
const MIN_HISTORY: u32 = 8;

pub(super) fn measure(name: &str, value: f64, unit: &str) -> Measurement {
    Measurement {
        name: name.to_owned(),
        value,
        unit: unit.to_owned(),
    }
}

/// One flagged condition of a period.
pub(super) struct Finding {
    /// Start of the first period in which it held.
    pub since_ms: i64,
    pub kind: AnomalyKind,
    pub severity: Severity,
    pub explanation: String,
    pub values: Vec<Measurement>,
    pub baseline: Option<f64>,
    pub threshold: Option<f64>,
}

impl CrossingDetectors {
    pub(super) fn evaluate(
        &mut self,
        start: i64,
        sums: &PeriodSums,
        watermark: i64,
        out: &mut Vec<Anomaly>,
    ) {
        let warm = self.warm();
        let minutes = self.config.period_ms() as f64 / 60_000.0;
        let mut findings = Vec::new();
        let n = sums.inspections as f64;

        let flow = self.judge_flow(start, sums, &mut findings);

        // Inspection time against its baseline.
        let mean_duration = (sums.inspections > 0).then(|| sums.duration_sum_ms as f64 / n);
        let mut slow = false;
        if let Some(d) = mean_duration
            && warm
            && sums.inspections >= self.config.slow_min_count
            && self.mean_duration_ms.count >= MIN_HISTORY
            && d >= self.config.slow_factor * self.mean_duration_ms.mean
        {
            slow = true;
            findings.push(Finding {
                since_ms: start,
                kind: AnomalyKind::SlowInspections,
                severity: Severity::Medium,
                explanation: format!(
                    "Inspections take {:.1} min on average against {:.1} min usually ({n:.0} in {minutes:.0} min)",
                    d / 60_000.0,
                    self.mean_duration_ms.mean / 60_000.0
                ),
                values: vec![measure("mean_inspection_time", d / 1_000.0, "s")],
                baseline: Some(self.mean_duration_ms.mean / 1_000.0),
                threshold: Some(self.config.slow_factor * self.mean_duration_ms.mean / 1_000.0),
            });
        }

        // The queue service level (absolute: no baseline needed).
        if sums.inspections >= self.config.queue_sla_min_count {
            let within = 1.0 - sums.waits_over_sla as f64 / n;
            if within < self.config.queue_sla_share {
                findings.push(Finding {
                    since_ms: start,
                    kind: AnomalyKind::QueueSla,
                    severity: if within < 0.8 {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    explanation: format!(
                        "Only {:.0} % of {n:.0} travellers waited under {:.0} min (target {:.0} %)",
                        within * 100.0,
                        self.config.queue_sla_wait.as_secs_f64() / 60.0,
                        self.config.queue_sla_share * 100.0
                    ),
                    values: vec![measure("share_within_sla", within, "")],
                    baseline: None,
                    threshold: Some(self.config.queue_sla_share),
                });
            }
        }

        // Refusal decisions against their usual share of travellers: a
        // family refused together is one decision, not a spike.
        let mut spike = false;
        let usual = self.refusal_share.mean.max(0.001);
        let decisions = sums.refused_parties;
        if warm
            && self.refusal_share.count >= MIN_HISTORY
            && decisions >= self.config.refusal_spike_min
        {
            let share = decisions as f64 / n;
            if share >= (self.config.refusal_spike_factor * usual).max(usual + 0.02)
                && binomial_tail(decisions, sums.inspections, usual) < 1e-4
            {
                spike = true;
                findings.push(Finding {
                    since_ms: start,
                    kind: AnomalyKind::RefusalRateSpike,
                    severity: Severity::Medium,
                    explanation: format!(
                        "{decisions} refusals ({} travellers) in {n:.0} inspections ({:.1} %) against {:.2} % usually",
                        sums.refused,
                        share * 100.0,
                        usual * 100.0
                    ),
                    values: vec![measure("refusal_share", share, "")],
                    baseline: Some(usual),
                    threshold: Some((self.config.refusal_spike_factor * usual).max(usual + 0.02)),
                });
            }
        }

        // Nationality mix over the look-back against the baseline.
        self.remember(sums.record(start));
        let lookback = self.config.nationality_lookback.max(1);
        let pooled = pooled_nationalities(self.recent.iter().rev().take(lookback));
        let pooled_n: f64 = pooled.values().sum();
        let mut shifted = false;
        if warm
            && self.nationality_periods >= MIN_HISTORY * 2
            && pooled_n >= self.config.nationality_min_count as f64
        {
            let divergence = js_divergence(&pooled, &self.nationalities);
            // The mix has its hours (commuters out in the morning, back at
            // night) and its days (traders on market days): a mix like the
            // same hours of the latest alike day is no shift. Where that
            // day is not yesterday (a market yesterday, none today) and its
            // hours are not at hand, the rhythm cannot be told from a
            // shift, and the rule waits.
            let days_back = self.calendar.map_or(1, |c| c.days_to_alike(start));
            let alike = self.same_hours_days_before(start, lookback, days_back);
            let known =
                alike.values().sum::<f64>() >= self.config.nationality_min_count as f64 / 2.0;
            let like_alike =
                known && js_divergence(&pooled, &alike) < self.config.nationality_divergence;
            let judged = known || days_back == 1;
            if divergence >= self.config.nationality_divergence && !like_alike && judged {
                shifted = true;
                let (top, share) = biggest_gain(&pooled, &self.nationalities);
                let usual_share = self.nationalities.get(&top).copied().unwrap_or(0.0);
                findings.push(Finding {
                    since_ms: start,
                    kind: AnomalyKind::NationalityMixShift,
                    severity: Severity::Medium,
                    explanation: format!(
                        "Nationality mix shifted (divergence {divergence:.2}): {top} {:.0} % of travellers against {:.0} % usually",
                        share * 100.0,
                        usual_share * 100.0
                    ),
                    values: vec![measure("divergence", divergence, "bits"), measure("share", share, "")],
                    baseline: Some(usual_share),
                    threshold: Some(self.config.nationality_divergence),
                });
            }
        }

        self.report(watermark, findings, out);
        self.officers(start, watermark, out);

        // Learn from what was normal.
        if !flow.surge
            && !flow.drop
            && !sums.closed
            && !self.in_episode(AnomalyKind::FlowSurge)
            && !self.in_episode(AnomalyKind::FlowDrop)
        {
            self.traffic.learn(start, n, flow.market);
        }
        if let Some(d) = mean_duration
            && !slow
            && sums.inspections >= self.config.slow_min_count
        {
            self.mean_duration_ms.observe(d);
        }
        if sums.inspections > 0 && !spike {
            self.refusal_share.observe(decisions as f64 / n);
        }
        if sums.inspections > 0 && !shifted {
            self.learn_nationalities(sums);
        }
    }

    /// Nationality counts of the `lookback` periods `days` days before
    /// those ending with the period starting at `start`.
    fn same_hours_days_before(
        &self,
        start: i64,
        lookback: usize,
        days: i64,
    ) -> std::collections::HashMap<String, f64> {
        let last = start - days * MS_PER_DAY;
        let first = last - (lookback as i64 - 1) * self.config.period_ms();
        pooled_nationalities(
            self.recent
                .iter()
                .filter(|r| (first..=last).contains(&r.start_ms)),
        )
    }

    fn learn_nationalities(&mut self, sums: &PeriodSums) {
        self.nationality_periods = self.nationality_periods.saturating_add(1);
        let alpha = 1.0 / f64::from(self.nationality_periods.min(NATIONALITY_MEMORY));
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

    /// Opens episodes for this period's findings (one anomaly each) and
    /// closes the episodes of conditions that no longer hold.
    fn report(&mut self, watermark: i64, findings: Vec<Finding>, out: &mut Vec<Anomaly>) {
        let kinds = [
            AnomalyKind::FlowSurge,
            AnomalyKind::FlowDrop,
            AnomalyKind::SlowInspections,
            AnomalyKind::QueueSla,
            AnomalyKind::RefusalRateSpike,
            AnomalyKind::NationalityMixShift,
        ];
        for kind in kinds {
            if !findings.iter().any(|f| f.kind == kind) {
                self.end_episode(kind, "");
            }
        }
        for finding in findings {
            if !self.episode(finding.kind, "", finding.since_ms) {
                continue;
            }
            let crossing = self.crossing_id.clone();
            out.push(
                Draft {
                    kind: finding.kind,
                    severity: finding.severity,
                    crossing_id: &crossing,
                    event_ms: finding.since_ms,
                    detected_ms: watermark,
                    explanation: finding.explanation,
                    evidence: Evidence {
                        values: finding.values,
                        baseline: finding.baseline,
                        threshold: finding.threshold,
                        crossing_ids: vec![crossing.to_string()],
                        ..Evidence::default()
                    },
                }
                .build(&[crossing.as_bytes(), &finding.since_ms.to_be_bytes()]),
            );
        }
    }
}

/// The nationality whose share grew most, and its share now.
fn biggest_gain(
    now: &std::collections::HashMap<String, f64>,
    usual: &std::collections::HashMap<String, f64>,
) -> (String, f64) {
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
