//! Incidents about people in need of protection: a sudden displacement
//! across a border. One truth occurrence for the influx, matched by
//! crossing and time; what the displaced raise one by one (expired
//! documents, children alone) are its side effects.

use borderflow_domain::minor::MINOR_AGE;
use borderflow_domain::time::Date;
use borderflow_proto::analytics::v1::AnomalyKind as A;
use borderflow_proto::inspection::v1::{
    Direction, GuardianRelation, Outcome, Protection, ReferralCategory, RefusalReason,
};
use rand::Rng;

use super::{Ctx, open_times, people};
use crate::model::inject::{Escort, Planted, PlantedMember, ServiceSpan};
use crate::model::profile::Intensity;
use crate::truth::SideEffect;

/// What the displaced are.
pub(super) struct Influx<'a> {
    pub crossing: usize,
    pub factor: f64,
    pub nationality: &'a str,
    pub undocumented: f64,
    pub protection: f64,
    pub unaccompanied: u32,
}

/// How much quicker booths register people in a crisis response (an
/// abbreviated first registration, the full interview later inland).
const CRISIS_SERVICE_FACTOR: f64 = 0.5;

fn side_effects() -> [SideEffect; 6] {
    [
        SideEffect::new(
            A::FlowSurge,
            "the displaced arrive on top of the crossing's usual traffic",
        ),
        SideEffect::new(
            A::QueueSla,
            "more arrive than the booths can register, so the queue outgrows the lanes",
        ),
        SideEffect::new(
            A::DocumentExpired,
            "many of the displaced carry documents that are no longer valid",
        ),
        SideEffect::new(A::MinorUnaccompanied, "children arrive with no adult"),
        SideEffect::new(
            A::RefusalRateSpike,
            "parties without valid documents that ask for no protection are refused",
        ),
        SideEffect::new(
            A::NationalityMixShift,
            "the displaced are of one nationality",
        ),
    ]
}

/// The displaced parties: families, single and older adults, and children
/// alone, arriving over the incident's span.
pub(super) fn mass_influx(ctx: &mut Ctx<'_>, influx: &Influx<'_>) {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let date = Date::from_epoch_ms(span.0);
    let spec = ctx.spec(influx.crossing).clone();
    let usual = Intensity::new(&spec, ctx.scenario.scale).expected_between(span.0, span.1);
    let parties = (usual * influx.factor).round().max(1.0) as usize;
    let id = ctx.occurrence(A::MassInflux, &side_effects(), &[influx.crossing], span);
    // The booths register the influx and the backlog it leaves quicker.
    ctx.plan
        .injections
        .at(influx.crossing)
        .service_spans
        .push(ServiceSpan {
            from_ms: span.0,
            to_ms: span.1 + (span.1 - span.0),
            factor: CRISIS_SERVICE_FACTOR,
            lanes: Vec::new(),
        });
    // Children alone come in pairs of siblings or friends (one alone when
    // the number is odd), spread evenly among the others.
    let alone_groups = influx.unaccompanied.div_ceil(2) as usize;
    let times = open_times(&spec, span.0, span.1, parties + alone_groups, ctx.rng);
    let slots = times.len();
    let alone_at: Vec<usize> = (0..alone_groups)
        .map(|g| g * slots / alone_groups.max(1))
        .collect();
    let mut children_alone = influx.unaccompanied;
    for (k, at) in times.into_iter().enumerate() {
        let party = if alone_at.contains(&k) && children_alone > 0 {
            let n = children_alone.min(2);
            children_alone -= n;
            children(ctx, &spec, influx, date, n)
        } else {
            displaced_party(ctx, &spec, influx, date)
        };
        ctx.plan
            .injections
            .at(influx.crossing)
            .planted
            .push(Planted {
                at_ms: at,
                truth: Some(id),
                ..party
            });
    }
}

/// A party of the displaced with adults: a family (one or two adults and
/// up to four children), a single adult, or an older couple.
fn displaced_party(
    ctx: &mut Ctx<'_>,
    spec: &crate::model::network::CrossingSpec,
    influx: &Influx<'_>,
    date: Date,
) -> Planted {
    let roll: f64 = ctx.rng.random();
    let (adults, children, adult_ages) = if roll < 0.55 {
        (
            ctx.rng.random_range(1..=2),
            ctx.rng.random_range(1..=4),
            18..60,
        )
    } else if roll < 0.88 {
        (1, 0, 18..60)
    } else {
        (ctx.rng.random_range(1..=2), 0, 60..85)
    };
    let asks = ctx.rng.random_bool(influx.protection);
    let medical = ctx.rng.random_bool(0.08);
    let mut members = Vec::new();
    let mut undocumented = false;
    for m in 0..adults + children {
        let minor = m >= adults;
        let ages = if minor {
            0..MINOR_AGE
        } else {
            adult_ages.clone()
        };
        let mut t = people::traveller(ctx.rng, spec, Some(influx.nationality), date, ages);
        if ctx.rng.random_bool(influx.undocumented) {
            undocumented = true;
            let days = ctx.rng.random_range(30..2_000);
            t = people::expired(t, date, days);
        }
        let escort = if minor {
            Escort::With(GuardianRelation::Parent)
        } else {
            Escort::Adult
        };
        let mut referrals = Vec::new();
        if asks {
            referrals.push(ReferralCategory::AsylumAuthority as i32);
        }
        if medical && m == 0 {
            referrals.push(ReferralCategory::Medical as i32);
        }
        members.push(PlantedMember {
            mrz: t.mrz,
            escort,
            protection: (!referrals.is_empty()).then_some(Protection {
                protection_requested: asks,
                suspected_trafficking_victim: false,
                referrals,
            }),
        });
    }
    // Asking for protection sends a party to the second line whatever its
    // papers; without a request, no valid document is a refusal.
    let (outcome, reason) = if asks {
        (Outcome::ReferredToSecondary, RefusalReason::Unspecified)
    } else if undocumented {
        (Outcome::Refused, RefusalReason::A)
    } else {
        (Outcome::Admitted, RefusalReason::Unspecified)
    };
    party(members, outcome, reason)
}

/// `n` children with no adult, referred to child protection; some ask for
/// protection, and one in ten is taken for a possible victim of
/// trafficking.
fn children(
    ctx: &mut Ctx<'_>,
    spec: &crate::model::network::CrossingSpec,
    influx: &Influx<'_>,
    date: Date,
    n: u32,
) -> Planted {
    let mut members = Vec::new();
    for _ in 0..n {
        let t = people::traveller(ctx.rng, spec, Some(influx.nationality), date, 6..MINOR_AGE);
        let asks = ctx.rng.random_bool(0.5);
        let trafficked = ctx.rng.random_bool(0.1);
        let mut referrals = vec![ReferralCategory::ChildProtection as i32];
        if asks {
            referrals.push(ReferralCategory::AsylumAuthority as i32);
        }
        if trafficked {
            referrals.push(ReferralCategory::AntiTrafficking as i32);
        }
        members.push(PlantedMember {
            mrz: t.mrz,
            escort: Escort::Alone,
            protection: Some(Protection {
                protection_requested: asks,
                suspected_trafficking_victim: trafficked,
                referrals,
            }),
        });
    }
    party(
        members,
        Outcome::ReferredToSecondary,
        RefusalReason::Unspecified,
    )
}

fn party(members: Vec<PlantedMember>, outcome: Outcome, reason: RefusalReason) -> Planted {
    Planted {
        at_ms: 0,
        direction: Direction::Entry,
        members,
        outcome,
        refusal_reason: reason,
        lane: None,
        officer: None,
        biometric_score: None,
        preamble: false,
        truth: None,
    }
}
