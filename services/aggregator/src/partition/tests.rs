use std::collections::BTreeMap;

use borderflow_proto::inspection::v1::{Direction, Outcome, TravelMode};
use proptest::prelude::*;

use super::*;
use crate::detect::DetectConfig;
use crate::detect::references::Listed;
use crate::windows::publish::from_record;

const MIN: i64 = 60_000;

fn partition() -> PartitionState {
    PartitionState::new(
        0,
        config(),
        Arc::new(DetectConfig::default()),
        Arc::new(Listed::default()),
    )
}

fn config() -> WindowConfig {
    WindowConfig {
        size_ms: MIN,
        allowed_lateness_ms: 2 * MIN,
        late_retention_ms: 30 * MIN,
        sla_wait_ms: 45 * MIN as u64,
        age_bands: Default::default(),
    }
}

fn facts(id: u128, t: i64) -> EventFacts<'static> {
    EventFacts {
        event_id: id,
        event_ms: t,
        direction: Direction::Entry as i32,
        mode: TravelMode::Road as i32,
        outcome: Outcome::Admitted as i32,
        refusal_reason: 0,
        duration_ms: 30_000,
        wait_ms: 5_000,
        nationality: "KAZ",
        sex: 2,
        age_band: None,
        minor: false,
        document_failure: false,
        alerted: false,
        officer_id: "O",
        checkpoint_id: "C",
        group_id: "",
        protection: Default::default(),
    }
}

/// Totals per (crossing, window start) from published records, latest
/// revision wins, plus whatever is still open.
fn totals(
    published: &[CrossingWindowRecord],
    state: &PartitionState,
) -> BTreeMap<(String, i64), u64> {
    let mut out = BTreeMap::new();
    for record in published {
        let (crossing, window) = from_record(record).unwrap();
        if window.state != WindowState::Open {
            out.insert((crossing, window.start_ms), window.counts.inspections);
        }
    }
    for crossing in state.crossings() {
        for window in crossing.open.values() {
            out.insert(
                (crossing.id.to_string(), window.start_ms),
                window.counts.inspections,
            );
        }
    }
    out.retain(|_, n| *n > 0);
    out
}

#[test]
fn out_of_order_events_within_the_lateness_land_in_their_window() {
    let mut p = partition();
    assert_eq!(
        p.inspection(0, "A", &facts(1, 10 * MIN + 5)),
        Disposition::Counted
    );
    assert_eq!(
        p.inspection(1, "A", &facts(2, 11 * MIN + 5)),
        Disposition::Counted
    );
    // One minute behind the newest event: still open.
    assert_eq!(
        p.inspection(2, "A", &facts(3, 10 * MIN + 50)),
        Disposition::Counted
    );
    let a = p.crossing("A").unwrap();
    assert_eq!(a.open[&(10 * MIN)].counts.inspections, 2);
    assert!(p.take_closed().is_empty());
}

#[test]
fn the_watermark_closes_windows_once_and_in_order() {
    let mut p = partition();
    p.inspection(0, "A", &facts(1, 10 * MIN));
    p.inspection(1, "B", &facts(2, 10 * MIN + 1));
    p.inspection(2, "A", &facts(3, 11 * MIN));
    assert!(p.take_closed().is_empty());
    // 13:00 - 2 min lateness = 11:00 passes the end of the 10:00 window.
    p.inspection(3, "A", &facts(4, 13 * MIN));
    let closed: Vec<_> = p.take_closed().into_iter().map(|c| c.record).collect();
    assert_eq!(closed.len(), 2);
    for record in &closed {
        assert_eq!(record.through_offset, 3);
        assert_eq!(
            record.window.as_ref().unwrap().state,
            WindowStateProto::Closed as i32
        );
        assert_eq!(record.event_ids.len(), 16);
    }
    assert!(p.take_closed().is_empty());
}

#[test]
fn late_events_amend_retained_windows_and_too_late_ones_are_left_out() {
    let mut p = partition();
    p.inspection(0, "A", &facts(1, 10 * MIN));
    p.inspection(1, "A", &facts(2, 20 * MIN));
    p.take_closed();
    assert_eq!(
        p.inspection(2, "A", &facts(3, 10 * MIN + 9)),
        Disposition::Amended
    );
    let amended: Vec<_> = p.take_closed().into_iter().map(|c| c.record).collect();
    assert_eq!(amended.len(), 1);
    let window = amended[0].window.as_ref().unwrap();
    assert_eq!(window.state, WindowStateProto::Amended as i32);
    assert_eq!(
        (window.inspections, window.late_events, window.revision),
        (2, 1, 2)
    );
    // A slot that never had a window is created closed.
    assert_eq!(
        p.inspection(3, "A", &facts(4, 12 * MIN)),
        Disposition::Amended
    );
    // Beyond the 30-minute retention.
    p.inspection(4, "A", &facts(5, 60 * MIN));
    assert_eq!(
        p.inspection(5, "A", &facts(6, 20 * MIN)),
        Disposition::TooLate
    );
}

#[test]
fn repeated_event_ids_count_once() {
    let mut p = partition();
    assert_eq!(
        p.inspection(0, "A", &facts(1, 10 * MIN)),
        Disposition::Counted
    );
    assert_eq!(
        p.inspection(1, "A", &facts(1, 10 * MIN)),
        Disposition::Duplicate
    );
    p.inspection(2, "A", &facts(2, 20 * MIN));
    p.take_closed();
    assert_eq!(
        p.inspection(3, "A", &facts(1, 10 * MIN)),
        Disposition::Duplicate
    );
}

#[test]
fn open_windows_hold_the_commit_offset_back() {
    let mut p = partition();
    assert_eq!(p.commit_offset(), None);
    p.inspection(5, "A", &facts(1, 10 * MIN));
    p.inspection(6, "B", &facts(2, 10 * MIN + 1));
    assert_eq!(p.commit_offset(), Some(5));
    p.inspection(7, "A", &facts(3, 13 * MIN));
    p.take_closed();
    assert_eq!(p.commit_offset(), Some(7));
    p.heartbeat(8, "A", "C", 16 * MIN, CheckpointStatus::Open);
    assert_eq!(p.commit_offset(), Some(8));
}

#[test]
fn heartbeats_close_windows_without_traffic() {
    let mut p = partition();
    p.inspection(0, "A", &facts(1, 10 * MIN));
    p.heartbeat(1, "A", "C", 14 * MIN, CheckpointStatus::Open);
    let closed: Vec<_> = p.take_closed().into_iter().map(|c| c.record).collect();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].window.as_ref().unwrap().inspections, 1);
}

#[test]
fn a_booth_is_silent_when_it_goes_quiet_not_when_its_stream_lags_or_another_runs_ahead() {
    use borderflow_proto::analytics::v1::AnomalyKind;
    let mut p = partition();
    let mut offset = 0;
    let mut beat = |p: &mut PartitionState, crossing: &str, booth: &str, t: i64| {
        offset += 1;
        p.heartbeat(offset, crossing, booth, t, CheckpointStatus::Open);
    };
    let mut silent = Vec::new();
    for step in 0..=24 {
        let t = step * 5 * MIN;
        beat(&mut p, "A", "A-1", t);
        // A-2 loses its link after the first hour.
        if t <= 60 * MIN {
            beat(&mut p, "A", "A-2", t);
        }
        beat(&mut p, "B", "B-1", t);
        // B-2's stream falls further and further behind (a slow uplink):
        // late, never silent.
        beat(&mut p, "B", "B-2", t - 2 * step * MIN);
        // One booth's stream runs 40 minutes ahead of the others (a fast
        // uplink, a replay): by the watermark alone all the others would
        // look silent.
        beat(&mut p, "Z", "Z-1", t + 40 * MIN);
        silent.extend(
            p.take_anomalies()
                .into_iter()
                .filter(|a| a.kind == AnomalyKind::CheckpointSilent as i32)
                .map(|a| (step, a.evidence.unwrap().checkpoint_id)),
        );
    }
    // A-2 was last heard at 60 min; the others reach 75 min at step 15.
    assert_eq!(silent, vec![(15, "A-2".to_owned())]);
}

#[test]
fn a_closing_heartbeat_that_arrives_late_still_closes_the_booth() {
    use borderflow_proto::analytics::v1::AnomalyKind;
    let mut p = partition();
    let mut offset = 0;
    let mut silent = 0;
    for step in 0..=24 {
        let t = step * 5 * MIN;
        for (crossing, booth) in [("A", "A-1"), ("B", "B-1"), ("B", "B-2")] {
            offset += 1;
            p.heartbeat(offset, crossing, booth, t, CheckpointStatus::Open);
        }
        if step < 6 {
            offset += 1;
            p.heartbeat(offset, "C", "C-1", t, CheckpointStatus::Open);
        }
        if step == 8 {
            // The booth closed at 30 min; its closing heartbeat arrives ten
            // minutes late, after its window closed.
            offset += 1;
            p.heartbeat(offset, "C", "C-1", 30 * MIN, CheckpointStatus::Closed);
        }
        silent += p
            .take_anomalies()
            .iter()
            .filter(|a| a.kind == AnomalyKind::CheckpointSilent as i32)
            .count();
    }
    assert_eq!(silent, 0);
}

/// A stream of (crossing, id, event time) with disorder, repeats and late
/// arrivals, in offset order.
fn stream() -> impl Strategy<Value = Vec<(u8, u128, i64)>> {
    prop::collection::vec(
        (
            0u8..4,
            0u128..400,
            0i64..40 * MIN,
            prop::bool::weighted(0.1),
        ),
        1..300,
    )
    .prop_map(|items| {
        let mut clock = 0i64;
        items
            .into_iter()
            .enumerate()
            .map(|(i, (crossing, id, jitter, late))| {
                clock += 20_000;
                let t = if late {
                    (clock - jitter).max(0)
                } else {
                    clock - jitter % (3 * MIN)
                };
                let _ = i;
                (crossing, id, t.max(0))
            })
            .collect()
    })
}

fn run(
    p: &mut PartitionState,
    items: &[(u8, u128, i64)],
    from: usize,
    published: &mut Vec<CrossingWindowRecord>,
) {
    for (offset, &(crossing, id, t)) in items.iter().enumerate().skip(from) {
        let name = ["A", "B", "C", "D"][crossing as usize];
        // The same event id always carries the same event time.
        let t = if id % 3 == 0 { (id as i64) * 5_000 } else { t };
        p.inspection(
            offset as i64,
            name,
            &facts(id + u128::from(crossing) * 1_000, t),
        );
        if offset % 7 == 0 {
            published.extend(p.take_closed().into_iter().map(|c| c.record));
        }
    }
    published.extend(p.take_closed().into_iter().map(|c| c.record));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Crash anywhere, restore the published closed windows, replay from the
    /// committed offset: the totals equal those of an undisturbed run.
    #[test]
    fn restart_from_the_commit_offset_reproduces_the_totals(items in stream(), crash_at in 0usize..300) {
        let mut whole = partition();
        let mut published = Vec::new();
        run(&mut whole, &items, 0, &mut published);
        let expected = totals(&published, &whole);

        let crash_at = crash_at.min(items.len());
        let mut first = partition();
        let mut published_before = Vec::new();
        run(&mut first, &items[..crash_at], 0, &mut published_before);
        let resume = first.commit_offset().map_or(0, |o| o as usize);

        let mut second = partition();
        let mut latest: BTreeMap<(String, i64), CrossingWindowRecord> = BTreeMap::new();
        for record in &published_before {
            let w = record.window.as_ref().unwrap();
            latest.insert((w.crossing_id.clone(), timestamp_to_ms(w.start.as_ref().unwrap()).unwrap()), record.clone());
        }
        for record in latest.values() {
            let (crossing, window) = from_record(record).unwrap();
            if window.state != WindowState::Open {
                second.restore(&crossing, window, record.encode_to_vec().into());
            }
        }
        let mut published_after = published_before.clone();
        run(&mut second, &items, resume, &mut published_after);
        prop_assert_eq!(totals(&published_after, &second), expected);
    }
}

/// Runs `items` from `from`, then one far later event that closes every
/// window; the latest published window records and hour totals.
fn run_to_the_end(
    p: &mut PartitionState,
    items: &[(u8, u128, i64)],
    from: usize,
    windows: &mut BTreeMap<(String, i64), CrossingWindowRecord>,
    hours: &mut BTreeMap<(String, i64), u64>,
    close: bool,
) {
    let mut collect = |p: &mut PartitionState| {
        for closed in p.take_closed() {
            let w = closed.record.window.as_ref().unwrap();
            let start = timestamp_to_ms(w.start.as_ref().unwrap()).unwrap();
            windows.insert((w.crossing_id.clone(), start), closed.record.clone());
        }
        for hour in p.take_hours() {
            let start = timestamp_to_ms(hour.start.as_ref().unwrap()).unwrap();
            let total = hour.cells.iter().map(|c| c.count).sum();
            hours.insert((hour.crossing_id.clone(), start), total);
        }
    };
    for (offset, &(crossing, id, t)) in items.iter().enumerate().skip(from) {
        let name = ["A", "B", "C", "D"][crossing as usize];
        let t = if id % 3 == 0 { (id as i64) * 5_000 } else { t };
        p.inspection(
            offset as i64,
            name,
            &facts(id + u128::from(crossing) * 1_000, t),
        );
        if offset % 7 == 0 {
            collect(p);
        }
    }
    if close {
        p.inspection(items.len() as i64, "Z", &facts(u128::MAX, 1_000 * 60 * MIN));
    }
    collect(p);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Crash anywhere, restore, replay from the committed offset: the hours
    /// last published are those of an undisturbed run, and each is the sum
    /// of its closed windows.
    #[test]
    fn hours_after_a_restart_are_those_of_an_undisturbed_run(items in stream(), crash_at in 0usize..300) {
        let (mut windows, mut hours) = (BTreeMap::new(), BTreeMap::new());
        run_to_the_end(&mut partition(), &items, 0, &mut windows, &mut hours, true);
        hours.retain(|(c, _), _| c != "Z");
        let mut by_windows: BTreeMap<(String, i64), u64> = BTreeMap::new();
        for ((crossing, start), record) in &windows {
            if crossing != "Z" {
                let n = record.window.as_ref().unwrap().inspections;
                *by_windows.entry((crossing.clone(), start - start.rem_euclid(hours::HOUR_MS))).or_default() += n;
            }
        }
        by_windows.retain(|_, n| *n > 0);
        prop_assert_eq!(&hours, &by_windows);

        let crash_at = crash_at.min(items.len());
        let mut first = partition();
        let (mut before, mut hours_after) = (BTreeMap::new(), BTreeMap::new());
        run_to_the_end(&mut first, &items[..crash_at], 0, &mut before, &mut hours_after, false);
        let resume = first.commit_offset().map_or(0, |o| o as usize);
        let mut second = partition();
        for record in before.values() {
            let (crossing, window) = from_record(record).unwrap();
            second.restore(&crossing, window, record.encode_to_vec().into());
        }
        let mut after = before.clone();
        run_to_the_end(&mut second, &items, resume, &mut after, &mut hours_after, true);
        hours_after.retain(|(c, _), _| c != "Z");
        prop_assert_eq!(hours_after, hours);
    }
}

use borderflow_proto::analytics::v1::WindowState as WindowStateProto;
use borderflow_proto::timestamp_to_ms;
