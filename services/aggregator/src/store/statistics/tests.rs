use borderflow_proto::ms_to_timestamp;
use borderflow_proto::statistics::v1::StatisticsCell;

use super::*;

const DAY: i64 = MS_PER_DAY;
const HOUR: i64 = MS_PER_HOUR;
/// 2026-01-31T00:00:00Z
const JAN_31: i64 = 1_769_817_600_000;

fn hour(crossing: &str, start: i64, women: u64, men: u64) -> HourRecord {
    let cell = |sex: i32, count: u64| StatisticsCell {
        sex,
        nationality: "KAZ".into(),
        count,
        ..StatisticsCell::default()
    };
    HourRecord {
        crossing_id: crossing.into(),
        start: Some(ms_to_timestamp(start)),
        cells: vec![cell(2, women), cell(1, men)],
        source_partition: 0,
    }
}

fn totals(store: &StatisticsStore, g: Granularity) -> Vec<(i64, u64)> {
    store
        .periods(g, i64::MIN, i64::MAX, |_| true)
        .into_iter()
        .map(|p| (p.period.0, p.cells.total()))
        .collect()
}

#[test]
fn periods_are_utc_hours_days_and_calendar_months() {
    assert_eq!(
        period_of(Granularity::Hour, JAN_31 + 90 * 60_000),
        Some((JAN_31 + HOUR, JAN_31 + 2 * HOUR))
    );
    assert_eq!(
        period_of(Granularity::Day, JAN_31 + 5 * HOUR),
        Some((JAN_31, JAN_31 + DAY))
    );
    let jan_1 = JAN_31 - 30 * DAY;
    assert_eq!(
        period_of(Granularity::Month, JAN_31 + 5 * HOUR),
        Some((jan_1, JAN_31 + DAY))
    );
    // February 2026 has 28 days.
    let feb = period_of(Granularity::Month, JAN_31 + DAY).unwrap();
    assert_eq!(feb.1 - feb.0, 28 * DAY);
    assert_eq!(period_of(Granularity::Unspecified, 0), None);
}

#[test]
fn days_and_months_sum_hours_and_an_amended_hour_replaces_its_count() {
    let store = StatisticsStore::new(92 * DAY);
    store
        .apply(0, &hour("KZ-1", JAN_31 + 23 * HOUR, 2, 3))
        .unwrap();
    store
        .apply(1, &hour("KZ-2", JAN_31 + 23 * HOUR, 1, 0))
        .unwrap();
    store.apply(0, &hour("KZ-1", JAN_31 + DAY, 4, 4)).unwrap();
    assert_eq!(
        totals(&store, Granularity::Day),
        vec![(JAN_31, 6), (JAN_31 + DAY, 8)]
    );
    // A late event amends the last hour of January 31st: 6 becomes 7.
    store
        .apply(0, &hour("KZ-1", JAN_31 + 23 * HOUR, 3, 3))
        .unwrap();
    assert_eq!(
        totals(&store, Granularity::Day),
        vec![(JAN_31, 7), (JAN_31 + DAY, 8)]
    );
    let months = totals(&store, Granularity::Month);
    assert_eq!(months.iter().map(|m| m.1).collect::<Vec<_>>(), vec![7, 8]);
    // Only the crossings asked for.
    let one: Vec<u64> = store
        .periods(Granularity::Day, JAN_31, JAN_31 + DAY, |id| id == "KZ-2")
        .iter()
        .map(|p| p.cells.total())
        .collect();
    assert_eq!(one, vec![1]);
    assert_eq!(store.crossing_ids(), vec!["KZ-1", "KZ-2"]);
}

#[test]
fn hours_past_the_retention_go_and_their_days_stay() {
    let store = StatisticsStore::new(2 * DAY);
    store.apply(0, &hour("KZ-1", JAN_31, 1, 1)).unwrap();
    store
        .apply(0, &hour("KZ-1", JAN_31 + 3 * DAY, 1, 1))
        .unwrap();
    assert_eq!(
        totals(&store, Granularity::Hour),
        vec![(JAN_31 + 3 * DAY, 2)]
    );
    assert_eq!(totals(&store, Granularity::Day).len(), 2);
    assert_eq!(store.hours_from_ms(), Some(JAN_31 + DAY));
    // Another partition's progress does not drop this partition's hours.
    store
        .apply(1, &hour("KZ-2", JAN_31 + 30 * DAY, 1, 0))
        .unwrap();
    assert_eq!(totals(&store, Granularity::Hour).len(), 2);
}

#[test]
fn a_record_without_crossing_or_start_is_refused() {
    let store = StatisticsStore::new(DAY);
    let mut record = hour("", 0, 1, 1);
    assert!(matches!(
        store.apply(0, &record),
        Err(Unapplied::NoCrossing)
    ));
    record.crossing_id = "X".into();
    record.start = None;
    assert!(matches!(store.apply(0, &record), Err(Unapplied::NoStart)));
}
