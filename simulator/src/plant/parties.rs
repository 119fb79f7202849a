//! Incidents about who comes back or travels together: the same
//! travellers refused again and again, minors with unrelated adults or
//! none, an adult bringing other minors each trip. Each traveller (or
//! group, or ring) is one truth occurrence.

use borderflow_domain::time::Date;
use borderflow_proto::analytics::v1::AnomalyKind as A;
use borderflow_proto::inspection::v1::{Direction, GuardianRelation, Outcome, RefusalReason};
use rand::Rng;

use super::people::{self, single};
use super::{Ctx, open_times};
use crate::model::inject::{Escort, Planted, PlantedMember};
use crate::scenario::FieldError;
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

/// A trafficking ring's trips, as validated.
pub(super) struct Ring<'a> {
    pub route: &'a [usize],
    pub trips: u32,
    pub minors: u32,
    pub consent_letters: bool,
    pub young_adults: u32,
}

/// One adult entering with `minors` other children on each trip and going
/// back alone: one truth occurrence, the case on the adult.
pub(super) fn trafficking_ring(ctx: &mut Ctx<'_>, ring: &Ring<'_>) -> Result<(), FieldError> {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let date = Date::from_epoch_ms(span.0);
    let slot = (span.1 - span.0) / i64::from(ring.trips);
    let first = ctx.spec(ring.route[0]).clone();
    let adult = people::foreigner(ctx.rng, &first, date);
    let nationality = adult.document.nationality.clone();
    let mut trips = Vec::new();
    for i in 0..ring.trips as usize {
        let crossing = ring.route[i % ring.route.len()];
        let spec = ctx.spec(crossing).clone();
        let from = span.0 + i as i64 * slot;
        let mut at = |a: i64, b: i64| {
            open_times(&spec, from + slot * a / 8, from + slot * b / 8, 1, ctx.rng)
                .first()
                .copied()
        };
        let (Some(entry), Some(exit)) = (at(1, 3), at(5, 7)) else {
            return Err(FieldError::new(
                ctx.incident.field("crossings"),
                format!("{} is closed for a trip", spec.id),
            ));
        };
        trips.push((crossing, spec, entry, exit));
    }
    let relation = if ring.consent_letters {
        GuardianRelation::AuthorisedAdult
    } else {
        GuardianRelation::Unrelated
    };
    let side_effects = if ring.consent_letters {
        Vec::new()
    } else {
        vec![
            SideEffect::new(
                A::MinorUnaccompanied,
                "each minor crosses with an adult of no established relation",
            ),
            SideEffect::new(
                A::OfficerOverride,
                "the minors are admitted although their check raised an alert, which counts \
                 toward the admitting officer's override rate",
            ),
        ]
    };
    let mut crossings = ring.route.to_vec();
    crossings.sort_unstable();
    crossings.dedup();
    let (first_at, last_at) = (trips[0].2, trips[trips.len() - 1].2);
    let id = ctx.occurrence(
        A::TraffickingCase,
        &side_effects,
        &crossings,
        (first_at, last_at),
    );
    for (i, (crossing, spec, entry, exit)) in trips.into_iter().enumerate() {
        let on = Date::from_epoch_ms(entry);
        let mut members = vec![PlantedMember::new(adult.mrz.clone(), Escort::Adult)];
        for _ in 0..ring.minors {
            let child = people::traveller(ctx.rng, &spec, Some(&nationality), on, 6..16);
            members.push(PlantedMember::new(child.mrz, Escort::With(relation)));
        }
        if i == 0 {
            for _ in 0..ring.young_adults {
                let young = people::traveller(ctx.rng, &spec, Some(&nationality), on, 18..25);
                members.push(PlantedMember::new(young.mrz, Escort::Adult));
            }
        }
        let injections = &mut ctx.plan.injections.at(crossing).planted;
        injections.push(Planted {
            at_ms: entry,
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
        let back = (Outcome::Admitted, RefusalReason::Unspecified);
        injections.push(single(exit, Direction::Exit, adult.mrz.clone(), back, id));
    }
    Ok(())
}
