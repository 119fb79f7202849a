use borderflow_proto::triage::v1::{DismissReason, TriageAction, TriageRecord, TriageState};

use super::*;

const SUBJECT: Subject<'static> = Subject {
    anomaly_id: "a-1",
    crossing_id: "KZ-KOR",
    raised_ms: 1_000,
};

fn act(action: TriageAction, at_ms: i64) -> Act<'static> {
    Act {
        id: format!("act-{at_ms}"),
        action,
        actor: "op-1",
        at_ms,
        reason: DismissReason::Unspecified,
        assignee: "",
        note: "",
    }
}

fn run(steps: Vec<Act<'static>>) -> Result<TriageRecord, Refused> {
    let mut record: Option<TriageRecord> = None;
    for step in steps {
        record = Some(apply(record.as_ref(), &SUBJECT, step)?);
    }
    Ok(record.expect("at least one step"))
}

#[test]
fn the_full_path_records_every_action_in_order() {
    let record = run(vec![
        act(TriageAction::Acknowledge, 5_000),
        Act {
            assignee: "op-2",
            ..act(TriageAction::Assign, 6_000)
        },
        act(TriageAction::Escalate, 7_000),
        act(TriageAction::Close, 9_000),
    ])
    .unwrap();
    assert_eq!(record.state, TriageState::Closed as i32);
    assert_eq!(record.revision, 4);
    assert_eq!(record.assignee, "op-2");
    assert_eq!(record.anomaly_id, "a-1");
    assert_eq!(record.crossing_id, "KZ-KOR");
    assert_eq!(raised_ms(&record), Some(1_000));
    let states: Vec<i32> = record.history.iter().map(|e| e.state).collect();
    assert_eq!(
        states,
        [
            TriageState::Acknowledged as i32,
            TriageState::Acknowledged as i32,
            TriageState::Escalated as i32,
            TriageState::Closed as i32
        ]
    );
    assert_eq!(acknowledged(&record), Some((5_000, "op-1")));
}

#[test]
fn dismissing_a_new_anomaly_acknowledges_it_and_keeps_the_reason() {
    let record = run(vec![Act {
        reason: DismissReason::HandledAtBooth,
        ..act(TriageAction::Dismiss, 4_000)
    }])
    .unwrap();
    assert_eq!(record.state, TriageState::Dismissed as i32);
    assert_eq!(record.dismiss_reason, DismissReason::HandledAtBooth as i32);
    assert_eq!(acknowledged(&record), Some((4_000, "op-1")));
}

#[test]
fn a_reopened_dismissal_loses_its_reason_and_can_be_escalated() {
    let record = run(vec![
        Act {
            reason: DismissReason::FalseAlarm,
            ..act(TriageAction::Dismiss, 2_000)
        },
        Act {
            note: "the same document turned up at Ak-Zhol",
            ..act(TriageAction::Reopen, 3_000)
        },
        act(TriageAction::Escalate, 4_000),
    ])
    .unwrap();
    assert_eq!(record.state, TriageState::Escalated as i32);
    assert_eq!(record.dismiss_reason, DismissReason::Unspecified as i32);
    // The first look still counts as the acknowledgement.
    assert_eq!(acknowledged(&record), Some((2_000, "op-1")));
}

#[test]
fn actions_out_of_order_name_the_state_that_forbids_them() {
    for (steps, state, action) in [
        (
            vec![act(TriageAction::Close, 2_000)],
            TriageState::New,
            TriageAction::Close,
        ),
        (
            vec![
                act(TriageAction::Acknowledge, 2_000),
                act(TriageAction::Acknowledge, 3_000),
            ],
            TriageState::Acknowledged,
            TriageAction::Acknowledge,
        ),
        (
            vec![
                act(TriageAction::Acknowledge, 2_000),
                act(TriageAction::Close, 3_000),
            ],
            TriageState::Acknowledged,
            TriageAction::Close,
        ),
        (
            vec![
                act(TriageAction::Escalate, 2_000),
                act(TriageAction::Close, 3_000),
                Act {
                    assignee: "op-2",
                    ..act(TriageAction::Assign, 4_000)
                },
            ],
            TriageState::Closed,
            TriageAction::Assign,
        ),
        (
            vec![
                act(TriageAction::Escalate, 2_000),
                act(TriageAction::Escalate, 3_000),
            ],
            TriageState::Escalated,
            TriageAction::Escalate,
        ),
    ] {
        assert_eq!(run(steps), Err(Refused::State { state, action }));
    }
    let refused = run(vec![act(TriageAction::Close, 2_000)]).unwrap_err();
    assert_eq!(refused.to_string(), "cannot close an anomaly that is new");
}

#[test]
fn missing_or_misplaced_fields_are_named() {
    let cases: Vec<(Act<'static>, &str)> = vec![
        (act(TriageAction::Unspecified, 1), "action"),
        (act(TriageAction::Dismiss, 1), "reason"),
        (
            Act {
                reason: DismissReason::Other,
                ..act(TriageAction::Dismiss, 1)
            },
            "note",
        ),
        (act(TriageAction::Note, 1), "note"),
        (act(TriageAction::Reopen, 1), "note"),
        (
            Act {
                reason: DismissReason::FalseAlarm,
                ..act(TriageAction::Acknowledge, 1)
            },
            "reason",
        ),
        (
            Act {
                assignee: "op-2",
                ..act(TriageAction::Escalate, 1)
            },
            "assignee",
        ),
        (
            Act {
                assignee: " op-2",
                ..act(TriageAction::Assign, 1)
            },
            "assignee",
        ),
        (
            Act {
                note: Box::leak("x".repeat(MAX_NOTE_CHARS + 1).into_boxed_str()),
                ..act(TriageAction::Note, 1)
            },
            "note",
        ),
    ];
    for (step, expected) in cases {
        match apply(None, &SUBJECT, step.clone()) {
            Err(Refused::Field { field, .. }) => assert_eq!(field, expected, "{step:?}"),
            other => panic!("{step:?} gave {other:?}"),
        }
    }
}

#[test]
fn notes_and_assignments_keep_the_state_and_a_note_may_follow_closure() {
    let record = run(vec![
        Act {
            assignee: "op-2",
            ..act(TriageAction::Assign, 2_000)
        },
        Act {
            note: "queue building at lane 3",
            ..act(TriageAction::Note, 3_000)
        },
    ])
    .unwrap();
    assert_eq!(record.state, TriageState::New as i32);
    assert_eq!(acknowledged(&record), None, "assigning is not looking");
    let closed = run(vec![
        act(TriageAction::Escalate, 2_000),
        act(TriageAction::Close, 3_000),
        Act {
            note: "debriefed",
            ..act(TriageAction::Note, 4_000)
        },
    ])
    .unwrap();
    assert_eq!(closed.state, TriageState::Closed as i32);
    assert_eq!(closed.revision, 3);
}
