//! The exercise record `run --record` writes: what a report needs that
//! only the run knows — the scored span, the planted truth with the events
//! it tagged, the trainer's actions — so `borderflow-sim report` can read
//! the rest (anomalies, triage, traffic) back from the aggregator later,
//! when the operators have finished. JSON, versioned.

use std::collections::BTreeSet;

use anyhow::{Context, bail};
use borderflow_proto::analytics::v1::AnomalyKind;
use serde::{Deserialize, Serialize};

use super::TrainerAction;
use crate::score::Scope;
use crate::truth::{Occurrence, SideEffect, Truth};

const VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ExerciseRecord {
    pub version: u32,
    pub scenario: String,
    pub network: String,
    pub seed: u64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub period_ms: i64,
    pub crossings: usize,
    pub occurrences: Vec<OccurrenceRecord>,
    pub trainer: Vec<TrainerRecord>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OccurrenceRecord {
    pub id: u32,
    pub incident: Option<usize>,
    pub label: String,
    pub kind: String,
    /// `MRZ_CHECK_DIGIT`, …
    pub expected: String,
    /// (anomaly kind, why) pairs.
    pub side_effects: Vec<(String, String)>,
    pub crossings: Vec<String>,
    pub checkpoint: Option<String>,
    pub officer: Option<String>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub event_ids: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TrainerRecord {
    pub wall_ms: i64,
    pub event_ms: i64,
    pub action: String,
    pub detail: String,
}

impl ExerciseRecord {
    pub fn new(scope: &Scope, truth: &Truth, trainer: &[TrainerAction]) -> Self {
        Self {
            version: VERSION,
            scenario: scope.scenario.clone(),
            network: scope.network.clone(),
            seed: scope.seed,
            start_ms: scope.start_ms,
            end_ms: scope.end_ms,
            period_ms: scope.period_ms,
            crossings: scope.crossings,
            occurrences: truth
                .occurrences
                .iter()
                .map(|o| OccurrenceRecord {
                    id: o.id,
                    incident: o.incident,
                    label: o.label.clone(),
                    kind: o.kind.clone(),
                    expected: o.expected.name().to_owned(),
                    side_effects: o
                        .side_effects
                        .iter()
                        .map(|e| (e.kind.name().to_owned(), e.reason.to_owned()))
                        .collect(),
                    crossings: o.crossings.clone(),
                    checkpoint: o.checkpoint.clone(),
                    officer: o.officer.clone(),
                    start_ms: o.start_ms,
                    end_ms: o.end_ms,
                    event_ids: o.event_ids.iter().cloned().collect(),
                })
                .collect(),
            trainer: trainer
                .iter()
                .map(|t| TrainerRecord {
                    wall_ms: t.wall_ms,
                    event_ms: t.event_ms,
                    action: t.action.clone(),
                    detail: t.detail.clone(),
                })
                .collect(),
        }
    }

    pub fn scope(&self) -> Scope {
        Scope {
            scenario: self.scenario.clone(),
            network: self.network.clone(),
            seed: self.seed,
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            period_ms: self.period_ms,
            crossings: self.crossings,
        }
    }

    /// The truth as the run recorded it; an unknown anomaly kind names
    /// its occurrence.
    pub fn truth(&self) -> anyhow::Result<Truth> {
        let kind = |name: &str, at: &str| {
            AnomalyKind::parse(name).with_context(|| format!("{at}: unknown anomaly kind {name}"))
        };
        let mut occurrences = Vec::with_capacity(self.occurrences.len());
        for (i, o) in self.occurrences.iter().enumerate() {
            if o.id as usize != i {
                bail!("occurrences[{i}].id: {} out of order", o.id);
            }
            let mut side_effects = Vec::new();
            for (j, (name, reason)) in o.side_effects.iter().enumerate() {
                let at = format!("occurrences[{i}].side_effects[{j}]");
                // The truth keeps its reasons as static text (the planner's
                // own words); a record's few are kept for the process.
                let reason: &'static str = Box::leak(reason.clone().into_boxed_str());
                side_effects.push(SideEffect::new(kind(name, &at)?, reason));
            }
            occurrences.push(Occurrence {
                id: o.id,
                incident: o.incident,
                label: o.label.clone(),
                kind: o.kind.clone(),
                expected: kind(&o.expected, &format!("occurrences[{i}].expected"))?,
                side_effects,
                crossings: o.crossings.clone(),
                checkpoint: o.checkpoint.clone(),
                officer: o.officer.clone(),
                start_ms: o.start_ms,
                end_ms: o.end_ms,
                event_ids: o.event_ids.iter().cloned().collect::<BTreeSet<_>>(),
            });
        }
        Ok(Truth { occurrences })
    }

    pub fn trainer(&self) -> Vec<TrainerAction> {
        self.trainer
            .iter()
            .map(|t| TrainerAction {
                wall_ms: t.wall_ms,
                event_ms: t.event_ms,
                action: t.action.clone(),
                detail: t.detail.clone(),
            })
            .collect()
    }

    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let record: Self = serde_json::from_str(text).context("reading the exercise record")?;
        if record.version != VERSION {
            bail!(
                "version: this borderflow-sim reads exercise records of version {VERSION}, not {}",
                record.version
            );
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::truth::Draft;

    #[test]
    fn a_record_gives_back_the_truth_and_span_it_was_made_from() {
        let mut truth = Truth::default();
        let o = truth.add(Draft {
            incident: Some(2),
            label: "ring".into(),
            kind: "forged_documents".into(),
            expected: AnomalyKind::MrzCheckDigit,
            side_effects: vec![SideEffect::new(AnomalyKind::RefusalRateSpike, "refused")],
            crossings: vec!["KZ-A".into()],
            checkpoint: Some("KZ-A-L01".into()),
            officer: None,
            start_ms: 10,
            end_ms: 20,
        });
        truth.record(o, "e1");
        let scope = Scope {
            scenario: "s".into(),
            network: "n".into(),
            seed: 3,
            start_ms: 0,
            end_ms: 100,
            period_ms: 15,
            crossings: 4,
        };
        let trainer = vec![TrainerAction {
            wall_ms: 5,
            event_ms: 50,
            action: "pause".into(),
            detail: String::new(),
        }];
        let record = ExerciseRecord::new(&scope, &truth, &trainer);
        let json = serde_json::to_string(&record).unwrap();
        let back = ExerciseRecord::from_json(&json).unwrap();
        assert_eq!(back.truth().unwrap(), truth);
        assert_eq!(back.trainer(), trainer);
        assert_eq!(back.scope().end_ms, 100);
        let wrong = json.replace("MRZ_CHECK_DIGIT", "TELEPORT");
        let err = ExerciseRecord::from_json(&wrong)
            .unwrap()
            .truth()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "occurrences[0].expected: unknown anomaly kind TELEPORT"
        );
        let future = json.replace("\"version\":1", "\"version\":9");
        assert!(ExerciseRecord::from_json(&future).is_err());
    }
}
