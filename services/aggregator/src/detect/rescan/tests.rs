use std::time::Duration;

use borderflow_proto::analytics::v1::AnomalyKind;
use borderflow_proto::timestamp_to_ms;

use super::*;
use crate::detect::anomaly::anomaly_id;

const SEC: i64 = 1_000;
const MIN: i64 = 60 * SEC;
const T: i64 = 1_780_000_000_000;

fn rescans() -> Rescans {
    Rescans::new(&config(5 * MIN))
}

fn config(grace_ms: i64) -> DetectConfig {
    DetectConfig {
        rescan_grace: Duration::from_millis(grace_ms as u64),
        rescan_fallback: Duration::from_secs(3_600),
        ..DetectConfig::default()
    }
}

fn document(doc: u8, person: u8, valid: bool) -> DocumentFacts {
    DocumentFacts {
        document_key: vec![doc; 32].into(),
        person_key: vec![person; 32].into(),
        mrz_valid: valid,
        ..DocumentFacts::default()
    }
}

fn anomaly(event: &str) -> Anomaly {
    Anomaly {
        id: anomaly_id(AnomalyKind::MrzCheckDigit, &[event.as_bytes()]),
        kind: AnomalyKind::MrzCheckDigit as i32,
        ..Anomaly::default()
    }
}

/// A failed read of document (1, 1) at booth `B-1`, completed at `T`.
fn failed(r: &mut Rescans) {
    let held = r.hold(10, "B-1", T, &document(1, 1, false), anomaly("e1"));
    assert!(held.is_none());
}

fn read(r: &mut Rescans, booth: &str, started_ms: i64, document: &DocumentFacts) {
    r.read(&Read {
        checkpoint_id: booth,
        started_ms,
        event_ms: started_ms + 90 * SEC,
        document: Some(document),
    });
}

fn released(r: &mut Rescans, watermark: i64) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    r.release(Some(watermark), &mut out);
    out.into_iter()
        .map(|a| {
            let at = a.detected_at.as_ref().and_then(timestamp_to_ms).unwrap();
            (a.id, at)
        })
        .collect()
}

#[test]
fn a_clean_rescan_with_the_same_document_key_clears_the_failure() {
    let mut r = rescans();
    failed(&mut r);
    // The misread was in the name: the person key differs, the number not.
    read(&mut r, "B-1", T + 20 * SEC, &document(1, 9, true));
    assert!(r.is_empty());
    read(&mut r, "B-1", T + 30 * MIN, &document(7, 7, true));
    assert!(released(&mut r, T + 2 * 3_600_000).is_empty());
}

#[test]
fn a_clean_rescan_with_the_same_person_key_clears_the_failure() {
    let mut r = rescans();
    failed(&mut r);
    // The misread was in the number (or the document was keyed in with the
    // number the zone could not give): same person, other document key.
    read(&mut r, "B-1", T + 40 * SEC, &document(9, 1, true));
    assert!(r.is_empty());
    assert_eq!(r.oldest_offset(), None);
}

#[test]
fn another_document_a_failed_rescan_another_booth_or_a_late_rescan_do_not_clear_it() {
    let mut r = rescans();
    failed(&mut r);
    // The next traveller at the booth.
    read(&mut r, "B-1", T + 10 * SEC, &document(2, 2, true));
    // The zone fails again: a forgery fails every read.
    read(&mut r, "B-1", T + 30 * SEC, &document(1, 1, false));
    // The same document read cleanly, but at the next booth.
    read(&mut r, "B-2", T + 60 * SEC, &document(1, 1, true));
    assert_eq!(r.len(), 1);
    // At the booth, but started after the grace.
    read(&mut r, "B-1", T + 5 * MIN + SEC, &document(1, 1, true));
    assert_eq!(
        released(&mut r, T),
        vec![(anomaly("e1").id, T + 5 * MIN + SEC)]
    );
    assert!(r.is_empty());
}

#[test]
fn the_checkpoints_own_inspections_release_it_not_another_booths() {
    let mut r = rescans();
    failed(&mut r);
    // Another booth moves on, and the watermark passes the grace (a busier
    // booth runs ahead): this booth may still re-scan.
    read(&mut r, "B-2", T + 20 * MIN, &document(2, 2, true));
    assert!(released(&mut r, T + 20 * MIN).is_empty());
    // Its own heartbeat past the grace: the officer may be keying the
    // document in.
    r.beat("B-1", T + 10 * MIN);
    assert!(released(&mut r, T + 20 * MIN).is_empty());
    // The booth starts the next traveller exactly at the grace: still
    // within it.
    read(&mut r, "B-1", T + 5 * MIN, &document(2, 2, true));
    assert!(released(&mut r, T + 20 * MIN).is_empty());
    read(&mut r, "B-1", T + 5 * MIN + 1, &document(3, 3, true));
    assert_eq!(
        released(&mut r, T + 20 * MIN),
        vec![(anomaly("e1").id, T + 5 * MIN + 1)]
    );
    assert_eq!(r.oldest_offset(), None);
}

#[test]
fn a_closed_booths_heartbeats_release_it_after_the_fallback() {
    let mut r = rescans();
    failed(&mut r);
    r.beat("B-1", T + 3_600_000);
    assert!(released(&mut r, T).is_empty());
    r.beat("B-1", T + 3_600_000 + 5 * MIN);
    assert_eq!(
        released(&mut r, T),
        vec![(anomaly("e1").id, T + 3_600_000 + 5 * MIN)]
    );
}

#[test]
fn a_silent_booth_is_released_by_the_watermark_after_the_fallback() {
    let mut r = rescans();
    failed(&mut r);
    assert!(released(&mut r, T + 3_600_000).is_empty());
    assert_eq!(r.oldest_offset(), Some(10));
    assert_eq!(
        released(&mut r, T + 3_600_000 + 1),
        vec![(anomaly("e1").id, T + 3_600_000 + 1)]
    );
}

#[test]
fn a_repeated_event_is_held_once_and_the_oldest_offset_is_kept() {
    let mut r = rescans();
    failed(&mut r);
    r.hold(12, "B-1", T, &document(1, 1, false), anomaly("e1"));
    r.hold(14, "B-3", T + MIN, &document(3, 3, false), anomaly("e3"));
    assert_eq!((r.len(), r.oldest_offset()), (2, Some(10)));
    read(&mut r, "B-1", T + MIN, &document(1, 1, true));
    assert_eq!((r.len(), r.oldest_offset()), (1, Some(14)));
}

#[test]
fn without_a_grace_the_failure_is_reported_at_once() {
    let mut r = Rescans::new(&config(0));
    let now = r.hold(10, "B-1", T, &document(1, 1, false), anomaly("e1"));
    assert_eq!(now.map(|a| a.id), Some(anomaly("e1").id));
    assert!(r.is_empty());
}

#[test]
fn empty_keys_match_nothing() {
    let mut r = rescans();
    r.hold(10, "B-1", T, &DocumentFacts::default(), anomaly("e1"));
    read(
        &mut r,
        "B-1",
        T + SEC,
        &DocumentFacts {
            mrz_valid: true,
            ..DocumentFacts::default()
        },
    );
    assert_eq!(r.len(), 1);
}
