//! The triage lifecycle's words: states, actions and dismissal reasons,
//! as labels (metrics, the dashboard, files) and parsed back from a label
//! or the full proto name.

use crate::triage::v1::{DismissReason, TriageAction, TriageState};

/// Generates `ALL`, `label`, `label_of` and `parse` for a triage enum.
macro_rules! words {
    ($ty:ident, $prefix:literal, $($variant:ident => $label:literal,)*) => {
        impl $ty {
            /// Every value the contract defines, `Unspecified` excluded.
            pub const ALL: &'static [$ty] = &[$(Self::$variant),*];

            /// The label: lowercase, words joined by `_`.
            pub fn label(self) -> &'static str {
                match self {
                    Self::Unspecified => "unspecified",
                    $(Self::$variant => $label,)*
                }
            }

            /// The label of a value as carried on the wire.
            pub fn label_of(value: i32) -> &'static str {
                Self::try_from(value).unwrap_or_default().label()
            }

            /// A value from its label or full proto name, in any case.
            pub fn parse(text: &str) -> Option<Self> {
                let upper = text.trim().to_ascii_uppercase();
                let full = if upper.starts_with($prefix) {
                    upper
                } else {
                    format!("{}{upper}", $prefix)
                };
                Self::from_str_name(&full).filter(|v| *v != Self::Unspecified)
            }
        }
    };
}

words!(TriageState, "TRIAGE_STATE_",
    New => "new",
    Acknowledged => "acknowledged",
    Escalated => "escalated",
    Dismissed => "dismissed",
    Closed => "closed",
);

words!(TriageAction, "TRIAGE_ACTION_",
    Acknowledge => "acknowledge",
    Escalate => "escalate",
    Dismiss => "dismiss",
    Close => "close",
    Reopen => "reopen",
    Assign => "assign",
    Note => "note",
);

words!(DismissReason, "DISMISS_REASON_",
    FalseAlarm => "false_alarm",
    Duplicate => "duplicate",
    HandledAtBooth => "handled_at_booth",
    Expected => "expected",
    Other => "other",
);

impl TriageState {
    /// Still waiting for a decision: new, acknowledged or escalated.
    pub fn is_open(self) -> bool {
        matches!(self, Self::New | Self::Acknowledged | Self::Escalated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_parses_back_from_its_label_and_proto_name() {
        for state in TriageState::ALL {
            assert_eq!(TriageState::parse(state.label()), Some(*state));
            assert_eq!(TriageState::parse(state.as_str_name()), Some(*state));
        }
        for action in TriageAction::ALL {
            assert_eq!(TriageAction::parse(action.label()), Some(*action));
        }
        for reason in DismissReason::ALL {
            assert_eq!(DismissReason::parse(reason.label()), Some(*reason));
            assert_eq!(
                reason.label().to_ascii_uppercase(),
                reason.as_str_name().trim_start_matches("DISMISS_REASON_")
            );
        }
        assert_eq!(TriageState::ALL.len(), 5);
        assert_eq!(TriageAction::ALL.len(), 7);
        assert_eq!(DismissReason::ALL.len(), 5);
        assert_eq!(TriageState::parse("unspecified"), None);
        assert_eq!(DismissReason::parse("bored"), None);
        assert_eq!(TriageAction::label_of(99), "unspecified");
    }
}
