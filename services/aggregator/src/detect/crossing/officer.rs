//! OFFICER_OVERRIDE: an officer admits travellers carrying alerts far more
//! often than the peers at the same crossing over the look-back.

use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, Evidence, Measurement, Severity};

use super::CrossingDetectors;
use super::period::pooled_officers;
use crate::detect::anomaly::Draft;
use crate::detect::stats::binomial_tail;

/// How unlikely the officer's admissions must be at the peers' rate.
const SIGNIFICANCE: f64 = 1e-3;

impl CrossingDetectors {
    pub(super) fn officers(&mut self, start: i64, watermark: i64, out: &mut Vec<Anomaly>) {
        let period = self.config.period_ms();
        let periods = (self.config.officer_lookback.as_millis() as i64 / period).max(1) as usize;
        let tallies = pooled_officers(self.recent.iter().rev().take(periods));
        let total_alerted: u32 = tallies.values().map(|t| t.alerted).sum();
        let total_admitted: u32 = tallies.values().map(|t| t.admitted).sum();
        let mut flagged = Vec::new();
        for (officer, tally) in &tallies {
            let peer_alerted = total_alerted - tally.alerted;
            let peer_admitted = total_admitted - tally.admitted;
            // Smoothed towards a prior of one admission in ten (travellers
            // cleared after a second look), so a crossing whose peers saw few
            // alerts is not judged against a rate of exactly zero.
            let peer_rate = (f64::from(peer_admitted) + 0.2) / (f64::from(peer_alerted) + 2.0);
            let rate = f64::from(tally.admitted) / f64::from(tally.alerted.max(1));
            if tally.admitted >= self.config.officer_min_admitted
                && rate - peer_rate >= self.config.officer_margin
                && binomial_tail(
                    u64::from(tally.admitted),
                    u64::from(tally.alerted),
                    peer_rate,
                ) < SIGNIFICANCE
            {
                flagged.push(officer.clone());
                if !self.episode(AnomalyKind::OfficerOverride, officer, start) {
                    continue;
                }
                let crossing = self.crossing_id.clone();
                let hours = self.config.officer_lookback.as_secs_f64() / 3_600.0;
                out.push(
                    Draft {
                        kind: AnomalyKind::OfficerOverride,
                        severity: Severity::High,
                        crossing_id: &crossing,
                        event_ms: start,
                        detected_ms: watermark,
                        explanation: format!(
                            "Officer {officer} admitted {} of {} travellers carrying alerts in {hours:.0} h; peers admitted {peer_admitted} of {peer_alerted}",
                            tally.admitted, tally.alerted
                        ),
                        evidence: Evidence {
                            event_ids: tally.event_ids.clone(),
                            values: vec![
                                Measurement {
                                    name: "admit_rate".into(),
                                    value: rate,
                                    unit: String::new(),
                                },
                                Measurement {
                                    name: "alerted_admitted".into(),
                                    value: f64::from(tally.admitted),
                                    unit: String::new(),
                                },
                            ],
                            baseline: Some(peer_rate),
                            threshold: Some(peer_rate + self.config.officer_margin),
                            crossing_ids: vec![crossing.to_string()],
                            officer_id: officer.clone(),
                            ..Evidence::default()
                        },
                    }
                    .build(&[crossing.as_bytes(), officer.as_bytes(), &start.to_be_bytes()]),
                );
            }
        }
        let open: Vec<String> = self
            .episodes
            .iter()
            .filter(|e| e.kind == AnomalyKind::OfficerOverride && !flagged.contains(&e.subject))
            .map(|e| e.subject.clone())
            .collect();
        for officer in open {
            self.end_episode(AnomalyKind::OfficerOverride, &officer);
        }
    }
}
