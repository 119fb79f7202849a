use borderflow_domain::time::Date;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::model::network::Profile;

fn spec(mode: Mode, rate: f64) -> CrossingSpec {
    CrossingSpec {
        id: "X".into(),
        name: "X".into(),
        names: Default::default(),
        country: "KAZ".into(),
        neighbour: "KGZ".into(),
        latitude: 43.0,
        longitude: 74.0,
        mode,
        lanes: 6,
        officers: 18,
        capacity_per_hour: 240,
        rate_per_hour: rate,
        profile: Profile {
            hourly: crate::model::networks::land_day(),
            utc_offset_hours: 5,
            ..Profile::default()
        },
        nationals_share: 0.5,
        nationalities: Vec::new(),
        twin: None,
    }
}

fn monday() -> i64 {
    Date::new(2026, 5, 4).unwrap().start_epoch_ms()
}

#[test]
fn closures_come_at_their_rates_and_keep_clear_of_incidents() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (start, days) = (monday(), 3_000);
    let end = start + days * MS_PER_DAY;
    let busy = [(start, start + 500 * MS_PER_DAY)];
    let all = closures(&mut rng, &spec(Mode::Road, 100.0), start, end, &busy);
    let whole: Vec<_> = all.iter().filter(|c| c.lane.is_none()).collect();
    let booth: Vec<_> = all.iter().filter(|c| c.lane.is_some()).collect();
    // Outside the 500 busy days: 2,500 days at one a month and one a week.
    let expect_whole = 2_500.0 * CLOSURES_PER_DAY;
    let expect_booth = 2_500.0 * BOOTH_CLOSURES_PER_DAY;
    assert!(
        (whole.len() as f64 - expect_whole).abs() < 4.0 * expect_whole.sqrt(),
        "{}",
        whole.len()
    );
    assert!(
        (booth.len() as f64 - expect_booth).abs() < 4.0 * expect_booth.sqrt(),
        "{}",
        booth.len()
    );
    for c in &all {
        assert!(c.from_ms >= busy[0].1 && c.to_ms <= end, "{c:?}");
        let hours = (c.to_ms - c.from_ms) as f64 / MS_PER_HOUR as f64;
        let range = if c.lane.is_some() {
            BOOTH_CLOSURE_HOURS
        } else {
            CLOSURE_HOURS
        };
        assert!(range.contains(&hours), "{hours}");
        assert!(c.lane.is_none_or(|l| l < 6));
    }
    assert!(all.windows(2).all(|w| w[0].from_ms <= w[1].from_ms));
    // A booth closure closes its booth only.
    let c = booth[0];
    let lane = c.lane.unwrap();
    assert!(c.closes(lane, c.from_ms) && !c.closes(lane, c.to_ms));
    assert!(!c.closes((lane + 1) % 6, c.from_ms));
}

#[test]
fn coaches_carry_their_share_while_the_crossing_is_open() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut road = spec(Mode::Road, 200.0);
    road.profile.open_hours = [7, 19];
    let intensity = Intensity::new(&road, 1.0);
    let (start, end) = (monday(), monday() + 28 * MS_PER_DAY);
    let coaches = bursts(&mut rng, &road, &intensity, start, end, 1.0);
    let travellers: u32 = coaches.iter().map(|b| b.travellers).sum();
    let expected = intensity.expected_between(start, end) * COACH_SHARE;
    assert!(
        (f64::from(travellers) / expected - 1.0).abs() < 0.15,
        "{travellers} against {expected:.0}"
    );
    assert!(
        coaches
            .iter()
            .all(|b| COACH_TRAVELLERS.contains(&b.travellers))
    );
    // At half scale: as many coaches, half as full, the same share.
    let half = Intensity::new(&road, 0.5);
    let small = bursts(&mut rng, &road, &half, start, end, 0.5);
    assert!((small.len() as f64 / coaches.len() as f64 - 1.0).abs() < 0.15);
    assert!(small.iter().all(|b| (15..=25).contains(&b.travellers)));
    assert!(coaches.iter().all(|b| intensity.is_open(b.at_ms)));
    let entering = coaches.iter().filter(|b| b.entering).count() as f64;
    assert!((entering / coaches.len() as f64 - 0.5).abs() < 0.15);
    assert_eq!(
        burst_share(&road, &intensity, &coaches, 1.2, start, end),
        COACH_SHARE
    );
}

#[test]
fn trains_keep_a_timetable_and_fit_their_stop() {
    let rail = spec(Mode::Rail, 60.0);
    let intensity = Intensity::new(&rail, 1.0);
    let (start, days) = (monday(), 14);
    let end = start + days * MS_PER_DAY;
    for seed in 0..20 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let trains = bursts(&mut rng, &rail, &intensity, start, end, 1.0);
        let per_day = trains.len() as i64 / days;
        assert!(
            TRAINS_PER_DAY.contains(&(per_day as u32)),
            "{}",
            trains.len()
        );
        assert_eq!(trains.len() as i64 % days, 0);
        // 240 an hour clear at most 120 in a half-hour stop.
        for t in &trains {
            assert!(
                (*TRAIN_TRAVELLERS.start()..=120).contains(&t.travellers),
                "{t:?}"
            );
        }
        // Each timetable slot comes back daily within the delay.
        let minute_of_day = |t: &Burst| (t.at_ms - start).rem_euclid(MS_PER_DAY);
        let first_day: Vec<i64> = trains[..per_day as usize]
            .iter()
            .map(minute_of_day)
            .collect();
        for t in &trains {
            assert!(
                first_day
                    .iter()
                    .any(|m| (minute_of_day(t) - m).abs() < TRAIN_DELAY_MS),
                "{t:?}"
            );
        }
        let share = burst_share(&rail, &intensity, &trains, 1.2, start, end);
        assert!(share > 0.0 && share <= 0.8, "{share}");
    }
    // At half scale, trains carry half the travellers.
    let small = bursts(
        &mut ChaCha8Rng::seed_from_u64(3),
        &rail,
        &intensity,
        start,
        end,
        0.2,
    );
    assert!(
        small.iter().all(|t| (20..=80).contains(&t.travellers)),
        "{small:?}"
    );
    // Trains come in the profile's peak hours, within their hour.
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let local_hour =
        |t: &Burst| ((t.at_ms + 5 * MS_PER_HOUR).rem_euclid(MS_PER_DAY) / MS_PER_HOUR) as usize;
    let land = crate::model::networks::land_day();
    let peak = land.iter().copied().fold(0.0, f64::max);
    for t in bursts(&mut rng, &rail, &intensity, start, end, 1.0) {
        assert!(land[local_hour(&t)] >= 0.8 * peak, "{t:?}");
    }
    // No coaches off the corridors, no trains at airports: their banks are
    // in the profile.
    let lane = spec(Mode::Road, COACH_CORRIDOR_PARTIES_PER_HOUR - 1.0);
    assert!(bursts(&mut rng, &lane, &intensity, start, end, 1.0).is_empty());
    let air = spec(Mode::Air, 60.0);
    assert!(
        bursts(
            &mut ChaCha8Rng::seed_from_u64(4),
            &air,
            &intensity,
            start,
            end,
            1.0
        )
        .is_empty()
    );
}

#[test]
fn trends_stay_within_three_percent_a_week() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let trends: Vec<f64> = (0..1_000).map(|_| trend(&mut rng)).collect();
    assert!(trends.iter().all(|t| t.abs() <= TREND_PER_WEEK));
    assert!(trends.iter().any(|t| *t > 0.02) && trends.iter().any(|t| *t < -0.02));
}
