use std::time::{Duration, Instant};

use super::*;

/// What a copy holds: (key, value) pairs.
type Held = Vec<(Vec<u8>, Vec<u8>)>;

fn loaded(stores: &LocalStores, partition: i32) -> Option<(i64, Held)> {
    let mut records = Vec::new();
    let loaded = stores
        .load(partition, |k, v| {
            records.push((k.to_vec(), v.to_vec()));
            Ok(())
        })
        .unwrap()?;
    assert_eq!(loaded.records as usize, records.len());
    Some((loaded.next, records))
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
    stores.persisted(3, vec![record(b"a", Some(b"3")), record(b"b", None)], 9);
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
