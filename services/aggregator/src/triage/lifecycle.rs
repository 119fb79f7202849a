//! One action on an anomaly's triage record. Each action yields the whole
//! next record (revision one more), so the compacted topic's latest record
//! is the state; a refused action names the field or the state that
//! forbids it.
//!
//! Escalating or dismissing an anomaly nobody acknowledged acknowledges it
//! at the same moment: the time to acknowledge ends at the first action
//! that shows someone looked at it.

use borderflow_proto::triage::v1::{
    DismissReason, TriageAction, TriageEntry, TriageRecord, TriageState,
};
use borderflow_proto::{ms_to_timestamp, timestamp_to_ms};

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2_000;
/// Longest assignee (an authenticated subject), in characters.
pub const MAX_ASSIGNEE_CHARS: usize = 128;

/// An action as the caller asked for it.
#[derive(Clone, Debug)]
pub struct Act<'a> {
    /// Unique per action.
    pub id: String,
    pub action: TriageAction,
    /// The caller's authenticated subject.
    pub actor: &'a str,
    /// Wall-clock time of the action.
    pub at_ms: i64,
    pub reason: DismissReason,
    pub assignee: &'a str,
    pub note: &'a str,
}

/// The anomaly an action is about, for its first record.
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    pub anomaly_id: &'a str,
    pub crossing_id: &'a str,
    /// When the anomaly was first published (wall clock).
    pub raised_ms: i64,
}

/// Why an action is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// A request field is missing or wrong.
    Field { field: &'static str, reason: String },
    /// The action does not apply in the record's state.
    State {
        state: TriageState,
        action: TriageAction,
    },
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Field { field, reason } => write!(f, "{field}: {reason}"),
            Self::State { state, action } => write!(
                f,
                "cannot {} an anomaly that is {}",
                action.label(),
                state.label()
            ),
        }
    }
}

/// The state of an anomaly with `record` (none: new).
pub fn state_of(record: Option<&TriageRecord>) -> TriageState {
    record.map_or(TriageState::New, |r| {
        TriageState::try_from(r.state).unwrap_or(TriageState::New)
    })
}

fn field(field: &'static str, reason: impl Into<String>) -> Refused {
    Refused::Field {
        field,
        reason: reason.into(),
    }
}

/// The state `action` leads to from `state`, if it may be taken there.
fn next_state(state: TriageState, action: TriageAction) -> Option<TriageState> {
    use TriageAction as A;
    use TriageState as S;
    match (action, state) {
        (A::Acknowledge, S::New) => Some(S::Acknowledged),
        (A::Escalate, S::New | S::Acknowledged) => Some(S::Escalated),
        (A::Dismiss, S::New | S::Acknowledged | S::Escalated) => Some(S::Dismissed),
        (A::Close, S::Escalated | S::Dismissed) => Some(S::Closed),
        (A::Reopen, S::Dismissed | S::Closed) => Some(S::Acknowledged),
        (A::Assign, S::New | S::Acknowledged | S::Escalated | S::Dismissed) => Some(state),
        (A::Note, _) => Some(state),
        _ => None,
    }
}

fn check_text(act: &Act<'_>) -> Result<(), Refused> {
    if act.note.chars().count() > MAX_NOTE_CHARS {
        return Err(field(
            "note",
            format!("at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    if act.assignee.chars().count() > MAX_ASSIGNEE_CHARS {
        return Err(field(
            "assignee",
            format!("at most {MAX_ASSIGNEE_CHARS} characters"),
        ));
    }
    if act.assignee.chars().any(char::is_control) || act.assignee.trim() != act.assignee {
        return Err(field(
            "assignee",
            "must be a subject without control characters or surrounding spaces",
        ));
    }
    let blank_note = act.note.trim().is_empty();
    match act.action {
        TriageAction::Unspecified => Err(field("action", "is required")),
        TriageAction::Note if blank_note => Err(field("note", "is required to add a note")),
        TriageAction::Reopen if blank_note => Err(field("note", "is required to reopen: say why")),
        TriageAction::Dismiss if act.reason == DismissReason::Unspecified => {
            Err(field("reason", "is required to dismiss"))
        }
        TriageAction::Dismiss if act.reason == DismissReason::Other && blank_note => Err(field(
            "note",
            "is required to dismiss for another reason: say which",
        )),
        _ if act.action != TriageAction::Dismiss && act.reason != DismissReason::Unspecified => {
            Err(field("reason", "is only for a dismissal"))
        }
        _ if act.action != TriageAction::Assign && !act.assignee.is_empty() => {
            Err(field("assignee", "is only for an assignment"))
        }
        _ => Ok(()),
    }
}

/// The record after `act` on `current` (none: the anomaly is new).
pub fn apply(
    current: Option<&TriageRecord>,
    subject: &Subject<'_>,
    act: Act<'_>,
) -> Result<TriageRecord, Refused> {
    check_text(&act)?;
    let state = state_of(current);
    let next = next_state(state, act.action).ok_or(Refused::State {
        state,
        action: act.action,
    })?;
    let mut record = current.cloned().unwrap_or_else(|| TriageRecord {
        anomaly_id: subject.anomaly_id.to_owned(),
        crossing_id: subject.crossing_id.to_owned(),
        raised_at: Some(ms_to_timestamp(subject.raised_ms)),
        ..TriageRecord::default()
    });
    record.state = next as i32;
    record.revision += 1;
    match act.action {
        TriageAction::Assign => act.assignee.clone_into(&mut record.assignee),
        TriageAction::Dismiss => record.dismiss_reason = act.reason as i32,
        TriageAction::Reopen => record.dismiss_reason = DismissReason::Unspecified as i32,
        _ => {}
    }
    record.history.push(TriageEntry {
        id: act.id,
        action: act.action as i32,
        actor: act.actor.to_owned(),
        at: Some(ms_to_timestamp(act.at_ms)),
        state: next as i32,
        assignee: act.assignee.to_owned(),
        reason: act.reason as i32,
        note: act.note.to_owned(),
    });
    Ok(record)
}

fn entry_ms(entry: &TriageEntry) -> Option<i64> {
    entry.at.as_ref().and_then(timestamp_to_ms)
}

/// When the anomaly was first acknowledged (explicitly, or by escalating
/// or dismissing it), and by whom.
pub fn acknowledged(record: &TriageRecord) -> Option<(i64, &str)> {
    record
        .history
        .iter()
        .find(|e| {
            matches!(
                TriageAction::try_from(e.action),
                Ok(TriageAction::Acknowledge | TriageAction::Escalate | TriageAction::Dismiss)
            )
        })
        .and_then(|e| Some((entry_ms(e)?, e.actor.as_str())))
}

/// When the anomaly was raised (wall clock).
pub fn raised_ms(record: &TriageRecord) -> Option<i64> {
    record.raised_at.as_ref().and_then(timestamp_to_ms)
}

#[cfg(test)]
mod tests;
