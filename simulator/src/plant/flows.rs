//! Incidents about a crossing as a whole: its flow, its booths' speed, its
//! nationality mix, an officer, a booth's link. One truth occurrence each,
//! matched by crossing (and officer or booth) and time.

use borderflow_domain::time::{Date, MS_PER_HOUR};
use borderflow_proto::analytics::v1::AnomalyKind as A;
use borderflow_proto::inspection::v1::{Direction, Outcome, RefusalReason};
use rand::Rng;

use super::people::{self, refused_or_referred, single};
use super::{Ctx, open_times};
use crate::model::inject::{Escort, Planted, PlantedMember, ServiceSpan};
use crate::model::profile::{Intensity, RateSpan};
use crate::run::LinkEvent;
use crate::scenario::{FieldError, IncidentKind};

pub(super) fn plant(ctx: &mut Ctx<'_>) -> Result<(), FieldError> {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let date = Date::from_epoch_ms(span.0);
    match ctx.incident.kind.clone() {
        IncidentKind::FlowSurge { crossing, factor }
        | IncidentKind::FlowDrop { crossing, factor } => {
            let surge = factor > 1.0;
            ctx.plan.injections.at(crossing).rate_spans.push(RateSpan {
                from_ms: span.0,
                to_ms: span.1,
                factor,
            });
            let (expected, related): (A, &[A]) = if surge {
                // A crowd the booths cannot absorb also breaks the queue
                // service level and slows the booths' pace.
                (A::FlowSurge, &[A::QueueSla, A::SlowInspections])
            } else {
                (A::FlowDrop, &[])
            };
            ctx.occurrence(expected, related, &[crossing], span);
        }
        IncidentKind::SlowInspections {
            crossing,
            factor,
            lanes,
        } => {
            ctx.plan
                .injections
                .at(crossing)
                .service_spans
                .push(ServiceSpan {
                    from_ms: span.0,
                    to_ms: span.1,
                    factor,
                    lanes,
                });
            ctx.occurrence(
                A::SlowInspections,
                &[A::QueueSla, A::FlowDrop],
                &[crossing],
                span,
            );
        }
        IncidentKind::LinkOutage { crossing, lane } => {
            let checkpoint = ctx.spec(crossing).checkpoint_id(lane);
            for (at_ms, up) in [(span.0, false), (span.1, true)] {
                ctx.plan.link_events.push(LinkEvent {
                    at_ms,
                    checkpoint_id: checkpoint.clone(),
                    up,
                });
            }
            // A crossing with a single booth goes quiet altogether.
            let id = ctx.occurrence(A::CheckpointSilent, &[A::FlowDrop], &[crossing], span);
            ctx.plan.truth.occurrences[id as usize].checkpoint = Some(checkpoint);
        }
        IncidentKind::NationalityShift {
            crossing,
            nationality,
            factor,
            entering,
        } => {
            let spec = ctx.spec(crossing).clone();
            // Extra parties at `factor` times the crossing's usual rate.
            let expected =
                Intensity::new(&spec, ctx.scenario.scale).expected_between(span.0, span.1);
            let n = (expected * factor).round().max(1.0) as usize;
            let id = ctx.occurrence(
                A::NationalityMixShift,
                &[
                    A::FlowSurge,
                    A::QueueSla,
                    A::RefusalRateSpike,
                    A::Overstay,
                    A::SlowInspections,
                ],
                &[crossing],
                span,
            );
            let direction = if entering {
                Direction::Entry
            } else {
                Direction::Exit
            };
            for at in open_times(&spec, span.0, span.1, n, ctx.rng) {
                // People fleeing travel as families more often.
                let family = ctx.rng.random_bool(0.4);
                let (adults, minors) = if family {
                    (ctx.rng.random_range(1..=2), ctx.rng.random_range(1..=4))
                } else {
                    (1, 0)
                };
                let mut members = Vec::new();
                for m in 0..adults + minors {
                    let minor = m >= adults;
                    let ages = if minor { 1..17 } else { 18..70 };
                    let t = people::traveller(ctx.rng, &spec, Some(&nationality), date, ages);
                    let escort = if minor {
                        Escort::With(borderflow_proto::inspection::v1::GuardianRelation::Parent)
                    } else {
                        Escort::Adult
                    };
                    members.push(PlantedMember { mrz: t.mrz, escort });
                }
                let (outcome, reason) = if ctx.rng.random_bool(0.1) {
                    (Outcome::ReferredToSecondary, RefusalReason::Unspecified)
                } else {
                    (Outcome::Admitted, RefusalReason::Unspecified)
                };
                ctx.plan.injections.at(crossing).planted.push(Planted {
                    at_ms: at,
                    direction,
                    members,
                    outcome,
                    refusal_reason: reason,
                    lane: None,
                    officer: None,
                    biometric_score: None,
                    preamble: false,
                    truth: id,
                });
            }
        }
        IncidentKind::OfficerOverride {
            crossing,
            officer,
            count,
        } => officer_override(ctx, crossing, officer, count)?,
        _ => {}
    }
    Ok(())
}

/// Travellers carrying alerts (an expired document, a failed biometric
/// match) sent to one officer's booth while on duty and admitted, and a
/// few at the peers' booths handled as they should be.
fn officer_override(
    ctx: &mut Ctx<'_>,
    crossing: usize,
    officer: u32,
    count: u32,
) -> Result<(), FieldError> {
    let spec = ctx.spec(crossing).clone();
    let (from, to) = (ctx.incident.start_ms, ctx.incident.end_ms);
    let intensity = Intensity::new(&spec, 1.0);
    // (hour start, lane) slots when the officer is on duty and the
    // crossing is open; inspections start early in the hour so they stay
    // within the officer's shift.
    let mut slots = Vec::new();
    let mut t = from - from.rem_euclid(MS_PER_HOUR);
    while t < to {
        let hour = intensity.local_hour(t);
        if intensity.is_open(t)
            && t >= from
            && t + MS_PER_HOUR <= to
            && hour % 8 != 7
            && let Some(lane) = (0..spec.lanes).find(|l| spec.officer_on_duty(*l, hour) == officer)
        {
            slots.push((t, lane));
        }
        t += MS_PER_HOUR;
    }
    if slots.is_empty() {
        return Err(FieldError::new(
            format!("incident[{}].officer", ctx.incident.index),
            format!(
                "officer {} of {} is not on duty while the crossing is open in the incident",
                officer + 1,
                spec.id
            ),
        ));
    }
    let officer_id = spec.officer_id(officer);
    let id = ctx.occurrence(
        A::OfficerOverride,
        &[A::DocumentExpired, A::BiometricMismatch],
        &[crossing],
        (from, to),
    );
    {
        let occurrence = &mut ctx.plan.truth.occurrences[id as usize];
        occurrence.officer = Some(officer_id.clone());
    }
    let date = Date::from_epoch_ms(from);
    for n in 0..count + count / 2 {
        let corrupt_officer = n < count;
        let (hour, lane) = slots[ctx.rng.random_range(0..slots.len())];
        let at = hour + ctx.rng.random_range(0..20 * 60_000);
        let t = people::foreigner(ctx.rng, &spec, date);
        let expired = n % 2 == 0;
        let mrz = if expired {
            people::expired(t, date, ctx.rng.random_range(20..400)).mrz
        } else {
            t.mrz
        };
        let outcome = if corrupt_officer {
            people::ADMITTED
        } else {
            refused_or_referred(ctx.rng, 0.5, RefusalReason::A)
        };
        let mut planted = single(at, Direction::Entry, mrz, outcome, id);
        if !expired {
            planted.biometric_score = Some(ctx.rng.random_range(0.25..0.5));
        }
        if corrupt_officer {
            planted.lane = Some(lane);
            planted.officer = Some(officer_id.clone());
        } else {
            planted.lane =
                Some((lane + 1 + ctx.rng.random_range(0..spec.lanes.max(2) - 1)) % spec.lanes);
        }
        ctx.plan.injections.at(crossing).planted.push(planted);
    }
    Ok(())
}
