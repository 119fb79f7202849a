//! Incidents in how a crossing is run: booths closed at a busy time, a
//! refusal campaign. One truth occurrence each, matched by crossing and
//! time.

use borderflow_proto::analytics::v1::AnomalyKind as A;
use borderflow_proto::inspection::v1::RefusalReason;

use super::Ctx;
use crate::model::backlog::backlog;
use crate::model::inject::{LaneClosure, RefusalCampaign};

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
    ctx.occurrence(A::QueueSla, &[A::FlowSurge], &[crossing], (from, cleared));
}

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
    let truth = ctx.occurrence(
        A::RefusalRateSpike,
        &[A::RepeatedRefusal],
        &[crossing],
        span,
    );
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
