//! Incidents about documents and people: forged and stolen papers, a
//! watchlisted traveller, cloned documents, overstayers, double entries,
//! repeated refusals, trafficked minors. Each document (or group) is one
//! truth occurrence, so the scorecard counts what was caught one by one.

use std::collections::HashMap;

use borderflow_domain::time::{Date, MS_PER_DAY, MS_PER_HOUR};
use borderflow_proto::analytics::v1::AnomalyKind as A;
use borderflow_proto::inspection::v1::{Direction, GuardianRelation, Outcome, RefusalReason};
use borderflow_proto::reference::v1::ReferenceList;
use rand::Rng;

use super::people::{self, ADMITTED, refused_or_referred, single};
use super::{Ctx, ReferenceDocument, open_times};
use crate::model::inject::{Escort, Planted, PlantedMember};
use crate::scenario::{FieldError, IncidentKind};

pub(super) fn plant(ctx: &mut Ctx<'_>) -> Result<(), FieldError> {
    let span = (ctx.incident.start_ms, ctx.incident.end_ms);
    let date = Date::from_epoch_ms(span.0);
    let field = |name: &str| format!("incident[{}].{name}", ctx.incident.index);
    match ctx.incident.kind.clone() {
        IncidentKind::ForgedDocuments { crossing, count } => {
            for at in ctx.times(crossing, count as usize) {
                let t = people::foreigner(ctx.rng, ctx.spec(crossing), date);
                let mrz = people::forged(ctx.rng, &t.mrz);
                // An alteration in the expiry field can also date the
                // document in the past (swapping "31" to "13" in 311008).
                let id = ctx.occurrence(
                    A::MrzCheckDigit,
                    &[A::RefusalRateSpike, A::DocumentExpired],
                    &[crossing],
                    (at, at),
                );
                // Booths catch most altered zones: refused for a false
                // document (B), or sent to second line.
                let outcome = refused_or_referred(ctx.rng, 0.7, RefusalReason::B);
                let planted = single(at, Direction::Entry, mrz, outcome, id);
                ctx.plan.injections.at(crossing).planted.push(planted);
            }
        }
        IncidentKind::StolenDocuments { crossing, count } => {
            for (n, at) in ctx.times(crossing, count as usize).into_iter().enumerate() {
                let t = people::traveller(ctx.rng, ctx.spec(crossing), None, date, 20..60);
                let id = ctx.occurrence(
                    A::LostStolenDocument,
                    &[A::RefusalRateSpike],
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
        IncidentKind::WatchlistedPerson { route } => {
            let first = ctx.spec(route[0]).clone();
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
                        field("crossings"),
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
        }
        IncidentKind::ImpossibleTravel {
            from,
            to,
            count,
            gap_ms,
        } => {
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
                let related: &[A] = if same_country { &[A::DoubleEntry] } else { &[] };
                let id = ctx.occurrence(A::ImpossibleTravel, related, &[from, to], (at, later));
                let first = single(at, Direction::Entry, t.mrz.clone(), ADMITTED, id);
                let second = single(later, Direction::Entry, t.mrz, ADMITTED, id);
                ctx.plan.injections.at(from).planted.push(first);
                ctx.plan.injections.at(to).planted.push(second);
                planted += 1;
            }
            if planted < count {
                return Err(FieldError::new(
                    field("gap"),
                    "the two crossings are seldom open that far apart in time".to_owned(),
                ));
            }
        }
        IncidentKind::Overstay {
            crossing,
            count,
            exits,
            nationality,
        } => {
            let spec = ctx.spec(crossing).clone();
            let first_day = span.0.div_euclid(MS_PER_DAY);
            let last_day = (span.1 - 1).div_euclid(MS_PER_DAY);
            for n in 0..count {
                // The 91st day of presence (first day over the limit) falls
                // in the span; entry and that day both count.
                let over_day = ctx.rng.random_range(first_day..=last_day);
                let entry_day = over_day - 90;
                let entry_from = entry_day * MS_PER_DAY;
                let Some(entered) =
                    open_times(&spec, entry_from, entry_from + MS_PER_DAY, 1, ctx.rng)
                        .first()
                        .copied()
                else {
                    return Err(FieldError::new(
                        field("crossing"),
                        format!("{} has no open hours to enter", spec.id),
                    ));
                };
                let t = match &nationality {
                    Some(code) => people::traveller(
                        ctx.rng,
                        &spec,
                        Some(code),
                        Date::from_days_since_epoch(entry_day),
                        20..60,
                    ),
                    None => {
                        people::foreigner(ctx.rng, &spec, Date::from_days_since_epoch(entry_day))
                    }
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
        }
        IncidentKind::DoubleEntry {
            first,
            second,
            count,
        } => {
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
                    field("crossings"),
                    "the crossings are seldom open half the span apart".to_owned(),
                ));
            }
            for (t1, t2) in pairs {
                let t = people::foreigner(ctx.rng, &a, date);
                let id = ctx.occurrence(A::DoubleEntry, &[A::Overstay], &[first, second], (t2, t2));
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
        }
        IncidentKind::RepeatedRefusals {
            crossing,
            count,
            attempts,
        } => {
            let spec = ctx.spec(crossing).clone();
            let slot = (span.1 - span.0) / i64::from(attempts);
            for _ in 0..count {
                let t = people::foreigner(ctx.rng, &spec, date);
                let reason = if ctx.rng.random_bool(0.5) {
                    RefusalReason::C
                } else {
                    RefusalReason::E
                };
                let id = ctx.occurrence(
                    A::RepeatedRefusal,
                    &[A::RefusalRateSpike],
                    &[crossing],
                    (span.0, span.1),
                );
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
        IncidentKind::Trafficking {
            crossing,
            count,
            unaccompanied,
        } => {
            let spec = ctx.spec(crossing).clone();
            for (g, at) in ctx.times(crossing, count as usize).into_iter().enumerate() {
                let alone = (g as u32) < unaccompanied;
                let minors = ctx.rng.random_range(2..=4);
                let mut members = Vec::new();
                if !alone {
                    let adult = people::foreigner(ctx.rng, &spec, date);
                    members.push(PlantedMember {
                        mrz: adult.mrz,
                        escort: Escort::Adult,
                    });
                }
                let nationality = people::foreigner(ctx.rng, &spec, date).document.nationality;
                for _ in 0..minors {
                    let child = people::traveller(ctx.rng, &spec, Some(&nationality), date, 8..16);
                    let escort = if alone {
                        Escort::Alone
                    } else {
                        Escort::With(GuardianRelation::Unrelated)
                    };
                    members.push(PlantedMember {
                        mrz: child.mrz,
                        escort,
                    });
                }
                let id = ctx.occurrence(
                    A::MinorUnaccompanied,
                    &[A::OfficerOverride, A::Overstay],
                    &[crossing],
                    (at, at),
                );
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
                    truth: id,
                });
            }
        }
        _ => {}
    }
    Ok(())
}
