//! Evaluating one period: every period rule judges it (and learns from it
//! unless it was anomalous for that rule), then what they found is
//! reported once per episode.

use borderflow_proto::analytics::v1::{Anomaly, Evidence};

use super::CrossingDetectors;
use super::period::PeriodSums;
use super::rule::{Finding, Period};
use crate::detect::anomaly::Draft;

impl CrossingDetectors {
    pub(super) fn evaluate(
        &mut self,
        start: i64,
        sums: &PeriodSums,
        watermark: i64,
        out: &mut Vec<Anomaly>,
    ) {
        self.remember(sums.record(start));
        let period = Period {
            start,
            sums,
            warm: self.warm(start),
            config: &self.config,
            calendar: self.calendar.as_ref(),
            recent: &self.recent,
        };
        let mut findings = Vec::new();
        for rule in &mut self.rules {
            rule.evaluate(&period, &mut findings);
        }
        self.report(watermark, findings, out);
    }

    /// Opens episodes for this period's findings (one anomaly each) and
    /// closes the episodes of conditions that no longer hold.
    fn report(&mut self, watermark: i64, findings: Vec<Finding>, out: &mut Vec<Anomaly>) {
        let kinds: Vec<_> = self.rules.iter().flat_map(|r| r.kinds()).copied().collect();
        let ended: Vec<_> = self
            .episodes
            .iter()
            .filter(|e| kinds.contains(&e.kind))
            .filter(|e| {
                !findings
                    .iter()
                    .any(|f| f.kind == e.kind && f.subject == e.subject)
            })
            .map(|e| (e.kind, e.subject.clone()))
            .collect();
        for (kind, subject) in ended {
            self.end_episode(kind, &subject);
        }
        for finding in findings {
            if !self.episode(finding.kind, &finding.subject, finding.since_ms) {
                continue;
            }
            let crossing = self.crossing_id.clone();
            let since = finding.since_ms.to_be_bytes();
            let parts: &[&[u8]] = if finding.subject.is_empty() {
                &[crossing.as_bytes(), &since]
            } else {
                &[crossing.as_bytes(), finding.subject.as_bytes(), &since]
            };
            out.push(
                Draft {
                    kind: finding.kind,
                    severity: finding.severity,
                    crossing_id: &crossing,
                    event_ms: finding.since_ms,
                    detected_ms: watermark,
                    message: finding.message,
                    evidence: Evidence {
                        crossing_ids: vec![crossing.to_string()],
                        ..finding.evidence
                    },
                }
                .build(parts),
            );
        }
    }
}
