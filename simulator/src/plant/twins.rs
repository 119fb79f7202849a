//! Incidents of a twin pair: the traffic model's coupling plays them
//! (`model::traffic::twins`); each is one occurrence at the pair's first
//! post, whose flow to its twin does not reconcile.

use borderflow_proto::analytics::v1::AnomalyKind as A;

use super::Ctx;
use crate::model::inject::{TwinClosure, UnreportedBooths, Vanishing, ZoneSlowdown};
use crate::truth::SideEffect;

/// Parties that leave `crossing` and never reach its twin.
pub(super) fn vanished(ctx: &mut Ctx<'_>, crossing: usize, parties: u32) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let truth = ctx.occurrence(A::MirrorGap, &[], &[crossing], span);
    ctx.plan.injections.vanishing.push(Vanishing {
        crossing,
        from_ms: span.0,
        to_ms: span.1,
        parties,
        truth,
        taken: Vec::new(),
    });
}

/// How long after the closure the last traveller turned back has entered
/// the first post again: the drive back and its queue.
const RETURN_MS: i64 = 3_600_000;

/// `crossing`'s twin turns back everyone who reaches it.
pub(super) fn closure(ctx: &mut Ctx<'_>, crossing: usize) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    // The travellers who did get through before the closure took their
    // usual time; those turned back never arrive, so no delay is measured,
    // but the last before it may queue longer.
    let side_effects = [SideEffect::new(
        A::TransitDelay,
        "travellers reaching the far booths just before they close queue longer",
    )];
    // Those turned back enter the first post again without having left
    // the twin, within the hour after it reopens: the same gap, seen from
    // the other direction.
    let aftermath = (span.0, span.1 + RETURN_MS);
    let truth = ctx.occurrence(A::MirrorGap, &side_effects, &[crossing], aftermath);
    ctx.plan.injections.twin_closures.push(TwinClosure {
        crossing,
        from_ms: span.0,
        to_ms: span.1,
        truth,
    });
}

/// The drive between `crossing` and its twin takes `factor` times as long
/// for travellers setting out during the incident.
pub(super) fn slowdown(ctx: &mut Ctx<'_>, crossing: usize, factor: f64) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    // A drive slowed long enough leaves travellers unseen at the far post
    // for as long as a loss would.
    let side_effects = [SideEffect::new(
        A::MirrorGap,
        "travellers slowed long enough in the zone look gone until they arrive",
    )];
    let truth = ctx.occurrence(A::TransitDelay, &side_effects, &[crossing], span);
    ctx.plan.injections.slowdowns.push(ZoneSlowdown {
        crossing,
        from_ms: span.0,
        to_ms: span.1,
        factor,
        truth,
    });
}

/// How long before reaching a post's booths its travellers left the twin:
/// the drive and the wait, at most.
const LEFT_BEFORE_MS: i64 = 3_600_000;

/// The first `booths` booths of twin post `crossing` report nothing while
/// the incident lasts.
pub(super) fn unreported(ctx: &mut Ctx<'_>, crossing: usize, booths: u32) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let side_effects = [
        SideEffect::new(
            A::CheckpointSilent,
            "the booths that stopped reporting fall silent",
        ),
        SideEffect::new(
            A::FlowDrop,
            "the post's recorded flow falls by the silent booths' share",
        ),
        SideEffect::new(
            A::DoubleEntry,
            "travellers whose exit went unreported enter again without an exit on record",
        ),
    ];
    // The gap shows at the twin too: travellers inspected unreported here
    // left it up to an hour before (and those let out here unreported
    // arrive there unannounced).
    let seen = (span.0 - LEFT_BEFORE_MS, span.1 + LEFT_BEFORE_MS);
    let truth = ctx.occurrence(A::MirrorGap, &side_effects, &[crossing], seen);
    ctx.plan.injections.unreported.push(UnreportedBooths {
        crossing,
        booths,
        from_ms: span.0,
        to_ms: span.1,
        truth,
    });
}
