//! Incidents in how a crossing is run: booths closed at a busy time, a
//! refusal campaign. One truth occurrence each, matched by crossing and
//! time.

use borderflow_proto::analytics::v1::AnomalyKind as A;
use borderflow_proto::inspection::v1::RefusalReason;

use super::Ctx;
use crate::model::backlog::backlog;
use crate::model::inject::{LaneClosure, RefusalCampaign};
use crate::truth::SideEffect;

/// Every booth from `open_lanes` on (0-based) closed for the span.
pub(super) fn lane_closure(ctx: &mut Ctx<'_>, crossing: usize, open_lanes: u32) {
    let (from, to) = (ctx.incident.start_ms, ctx.incident.end_ms);
    let spec = ctx.spec(crossing);
    ctx.plan.injections.at(crossing).closures.push(LaneClosure {
        from_ms: from,
        to_ms: to,
        lanes: (open_lanes..spec.lanes).collect(),
    });
    // The travellers queued behind the closure are inspected, late, until
    // the reopened booths have cleared the backlog: that is still the
    // incident. Clearing it at full capacity is a burst of inspections.
    let cleared = backlog(spec, ctx.scenario.scale, open_lanes, from, to).cleared_ms;
    ctx.occurrence(A::QueueSla, &[BACKLOG_CLEARS], &[crossing], (from, cleared));
}

/// When the booths reopen they clear the queue at full capacity.
const BACKLOG_CLEARS: SideEffect = SideEffect::new(
    A::FlowSurge,
    "the reopened booths clear the backlog at full capacity, a burst of inspections",
);

/// Travellers refused under the campaign who try again are refused again.
const REFUSED_AGAIN: SideEffect = SideEffect::new(
    A::RepeatedRefusal,
    "a traveller refused under the campaign who tries again while it lasts is refused again",
);

/// A share of the entering parties of `nationalities` refused for the
/// span, with one of `reasons` each.
pub(super) fn refusal_campaign(
    ctx: &mut Ctx<'_>,
    crossing: usize,
    nationalities: &[String],
    share: f64,
    reasons: &[RefusalReason],
) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    // Refused travellers who try again while the campaign lasts are
    // refused again.
    let truth = ctx.occurrence(A::RefusalRateSpike, &[REFUSED_AGAIN], &[crossing], span);
    ctx.plan
        .injections
        .at(crossing)
        .campaigns
        .push(RefusalCampaign {
            from_ms: span.0,
            to_ms: span.1,
            nationalities: nationalities.to_vec(),
            share,
            reasons: reasons.to_vec(),
            truth,
        });
}
