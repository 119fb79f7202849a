//! Ground truth: every occurrence a run planted (one per forged document,
//! per overstayer, per surge …) and every background occurrence that should
//! raise an anomaly without being an incident (a base-rate lost or stolen
//! document, a market day's queues), with the anomaly kind expected, the
//! few side effects it physically implies (each with its reason), where and
//! when, and — filled in as the run streams — the ids of the events
//! involved.

use std::collections::BTreeSet;

use borderflow_proto::analytics::v1::AnomalyKind;

/// The label of background occurrences' incident kinds.
pub const BACKGROUND: &str = "background";

/// An anomaly kind an occurrence may raise besides the one expected, and
/// why it follows from what was planted. The scorecard excuses such an
/// anomaly (and lists it with the reason) only when it concerns the
/// occurrence: its events, or its crossing within its span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SideEffect {
    pub kind: AnomalyKind,
    /// Why the occurrence causes it, for the trainer reading the scorecard.
    pub reason: &'static str,
}

impl SideEffect {
    pub const fn new(kind: AnomalyKind, reason: &'static str) -> Self {
        Self { kind, reason }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Occurrence {
    pub id: u32,
    /// The scenario incident it belongs to; `None` for background.
    pub incident: Option<usize>,
    /// The incident's label, or `background`.
    pub label: String,
    /// `forged_documents`, …, or `background/lost_stolen` and the like.
    pub kind: String,
    pub expected: AnomalyKind,
    /// What may also fire because of it without being a false alarm.
    pub side_effects: Vec<SideEffect>,
    pub crossings: Vec<String>,
    pub checkpoint: Option<String>,
    pub officer: Option<String>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub event_ids: BTreeSet<String>,
}

impl Occurrence {
    pub fn is_background(&self) -> bool {
        self.incident.is_none()
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Truth {
    pub occurrences: Vec<Occurrence>,
}

/// What the planner states about an occurrence; its id and events come
/// later.
#[derive(Clone, Debug)]
pub struct Draft {
    pub incident: Option<usize>,
    pub label: String,
    pub kind: String,
    pub expected: AnomalyKind,
    pub side_effects: Vec<SideEffect>,
    pub crossings: Vec<String>,
    pub checkpoint: Option<String>,
    pub officer: Option<String>,
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Truth {
    /// Adds an occurrence; returns its id (the tag its events carry).
    pub fn add(&mut self, draft: Draft) -> u32 {
        let id = self.occurrences.len() as u32;
        self.occurrences.push(Occurrence {
            id,
            incident: draft.incident,
            label: draft.label,
            kind: draft.kind,
            expected: draft.expected,
            side_effects: draft.side_effects,
            crossings: draft.crossings,
            checkpoint: draft.checkpoint,
            officer: draft.officer,
            start_ms: draft.start_ms,
            end_ms: draft.end_ms,
            event_ids: BTreeSet::new(),
        });
        id
    }

    /// Records that event `event_id` belongs to occurrence `id`.
    pub fn record(&mut self, id: u32, event_id: &str) {
        if let Some(o) = self.occurrences.get_mut(id as usize) {
            o.event_ids.insert(event_id.to_owned());
        }
    }

    /// Occurrences of planted incidents (not background).
    pub fn planted(&self) -> impl Iterator<Item = &Occurrence> {
        self.occurrences.iter().filter(|o| !o.is_background())
    }

    /// The truth of a run ended early at `end_ms`: occurrences that had
    /// not begun are dropped, spans running past the end are cut at it,
    /// and the rest numbered afresh (ids are positions, as the scorecard
    /// takes them). Event ids stay: they were recorded as streamed.
    pub fn played_until(&self, end_ms: i64) -> Truth {
        let occurrences = self
            .occurrences
            .iter()
            .filter(|o| o.start_ms < end_ms)
            .enumerate()
            .map(|(id, o)| Occurrence {
                id: id as u32,
                end_ms: o.end_ms.min(end_ms),
                ..o.clone()
            })
            .collect();
        Truth { occurrences }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(label: &str, start_ms: i64, end_ms: i64) -> Draft {
        Draft {
            incident: Some(0),
            label: label.into(),
            kind: "flow_surge".into(),
            expected: AnomalyKind::FlowSurge,
            side_effects: Vec::new(),
            crossings: vec!["A".into()],
            checkpoint: None,
            officer: None,
            start_ms,
            end_ms,
        }
    }

    #[test]
    fn a_run_ended_early_keeps_what_had_begun() {
        let mut truth = Truth::default();
        truth.add(draft("early", 0, 100));
        truth.add(draft("across", 50, 500));
        let late = truth.add(draft("late", 300, 400));
        truth.record(late, "e-1");
        truth.record(1, "e-2");
        let played = truth.played_until(200);
        let spans: Vec<(u32, &str, i64, i64)> = played
            .occurrences
            .iter()
            .map(|o| (o.id, o.label.as_str(), o.start_ms, o.end_ms))
            .collect();
        assert_eq!(spans, [(0, "early", 0, 100), (1, "across", 50, 200)]);
        assert!(played.occurrences[1].event_ids.contains("e-2"));
    }
}
