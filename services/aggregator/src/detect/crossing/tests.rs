use borderflow_proto::analytics::v1::{
    CheckpointActivity, NationalityCount, OfficerTally, Severity,
};
use borderflow_proto::inspection::v1::CheckpointStatus;

use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::FlowRuleState;

use super::*;
use crate::detect::baseline::{MeanVar, TrafficProfile};

const MIN: i64 = 60_000;
const PERIOD: i64 = 15 * MIN;
const DAY: i64 = 1_440 * MIN;
/// Monday 2026-05-04 00:00 UTC.
const T0: i64 = 1_777_852_800_000;

fn detectors() -> CrossingDetectors {
    CrossingDetectors::new("KG-DOS".into(), Arc::new(DetectConfig::default()))
}

#[derive(Clone)]
struct S {
    n: u64,
    refused: u64,
    refused_parties: u64,
    duration_s: u64,
    over_sla: u64,
    nationalities: Vec<(&'static str, u64)>,
    officers: Vec<(&'static str, u32, u32)>,
}

fn normal(n: u64) -> S {
    S {
        n,
        refused: 0,
        refused_parties: 0,
        duration_s: 60,
        over_sla: 0,
        nationalities: vec![("KGZ", n * 6 / 10), ("UZB", n - n * 6 / 10)],
        officers: Vec::new(),
    }
}

fn sample(s: &S) -> DetectorSample {
    DetectorSample {
        inspections: s.n,
        refused: s.refused,
        refused_parties: s.refused_parties,
        duration_sum_ms: s.n * s.duration_s * 1_000,
        waits_over_sla: s.over_sla,
        nationalities: s
            .nationalities
            .iter()
            .map(|(n, c)| NationalityCount {
                nationality: (*n).into(),
                count: *c,
            })
            .collect(),
        officers: s
            .officers
            .iter()
            .map(|(id, alerted, admitted)| OfficerTally {
                officer_id: (*id).into(),
                alerted: *alerted,
                alerted_admitted: *admitted,
                alerted_admitted_event_ids: vec![format!("{id}-e")],
            })
            .collect(),
        checkpoints: Vec::new(),
        // Every traveller alone: the mix of parties is the travellers'.
        party_nationalities: Vec::new(),
        ..DetectorSample::default()
    }
}

/// Feeds one period with `s` and lets the watermark pass it.
fn period(d: &mut CrossingDetectors, start: i64, s: &S) -> Vec<Anomaly> {
    d.observe(start, &sample(s));
    let mut out = Vec::new();
    d.advance(start + PERIOD + 2 * MIN, &mut out);
    out
}

/// Advances to `clock` and judges silence by it.
fn silence(d: &mut CrossingDetectors, clock: i64, out: &mut Vec<Anomaly>) {
    d.advance(clock, out);
    d.check_silence(clock, out);
}

/// Two days of steady traffic: warm and learned.
fn trained(n: u64) -> (CrossingDetectors, i64) {
    let mut d = detectors();
    let mut t = T0;
    while t < T0 + 2 * DAY {
        let out = period(&mut d, t, &normal(n));
        assert!(out.is_empty(), "steady traffic raised {out:?}");
        t += PERIOD;
    }
    (d, t)
}

fn kinds(out: &[Anomaly]) -> Vec<AnomalyKind> {
    out.iter()
        .map(|a| AnomalyKind::try_from(a.kind).unwrap())
        .collect()
}

#[test]
fn no_flow_alarms_during_the_warm_up() {
    let mut d = detectors();
    period(&mut d, T0, &normal(30));
    let out = period(&mut d, T0 + PERIOD, &normal(300));
    assert!(!kinds(&out).contains(&AnomalyKind::FlowSurge));
}

fn event_ms(anomaly: &Anomaly) -> i64 {
    anomaly.event_time.as_ref().unwrap().seconds * 1_000
}

#[test]
fn a_surge_is_reported_once_per_episode() {
    let (mut d, t) = trained(30);
    assert!(
        period(&mut d, t, &normal(100)).is_empty(),
        "one period is a burst, not yet a surge"
    );
    let out = period(&mut d, t + PERIOD, &normal(110));
    assert_eq!(kinds(&out), vec![AnomalyKind::FlowSurge]);
    assert_eq!(event_ms(&out[0]), t, "dated from its first period");
    assert!(
        period(&mut d, t + 2 * PERIOD, &normal(105)).is_empty(),
        "same episode"
    );
    assert!(period(&mut d, t + 3 * PERIOD, &normal(30)).is_empty());
    assert!(period(&mut d, t + 4 * PERIOD, &normal(100)).is_empty());
    let again = period(&mut d, t + 5 * PERIOD, &normal(100));
    assert_eq!(kinds(&again), vec![AnomalyKind::FlowSurge]);
    assert_eq!(event_ms(&again[0]), t + 4 * PERIOD);
    let evidence = again[0].evidence.as_ref().unwrap();
    assert!((evidence.baseline.unwrap() - 30.0).abs() < 1.0);
}

#[test]
fn a_single_burst_is_not_a_surge() {
    let (mut d, mut t) = trained(30);
    // A coach every few periods: bursts, never two periods running.
    for _ in 0..8 {
        assert!(period(&mut d, t, &normal(100)).is_empty());
        assert!(period(&mut d, t + PERIOD, &normal(30)).is_empty());
        t += 2 * PERIOD;
    }
}

#[test]
fn bursty_traffic_widens_what_counts_as_a_surge() {
    // Arrivals in coach loads: 10 and 60 a period in turn, 35 on average.
    let mut d = detectors();
    let mut t = T0;
    while t < T0 + 2 * DAY {
        let n = if (t / PERIOD) % 2 == 0 { 10 } else { 60 };
        period(&mut d, t, &normal(n));
        t += PERIOD;
    }
    let flow = FlowRuleState::decode(d.snapshot().rules["flow"].as_slice()).unwrap();
    let learned = TrafficProfile::from_slots(
        flow.traffic.iter().map(MeanVar::from_proto).collect(),
        MeanVar::from_proto(&flow.dispersion.unwrap()),
    )
    .unwrap()
    .dispersion();
    assert!(learned > 5.0, "{learned}");
    // Twice the mean for two periods is within four of its deviations ...
    assert!(period(&mut d, t, &normal(75)).is_empty());
    assert!(period(&mut d, t + PERIOD, &normal(75)).is_empty());
    // ... which steady traffic of the same mean would have flagged.
    let (mut steady, s) = trained(35);
    period(&mut steady, s, &normal(75));
    let out = period(&mut steady, s + PERIOD, &normal(75));
    assert_eq!(kinds(&out), vec![AnomalyKind::FlowSurge]);
}

#[test]
fn a_declared_market_day_is_judged_against_its_uplift() {
    use borderflow_proto::analytics::v1::{Crossing, Weekday};
    let calendar = |days: Vec<Weekday>| {
        MarketCalendar::of(&Crossing {
            id: "KG-DOS".into(),
            market_days: days.into_iter().map(|d| d as i32).collect(),
            market_factor: 2.0,
            ..Crossing::default()
        })
    };
    // Monday and Tuesday ordinary at 30 a period, then Wednesday at 60.
    for (days, alarm) in [(vec![Weekday::Wednesday], false), (vec![], true)] {
        let mut d = detectors();
        d.declare(calendar(days));
        let mut t = T0;
        while t < T0 + 2 * DAY {
            assert!(period(&mut d, t, &normal(30)).is_empty());
            t += PERIOD;
        }
        let mut raised = Vec::new();
        while t < T0 + 3 * DAY {
            raised.extend(kinds(&period(&mut d, t, &normal(62))));
            t += PERIOD;
        }
        let expected = if alarm {
            vec![AnomalyKind::FlowSurge]
        } else {
            vec![]
        };
        assert_eq!(raised, expected, "alarm expected: {alarm}");
    }
}

#[test]
fn just_under_the_surge_threshold_is_quiet() {
    let (mut d, t) = trained(30);
    // Twice the usual is the threshold; 59 is under it.
    assert!(period(&mut d, t, &normal(59)).is_empty());
}

#[test]
fn a_drop_of_traffic_is_a_flow_drop_but_no_news_is_not() {
    // A fall is flagged from its first period and reported once it has
    // lasted two.
    let (mut d, t) = trained(40);
    assert!(period(&mut d, t, &normal(5)).is_empty());
    assert_eq!(
        kinds(&period(&mut d, t + PERIOD, &normal(5))),
        vec![AnomalyKind::FlowDrop]
    );
    // Booths up (heartbeats only) and nobody crossing.
    let (mut d, t) = trained(40);
    period(&mut d, t, &normal(0));
    let out = period(&mut d, t + PERIOD, &normal(0));
    assert_eq!(kinds(&out), vec![AnomalyKind::FlowDrop]);
    assert_eq!(out[0].severity, Severity::High as i32);
    // Nothing heard at all (closed, or out of touch): not judged.
    let (mut d, t) = trained(40);
    let mut out = Vec::new();
    d.advance(t + 4 * PERIOD, &mut out);
    assert!(out.is_empty());
    assert!(period(&mut d, t + 4 * PERIOD, &normal(40)).is_empty());
}

#[test]
fn an_old_first_window_does_not_teach_empty_days() {
    let mut d = detectors();
    // A remote post's record, 100 days old, opens the crossing's history.
    period(&mut d, T0 - 100 * DAY, &normal(30));
    let mut t = T0;
    while t < T0 + 2 * DAY {
        assert!(period(&mut d, t, &normal(30)).is_empty());
        t += PERIOD;
    }
    // The baseline is 30 a period, not diluted by a hundred unheard days.
    period(&mut d, t, &normal(100));
    let out = period(&mut d, t + PERIOD, &normal(100));
    assert_eq!(kinds(&out), vec![AnomalyKind::FlowSurge]);
    assert!((out[0].evidence.as_ref().unwrap().baseline.unwrap() - 30.0).abs() < 1.0);
}

#[test]
fn slow_inspections_against_the_learned_mean() {
    let (mut d, t) = trained(30);
    let mut slow = normal(30);
    slow.duration_s = 100;
    assert!(
        period(&mut d, t, &slow).is_empty(),
        "1.67x is under the 1.8x factor"
    );
    slow.duration_s = 120;
    assert_eq!(
        kinds(&period(&mut d, t + PERIOD, &slow)),
        vec![AnomalyKind::SlowInspections]
    );
}

#[test]
fn the_queue_service_level() {
    let mut d = detectors();
    let mut s = normal(20);
    s.over_sla = 1;
    assert!(
        period(&mut d, T0, &s).is_empty(),
        "95 % within is on target"
    );
    s.over_sla = 2;
    assert_eq!(
        kinds(&period(&mut d, T0 + PERIOD, &s)),
        vec![AnomalyKind::QueueSla]
    );
}

#[test]
fn a_refusal_spike() {
    let (mut d, t) = trained(60);
    let mut s = normal(60);
    (s.refused, s.refused_parties) = (2, 2);
    assert!(period(&mut d, t, &s).is_empty(), "fewer than five refusals");
    // A family of eight refused together is one decision.
    (s.refused, s.refused_parties) = (8, 1);
    assert!(period(&mut d, t + PERIOD, &s).is_empty());
    (s.refused, s.refused_parties) = (8, 8);
    assert_eq!(
        kinds(&period(&mut d, t + 2 * PERIOD, &s)),
        vec![AnomalyKind::RefusalRateSpike]
    );
}

#[test]
fn a_crisis_outflow_shifts_the_nationality_mix() {
    let (mut d, t) = trained(30);
    let mut s = normal(30);
    s.nationalities = vec![("KGZ", 8), ("UZB", 4), ("AFG", 18)];
    let mut seen = Vec::new();
    for i in 0..3 {
        seen.extend(period(&mut d, t + i * PERIOD, &s));
    }
    let shift: Vec<_> = seen
        .iter()
        .filter(|a| a.kind == AnomalyKind::NationalityMixShift as i32)
        .collect();
    assert_eq!(shift.len(), 1, "{seen:?}");
    assert!(
        shift[0].explanation.contains("AFG"),
        "{}",
        shift[0].explanation
    );
}

#[test]
fn a_mix_that_returns_at_the_same_hour_every_day_is_no_shift() {
    // Nationals commute out 08:00-09:00 every day; the rest of the day is
    // the usual mix.
    let commuters = |t: i64| {
        let mut s = normal(30);
        if (8 * 60..9 * 60).contains(&(t.rem_euclid(DAY) / MIN)) {
            s.nationalities = vec![("KGZ", 30)];
        }
        s
    };
    let mut d = detectors();
    let mut t = T0;
    let mut seen = Vec::new();
    while t < T0 + 4 * DAY {
        seen.extend(kinds(&period(&mut d, t, &commuters(t))));
        t += PERIOD;
    }
    assert_eq!(seen, vec![], "the daily pattern raised alarms");
    // The same mix at another hour is a shift.
    let mut s = normal(30);
    s.nationalities = vec![("KGZ", 30)];
    let mut out = Vec::new();
    for i in 0..4 {
        out.extend(kinds(&period(&mut d, t + 3 * 60 * MIN + i * PERIOD, &s)));
    }
    assert_eq!(out, vec![AnomalyKind::NationalityMixShift]);
}

#[test]
fn the_morning_after_a_market_day_is_compared_with_an_ordinary_morning() {
    use borderflow_proto::analytics::v1::{Crossing, Weekday};
    // Nationals only on ordinary mornings (08:00-10:00); on Tuesday,
    // market day, the traders make the morning the usual mix.
    let traffic = |t: i64| {
        let mut s = normal(30);
        let morning = (8 * 60..10 * 60).contains(&(t.rem_euclid(DAY) / MIN));
        let tuesday = (t - T0).div_euclid(DAY) % 7 == 1;
        if morning && !tuesday {
            s.nationalities = vec![("KGZ", 30)];
        }
        s
    };
    for declared in [true, false] {
        let mut d = detectors();
        if declared {
            d.declare(MarketCalendar::of(&Crossing {
                id: "KG-DOS".into(),
                market_days: vec![Weekday::Tuesday as i32],
                ..Crossing::default()
            }));
        }
        let mut t = T0;
        let mut wednesday = Vec::new();
        while t < T0 + 3 * DAY {
            let out = kinds(&period(&mut d, t, &traffic(t)));
            if t >= T0 + 2 * DAY {
                wednesday.extend(out);
            } else {
                assert_eq!(out, vec![], "before Wednesday");
            }
            t += PERIOD;
        }
        if declared {
            // Like Monday morning: no shift.
            assert_eq!(wednesday, vec![], "declared market day");
        } else {
            // Unlike Tuesday morning and the day's mix: what an undeclared
            // market looks like.
            assert_eq!(wednesday, vec![AnomalyKind::NationalityMixShift]);
        }
        // A real shift at the market crossing is still one.
        let mut s = normal(30);
        s.nationalities = vec![("KGZ", 8), ("UZB", 4), ("AFG", 18)];
        let mut out = Vec::new();
        for i in 0..4 {
            out.extend(kinds(&period(&mut d, t + 15 * 60 * MIN + i * PERIOD, &s)));
        }
        assert!(out.contains(&AnomalyKind::NationalityMixShift), "{out:?}");
    }
}

#[test]
fn an_officer_admitting_alerted_travellers_stands_out_from_peers() {
    let mut d = detectors();
    let mut s = normal(30);
    s.officers = vec![("O-1", 2, 0), ("O-2", 3, 0), ("O-3", 1, 1)];
    assert!(period(&mut d, T0, &s).is_empty());
    s.officers = vec![("O-1", 2, 0), ("O-2", 2, 0), ("O-3", 3, 3)];
    let out = period(&mut d, T0 + PERIOD, &s);
    assert_eq!(kinds(&out), vec![AnomalyKind::OfficerOverride]);
    assert_eq!(out[0].evidence.as_ref().unwrap().officer_id, "O-3");
    // Still the same episode in the next period.
    assert!(period(&mut d, T0 + 2 * PERIOD, &normal(30)).is_empty());
}

#[test]
fn a_silent_open_checkpoint() {
    let mut d = detectors();
    let seen = |t: i64, status: CheckpointStatus| DetectorSample {
        checkpoints: vec![CheckpointActivity {
            checkpoint_id: "KG-DOS-L01".into(),
            events: 1,
            last_seen_ms: t,
            status: status as i32,
            silent_since_ms: 0,
            lag_ms: 0,
        }],
        ..DetectorSample::default()
    };
    d.observe(T0, &seen(T0 + 30_000, CheckpointStatus::Open));
    let mut out = Vec::new();
    silence(&mut d, T0 + 15 * MIN, &mut out);
    assert!(
        out.is_empty(),
        "14.5 minutes of silence is within the threshold"
    );
    silence(&mut d, T0 + 16 * MIN, &mut out);
    assert_eq!(kinds(&out), vec![AnomalyKind::CheckpointSilent]);
    assert_eq!(
        out[0].evidence.as_ref().unwrap().checkpoint_id,
        "KG-DOS-L01"
    );
    silence(&mut d, T0 + 40 * MIN, &mut out);
    assert_eq!(out.len(), 1, "reported once");
    // Back, then closed for the night: closing is not silence.
    d.observe(
        T0 + 41 * MIN,
        &seen(T0 + 41 * MIN, CheckpointStatus::Closed),
    );
    silence(&mut d, T0 + 120 * MIN, &mut out);
    assert_eq!(out.len(), 1);
}

#[test]
fn a_snapshot_resumes_exactly() {
    let (mut a, t) = trained(30);
    let snapshot = a.snapshot();
    let mut b = CrossingDetectors::restored(&snapshot, Arc::new(DetectConfig::default()));
    assert_eq!(b.snapshot(), snapshot);
    for (i, n) in [30, 100, 120, 30, 4, 30].into_iter().enumerate() {
        let start = t + i as i64 * PERIOD;
        assert_eq!(
            period(&mut a, start, &normal(n)),
            period(&mut b, start, &normal(n))
        );
    }
    assert_eq!(a.snapshot(), b.snapshot());
}

#[test]
fn each_rule_resumes_from_its_section_or_from_the_layout_before_sections() {
    use borderflow_proto::analytics::v1::{
        CrossingDetectorState, MeanVar as MeanVarProto, NationalityRuleState,
    };
    let (a, _) = trained(30);
    let snapshot = a.snapshot();
    let names: Vec<&str> = snapshot.rules.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "flow",
            "influx",
            "nationality",
            "refusal_rate",
            "slow_inspections"
        ],
        "a section per rule with state"
    );
    // The same state written as before sections existed.
    let section = |name: &str| snapshot.rules[name].as_slice();
    let flow = FlowRuleState::decode(section("flow")).unwrap();
    let nationality = NationalityRuleState::decode(section("nationality")).unwrap();
    let legacy = CrossingDetectorState {
        rules: Default::default(),
        traffic: flow.traffic,
        traffic_dispersion: flow.dispersion,
        surge_since_ms: flow.surge_since_ms,
        drop_since_ms: flow.drop_since_ms,
        mean_duration_ms: Some(MeanVarProto::decode(section("slow_inspections")).unwrap()),
        refusal_share: Some(MeanVarProto::decode(section("refusal_rate")).unwrap()),
        nationalities: nationality.shares,
        nationality_periods: nationality.periods,
        ..snapshot.clone()
    };
    let config = Arc::new(DetectConfig::default());
    // The influx rule came after sections: from the old layout it starts
    // afresh, the others resume.
    let mut from_legacy = CrossingDetectors::restored(&legacy, config.clone()).snapshot();
    assert_eq!(
        from_legacy.rules.remove("influx"),
        detectors().snapshot().rules.remove("influx")
    );
    let mut expected = snapshot.clone();
    expected.rules.remove("influx");
    assert_eq!(from_legacy, expected);
    // A rule whose section is missing starts afresh; the others resume.
    let mut partial = snapshot.clone();
    partial.rules.remove("refusal_rate");
    let resumed = CrossingDetectors::restored(&partial, config).snapshot();
    assert_eq!(resumed.rules["flow"], snapshot.rules["flow"]);
    assert_ne!(
        resumed.rules["refusal_rate"],
        snapshot.rules["refusal_rate"]
    );
}

/// Wednesday 2026-05-06 declared a holiday with `factor` (none when `None`).
fn holiday_calendar(factor: Option<f64>) -> Option<MarketCalendar> {
    use borderflow_proto::analytics::v1::{Crossing, SpecialDay, SpecialDayKind};
    MarketCalendar::of(&Crossing {
        id: "KG-DOS".into(),
        special_days: factor
            .map(|f| SpecialDay {
                date: "2026-05-06".into(),
                kind: SpecialDayKind::PublicHoliday as i32,
                name: "holiday".into(),
                traffic_factor: f,
            })
            .into_iter()
            .collect(),
        ..Crossing::default()
    })
}

/// Two ordinary days at 30 a period, then the whole Wednesday at `n`
/// (at `surge` from noon), then Thursday at 30; the kinds raised on
/// Wednesday and on Thursday.
fn holiday_week(factor: Option<f64>, n: u64, surge: u64) -> (Vec<AnomalyKind>, Vec<AnomalyKind>) {
    let mut d = detectors();
    d.declare(holiday_calendar(factor));
    let mut t = T0;
    while t < T0 + 2 * DAY {
        assert!(period(&mut d, t, &normal(30)).is_empty());
        t += PERIOD;
    }
    let mut wednesday = Vec::new();
    while t < T0 + 3 * DAY {
        let count = if t >= T0 + 2 * DAY + DAY / 2 {
            surge
        } else {
            n
        };
        wednesday.extend(kinds(&period(&mut d, t, &normal(count))));
        t += PERIOD;
    }
    let mut thursday = Vec::new();
    while t < T0 + 4 * DAY {
        thursday.extend(kinds(&period(&mut d, t, &normal(30))));
        t += PERIOD;
    }
    (wednesday, thursday)
}

#[test]
fn a_declared_holiday_is_judged_against_its_factor() {
    // Twice the ordinary traffic: the declared uplift, not a surge.
    assert_eq!(holiday_week(Some(2.0), 62, 62), (vec![], vec![]));
    // The same day undeclared is a surge.
    assert_eq!(holiday_week(None, 62, 62).0, vec![AnomalyKind::FlowSurge]);
    // A holiday with a third of the traffic (a New Year's morning) is no
    // drop when declared, and one when not.
    assert_eq!(holiday_week(Some(0.3), 9, 9), (vec![], vec![]));
    assert_eq!(holiday_week(None, 9, 9).0, vec![AnomalyKind::FlowDrop]);
    // A real surge on top of the declared uplift is still caught, and the
    // day after the holiday is judged against ordinary days again.
    assert_eq!(
        holiday_week(Some(2.0), 62, 160),
        (vec![AnomalyKind::FlowSurge], vec![])
    );
}

#[test]
fn special_days_are_local_days() {
    use borderflow_proto::analytics::v1::{Crossing, SpecialDay};
    let calendar = MarketCalendar::of(&Crossing {
        utc_offset_minutes: 300,
        special_days: vec![
            SpecialDay {
                date: "2026-05-09".into(),
                traffic_factor: 1.3,
                ..SpecialDay::default()
            },
            SpecialDay {
                date: "not a date".into(),
                traffic_factor: 1.3,
                ..SpecialDay::default()
            },
        ],
        ..Crossing::default()
    })
    .unwrap();
    // Saturday 2026-05-09 in UTC+5 runs from Friday 19:00 UTC.
    let saturday = T0 + 5 * DAY;
    assert_eq!(calendar.special_factor(saturday - 5 * 60 * MIN - 1), None);
    assert_eq!(calendar.special_factor(saturday - 5 * 60 * MIN), Some(1.3));
    assert_eq!(calendar.special_factor(saturday + 18 * 60 * MIN), Some(1.3));
    assert_eq!(calendar.special_factor(saturday + 19 * 60 * MIN), None);
    // No market days: the special days alone make the calendar.
    assert_eq!(calendar.market_factor(saturday), None);
}
