//! Incidents about a crossing as a whole: its flow, its booths' speed, its
//! nationality mix, a booth's link (one officer's in `officer.rs`). One
//! truth occurrence each, matched by crossing (and booth) and time.

use borderflow_domain::minor::MINOR_AGE;
use borderflow_domain::time::Date;
use borderflow_proto::analytics::v1::AnomalyKind as A;
use borderflow_proto::inspection::v1::{Direction, GuardianRelation, Outcome, RefusalReason};
use rand::Rng;

use super::people;
use super::{Ctx, open_times};
use crate::model::inject::{Escort, Planted, PlantedMember, ServiceSpan};
use crate::model::profile::{Intensity, RateSpan};
use crate::run::LinkEvent;

/// A surge (`factor` above 1) or a drop in arrivals.
pub(super) fn rate(ctx: &mut Ctx<'_>, crossing: usize, factor: f64) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
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

/// Service times multiplied by `factor` at `lanes` (0-based; all when
/// empty).
pub(super) fn slow_inspections(ctx: &mut Ctx<'_>, crossing: usize, factor: f64, lanes: &[u32]) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    ctx.plan
        .injections
        .at(crossing)
        .service_spans
        .push(ServiceSpan {
            from_ms: span.0,
            to_ms: span.1,
            factor,
            lanes: lanes.to_vec(),
        });
    ctx.occurrence(
        A::SlowInspections,
        &[A::QueueSla, A::FlowDrop],
        &[crossing],
        span,
    );
}

/// Booth `lane`'s link down for the span, then up again.
pub(super) fn link_outage(ctx: &mut Ctx<'_>, crossing: usize, lane: u32) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
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

/// Extra parties of `nationality`, `factor` times the crossing's usual
/// arrivals, entering or leaving.
pub(super) fn nationality_shift(
    ctx: &mut Ctx<'_>,
    crossing: usize,
    nationality: &str,
    factor: f64,
    entering: bool,
) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let date = Date::from_epoch_ms(span.0);
    let spec = ctx.spec(crossing).clone();
    // Extra parties at `factor` times the crossing's usual rate.
    let expected = Intensity::new(&spec, ctx.scenario.scale).expected_between(span.0, span.1);
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
            let ages = if minor { 1..17 } else { MINOR_AGE..70 };
            let t = people::traveller(ctx.rng, &spec, Some(nationality), date, ages);
            let escort = if minor {
                Escort::With(GuardianRelation::Parent)
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
            truth: Some(id),
        });
    }
}
