//! What the trainer sees of a run: where its clock stands and, beside the
//! operators' dashboard, the truth planted so far, one line per incident
//! (its occurrences summed up). Pure: built from the truth and the
//! incidents, unit-tested on hand-built truth.

use std::collections::BTreeMap;

use crate::scenario::Incident;
use crate::truth::Truth;

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Registering crossings and reference entries.
    Starting,
    Running,
    Paused,
    /// The traffic has stopped: the booths close, the scorecard is made.
    Closing,
    Ended,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Scenario,
    Injected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncidentState {
    Upcoming,
    Active,
    Over,
}

/// An incident and the truth planted for it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlantedIncident {
    /// Its place among the scenario's incidents, then those injected.
    pub index: usize,
    pub label: String,
    pub kind: String,
    pub crossings: Vec<String>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub source: Source,
    pub state: IncidentState,
    pub occurrences: usize,
    /// Events of its occurrences generated so far (the model runs up to
    /// [`crate::run::LOOKAHEAD_MS`] ahead of the clock).
    pub events: usize,
    /// The anomaly kinds expected of it, by name.
    pub expected: Vec<String>,
    pub officer: Option<String>,
}

/// A run's status.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub scenario: String,
    pub state: RunState,
    pub event_ms: i64,
    pub wall_ms: i64,
    /// `None`: unpaced.
    pub speed: Option<f64>,
    pub paused: bool,
    pub start_ms: i64,
    pub end_ms: i64,
    pub incidents: Vec<PlantedIncident>,
}

/// The planted incidents of `truth`, in the order of `incidents` (the
/// scenario's, then those injected, by index; the first `from_scenario`
/// are the scenario's), as of event time `now_ms`; those not begun only
/// with `upcoming`.
pub fn planted(
    truth: &Truth,
    incidents: &[Incident],
    from_scenario: usize,
    now_ms: i64,
    upcoming: bool,
) -> Vec<PlantedIncident> {
    let mut by_incident: BTreeMap<usize, PlantedIncident> = BTreeMap::new();
    for o in truth.planted() {
        let Some(index) = o.incident else { continue };
        let line = by_incident.entry(index).or_insert_with(|| PlantedIncident {
            index,
            label: o.label.clone(),
            kind: o.kind.clone(),
            crossings: Vec::new(),
            start_ms: o.start_ms,
            end_ms: o.end_ms,
            source: if index < from_scenario {
                Source::Scenario
            } else {
                Source::Injected
            },
            state: IncidentState::Upcoming,
            occurrences: 0,
            events: 0,
            expected: Vec::new(),
            officer: None,
        });
        line.occurrences += 1;
        line.events += o.event_ids.len();
        line.start_ms = line.start_ms.min(o.start_ms);
        line.end_ms = line.end_ms.max(o.end_ms);
        for c in &o.crossings {
            if !line.crossings.contains(c) {
                line.crossings.push(c.clone());
            }
        }
        let expected = o.expected.name().to_owned();
        if !line.expected.contains(&expected) {
            line.expected.push(expected);
        }
        if line.officer.is_none() {
            line.officer.clone_from(&o.officer);
        }
    }
    by_incident
        .into_iter()
        .map(|(index, mut line)| {
            // The span declared, where known: occurrences of single
            // passages mark only when each happened.
            if let Some(incident) = incidents.iter().find(|i| i.index == index) {
                line.label.clone_from(&incident.label);
                line.start_ms = incident.start_ms;
                line.end_ms = incident.end_ms;
            }
            line.state = if now_ms < line.start_ms {
                IncidentState::Upcoming
            } else if now_ms < line.end_ms {
                IncidentState::Active
            } else {
                IncidentState::Over
            };
            line
        })
        .filter(|line| upcoming || line.state != IncidentState::Upcoming)
        .collect()
}

#[cfg(test)]
mod tests {
    use borderflow_proto::analytics::v1::AnomalyKind;

    use super::*;
    use crate::scenario::IncidentKind;
    use crate::truth::Draft;

    fn draft(incident: Option<usize>, kind: &str, at: (i64, i64), crossing: &str) -> Draft {
        Draft {
            incident,
            label: format!("label {incident:?}"),
            kind: kind.into(),
            expected: AnomalyKind::MrzCheckDigit,
            side_effects: Vec::new(),
            crossings: vec![crossing.into()],
            checkpoint: None,
            officer: None,
            start_ms: at.0,
            end_ms: at.1,
        }
    }

    fn incident(index: usize, label: &str, span: (i64, i64)) -> Incident {
        Incident {
            index,
            label: label.into(),
            start_ms: span.0,
            end_ms: span.1,
            kind: IncidentKind::ForgedDocuments {
                crossing: 0,
                count: 2,
            },
        }
    }

    #[test]
    fn one_line_per_incident_with_its_truth_summed_up() {
        let mut truth = Truth::default();
        truth.add(draft(None, "background/lost_stolen", (5, 5), "A"));
        let a = truth.add(draft(Some(0), "forged_documents", (120, 120), "A"));
        let b = truth.add(draft(Some(0), "forged_documents", (150, 150), "B"));
        truth.add(draft(Some(1), "forged_documents", (400, 400), "A"));
        truth.record(a, "e1");
        truth.record(b, "e2");
        truth.record(b, "e3");
        let incidents = [
            incident(0, "ring", (100, 200)),
            incident(1, "ring (injected #1)", (300, 500)),
        ];
        let lines = planted(&truth, &incidents, 1, 160, false);
        assert_eq!(lines.len(), 1);
        let ring = &lines[0];
        assert_eq!(ring.label, "ring");
        assert_eq!((ring.start_ms, ring.end_ms), (100, 200));
        assert_eq!(ring.crossings, ["A", "B"]);
        assert_eq!((ring.occurrences, ring.events), (2, 3));
        assert_eq!(ring.expected, ["MRZ_CHECK_DIGIT"]);
        assert_eq!(ring.source, Source::Scenario);
        assert_eq!(ring.state, IncidentState::Active);
        let all = planted(&truth, &incidents, 1, 250, true);
        let states: Vec<_> = all.iter().map(|l| (l.source, l.state)).collect();
        assert_eq!(
            states,
            [
                (Source::Scenario, IncidentState::Over),
                (Source::Injected, IncidentState::Upcoming)
            ]
        );
        assert_eq!(all[1].label, "ring (injected #1)");
    }
}
