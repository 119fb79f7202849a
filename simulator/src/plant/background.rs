//! Background occurrences at public base rates, planted so that they are
//! known in advance (lost and stolen documents must be on the list before
//! traffic starts) and recorded as truth, so that catching them is not a
//! false alarm:
//!
//! - lost or stolen document hits: 0.009 % of checks, the order of the hit
//!   rate INTERPOL publishes for searches of its SLTD database (the figure
//!   issue 5 sets);
//! - expired documents presented: 0.02 % (our estimate: a small share of
//!   travellers present a document past its date);
//! - biometric mismatches an officer nevertheless clears: 0.01 % (our
//!   estimate: matcher false non-matches are almost always resolved by a
//!   second capture, and only the rest reach the record).
//!
//! and the queues of market days at crossings whose market-day demand
//! exceeds their capacity. None has side effects: the base-rate cases are
//! single travellers, and a market day's crowd is registered reference
//! data that flow and mix are judged against, so only its queue is
//! expected.

use borderflow_domain::admission::EXPIRED_NATIONAL_PASSPORT_DAYS;
use borderflow_domain::crossing_rules::QUEUE_SLA_WAIT_MINUTES;
use borderflow_domain::minor::MINOR_AGE;
use borderflow_domain::time::{Date, MS_PER_DAY, MS_PER_HOUR};
use borderflow_proto::analytics::v1::AnomalyKind as A;
use borderflow_proto::inspection::v1::{Direction, RefusalReason};
use borderflow_proto::reference::v1::ReferenceList;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};

use super::people::{self, ADMITTED, refused_or_referred, single};
use super::{Plan, ReferenceDocument, open_times};
use crate::model::biometric::{self, Modality};
use crate::model::profile::Intensity;
use crate::model::traffic::FAMILY_SHARE;
use crate::scenario::Scenario;
use crate::truth::{BACKGROUND, Draft};

pub(super) const LOST_STOLEN_RATE: f64 = 0.000_09;
pub(super) const EXPIRED_RATE: f64 = 0.000_2;
pub(super) const BIOMETRIC_RATE: f64 = 0.000_1;

pub(super) fn plant(scenario: &Scenario, plan: &mut Plan, rng: &mut ChaCha8Rng) {
    let (start, end) = (scenario.start_ms, scenario.end_ms);
    for (c, spec) in scenario.network.crossings.iter().enumerate() {
        let intensity = Intensity::new(spec, scenario.scale);
        let checks = intensity.expected_between(start, end) * (1.0 + FAMILY_SHARE * 2.5);
        for (kind, rate, expected) in [
            ("lost_stolen", LOST_STOLEN_RATE, A::LostStolenDocument),
            ("expired_document", EXPIRED_RATE, A::DocumentExpired),
            ("biometric_mismatch", BIOMETRIC_RATE, A::BiometricMismatch),
        ] {
            let mean = checks * rate;
            let n = if mean > 0.0 {
                Poisson::new(mean).map_or(0, |p| p.sample(rng) as usize)
            } else {
                0
            };
            for at in open_times(spec, start, end, n, rng) {
                let date = Date::from_epoch_ms(at);
                let id = plan.truth.add(Draft {
                    incident: None,
                    label: BACKGROUND.into(),
                    kind: format!("{BACKGROUND}/{kind}"),
                    expected,
                    side_effects: Vec::new(),
                    crossings: vec![spec.id.clone()],
                    checkpoint: None,
                    officer: None,
                    start_ms: at,
                    end_ms: at,
                });
                let direction = if rng.random_bool(0.5) {
                    Direction::Entry
                } else {
                    Direction::Exit
                };
                let t = people::traveller(rng, spec, None, date, MINOR_AGE..80);
                let national = t.document.nationality == spec.country;
                let planted = match expected {
                    A::LostStolenDocument => {
                        plan.references.push(ReferenceDocument {
                            list: ReferenceList::LostStolen,
                            mrz: t.mrz.clone(),
                            source: "INTERPOL SLTD (simulated)",
                            reference: format!("SIM-BG-{id}"),
                        });
                        let outcome = refused_or_referred(rng, 0.6, RefusalReason::A);
                        single(at, direction, t.mrz, outcome, id)
                    }
                    A::DocumentExpired => {
                        let t = people::expired(t, date, rng.random_range(1..400));
                        // A national coming home on it is admitted by
                        // right (a look-alike planted below); one leaving
                        // on it is held.
                        let direction = if national { Direction::Exit } else { direction };
                        let share = if national { 0.0 } else { 0.7 };
                        let outcome = refused_or_referred(rng, share, RefusalReason::A);
                        single(at, direction, t.mrz, outcome, id)
                    }
                    _ => {
                        let mut p = single(at, direction, t.mrz, ADMITTED, id);
                        let modality = Modality::at(spec.mode);
                        p.biometric_score = Some(biometric::impostor(rng, modality));
                        p
                    }
                };
                plan.injections.at(c).planted.push(planted);
            }
        }
        nationals_coming_home(scenario, c, checks, plan, rng);
        market_days(scenario, c, &intensity, plan);
    }
}

/// Nationals entering on a national passport that expired in the past
/// year: 0.01 % of checks (our estimate: a passport runs ten years, and a
/// small share of holders abroad let it lapse before coming home). Admitted
/// by right; a look-alike of the expired documents above, not an
/// occurrence.
const NATIONALS_COMING_HOME_RATE: f64 = 0.000_1;

fn nationals_coming_home(
    scenario: &Scenario,
    c: usize,
    checks: f64,
    plan: &mut Plan,
    rng: &mut ChaCha8Rng,
) {
    let spec = &scenario.network.crossings[c];
    let mean = checks * spec.nationals_share * NATIONALS_COMING_HOME_RATE;
    let n = Poisson::new(mean).map_or(0, |p| p.sample(rng) as usize);
    for at in open_times(spec, scenario.start_ms, scenario.end_ms, n, rng) {
        let date = Date::from_epoch_ms(at);
        let t = people::traveller(rng, spec, Some(&spec.country), date, MINOR_AGE..80);
        let lapsed = rng.random_range(1..=i64::from(EXPIRED_NATIONAL_PASSPORT_DAYS));
        let t = people::expired(t, date, lapsed);
        let mut p = single(at, Direction::Entry, t.mrz, ADMITTED, 0);
        p.truth = None;
        plan.injections.at(c).planted.push(p);
    }
}

/// Each market day whose queues break the service level: expected, not a
/// false alarm. The queue is followed hour by hour as a fluid (what
/// arrives beyond the booths' capacity waits); the service level is broken
/// in the hours whose backlog takes longer than the service-level wait to
/// clear, and the occurrence spans them.
fn market_days(scenario: &Scenario, c: usize, intensity: &Intensity, plan: &mut Plan) {
    let spec = &scenario.network.crossings[c];
    if spec.profile.market_days.is_empty() {
        return;
    }
    let capacity = f64::from(spec.capacity_per_hour.max(1));
    let wait_hours = QUEUE_SLA_WAIT_MINUTES as f64 / 60.0;
    let mut day = intensity.local_day_start(scenario.start_ms);
    while day < scenario.end_ms {
        let noon = day + 12 * MS_PER_HOUR;
        if intensity.is_market_day(noon) {
            let mut backlog = 0.0;
            let mut broken: Option<(i64, i64)> = None;
            // Into the next morning: a market day's queue outlasts it.
            for h in 0..30 {
                let from = day + h * MS_PER_HOUR;
                let demand = intensity.at(from + MS_PER_HOUR / 2)
                    * MS_PER_HOUR as f64
                    * (1.0 + FAMILY_SHARE * 2.5);
                backlog = (backlog + demand - capacity).max(0.0);
                if backlog / capacity > wait_hours {
                    let span = broken.get_or_insert((from, from));
                    span.1 = from + MS_PER_HOUR;
                }
            }
            if let Some((from, to)) = broken {
                plan.truth.add(Draft {
                    incident: None,
                    label: BACKGROUND.into(),
                    kind: format!("{BACKGROUND}/market_day"),
                    expected: A::QueueSla,
                    side_effects: Vec::new(),
                    crossings: vec![spec.id.clone()],
                    checkpoint: None,
                    officer: None,
                    start_ms: from.max(scenario.start_ms),
                    end_ms: to.min(scenario.end_ms),
                });
            }
        }
        day += MS_PER_DAY;
    }
}
