//! The influx rule on periods of arrivals: a displacement is flagged once,
//! with its figures; a rush of ordinary travellers, need without a surge
//! and a one-period burst are not.

use std::sync::Arc;

use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, DetectorSample, Severity};
use borderflow_proto::inspection::v1::Sex;

use super::super::CrossingDetectors;
use crate::detect::config::DetectConfig;
use crate::windows::cells::{AgeBand, CellKey, CellValues, Cells};
use crate::windows::window::ProtectionCounts;

const MIN: i64 = 60_000;
const PERIOD: i64 = 15 * MIN;
const DAY: i64 = 1_440 * MIN;
/// Monday 2026-05-04 00:00 UTC.
const T0: i64 = 1_777_852_800_000;

/// One period's arrivals: (sex, band from, band to, count) and who among
/// them needs protection.
#[derive(Clone, Default)]
struct Arrivals {
    people: Vec<(Sex, u8, Option<u8>, u64)>,
    requests: u64,
    undocumented: u64,
    unaccompanied: u64,
    in_need: u64,
    referrals: [u64; 4],
}

fn ordinary(n: u64) -> Arrivals {
    Arrivals {
        people: vec![
            (Sex::Male, 25, Some(59), n / 2),
            (Sex::Female, 25, Some(59), n - n / 2),
        ],
        in_need: n / 40,
        undocumented: n / 40,
        ..Arrivals::default()
    }
}

/// A displaced population: families, children alone, most asking for
/// protection, many without papers.
fn displaced() -> Arrivals {
    Arrivals {
        people: vec![
            (Sex::Female, 25, Some(59), 70),
            (Sex::Male, 25, Some(59), 40),
            (Sex::Female, 5, Some(13), 30),
            (Sex::Male, 5, Some(13), 35),
            (Sex::Female, 0, Some(4), 12),
            (Sex::Male, 60, None, 13),
        ],
        requests: 90,
        undocumented: 60,
        unaccompanied: 8,
        in_need: 120,
        referrals: [90, 8, 0, 5],
    }
}

fn sample(a: &Arrivals) -> DetectorSample {
    let mut cells = Cells::default();
    let mut total = 0;
    for &(sex, from, to, n) in &a.people {
        let key = CellKey::new(&CellValues {
            direction: 0,
            sex: sex as i32,
            age_band: Some(AgeBand { from, to }),
            nationality: "",
            mode: 0,
            outcome: 0,
            refusal_reason: 0,
        });
        cells.add(key, n);
        total += n;
    }
    DetectorSample {
        inspections: total,
        duration_sum_ms: total * 60_000,
        entries: total,
        entries_in_need: a.in_need,
        protection_requests: a.requests,
        undocumented_entries: a.undocumented,
        unaccompanied_minors: a.unaccompanied,
        referrals: ProtectionCounts {
            referrals: a.referrals,
            ..ProtectionCounts::default()
        }
        .referral_counts(),
        arrivals: cells.to_proto(),
        ..DetectorSample::default()
    }
}

fn period(d: &mut CrossingDetectors, start: i64, a: &Arrivals) -> Vec<AnomalyKind> {
    anomalies(d, start, a)
        .iter()
        .map(|x| AnomalyKind::try_from(x.kind).unwrap())
        .collect()
}

fn anomalies(d: &mut CrossingDetectors, start: i64, a: &Arrivals) -> Vec<Anomaly> {
    d.observe(start, &sample(a));
    let mut out = Vec::new();
    d.advance(start + PERIOD + 2 * MIN, &mut out);
    out
}

/// Two days of 50 arrivals a period, one of them without valid papers.
fn trained() -> (CrossingDetectors, i64) {
    let mut d = CrossingDetectors::new("KG-DOS".into(), Arc::new(DetectConfig::default()));
    let mut t = T0;
    while t < T0 + 2 * DAY {
        assert!(period(&mut d, t, &ordinary(50)).is_empty());
        t += PERIOD;
    }
    (d, t)
}

fn value(a: &Anomaly, name: &str) -> f64 {
    a.evidence
        .as_ref()
        .unwrap()
        .values
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .value
}

#[test]
fn a_displacement_is_one_influx_with_the_figures_a_crisis_cell_needs() {
    let (mut d, t) = trained();
    let first = period(&mut d, t, &displaced());
    assert!(
        !first.contains(&AnomalyKind::MassInflux),
        "one period is a burst"
    );
    let out = anomalies(&mut d, t + PERIOD, &displaced());
    let influx: Vec<_> = out
        .iter()
        .filter(|a| a.kind == AnomalyKind::MassInflux as i32)
        .collect();
    assert_eq!(influx.len(), 1, "{out:?}");
    let a = influx[0];
    assert_eq!(a.event_time.as_ref().unwrap().seconds * 1_000, t);
    assert_eq!(
        a.severity,
        Severity::Critical as i32,
        "eight children alone"
    );
    assert_eq!(value(a, "arrivals"), 200.0);
    assert_eq!(value(a, "arrivals_per_hour"), 800.0);
    assert_eq!(value(a, "women"), 70.0);
    assert_eq!(value(a, "men"), 53.0);
    assert_eq!(value(a, "girls"), 42.0);
    assert_eq!(value(a, "boys"), 35.0);
    assert_eq!(value(a, "protection_requests"), 90.0);
    assert_eq!(value(a, "unaccompanied_minors"), 8.0);
    assert_eq!(value(a, "referrals_asylum_authority"), 90.0);
    assert_eq!(value(a, "referrals_medical"), 5.0);
    assert_eq!(value(a, "arrivals_per_hour_female_0_4"), 48.0);
    assert_eq!(value(a, "arrivals_per_hour_male_60_plus"), 52.0);
    assert!((a.evidence.as_ref().unwrap().baseline.unwrap() - 50.0).abs() < 1.0);
    assert!(
        a.explanation
            .contains("women 70, men 53, girls 42, boys 35"),
        "{}",
        a.explanation
    );
    assert!(
        a.explanation.contains("90 asked for protection"),
        "{}",
        a.explanation
    );
    assert_eq!(
        period(&mut d, t + 2 * PERIOD, &displaced())
            .iter()
            .filter(|k| **k == AnomalyKind::MassInflux)
            .count(),
        0,
        "the same episode is reported once"
    );
}

#[test]
fn a_rush_of_ordinary_travellers_is_a_surge_not_an_influx() {
    let (mut d, t) = trained();
    let mut all = period(&mut d, t, &ordinary(300));
    all.extend(period(&mut d, t + PERIOD, &ordinary(300)));
    all.extend(period(&mut d, t + 2 * PERIOD, &ordinary(300)));
    assert!(all.contains(&AnomalyKind::FlowSurge), "{all:?}");
    assert!(!all.contains(&AnomalyKind::MassInflux), "{all:?}");
}

#[test]
fn need_without_a_surge_is_not_an_influx() {
    let (mut d, t) = trained();
    // A coach of asylum seekers among the usual traffic, period after
    // period: many in need, but arrivals as usual.
    let coach = Arrivals {
        in_need: 40,
        requests: 40,
        ..ordinary(60)
    };
    for k in 0..4 {
        let out = period(&mut d, t + k * PERIOD, &coach);
        assert!(!out.contains(&AnomalyKind::MassInflux), "{out:?}");
    }
}

#[test]
fn an_influx_at_a_crossing_used_to_need_must_stand_out_from_it() {
    let mut d = CrossingDetectors::new("TJ-X".into(), Arc::new(DetectConfig::default()));
    let mut t = T0;
    // A crossing where a third of arrivals always lack valid papers.
    let usual = |n: u64| Arrivals {
        in_need: n / 3,
        undocumented: n / 3,
        ..ordinary(n)
    };
    while t < T0 + 2 * DAY {
        period(&mut d, t, &usual(80));
        t += PERIOD;
    }
    for k in 0..3 {
        let out = period(&mut d, t + k * PERIOD, &usual(300));
        assert!(!out.contains(&AnomalyKind::MassInflux), "{out:?}");
    }
}

#[test]
fn a_restored_detector_still_knows_the_usual_arrivals() {
    let (d, t) = trained();
    let mut b = CrossingDetectors::restored(&d.snapshot(), Arc::new(DetectConfig::default()));
    assert_eq!(b.snapshot(), d.snapshot());
    period(&mut b, t, &displaced());
    let out = period(&mut b, t + PERIOD, &displaced());
    assert!(out.contains(&AnomalyKind::MassInflux), "{out:?}");
}

#[test]
fn a_few_dozen_displaced_at_a_remote_crossing_are_an_influx() {
    let mut d = CrossingDetectors::new("TJ-KULMA".into(), Arc::new(DetectConfig::default()));
    let mut t = T0;
    // Two or three travellers a period on a mountain pass.
    while t < T0 + 2 * DAY {
        let n = 2 + (t / PERIOD % 2) as u64;
        assert!(period(&mut d, t, &ordinary(n)).is_empty());
        t += PERIOD;
    }
    let families = Arrivals {
        people: vec![
            (Sex::Female, 25, Some(59), 6),
            (Sex::Male, 25, Some(59), 4),
            (Sex::Female, 5, Some(13), 3),
            (Sex::Male, 5, Some(13), 3),
        ],
        requests: 12,
        undocumented: 6,
        in_need: 14,
        referrals: [12, 0, 0, 0],
        ..Arrivals::default()
    };
    period(&mut d, t, &families);
    let out = period(&mut d, t + PERIOD, &families);
    assert!(out.contains(&AnomalyKind::MassInflux), "{out:?}");
    assert!(
        !out.contains(&AnomalyKind::FlowSurge),
        "below the surge rule's floor: {out:?}"
    );
}
