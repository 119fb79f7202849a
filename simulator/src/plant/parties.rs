//! Incidents about who comes back or travels together: the same
//! travellers refused again and again, minors with unrelated adults or
//! none. Each traveller (or group) is one truth occurrence.

use borderflow_domain::time::Date;
use borderflow_proto::analytics::v1::AnomalyKind as A;
use borderflow_proto::inspection::v1::{Direction, GuardianRelation, Outcome, RefusalReason};
use rand::Rng;

use super::people::{self, single};
use super::{Ctx, open_times};
use crate::model::inject::{Escort, Planted, PlantedMember};
use crate::truth::SideEffect;

/// `count` travellers refused `attempts` times each, one attempt in each
/// share of the span.
pub(super) fn repeated_refusals(ctx: &mut Ctx<'_>, crossing: usize, count: u32, attempts: u32) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let date = Date::from_epoch_ms(span.0);
    let spec = ctx.spec(crossing).clone();
    let slot = (span.1 - span.0) / i64::from(attempts);
    for _ in 0..count {
        let t = people::foreigner(ctx.rng, &spec, date);
        let reason = if ctx.rng.random_bool(0.5) {
            RefusalReason::C
        } else {
            RefusalReason::E
        };
        let side_effects = [SideEffect::new(
            A::RefusalRateSpike,
            "every attempt is a refusal at the crossing, raising its refusal share",
        )];
        let id = ctx.occurrence(A::RepeatedRefusal, &side_effects, &[crossing], span);
        let mut first_at = None;
        for k in 0..i64::from(attempts) {
            let from = span.0 + k * slot;
            if let Some(at) = open_times(&spec, from, from + slot, 1, ctx.rng)
                .first()
                .copied()
            {
                first_at.get_or_insert(at);
                let attempt = single(
                    at,
                    Direction::Entry,
                    t.mrz.clone(),
                    (Outcome::Refused, reason),
                    id,
                );
                ctx.plan.injections.at(crossing).planted.push(attempt);
            }
        }
        // The pattern exists from the second refusal on; the clock
        // of the delay starts at the first.
        if let Some(at) = first_at {
            ctx.plan.truth.occurrences[id as usize].start_ms = at;
        }
    }
}

/// `count` groups of minors, `unaccompanied` of them with no adult.
pub(super) fn trafficking(ctx: &mut Ctx<'_>, crossing: usize, count: u32, unaccompanied: u32) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let date = Date::from_epoch_ms(span.0);
    let spec = ctx.spec(crossing).clone();
    for (g, at) in ctx.times(crossing, count as usize).into_iter().enumerate() {
        let alone = (g as u32) < unaccompanied;
        let minors = ctx.rng.random_range(2..=4);
        let mut members = Vec::new();
        if !alone {
            let adult = people::foreigner(ctx.rng, &spec, date);
            members.push(PlantedMember::new(adult.mrz, Escort::Adult));
        }
        let nationality = people::foreigner(ctx.rng, &spec, date).document.nationality;
        for _ in 0..minors {
            let child = people::traveller(ctx.rng, &spec, Some(&nationality), date, 8..16);
            let escort = if alone {
                Escort::Alone
            } else {
                Escort::With(GuardianRelation::Unrelated)
            };
            members.push(PlantedMember::new(child.mrz, escort));
        }
        // The minors enter and stay, but far from any stay limit within a
        // run: no overstay.
        let side_effects = [SideEffect::new(
            A::OfficerOverride,
            "the minors are admitted although their check raised an alert, which counts \
             toward the admitting officer's override rate",
        )];
        let id = ctx.occurrence(A::MinorUnaccompanied, &side_effects, &[crossing], (at, at));
        ctx.plan.injections.at(crossing).planted.push(Planted {
            at_ms: at,
            direction: Direction::Entry,
            members,
            outcome: Outcome::Admitted,
            refusal_reason: RefusalReason::Unspecified,
            lane: None,
            officer: None,
            biometric_score: None,
            preamble: false,
            truth: Some(id),
        });
    }
}
