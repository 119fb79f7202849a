//! Incidents about travel histories: cloned documents used too far apart
//! too fast, stays past the 90-day limit, entries with no exit between.
//! Each document is one truth occurrence.

use borderflow_domain::ees::STAY_LIMIT_DAYS;
use borderflow_domain::time::{Date, MS_PER_DAY, MS_PER_HOUR};
use borderflow_proto::analytics::v1::AnomalyKind as A;
use borderflow_proto::inspection::v1::Direction;
use rand::Rng;

use super::people::{self, ADMITTED, single};
use super::{Ctx, open_times};
use crate::scenario::FieldError;
use crate::truth::SideEffect;

/// `count` cloned documents, each used at `from` and `gap_ms` later at
/// `to`.
pub(super) fn impossible_travel(
    ctx: &mut Ctx<'_>,
    from: usize,
    to: usize,
    count: u32,
    gap_ms: i64,
) -> Result<(), FieldError> {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let date = Date::from_epoch_ms(span.0);
    let (a, b) = (ctx.spec(from).clone(), ctx.spec(to).clone());
    let latest = span.1 - gap_ms;
    let mut planted = 0;
    for _ in 0..count * 50 {
        if planted == count {
            break;
        }
        let Some(at) = open_times(&a, span.0, latest.max(span.0 + 1), 1, ctx.rng)
            .first()
            .copied()
        else {
            break;
        };
        let later = at + gap_ms;
        if open_times(&b, later, later + 1, 1, ctx.rng).is_empty() {
            continue;
        }
        let t = people::traveller(ctx.rng, &a, None, date, 20..60);
        let same_country = a.country == b.country;
        let twice_in: &[SideEffect] = if same_country {
            &[SideEffect::new(
                A::DoubleEntry,
                "both uses of the cloned document enter the same country with no exit between",
            )]
        } else {
            &[]
        };
        let id = ctx.occurrence(A::ImpossibleTravel, twice_in, &[from, to], (at, later));
        let first = single(at, Direction::Entry, t.mrz.clone(), ADMITTED, id);
        let second = single(later, Direction::Entry, t.mrz, ADMITTED, id);
        ctx.plan.injections.at(from).planted.push(first);
        ctx.plan.injections.at(to).planted.push(second);
        planted += 1;
    }
    if planted < count {
        return Err(FieldError::new(
            ctx.incident.field("gap"),
            "the two crossings are seldom open that far apart in time".to_owned(),
        ));
    }
    Ok(())
}

/// `count` foreigners who entered 90 days before their overstay starts
/// (sent as history), `exits` of whom leave during the incident.
pub(super) fn overstay(
    ctx: &mut Ctx<'_>,
    crossing: usize,
    count: u32,
    exits: u32,
    nationality: Option<&str>,
) -> Result<(), FieldError> {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let spec = ctx.spec(crossing).clone();
    let first_day = span.0.div_euclid(MS_PER_DAY);
    let last_day = (span.1 - 1).div_euclid(MS_PER_DAY);
    for n in 0..count {
        // The 91st day of presence (first day over the limit) falls
        // in the span; entry and that day both count.
        let over_day = ctx.rng.random_range(first_day..=last_day);
        let entry_day = over_day - i64::from(STAY_LIMIT_DAYS);
        let entry_from = entry_day * MS_PER_DAY;
        let Some(entered) = open_times(&spec, entry_from, entry_from + MS_PER_DAY, 1, ctx.rng)
            .first()
            .copied()
        else {
            return Err(FieldError::new(
                ctx.incident.field("crossing"),
                format!("{} has no open hours to enter", spec.id),
            ));
        };
        let t = match nationality {
            Some(code) => people::traveller(
                ctx.rng,
                &spec,
                Some(code),
                Date::from_days_since_epoch(entry_day),
                20..60,
            ),
            None => people::foreigner(ctx.rng, &spec, Date::from_days_since_epoch(entry_day)),
        };
        let start = (over_day * MS_PER_DAY).max(span.0);
        let id = ctx.occurrence(A::Overstay, &[], &[crossing], (start, span.1));
        let mut entry = single(entered, Direction::Entry, t.mrz.clone(), ADMITTED, id);
        entry.preamble = true;
        ctx.plan.injections.at(crossing).planted.push(entry);
        if n < exits {
            let leave_from = (over_day * MS_PER_DAY + MS_PER_HOUR).max(span.0);
            if let Some(left) =
                open_times(&spec, leave_from, span.1.max(leave_from + 1), 1, ctx.rng)
                    .first()
                    .copied()
            {
                let exit = single(left, Direction::Exit, t.mrz, ADMITTED, id);
                ctx.plan.injections.at(crossing).planted.push(exit);
            }
        }
    }
    Ok(())
}

/// `count` travellers entering at `first`, then half the span later at
/// `second`, with no exit between.
pub(super) fn double_entry(
    ctx: &mut Ctx<'_>,
    first: usize,
    second: usize,
    count: u32,
) -> Result<(), FieldError> {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let date = Date::from_epoch_ms(span.0);
    let (a, b) = (ctx.spec(first).clone(), ctx.spec(second).clone());
    // The second entry follows the first by half the span: time
    // enough to travel, so only the missing exit is wrong.
    let half = (span.1 - span.0) / 2;
    let mut pairs = Vec::new();
    for _ in 0..count * 50 {
        if pairs.len() == count as usize {
            break;
        }
        let Some(t1) = open_times(&a, span.0, span.0 + half, 1, ctx.rng)
            .first()
            .copied()
        else {
            break;
        };
        if !open_times(&b, t1 + half, t1 + half + 1, 1, ctx.rng).is_empty() {
            pairs.push((t1, t1 + half));
        }
    }
    if pairs.len() < count as usize {
        return Err(FieldError::new(
            ctx.incident.field("crossings"),
            "the crossings are seldom open half the span apart".to_owned(),
        ));
    }
    for (t1, t2) in pairs {
        let t = people::foreigner(ctx.rng, &a, date);
        // Half a span apart, the two entries are far from any stay limit.
        let id = ctx.occurrence(A::DoubleEntry, &[], &[first, second], (t2, t2));
        ctx.plan.injections.at(first).planted.push(single(
            t1,
            Direction::Entry,
            t.mrz.clone(),
            ADMITTED,
            id,
        ));
        ctx.plan.injections.at(second).planted.push(single(
            t2,
            Direction::Entry,
            t.mrz,
            ADMITTED,
            id,
        ));
    }
    Ok(())
}
