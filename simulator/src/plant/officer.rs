//! An officer who admits travellers whose checks raised alerts, while
//! peers at other booths handle the like as they should: one truth
//! occurrence, matched by crossing, officer and time.

use borderflow_domain::time::{Date, MS_PER_HOUR};
use borderflow_proto::analytics::v1::AnomalyKind as A;
use borderflow_proto::inspection::v1::{Direction, RefusalReason};
use rand::Rng;

use super::Ctx;
use super::people::{self, refused_or_referred, single};
use crate::model::biometric::{self, Modality};
use crate::model::profile::Intensity;
use crate::scenario::FieldError;
use crate::truth::SideEffect;

/// Travellers carrying alerts (an expired document, a failed biometric
/// match) sent to one officer's booth while on duty and admitted, and a
/// few at the peers' booths handled as they should be.
pub(super) fn officer_override(
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
            ctx.incident.field("officer"),
            format!(
                "officer {} of {} is not on duty while the crossing is open in the incident",
                officer + 1,
                spec.id
            ),
        ));
    }
    let officer_id = spec.officer_id(officer);
    // The alerts the officer overrides are flagged one by one too.
    let side_effects = [
        SideEffect::new(
            A::DocumentExpired,
            "half the planted travellers carry documents past their expiry date",
        ),
        SideEffect::new(
            A::BiometricMismatch,
            "the other half fail the biometric match",
        ),
    ];
    let id = ctx.occurrence(A::OfficerOverride, &side_effects, &[crossing], (from, to));
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
            planted.biometric_score = Some(biometric::impostor(ctx.rng, Modality::at(spec.mode)));
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
