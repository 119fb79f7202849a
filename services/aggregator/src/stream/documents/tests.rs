//! The histories over a local copy, memory holding only a few of them,
//! report exactly what they report all in memory.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use borderflow_domain::time::MS_PER_DAY;
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{AnomalyKind, Crossing};
use borderflow_proto::inspection::v1::{
    Direction, DocumentFacts, Inspection, InspectionRecord, Outcome, TravelMode, inspection_record,
};
use borderflow_proto::ms_to_timestamp;

use super::*;
use crate::detect::references::Listed;
use crate::ids::uuid_string;
use crate::partition::PartitionChanges;
use crate::partition::effects::Collected;

fn refs() -> Arc<dyn References> {
    let mut refs = Listed::default();
    for (id, lat, lon) in [("KZ-KOR", 43.22, 74.72), ("KZ-ALA", 43.35, 77.04)] {
        refs = refs.with_crossing(Crossing {
            id: id.into(),
            name: id.into(),
            country: "KAZ".into(),
            latitude: lat,
            longitude: lon,
            mode: TravelMode::Road as i32,
            ..Default::default()
        });
    }
    Arc::new(refs)
}

/// A year and a half of trips of `documents` travellers: stays of a day
/// to four months (some past the 90-day limit), refusals, return trips,
/// and travellers who stop coming (their histories expire). Time order,
/// as (document key, by-document payload).
fn traffic(documents: u32) -> Vec<([u8; 32], Vec<u8>)> {
    const T0: i64 = 1_700_000_000_000;
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |bound: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % bound
    };
    let mut events = Vec::new();
    let mut id = 0u128;
    for document in 0..documents {
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(&document.to_be_bytes());
        key[31] = 1;
        let mut t = T0 + next(300) as i64 * MS_PER_DAY + next(86_400_000) as i64;
        for _ in 0..1 + next(4) {
            let crossing = ["KZ-KOR", "KZ-ALA"][next(2) as usize];
            let refused = next(10) == 0;
            let outcome = if refused {
                Outcome::Refused
            } else {
                Outcome::Admitted
            };
            id += 1;
            events.push((t, key, id, crossing, Direction::Entry, outcome));
            if !refused {
                t += (1 + next(125)) as i64 * MS_PER_DAY + next(3_600_000) as i64;
                id += 1;
                events.push((t, key, id, crossing, Direction::Exit, Outcome::Admitted));
            }
            t += (1 + next(120)) as i64 * MS_PER_DAY;
        }
    }
    events.sort_by_key(|e| (e.0, e.2));
    events
        .into_iter()
        .map(|(t, key, id, crossing, direction, outcome)| {
            let inspection = Inspection {
                event_id: uuid_string(id),
                crossing_id: crossing.into(),
                direction: direction as i32,
                outcome: outcome as i32,
                completed_at: Some(ms_to_timestamp(t)),
                document: Some(DocumentFacts {
                    nationality: "UZB".into(),
                    ..Default::default()
                }),
                ..Default::default()
            };
            let record = InspectionRecord {
                body: Some(inspection_record::Body::Inspection(inspection)),
            };
            (key, record.encode_to_vec())
        })
        .collect()
}

fn partition() -> DocumentPartition {
    DocumentPartition::new(Arc::new(DetectConfig::default()), 120_000, refs())
}

const BATCH: usize = 40;

#[test]
fn histories_in_a_local_copy_report_what_histories_in_memory_report() {
    let traffic = traffic(1_500);
    let record = |offset: usize| Record {
        partition: 0,
        offset: offset as i64,
        key: Some(&traffic[offset].0),
        payload: &traffic[offset].1,
    };

    let mut all_in_memory = partition();
    let mut expected = Collected::default();
    for offset in 0..traffic.len() {
        let _ = all_in_memory.step(&record(offset), &mut expected);
    }

    let dir = tempfile::tempdir().unwrap();
    let local = LocalStores::open(dir.path(), "state", Duration::from_secs(3600)).unwrap();
    let capacity = 30;
    let mut state = partition().keep_changes();
    state.tiered(capacity);
    let mut owned = Owned::new(state);
    let mut found = Collected::default();
    // Changes reach the copy two batches late, as they would once the
    // changelog has confirmed them.
    let mut in_flight = VecDeque::new();
    let persist = |changes: PartitionChanges, written: &mut i64| {
        let generation = changes.generation;
        let records = changes.into_records();
        *written += records.len() as i64;
        local
            .write_changes(0, records, *written - 1, generation)
            .unwrap();
    };
    let (mut written, mut most_in_memory, mut most_held) = (0i64, 0, 0);
    for batch in (0..traffic.len()).collect::<Vec<_>>().chunks(BATCH) {
        for &offset in batch {
            owned
                .step(Some(&local), &record(offset), &mut found)
                .unwrap();
        }
        if let Some(changes) = owned.take_changes(Some(&local)).unwrap() {
            in_flight.push_back(changes);
        }
        if in_flight.len() > 2 {
            persist(in_flight.pop_front().unwrap(), &mut written);
        }
        owned.evict(Some(&local));
        most_in_memory = most_in_memory.max(owned.state.documents());
        most_held = most_held.max(local.documents(0).unwrap());
    }

    let overstays = expected
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::Overstay as i32)
        .count();
    assert!(overstays > 20, "the traffic has overstays ({overstays})");
    assert_eq!(found.anomalies.len(), expected.anomalies.len());
    assert_eq!(found.anomalies, expected.anomalies);

    for changes in in_flight {
        persist(changes, &mut written);
    }
    let held = local.documents(0).unwrap();
    assert_eq!(
        held,
        all_in_memory.documents() as u64,
        "the copy holds every history memory would, and forgot the same ones"
    );
    assert!(
        most_held > 10 * capacity as u64,
        "most histories were only in the copy (at most {most_held})"
    );
    assert!(
        held < most_held,
        "histories past the retention were forgotten"
    );
    // At most the cache, what the last batches changed (not yet in the
    // copy), and the histories whose check falls due next.
    assert!(
        most_in_memory <= capacity + 3 * BATCH + 50,
        "memory held {most_in_memory} histories"
    );
}
