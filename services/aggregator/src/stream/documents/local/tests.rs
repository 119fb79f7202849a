use std::time::{Duration, Instant};

use super::*;
use crate::stream::output::Persist;

/// What a copy holds: (key, value) pairs.
type Held = Vec<(Vec<u8>, Vec<u8>)>;

fn loaded(stores: &LocalStores, partition: i32) -> Option<(i64, Held)> {
    let copy = stores.open_copy(partition).unwrap()?;
    let records: Held = stores
        .copy(partition)
        .unwrap()
        .tables
        .state
        .iter()
        .map(|entry| {
            let (key, value) = entry.unwrap();
            (key.to_vec(), value.to_vec())
        })
        .collect();
    Some((copy.next, records))
}

fn record(key: &[u8], value: Option<&[u8]>) -> (Vec<u8>, Option<Vec<u8>>) {
    (key.to_vec(), value.map(<[u8]>::to_vec))
}

/// Waits until the writer thread has brought `partition` to `next`.
fn settled(stores: &LocalStores, partition: i32, next: i64) {
    let started = Instant::now();
    while loaded(stores, partition).is_none_or(|(n, _)| n < next) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the write never landed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_copy_holds_the_latest_value_of_each_key_and_where_the_changelog_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let stores = LocalStores::open(dir.path(), "changelog", Duration::from_secs(3600)).unwrap();
    assert!(loaded(&stores, 3).is_none(), "no copy yet");
    stores.restoring(3);
    stores
        .write_now(
            3,
            vec![record(b"a", Some(b"1")), record(b"b", Some(b"2"))],
            1,
        )
        .unwrap();
    stores.persisted(3, vec![record(b"a", Some(b"3")), record(b"b", None)], 9, 1);
    settled(&stores, 3, 10);
    let (next, records) = loaded(&stores, 3).unwrap();
    assert_eq!(next, 10);
    assert_eq!(records, vec![(b"a".to_vec(), b"3".to_vec())]);
    // A write the copy already holds (an earlier one, late) changes nothing.
    stores
        .write_now(3, vec![record(b"c", Some(b"4"))], 5)
        .unwrap();
    assert_eq!(loaded(&stores, 3).unwrap().1.len(), 1);
}

#[test]
fn writes_asked_for_before_a_restore_are_not_applied_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let stores = LocalStores::open(dir.path(), "changelog", Duration::from_secs(3600)).unwrap();
    stores
        .write_now(0, vec![record(b"a", Some(b"1"))], 0)
        .unwrap();
    // Asked for by the earlier ownership, not yet written...
    let stale = Write {
        partition: 0,
        epoch: stores.epoch(0),
        records: vec![record(b"stale", Some(b"x"))],
        last_offset: 50,
        generation: 7,
    };
    // ... when a restore of the partition begins.
    stores.restoring(0);
    stores.write(&stale).unwrap();
    let (next, records) = loaded(&stores, 0).unwrap();
    assert_eq!(next, 1);
    assert_eq!(records, vec![(b"a".to_vec(), b"1".to_vec())]);
}

#[test]
fn a_dropped_copy_is_written_again_only_once_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let stores = LocalStores::open(dir.path(), "changelog", Duration::from_secs(3600)).unwrap();
    stores
        .write_now(1, vec![record(b"a", Some(b"1"))], 4)
        .unwrap();
    stores.discard(1);
    assert!(loaded(&stores, 1).is_none(), "the file is gone");
    stores
        .write_now(1, vec![record(b"b", Some(b"2"))], 8)
        .unwrap();
    assert!(
        loaded(&stores, 1).is_none(),
        "a copy missing its start is not written"
    );
    stores.rebuilding(1);
    stores
        .write_now(1, vec![record(b"b", Some(b"2"))], 8)
        .unwrap();
    assert_eq!(loaded(&stores, 1).unwrap().0, 9);
}

/// The keyspace partitions of every copy in `stores`.
fn tables(stores: &LocalStores) -> Vec<String> {
    let mut names: Vec<String> = stores
        .keyspace
        .list_partitions()
        .iter()
        .map(|n| n.to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn dropping_deletes_a_copy_and_creates_none() {
    let dir = tempfile::tempdir().unwrap();
    {
        let stores = LocalStores::open(dir.path(), "changelog", Duration::from_secs(3600)).unwrap();
        stores
            .write_now(1, vec![record(b"a", Some(b"1"))], 4)
            .unwrap();
        assert_eq!(
            tables(&stores),
            ["p1i0-expiry", "p1i0-meta", "p1i0-state", "p1i0-timers"]
        );
        // A partition that never had a copy: nothing to drop, none made.
        stores.rebuilding(5);
        assert_eq!(tables(&stores).len(), 4);
        assert!(
            !stores.incarnations.lock().unwrap().contains_key(&5),
            "no copy of partition 5 was ever made"
        );
    }
    // After a restart the copy is found on disk, not opened, and dropped.
    let stores = LocalStores::open(dir.path(), "changelog", Duration::from_secs(3600)).unwrap();
    assert_eq!(tables(&stores).len(), 4);
    stores.rebuilding(1);
    assert!(tables(&stores).is_empty(), "{:?}", tables(&stores));
    stores
        .write_now(1, vec![record(b"b", Some(b"2"))], 8)
        .unwrap();
    assert_eq!(
        tables(&stores),
        ["p1i1-expiry", "p1i1-meta", "p1i1-state", "p1i1-timers"],
        "the rebuilt copy is a new incarnation"
    );
}

#[test]
fn an_old_copy_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let stores = LocalStores::open(dir.path(), "changelog", Duration::ZERO).unwrap();
    stores
        .write_now(2, vec![record(b"a", Some(b"1"))], 4)
        .unwrap();
    std::thread::sleep(Duration::from_millis(5));
    assert!(loaded(&stores, 2).is_none());
}

/// A history in the changelog's form: passages at `passages`, a pending
/// check at `deadline`.
fn history(passages: &[i64], deadline: Option<i64>) -> Vec<u8> {
    use crate::detect::document::stored::{StoredDeadline, StoredHistory, StoredPassage};
    use prost::Message as _;
    StoredHistory {
        passages: passages
            .iter()
            .map(|&at_ms| StoredPassage {
                at_ms,
                ..Default::default()
            })
            .collect(),
        nationality: "UZB".into(),
        deadline: deadline.map(|at_ms| StoredDeadline {
            at_ms,
            ..Default::default()
        }),
        escorts: Vec::new(),
    }
    .encode_to_vec()
}

#[test]
fn histories_are_found_by_key_by_falling_due_and_by_age() {
    let dir = tempfile::tempdir().unwrap();
    let stores = LocalStores::open(dir.path(), "changelog", Duration::from_secs(3600)).unwrap();
    let (a, b, c) = ([1; 32], [2; 32], [3; 32]);
    let first = vec![
        (a.to_vec(), Some(history(&[100, 300], Some(5_000)))),
        (b.to_vec(), Some(history(&[200], None))),
        (c.to_vec(), Some(history(&[-50], Some(-10)))),
        (PARTITION_KEY.to_vec(), Some(b"clock".to_vec())),
    ];
    stores.write_changes(0, first, 3, 1).unwrap();
    assert_eq!(stores.generation(0), 1);
    let cold = stores.cold(0).unwrap();
    assert_eq!(stores.documents(0).unwrap(), 3);
    assert_eq!(
        cold.get(&a).unwrap(),
        Some(history(&[100, 300], Some(5_000)))
    );
    assert_eq!(cold.get(&[9; 32]).unwrap(), None);
    let due = |cold: &Cold, after, up_to| -> Vec<[u8; 32]> {
        cold.due(after, up_to)
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    };
    assert_eq!(due(&cold, i64::MIN, 4_999), vec![c]);
    assert_eq!(
        due(&cold, -10, 5_000),
        vec![a],
        "after is exclusive, up to inclusive"
    );
    assert_eq!(
        cold.stale(201).unwrap(),
        vec![b],
        "only histories without a check expire"
    );
    assert_eq!(cold.stale(200).unwrap(), Vec::<[u8; 32]>::new());

    // The check fired, b travelled again, c is forgotten.
    let second = vec![
        (a.to_vec(), Some(history(&[100, 300], None))),
        (b.to_vec(), Some(history(&[200, 900], Some(7_000)))),
        (c.to_vec(), None),
    ];
    stores.write_changes(0, second, 6, 2).unwrap();
    let cold = stores.cold(0).unwrap();
    assert_eq!(stores.documents(0).unwrap(), 2);
    assert_eq!(due(&cold, i64::MIN, i64::MAX - 1), vec![b]);
    assert_eq!(cold.stale(i64::MAX).unwrap(), vec![a]);
}
