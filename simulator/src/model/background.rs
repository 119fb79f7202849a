//! Benign look-alikes in a crossing's background traffic, planned ahead
//! from the crossing's own seeded stream: coaches and trains that bring
//! travellers in bursts, announced closures of the crossing or of a booth,
//! and a slow trend of the rate across weeks. None carries a marker: the
//! aggregator sees them only as a booth would show them (arrivals, waits,
//! and `Closed` heartbeats). Rates and their sources are in the README's
//! "Background look-alikes".

use std::ops::RangeInclusive;

use borderflow_domain::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE};
use rand::Rng;

use super::network::{CrossingSpec, Mode};
use super::profile::Intensity;

/// Share of a road crossing's arriving parties who come by coach (our
/// estimate: intercity coaches and minibuses are a small part of the
/// cars, pedestrians and trucks at Central Asian road crossings).
pub const COACH_SHARE: f64 = 0.05;
/// Coach lines run on the main corridors: road crossings of at least this
/// many parties an hour at full scale (our estimate: the small mountain and
/// rural crossings see cars, trucks and pedestrians, not scheduled coaches).
pub const COACH_CORRIDOR_PARTIES_PER_HOUR: f64 = 100.0;
/// Travellers on one coach.
pub const COACH_TRAVELLERS: RangeInclusive<u32> = 30..=50;
/// Passenger trains a day at a rail crossing, each way together.
pub const TRAINS_PER_DAY: RangeInclusive<u32> = 1..=3;
/// Travellers on one train (at full scale).
pub const TRAIN_TRAVELLERS: RangeInclusive<u32> = 100..=400;
/// A train's stop at the border: a station is staffed to clear a train
/// within it, so no train brings more than its booths inspect in this time.
pub const TRAIN_STOP_MS: i64 = 30 * MS_PER_MINUTE;
/// A train's latest arrival after its timetable time.
pub const TRAIN_DELAY_MS: i64 = 20 * MS_PER_MINUTE;
/// Announced closures of a whole crossing (weather, works), per crossing
/// and day: about one a month (our estimate).
pub const CLOSURES_PER_DAY: f64 = 1.0 / 30.0;
/// How long a whole crossing stays closed, hours.
pub const CLOSURE_HOURS: RangeInclusive<f64> = 2.0..=8.0;
/// Announced closures of one booth (maintenance, staffing), per crossing of
/// two booths or more and day: about one a week (our estimate).
pub const BOOTH_CLOSURES_PER_DAY: f64 = 1.0 / 7.0;
/// How long a booth stays closed, hours.
pub const BOOTH_CLOSURE_HOURS: RangeInclusive<f64> = 1.0..=4.0;
/// The largest weekly change of a crossing's rate: each crossing grows or
/// declines by up to this much a week over a run.
pub const TREND_PER_WEEK: f64 = 0.03;

/// Travellers who reach the booths together.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Burst {
    pub at_ms: i64,
    pub travellers: u32,
    pub entering: bool,
}

/// An announced closure over [from_ms, to_ms) of one booth (0-based), or
/// of the whole crossing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Closure {
    pub from_ms: i64,
    pub to_ms: i64,
    pub lane: Option<u32>,
}

impl Closure {
    pub fn closes(&self, lane: u32, t_ms: i64) -> bool {
        (self.from_ms..self.to_ms).contains(&t_ms) && self.lane.is_none_or(|l| l == lane)
    }
}

/// A crossing's weekly growth (negative: decline).
pub fn trend(rng: &mut impl Rng) -> f64 {
    rng.random_range(-TREND_PER_WEEK..=TREND_PER_WEEK)
}

/// Announced closures over [start_ms, end_ms): start times of a Poisson
/// process at the stated rates, kept clear of `busy` spans (a scenario's
/// incidents, which a closure would hide).
pub fn closures(
    rng: &mut impl Rng,
    spec: &CrossingSpec,
    start_ms: i64,
    end_ms: i64,
    busy: &[(i64, i64)],
) -> Vec<Closure> {
    let days = (end_ms - start_ms) as f64 / MS_PER_DAY as f64;
    let mut out = Vec::new();
    let kinds = [
        (CLOSURES_PER_DAY, CLOSURE_HOURS, false),
        (BOOTH_CLOSURES_PER_DAY, BOOTH_CLOSURE_HOURS, true),
    ];
    for (per_day, hours, booth) in kinds {
        if booth && spec.lanes < 2 {
            continue;
        }
        for _ in 0..poisson(rng, per_day * days) {
            let from_ms = rng.random_range(start_ms..end_ms.max(start_ms + 1));
            let to_ms = from_ms + (rng.random_range(hours.clone()) * MS_PER_HOUR as f64) as i64;
            let lane = booth.then(|| rng.random_range(0..spec.lanes));
            let clear = busy.iter().all(|(a, b)| to_ms <= *a || from_ms >= *b);
            if clear && to_ms <= end_ms {
                out.push(Closure {
                    from_ms,
                    to_ms,
                    lane,
                });
            }
        }
    }
    out.sort_by_key(|c| c.from_ms);
    out
}

/// Coaches at a corridor road crossing: a Poisson process following the
/// crossing's intensity, carrying `COACH_SHARE` of its parties. A run at a
/// `scale` keeps the coaches of full scale, each carrying `scale` times
/// its travellers, as it keeps the trains' timetable.
pub fn coaches(
    rng: &mut impl Rng,
    intensity: &Intensity,
    start_ms: i64,
    end_ms: i64,
    scale: f64,
) -> Vec<Burst> {
    let scale = scale.max(1e-6);
    let mean = f64::from(COACH_TRAVELLERS.start() + COACH_TRAVELLERS.end()) / 2.0 * scale;
    let max = intensity.max() * COACH_SHARE / mean;
    let mut out = Vec::new();
    if max <= 0.0 {
        return out;
    }
    let mut t = start_ms;
    loop {
        t += (-rng.random::<f64>().max(f64::MIN_POSITIVE).ln() / max).ceil() as i64;
        if t >= end_ms {
            return out;
        }
        if rng.random::<f64>() * max < intensity.at(t) * COACH_SHARE / mean {
            let size = (f64::from(rng.random_range(COACH_TRAVELLERS)) * scale).round();
            out.push(Burst {
                at_ms: t,
                travellers: size.max(1.0) as u32,
                entering: rng.random_bool(0.5),
            });
        }
    }
}

/// Trains at a rail crossing: a timetable of `TRAINS_PER_DAY` local times
/// in the peak hours of the crossing's profile (a rail profile's peaks are
/// its trains), in the first part of the hour so that a delay keeps a train
/// in its hour; kept every day; a train due while the crossing is closed
/// does not run.
pub fn trains(
    rng: &mut impl Rng,
    spec: &CrossingSpec,
    intensity: &Intensity,
    start_ms: i64,
    end_ms: i64,
    scale: f64,
) -> Vec<Burst> {
    let hourly = &spec.profile.hourly;
    let peak = hourly.iter().copied().fold(0.0, f64::max);
    let peaks: Vec<i64> = (0..24)
        .filter(|h| hourly.get(*h).is_some_and(|w| *w >= 0.8 * peak && *w > 0.0))
        .map(|h| h as i64)
        .collect();
    let latest_minute = (MS_PER_HOUR - TRAIN_DELAY_MS) / MS_PER_MINUTE;
    let timetable: Vec<(i64, bool)> = (0..rng.random_range(TRAINS_PER_DAY))
        .filter_map(|i| {
            let hour = *peaks.get(rng.random_range(0..peaks.len().max(1)))?;
            let minute = rng.random_range(0..latest_minute);
            Some((hour * MS_PER_HOUR + minute * MS_PER_MINUTE, i % 2 == 0))
        })
        .collect();
    let largest = (f64::from(spec.capacity_per_hour) * TRAIN_STOP_MS as f64 / MS_PER_HOUR as f64)
        .max(1.0) as u32;
    let mut out = Vec::new();
    let mut midnight = intensity.local_day_start(start_ms);
    while midnight < end_ms {
        for (time, entering) in &timetable {
            let at_ms = midnight + time + rng.random_range(0..TRAIN_DELAY_MS);
            let size = (f64::from(rng.random_range(TRAIN_TRAVELLERS)) * scale).round() as u32;
            if (start_ms..end_ms).contains(&at_ms) && intensity.is_open(at_ms) && size > 0 {
                out.push(Burst {
                    at_ms,
                    travellers: size.min(largest),
                    entering: *entering,
                });
            }
        }
        midnight += MS_PER_DAY;
    }
    out.sort_by_key(|b| b.at_ms);
    out
}

/// The bursts of a crossing by its mode: coaches on roads, trains on rails;
/// airports' flight banks are in their hourly profiles.
pub fn bursts(
    rng: &mut impl Rng,
    spec: &CrossingSpec,
    intensity: &Intensity,
    start_ms: i64,
    end_ms: i64,
    scale: f64,
) -> Vec<Burst> {
    match spec.mode {
        Mode::Road if spec.rate_per_hour >= COACH_CORRIDOR_PARTIES_PER_HOUR => {
            coaches(rng, intensity, start_ms, end_ms, scale)
        }
        Mode::Rail => trains(rng, spec, intensity, start_ms, end_ms, scale),
        Mode::Road | Mode::Air | Mode::Sea | Mode::Pedestrian => Vec::new(),
    }
}

/// The share of a crossing's parties the bursts bring, which the plain
/// arrivals leave to them so the crossing keeps its rate: `COACH_SHARE` on
/// roads; on rails the trains' travellers over the expected travellers,
/// at most 0.8 (some come by other means).
pub fn burst_share(
    spec: &CrossingSpec,
    intensity: &Intensity,
    bursts: &[Burst],
    travellers_per_party: f64,
    start_ms: i64,
    end_ms: i64,
) -> f64 {
    match spec.mode {
        Mode::Road if spec.rate_per_hour >= COACH_CORRIDOR_PARTIES_PER_HOUR => COACH_SHARE,
        Mode::Rail => {
            let expected = intensity.expected_between(start_ms, end_ms) * travellers_per_party;
            let trains: f64 = bursts.iter().map(|b| f64::from(b.travellers)).sum();
            if expected > 0.0 {
                (trains / expected).min(0.8)
            } else {
                0.0
            }
        }
        Mode::Road | Mode::Air | Mode::Sea | Mode::Pedestrian => 0.0,
    }
}

/// A Poisson count of mean `mean` (small means: by multiplying uniforms).
fn poisson(rng: &mut impl Rng, mean: f64) -> u32 {
    let limit = (-mean).exp();
    let mut product = rng.random::<f64>();
    let mut count = 0;
    while product > limit && count < 1_000 {
        product *= rng.random::<f64>();
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests;
