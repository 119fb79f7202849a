use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind};

use super::*;
use crate::detect::DetectConfig;

const PERIOD: i64 = 15 * 60_000;
const MIN: i64 = 60_000;

fn flow() -> Flow {
    Flow::new(FlowId {
        pair_id: "KG-B+KZ-A".into(),
        from: "KZ-A".into(),
        to: "KG-B".into(),
        told: "KZ-A".into(),
    })
}

fn key(n: u32) -> PairKey {
    let mut key = [0; 16];
    key[..4].copy_from_slice(&n.to_be_bytes());
    key
}

/// Period `p` of a steady flow: 40 travellers leave, each arriving
/// `transit` later, except those `lost`; returns the exits and the entries
/// that period's arrivals fall in, keyed by period.
struct Traffic {
    exits: BTreeMap<i64, SidePeriod>,
    entries: BTreeMap<i64, SidePeriod>,
}

impl Traffic {
    fn new() -> Self {
        Self {
            exits: BTreeMap::new(),
            entries: BTreeMap::new(),
        }
    }

    fn period(&mut self, p: i64, lost: u32, transit: i64, extra_arrivals: u32) {
        let start = p * PERIOD;
        for i in 0..40u32 {
            let n = (p as u32) * 1_000 + i;
            let at = start + i64::from(i) * PERIOD / 40;
            side(&mut self.exits, "KZ-A", true, start)
                .passages
                .push((key(n), at, true));
            if i >= lost {
                let arrive = at + transit + i64::from(i % 5) * MIN;
                let s = arrive - arrive.rem_euclid(PERIOD);
                side(&mut self.entries, "KG-B", false, s)
                    .passages
                    .push((key(n), arrive, true));
            }
        }
        for i in 0..extra_arrivals {
            let at = start + i64::from(i) * MIN;
            side(&mut self.entries, "KG-B", false, start)
                .passages
                .push((key(900_000 + (p as u32) * 100 + i), at, true));
        }
    }

    /// Offers every period whose end is at or before `until`, both sides.
    fn offer_until(&mut self, flow: &mut Flow, until: i64) {
        for map in [&mut self.exits, &mut self.entries] {
            let done: Vec<i64> = map
                .keys()
                .copied()
                .filter(|s| s + PERIOD <= until)
                .collect();
            for s in done {
                flow.offer(map.remove(&s).unwrap());
            }
        }
    }
}

fn side<'a>(
    map: &'a mut BTreeMap<i64, SidePeriod>,
    crossing: &str,
    exit: bool,
    start: i64,
) -> &'a mut SidePeriod {
    map.entry(start).or_insert_with(|| SidePeriod {
        crossing_id: crossing.into(),
        exit,
        start_ms: start,
        len_ms: PERIOD,
        passages: Vec::new(),
        longest_wait_ms: 0,
    })
}

/// Runs `periods` (lost, transit, extra arrivals per period) and returns
/// every anomaly raised.
fn run(periods: &[(u32, i64, u32)]) -> Vec<Anomaly> {
    let config = DetectConfig::default();
    let mut flow = flow();
    let mut traffic = Traffic::new();
    let mut out = Vec::new();
    for (p, &(lost, transit, extra)) in periods.iter().enumerate() {
        traffic.period(p as i64, lost, transit, extra);
        // Each side publishes its period once it is over; entries that
        // belong to later periods wait for them.
        traffic.offer_until(&mut flow, (p as i64 + 1) * PERIOD);
        out.extend(flow.judge(&config));
    }
    // Empty periods after the end, so the last are judged.
    for p in periods.len()..periods.len() + 16 {
        for (crossing, exit) in [("KZ-A", true), ("KG-B", false)] {
            let map = if exit {
                &mut traffic.exits
            } else {
                &mut traffic.entries
            };
            side(map, crossing, exit, p as i64 * PERIOD);
        }
        traffic.offer_until(&mut flow, (p as i64 + 1) * PERIOD);
        out.extend(flow.judge(&config));
    }
    out
}

fn steady(n: usize) -> Vec<(u32, i64, u32)> {
    (0..n).map(|p| ((p % 7 == 3) as u32, 20 * MIN, 0)).collect()
}

#[test]
fn a_steady_pair_reconciles_without_an_alarm() {
    // One traveller in seven periods turns back in the zone.
    assert!(run(&steady(96)).is_empty());
}

#[test]
fn travellers_who_never_arrive_are_one_gap_over_its_periods() {
    let mut periods = steady(48);
    for p in &mut periods[30..33] {
        p.0 = 12;
    }
    let raised = run(&periods);
    let gaps: Vec<&Anomaly> = raised
        .iter()
        .filter(|a| a.kind == AnomalyKind::MirrorGap as i32)
        .collect();
    // One anomaly, revised while its periods are in the two-hour window.
    assert!(gaps.len() >= 3, "{raised:#?}");
    assert!(gaps.iter().all(|a| a.id == gaps[0].id));
    let revisions: Vec<u32> = gaps.iter().map(|a| a.revision).collect();
    assert_eq!(revisions, (1..=gaps.len() as u32).collect::<Vec<_>>());
    let value = |a: &Anomaly, name: &str| {
        a.evidence
            .as_ref()
            .unwrap()
            .values
            .iter()
            .find(|m| m.name == name)
            .unwrap()
            .value
    };
    let first = gaps[0];
    assert_eq!(first.crossing_id, "KZ-A");
    // The gap began in the first period with a traveller missing.
    assert_eq!(
        first.event_time.as_ref().unwrap().seconds * 1_000,
        30 * PERIOD
    );
    // Twelve, and the traveller who turned back earlier in the window.
    assert_eq!(value(first, "missing"), 13.0);
    assert!(
        first
            .explanation
            .starts_with("13 of 320 travellers who left KZ-A"),
        "{}",
        first.explanation
    );
    let most = gaps.iter().map(|a| value(a, "missing")).fold(0.0, f64::max);
    assert!(
        (36.0..=38.0).contains(&most),
        "the three periods add up: {most}"
    );
    // Judged once the far side is in to the horizon: three hours later.
    let detected = first.detected_at.as_ref().unwrap().seconds * 1_000;
    assert!(detected >= 31 * PERIOD + 3 * 60 * MIN, "{detected}");
    assert!(
        !raised
            .iter()
            .any(|a| a.kind == AnomalyKind::TransitDelay as i32)
    );
}

#[test]
fn a_slow_leak_adds_up_over_the_window() {
    // Three travellers a period for two hours: no period alone is a gap.
    let mut periods = steady(60);
    for p in &mut periods[40..48] {
        p.0 = 3;
    }
    let raised = run(&periods);
    assert!(!raised.is_empty());
    assert!(
        raised
            .iter()
            .all(|a| a.kind == AnomalyKind::MirrorGap as i32)
    );
    // Two leaking travellers a period are within what a busier border
    // misses: not judged a gap.
    let mut periods = steady(60);
    for p in &mut periods[40..42] {
        p.0 = 2;
    }
    assert!(run(&periods).is_empty());
}

#[test]
fn arrivals_never_recorded_leaving_are_a_gap_too() {
    // Judged a look-back (two days) after the first period.
    let mut periods = steady(260);
    periods[220].2 = 15;
    let raised = run(&periods);
    assert!(!raised.is_empty());
    assert!(
        raised
            .iter()
            .all(|a| a.id == raised[0].id && a.kind == AnomalyKind::MirrorGap as i32),
        "{raised:#?}"
    );
    assert!(
        raised[0].explanation.starts_with("15 of "),
        "{}",
        raised[0].explanation
    );
    assert_eq!(
        raised[0].evidence.as_ref().unwrap().reference,
        "KG-B+KZ-A:unrecorded"
    );
}

#[test]
fn a_slower_transit_is_a_delay_and_not_a_gap() {
    // Three hours of a slower zone: the two-hour window's median moves
    // once most of it is slow.
    let mut periods = steady(60);
    for p in &mut periods[30..42] {
        p.1 = 70 * MIN;
    }
    let raised = run(&periods);
    assert!(!raised.is_empty());
    assert!(
        raised
            .iter()
            .all(|a| a.kind == AnomalyKind::TransitDelay as i32 && a.id == raised[0].id),
        "{raised:#?}"
    );
    let last = &raised.last().unwrap().explanation;
    assert!(
        last.contains("took 7") && last.ends_with("against 22 min usually"),
        "{last}"
    );
    // An hour of it is within a window's spread.
    let mut periods = steady(60);
    for p in &mut periods[30..34] {
        p.1 = 70 * MIN;
    }
    assert!(run(&periods).is_empty());
}

#[test]
fn nothing_is_judged_before_the_flow_has_learned() {
    // A gap in the second period is not told: nothing is known yet.
    let mut periods = steady(24);
    periods[1].0 = 20;
    assert!(run(&periods).is_empty());
}

#[test]
fn periods_are_dropped_once_judged() {
    let config = DetectConfig::default();
    let mut flow = flow();
    let mut traffic = Traffic::new();
    for p in 0..300 {
        traffic.period(p, 0, 20 * MIN, 0);
        traffic.offer_until(&mut flow, (p + 1) * PERIOD);
        flow.judge(&config);
    }
    // Two days' look-back of 15-minute exits and three hours' horizon
    // more, three hours' horizon of entries, and a few.
    assert!(flow.held() < 192 + 2 * 16, "{}", flow.held());
}

#[test]
fn each_judged_period_is_reported_once_with_its_figures() {
    let config = DetectConfig::default();
    let mut flow = flow();
    let mut traffic = Traffic::new();
    let mut judged = Vec::new();
    // Two travellers of period 2 never arrive; a period is judged once the
    // far side is in to the horizon (three hours) past its end.
    for p in 0..24 {
        traffic.period(p, if p == 2 { 2 } else { 0 }, 20 * MIN, 0);
        traffic.offer_until(&mut flow, (p + 1) * PERIOD);
        flow.judge(&config);
        judged.extend(flow.take_judged());
    }
    assert!(flow.take_judged().is_empty(), "taken once");
    let gone: Vec<&Judged> = judged.iter().filter(|j| j.check == Check::Gone).collect();
    assert!(gone.len() >= 3, "{judged:?}");
    assert!(gone.windows(2).all(|w| w[0].start_ms < w[1].start_ms));
    let period_2 = gone.iter().find(|j| j.start_ms == 2 * PERIOD).unwrap();
    assert_eq!((period_2.missing, period_2.judged), (2, 40));
    assert!(!period_2.alarm, "still learning");
    assert!(
        gone.iter()
            .filter(|j| j.start_ms != 2 * PERIOD)
            .all(|j| (j.missing, j.judged) == (0, 40))
    );
    // The window's median transit: 20 minutes and up to four more.
    let transit = judged.iter().find(|j| j.check == Check::Transit).unwrap();
    let median = transit.transit_ms.unwrap();
    assert!((20 * MIN..=24 * MIN).contains(&median), "{median}");
}
