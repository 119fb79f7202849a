use borderflow_domain::time::Date;
use borderflow_proto::analytics::v1::{AnomalyKind, AnomalyStatus, Crossing};
use borderflow_proto::inspection::v1::{Direction, DocumentFacts, Outcome, TravelMode};
use borderflow_proto::ms_to_timestamp;

use super::*;
use crate::detect::document::Change;
use crate::detect::references::Listed;
use crate::ids::uuid_string;

const KEY: [u8; 32] = [3; 32];

fn refs() -> Listed {
    let mut refs = Listed::default();
    // Korday and Ak-Zhol (KAZ, road, ~300 km apart), Almaty airport.
    for (id, country, lat, lon, mode) in [
        ("KZ-KOR", "KAZ", 43.22, 74.72, TravelMode::Road),
        ("KZ-AKZ", "KAZ", 42.98, 71.30, TravelMode::Road),
        ("KZ-ALA", "KAZ", 43.35, 77.04, TravelMode::Air),
        ("KG-DOS", "KGZ", 40.79, 72.97, TravelMode::Road),
    ] {
        refs = refs.with_crossing(Crossing {
            id: id.into(),
            name: id.into(),
            country: country.into(),
            latitude: lat,
            longitude: lon,
            mode: mode as i32,
            ..Default::default()
        });
    }
    refs
}

fn at(y: i32, m: u32, d: u32, hour: i64) -> i64 {
    Date::new(y, m, d).unwrap().start_epoch_ms() + hour * 3_600_000
}

fn passage(n: u128, crossing: &str, t: i64, direction: Direction, outcome: Outcome) -> Inspection {
    Inspection {
        event_id: uuid_string(n),
        crossing_id: crossing.into(),
        direction: direction as i32,
        outcome: outcome as i32,
        completed_at: Some(ms_to_timestamp(t)),
        document: Some(DocumentFacts {
            nationality: "UZB".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

struct Run {
    processor: DocumentProcessor,
    refs: Listed,
    out: Vec<Anomaly>,
    next: u128,
}

impl Run {
    fn new() -> Self {
        Self {
            processor: DocumentProcessor::new(Arc::new(DetectConfig::default()), 120_000),
            refs: refs(),
            out: Vec::new(),
            next: 1,
        }
    }

    fn pass(&mut self, crossing: &str, t: i64, direction: Direction, outcome: Outcome) -> u128 {
        let id = self.next;
        self.next += 1;
        self.processor
            .process(
                KEY,
                &passage(id, crossing, t, direction, outcome),
                &self.refs,
                &mut self.out,
            )
            .unwrap();
        id
    }

    fn enter(&mut self, crossing: &str, t: i64) -> u128 {
        self.pass(crossing, t, Direction::Entry, Outcome::Admitted)
    }

    fn exit(&mut self, crossing: &str, t: i64) -> u128 {
        self.pass(crossing, t, Direction::Exit, Outcome::Admitted)
    }

    /// Another document's traffic moves the partition's event time.
    fn time_passes(&mut self, t: i64) {
        let mut other = passage(
            1_000_000 + self.next,
            "KG-DOS",
            t,
            Direction::Exit,
            Outcome::Admitted,
        );
        other.document.as_mut().unwrap().nationality = "KGZ".into();
        self.next += 1;
        self.processor
            .process([9; 32], &other, &self.refs, &mut self.out)
            .unwrap();
    }

    fn of(&self, kind: AnomalyKind) -> Vec<&Anomaly> {
        self.out.iter().filter(|a| a.kind == kind as i32).collect()
    }
}

#[test]
fn the_eu_example_is_within_the_limit_and_one_more_day_is_not() {
    let mut run = Run::new();
    run.enter("KZ-KOR", at(2014, 4, 19, 10));
    run.exit("KZ-KOR", at(2014, 4, 21, 10));
    run.enter("KZ-KOR", at(2014, 6, 18, 10));
    run.exit("KZ-KOR", at(2014, 9, 11, 10));
    assert!(
        run.of(AnomalyKind::Overstay).is_empty(),
        "89 days is allowed"
    );

    let mut run = Run::new();
    run.enter("KZ-KOR", at(2014, 4, 19, 10));
    run.exit("KZ-KOR", at(2014, 4, 21, 10));
    run.enter("KZ-KOR", at(2014, 6, 18, 10));
    run.exit("KZ-KOR", at(2014, 9, 12, 10));
    assert!(
        run.of(AnomalyKind::Overstay).is_empty(),
        "exactly 90 days is allowed"
    );

    let mut run = Run::new();
    run.enter("KZ-KOR", at(2014, 4, 19, 10));
    run.exit("KZ-KOR", at(2014, 4, 21, 10));
    let entry = run.enter("KZ-KOR", at(2014, 6, 18, 10));
    run.exit("KZ-KOR", at(2014, 9, 13, 10));
    let found = run.of(AnomalyKind::Overstay);
    assert_eq!(found.len(), 1);
    let evidence = found[0].evidence.as_ref().unwrap();
    assert_eq!(evidence.values[0].value, 91.0);
    assert_eq!(evidence.event_ids[0], uuid_string(entry));
}

#[test]
fn an_overstay_is_flagged_as_soon_as_the_limit_passes() {
    let mut run = Run::new();
    run.enter("KZ-KOR", at(2026, 1, 1, 9));
    // Day 90 of presence ends 31 March; the stream reaches 1 April 00:01
    // plus the allowed lateness.
    run.time_passes(at(2026, 3, 31, 23));
    assert!(run.of(AnomalyKind::Overstay).is_empty());
    run.time_passes(at(2026, 4, 1, 0) + 3 * 60_000);
    let found = run.of(AnomalyKind::Overstay);
    assert_eq!(found.len(), 1, "{found:?}");
    let event_time =
        borderflow_proto::timestamp_to_ms(found[0].event_time.as_ref().unwrap()).unwrap();
    assert_eq!(event_time, at(2026, 4, 1, 0));
    // The exit later reports the same anomaly (same id), with the final count.
    run.exit("KZ-KOR", at(2026, 4, 20, 9));
    let again = run.of(AnomalyKind::Overstay);
    assert_eq!(again.len(), 2);
    assert_eq!(again[0].id, again[1].id);
}

#[test]
fn an_old_entry_arriving_after_the_present_traffic_is_flagged_at_once() {
    let mut run = Run::new();
    run.time_passes(at(2026, 5, 4, 9));
    // A remote post's record of an entry 100 days ago, no exit since.
    run.enter("KZ-KOR", at(2026, 1, 24, 9));
    let found = run.of(AnomalyKind::Overstay);
    assert_eq!(found.len(), 1, "{:?}", run.out);
}

#[test]
fn nationals_and_exempt_nationalities_have_no_stay_limit() {
    let mut run = Run::new();
    let mut entry = passage(
        1,
        "KZ-KOR",
        at(2026, 1, 1, 9),
        Direction::Entry,
        Outcome::Admitted,
    );
    entry.document.as_mut().unwrap().nationality = "KAZ".into();
    run.processor
        .process(KEY, &entry, &run.refs, &mut run.out)
        .unwrap();
    run.time_passes(at(2026, 6, 1, 0));
    assert!(run.of(AnomalyKind::Overstay).is_empty());
}

#[test]
fn a_second_entry_without_an_exit_is_a_double_entry_until_a_late_exit_explains_it() {
    let mut run = Run::new();
    let first = run.enter("KZ-KOR", at(2026, 5, 1, 9));
    run.exit("KZ-KOR", at(2026, 5, 2, 9));
    run.enter("KZ-AKZ", at(2026, 5, 3, 9));
    assert!(run.of(AnomalyKind::DoubleEntry).is_empty());
    let second = run.enter("KZ-KOR", at(2026, 5, 10, 9));
    let found = run.of(AnomalyKind::DoubleEntry);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].status, AnomalyStatus::Open as i32);
    let id = found[0].id.clone();
    // The exit of 8 May arrives late (a remote post's backfill).
    run.exit("KZ-AKZ", at(2026, 5, 8, 9));
    let found = run.of(AnomalyKind::DoubleEntry);
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].id, id);
    assert_eq!(found[1].status, AnomalyStatus::Retracted as i32);
    let _ = (first, second);
}

#[test]
fn refused_entries_do_not_count_as_presence() {
    let mut run = Run::new();
    run.pass(
        "KZ-KOR",
        at(2026, 5, 1, 9),
        Direction::Entry,
        Outcome::Refused,
    );
    run.enter("KZ-KOR", at(2026, 5, 1, 12));
    assert!(run.of(AnomalyKind::DoubleEntry).is_empty());
}

#[test]
fn impossible_travel_depends_on_the_speed_limit() {
    // Korday to Ak-Zhol is about 277 km: 1.5 h needs 185 km/h (possible by
    // road at 200), 1.2 h needs 231 km/h (not).
    let mut run = Run::new();
    run.exit("KZ-KOR", at(2026, 5, 1, 9));
    run.pass(
        "KZ-AKZ",
        at(2026, 5, 1, 9) + 90 * 60_000,
        Direction::Entry,
        Outcome::Admitted,
    );
    assert!(run.of(AnomalyKind::ImpossibleTravel).is_empty());

    let mut run = Run::new();
    let a = run.exit("KZ-KOR", at(2026, 5, 1, 9));
    let b = run.pass(
        "KZ-AKZ",
        at(2026, 5, 1, 9) + 72 * 60_000,
        Direction::Entry,
        Outcome::Admitted,
    );
    let found = run.of(AnomalyKind::ImpossibleTravel);
    assert_eq!(found.len(), 1);
    let evidence = found[0].evidence.as_ref().unwrap();
    assert_eq!(evidence.event_ids, vec![uuid_string(a), uuid_string(b)]);
    assert!(
        (evidence.values[0].value - 277.0).abs() < 10.0,
        "{}",
        evidence.values[0].value
    );

    // With an airport in the pair the limit is 1000 km/h.
    let mut run = Run::new();
    run.exit("KZ-ALA", at(2026, 5, 1, 9));
    run.enter("KG-DOS", at(2026, 5, 1, 10));
    assert!(run.of(AnomalyKind::ImpossibleTravel).is_empty());
}

#[test]
fn a_cloned_document_arriving_out_of_order_is_still_caught() {
    let mut run = Run::new();
    run.enter("KG-DOS", at(2026, 5, 1, 12));
    // An earlier passage far away, recorded later.
    run.exit("KZ-AKZ", at(2026, 5, 1, 11));
    assert_eq!(run.of(AnomalyKind::ImpossibleTravel).len(), 1);
}

#[test]
fn a_second_refusal_within_the_window_is_repeated() {
    let mut run = Run::new();
    run.pass(
        "KZ-KOR",
        at(2026, 5, 1, 9),
        Direction::Entry,
        Outcome::Refused,
    );
    run.pass(
        "KZ-KOR",
        at(2026, 6, 15, 9),
        Direction::Entry,
        Outcome::Refused,
    );
    assert!(
        run.of(AnomalyKind::RepeatedRefusal).is_empty(),
        "45 days apart"
    );
    run.pass(
        "KZ-AKZ",
        at(2026, 6, 20, 9),
        Direction::Entry,
        Outcome::Refused,
    );
    let found = run.of(AnomalyKind::RepeatedRefusal);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].evidence.as_ref().unwrap().event_ids.len(), 2);
}

#[test]
fn a_repeated_record_changes_nothing_and_old_histories_are_forgotten() {
    let mut run = Run::new();
    let event = passage(
        77,
        "KZ-KOR",
        at(2026, 5, 1, 9),
        Direction::Entry,
        Outcome::Admitted,
    );
    for _ in 0..2 {
        run.processor
            .process(KEY, &event, &run.refs, &mut run.out)
            .unwrap();
    }
    run.pass(
        "KZ-KOR",
        at(2026, 5, 2, 9),
        Direction::Exit,
        Outcome::Admitted,
    );
    assert!(run.out.is_empty());
    assert_eq!(run.processor.len(), 1);
    run.time_passes(at(2026, 12, 31, 0));
    assert_eq!(run.processor.len(), 1, "only the other document is left");
}

/// A processor rebuilt from another's changes (histories, deletions and
/// clock, as the changelog holds them).
fn rebuilt_from(changes: &[Change], clock: &StoredPartition) -> DocumentProcessor {
    let mut rebuilt = DocumentProcessor::new(Arc::new(DetectConfig::default()), 120_000);
    for (key, value) in changes {
        rebuilt.restore(*key, value.as_deref()).unwrap();
    }
    rebuilt.set_clock(clock);
    rebuilt
}

#[test]
fn a_state_rebuilt_from_its_changes_finds_what_the_original_finds() {
    let mut run = Run::new();
    run.processor.keep_changes();
    run.enter("KZ-KOR", at(2026, 1, 5, 10));
    run.time_passes(at(2026, 1, 6, 10));
    let mut changes = run.processor.take_changes();
    assert_eq!(changes.len(), 2, "both documents changed");
    // A second batch: only what changed in it.
    run.time_passes(at(2026, 1, 7, 10));
    let second = run.processor.take_changes();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].0, [9; 32]);
    changes.extend(second);
    let clock = run.processor.clock(42);
    assert_eq!(clock.next_offset, 42);

    let mut rebuilt = Run::new();
    rebuilt.processor = rebuilt_from(&changes, &clock);
    rebuilt.next = run.next;
    assert_eq!(rebuilt.processor.len(), run.processor.len());
    assert_eq!(rebuilt.processor.watermark(), run.processor.watermark());

    // The pending OVERSTAY check survives: 95 days later both report it,
    // with the same id.
    for r in [&mut run, &mut rebuilt] {
        r.time_passes(at(2026, 4, 20, 10));
    }
    let (a, b) = (
        run.of(AnomalyKind::Overstay),
        rebuilt.of(AnomalyKind::Overstay),
    );
    assert_eq!(a.len(), 1, "the original reports the overstay");
    assert_eq!(b.len(), 1, "the rebuilt state reports it too");
    assert_eq!(a[0].id, b[0].id);
    assert_eq!(a[0].explanation, b[0].explanation);
    // The fired check is a change: the rebuilt state would not fire it again.
    let fired = run.processor.take_changes();
    assert!(
        fired
            .iter()
            .any(|(key, value)| *key == KEY && value.is_some())
    );
}

#[test]
fn forgotten_histories_become_deletions() {
    let mut run = Run::new();
    run.processor.keep_changes();
    run.exit("KZ-KOR", at(2026, 1, 5, 10));
    let _ = run.processor.take_changes();
    // Past the retention (200 days) another document moves event time on.
    run.time_passes(at(2026, 9, 1, 10));
    let changes = run.processor.take_changes();
    assert!(
        changes.contains(&(KEY, None)),
        "the forgotten history is deleted: {changes:?}"
    );
    assert_eq!(run.processor.take_expired(), 1);
    let rebuilt = rebuilt_from(&changes, &run.processor.clock(7));
    assert_eq!(rebuilt.len(), 1, "only the other document is held");
}

#[test]
fn without_keeping_changes_none_are_kept() {
    let mut run = Run::new();
    run.enter("KZ-KOR", at(2026, 1, 5, 10));
    assert!(run.processor.take_changes().is_empty());
}
