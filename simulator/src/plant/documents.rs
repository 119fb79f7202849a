//! Incidents about papers: forged and stolen documents, a watchlisted
//! traveller. Each document (or passage) is one truth occurrence, so the
//! scorecard counts what was caught one by one.

use std::collections::HashMap;

use borderflow_domain::time::Date;
use borderflow_proto::analytics::v1::AnomalyKind as A;
use borderflow_proto::inspection::v1::{Direction, Outcome, RefusalReason};
use borderflow_proto::reference::v1::ReferenceList;

use super::people::{self, refused_or_referred, single};
use super::{Ctx, ReferenceDocument, open_times};
use crate::scenario::FieldError;
use crate::truth::SideEffect;

/// Booths refuse most planted documents, which lifts the crossing's
/// refusal share.
const REFUSALS_RISE: SideEffect = SideEffect::new(
    A::RefusalRateSpike,
    "most of these documents are refused at the booth, raising the crossing's refusal share",
);

/// `count` travellers with altered zones, mostly stopped at the booth.
pub(super) fn forged(ctx: &mut Ctx<'_>, crossing: usize, count: u32) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let date = Date::from_epoch_ms(span.0);
    for at in ctx.times(crossing, count as usize) {
        let t = people::foreigner(ctx.rng, ctx.spec(crossing), date);
        let mrz = people::forged(ctx.rng, &t.mrz);
        let side_effects = [
            REFUSALS_RISE,
            SideEffect::new(
                A::DocumentExpired,
                "an alteration of the expiry field can date the document in the past \
                 (311008 altered to 131008)",
            ),
        ];
        let id = ctx.occurrence(A::MrzCheckDigit, &side_effects, &[crossing], (at, at));
        // Booths catch most altered zones: refused for a false
        // document (B), or sent to second line.
        let outcome = refused_or_referred(ctx.rng, 0.7, RefusalReason::B);
        let planted = single(at, Direction::Entry, mrz, outcome, id);
        ctx.plan.injections.at(crossing).planted.push(planted);
    }
}

/// `count` travellers with documents put on the lost and stolen list.
pub(super) fn stolen(ctx: &mut Ctx<'_>, crossing: usize, count: u32) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let date = Date::from_epoch_ms(span.0);
    for (n, at) in ctx.times(crossing, count as usize).into_iter().enumerate() {
        let t = people::traveller(ctx.rng, ctx.spec(crossing), None, date, 20..60);
        let id = ctx.occurrence(
            A::LostStolenDocument,
            &[REFUSALS_RISE],
            &[crossing],
            (at, at),
        );
        ctx.plan.references.push(ReferenceDocument {
            list: ReferenceList::LostStolen,
            mrz: t.mrz.clone(),
            source: "INTERPOL SLTD (simulated)",
            reference: format!("SIM-{}-{}", ctx.incident.index + 1, n + 1),
        });
        let outcome = refused_or_referred(ctx.rng, 0.6, RefusalReason::A);
        let planted = single(at, Direction::Entry, t.mrz, outcome, id);
        ctx.plan.injections.at(crossing).planted.push(planted);
    }
}

/// A listed person passing each crossing of `route` in turn.
pub(super) fn watchlisted(ctx: &mut Ctx<'_>, route: &[usize]) -> Result<(), FieldError> {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let date = Date::from_epoch_ms(span.0);
    let Some(&start) = route.first() else {
        return Err(FieldError::new(
            ctx.incident.field("crossings"),
            "the route is empty".to_owned(),
        ));
    };
    let first = ctx.spec(start).clone();
    let person = people::foreigner(ctx.rng, &first, date);
    ctx.plan.references.push(ReferenceDocument {
        list: ReferenceList::Watchlist,
        mrz: person.mrz.clone(),
        source: "National watchlist (simulated)",
        reference: format!("SIM-{}", ctx.incident.index + 1),
    });
    // Each country's passages alternate: in, then out.
    let mut inside: HashMap<String, bool> = HashMap::new();
    let leg = (span.1 - span.0) / route.len() as i64;
    for (i, crossing) in route.iter().copied().enumerate() {
        // The middle half of each leg: consecutive passages are at
        // least half a leg apart.
        let from = span.0 + i as i64 * leg + leg / 4;
        let spec = ctx.spec(crossing).clone();
        let Some(at) = open_times(&spec, from, from + leg / 2, 1, ctx.rng)
            .first()
            .copied()
        else {
            return Err(FieldError::new(
                ctx.incident.field("crossings"),
                format!("{} is closed for a leg of the route", spec.id),
            ));
        };
        let was_in = inside.insert(spec.country.clone(), true).unwrap_or(false);
        let direction = if was_in {
            inside.insert(spec.country.clone(), false);
            Direction::Exit
        } else {
            Direction::Entry
        };
        let id = ctx.occurrence(A::WatchlistHit, &[], &[crossing], (at, at));
        let outcome = (Outcome::ReferredToSecondary, RefusalReason::Unspecified);
        let planted = single(at, direction, person.mrz.clone(), outcome, id);
        ctx.plan.injections.at(crossing).planted.push(planted);
    }
    Ok(())
}
