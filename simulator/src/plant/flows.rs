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
use crate::truth::SideEffect;

/// Arrivals beyond what the booths can serve wait past the service level.
const QUEUE_OUTGROWS_LANES: SideEffect = SideEffect::new(
    A::QueueSla,
    "the added arrivals exceed what the booths serve, so the queue outgrows the lanes",
);

/// A surge (`factor` above 1) or a drop in arrivals.
pub(super) fn rate(ctx: &mut Ctx<'_>, crossing: usize, factor: f64) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let surge = factor > 1.0;
    ctx.plan.injections.at(crossing).rate_spans.push(RateSpan {
        from_ms: span.0,
        to_ms: span.1,
        factor,
    });
    // Service times do not depend on the queue, so a surge does not slow
    // the booths; a drop leaves nothing else to flag.
    let (expected, side_effects): (A, &[SideEffect]) = if surge {
        (A::FlowSurge, &[QUEUE_OUTGROWS_LANES])
    } else {
        (A::FlowDrop, &[])
    };
    ctx.occurrence(expected, side_effects, &[crossing], span);
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
    let side_effects = [
        SideEffect::new(
            A::QueueSla,
            "slower booths serve fewer travellers an hour, so the queue outgrows them",
        ),
        SideEffect::new(
            A::FlowDrop,
            "slower booths put fewer travellers through a period than arrive in it",
        ),
    ];
    ctx.occurrence(A::SlowInspections, &side_effects, &[crossing], span);
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
    let mut side_effects = vec![SideEffect::new(
        A::FlowDrop,
        "the silent booth's travellers reach the aggregator from its journal only after \
         the outage's periods were judged without them",
    )];
    if ctx.scenario.couple_twins && ctx.spec(crossing).twin.is_some() {
        side_effects.push(SideEffect::new(
            A::MirrorGap,
            "the silent booth's travellers reach the exchange with the twin post only after \
             the outage's periods went to it without them",
        ));
    }
    let id = ctx.occurrence(A::CheckpointSilent, &side_effects, &[crossing], span);
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
    // The parties come on top of the usual traffic; they are admitted or
    // referred, never refused, and leave no stay behind in the run.
    let side_effects = [
        SideEffect::new(
            A::FlowSurge,
            "the outflow adds its parties on top of the crossing's usual arrivals",
        ),
        QUEUE_OUTGROWS_LANES,
    ];
    let id = ctx.occurrence(A::NationalityMixShift, &side_effects, &[crossing], span);
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
            members.push(PlantedMember::new(t.mrz, escort));
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
