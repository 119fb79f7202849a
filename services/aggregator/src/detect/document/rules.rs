//! The per-document rules, applied around a newly inserted passage. Each
//! anomaly's id comes from the document key and the events involved, so
//! the same history always yields the same anomalies, in whatever order
//! its records arrived.

use borderflow_domain::ees::first_day_over;
use borderflow_domain::geo::Coordinates;
use borderflow_domain::time::{Date, MS_PER_DAY, MS_PER_HOUR};
use borderflow_i18n::{Args as _, Lang, message};
use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyKind, AnomalyStatus, Evidence, Measurement, Message, Severity,
};
use borderflow_proto::inspection::v1::TravelMode;

use super::history::{History, Passage};
use crate::detect::References;
use crate::detect::anomaly::Draft;
use crate::detect::config::DetectConfig;
use crate::ids::uuid_string;

/// What the rules need besides the history.
pub(super) struct Context<'a> {
    pub(super) key: &'a [u8; 32],
    pub(super) config: &'a DetectConfig,
    pub(super) refs: &'a dyn References,
    /// The stream's event time now.
    pub(super) now_ms: i64,
}

impl Context<'_> {
    fn name(&self, crossing_id: &str) -> String {
        self.refs
            .crossing(crossing_id)
            .map(|c| c.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| crossing_id.to_owned())
    }

    fn evidence(&self, passages: &[&Passage], values: Vec<Measurement>) -> Evidence {
        let mut crossings: Vec<String> = passages
            .iter()
            .map(|p| p.place.crossing_id.to_string())
            .collect();
        crossings.dedup();
        Evidence {
            event_ids: passages.iter().map(|p| uuid_string(p.event_id)).collect(),
            values,
            document_key: hex::encode(self.key),
            crossing_ids: crossings,
            ..Evidence::default()
        }
    }

    fn anomaly(
        &self,
        kind: AnomalyKind,
        severity: Severity,
        at: &Passage,
        message: Message,
        evidence: Evidence,
        ids: &[u128],
    ) -> Anomaly {
        let mut parts: Vec<Vec<u8>> = vec![self.key.to_vec()];
        parts.extend(ids.iter().map(|id| id.to_be_bytes().to_vec()));
        let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        Draft {
            kind,
            severity,
            crossing_id: &at.place.crossing_id,
            event_ms: at.at_ms,
            detected_ms: self.now_ms.max(at.at_ms),
            message,
            evidence,
        }
        .build(&parts)
    }
}

pub(super) fn measure(name: &str, value: f64, unit: &str) -> Measurement {
    Measurement {
        name: name.to_owned(),
        value,
        unit: unit.to_owned(),
    }
}

fn day(ms: i64) -> Date {
    Date::from_epoch_ms(ms)
}

/// Applies every rule around the passage at `index`.
pub(super) fn on_insert(
    history: &mut History,
    index: usize,
    ctx: &Context<'_>,
    out: &mut Vec<Anomaly>,
) {
    impossible_travel(history, index, ctx, out);
    double_entry(history, index, ctx, out);
    repeated_refusal(history, index, ctx, out);
    let country = history.passages()[index].place.country.clone();
    if history.passages()[index].admitted() {
        overstay(history, &country, index, ctx, out);
    }
}

fn coordinates(ctx: &Context<'_>, crossing_id: &str) -> Option<(Coordinates, bool)> {
    let crossing = ctx.refs.crossing(crossing_id)?;
    let at = Coordinates::new(crossing.latitude, crossing.longitude);
    (at.is_valid() && (crossing.latitude != 0.0 || crossing.longitude != 0.0))
        .then_some((at, crossing.mode == TravelMode::Air as i32))
}

fn impossible_travel(history: &History, index: usize, ctx: &Context<'_>, out: &mut Vec<Anomaly>) {
    let passages = history.passages();
    let pairs = [
        index.checked_sub(1).map(|i| (i, index)),
        (index + 1 < passages.len()).then_some((index, index + 1)),
    ];
    for (a, b) in pairs.into_iter().flatten() {
        let (first, second) = (&passages[a], &passages[b]);
        if first.place.crossing_id == second.place.crossing_id {
            continue;
        }
        let (Some((from, air_a)), Some((to, air_b))) = (
            coordinates(ctx, &first.place.crossing_id),
            coordinates(ctx, &second.place.crossing_id),
        ) else {
            continue;
        };
        let km = from.distance_km(to);
        if km < ctx.config.travel_min_distance_km {
            continue;
        }
        let hours = (second.at_ms - first.at_ms) as f64 / MS_PER_HOUR as f64;
        let limit = if air_a || air_b {
            ctx.config.travel_speed_air_kmh
        } else {
            ctx.config.travel_speed_surface_kmh
        };
        let speed = if hours > 0.0 {
            km / hours
        } else {
            f64::INFINITY
        };
        if speed <= limit {
            continue;
        }
        let explanation = message("impossible-travel")
            .crossing(
                "from",
                &first.place.crossing_id,
                &ctx.name(&first.place.crossing_id),
            )
            .crossing(
                "to",
                &second.place.crossing_id,
                &ctx.name(&second.place.crossing_id),
            )
            .fixed("hours", hours.max(0.0), 1)
            .fixed("km", km, 0)
            .fixed("speed", speed.min(1e9), 0)
            .fixed("limit", limit, 0);
        let mut evidence = ctx.evidence(
            &[first, second],
            vec![
                measure("distance", km, "km"),
                measure("hours", hours, "h"),
                measure("speed", speed.min(1e9), "km/h"),
            ],
        );
        evidence.threshold = Some(limit);
        out.push(ctx.anomaly(
            AnomalyKind::ImpossibleTravel,
            Severity::High,
            second,
            explanation,
            evidence,
            &[first.event_id, second.event_id],
        ));
    }
}

fn double_entry(history: &History, index: usize, ctx: &Context<'_>, out: &mut Vec<Anomaly>) {
    let passages = history.passages();
    let p = &passages[index];
    if !p.admitted() || p.place.country.is_empty() {
        return;
    }
    let country = p.place.country.clone();
    let admitted: Vec<usize> = history.admitted_in(&country).map(|(i, _)| i).collect();
    let Some(at) = admitted.iter().position(|&i| i == index) else {
        return;
    };
    let before = at.checked_sub(1).map(|i| &passages[admitted[i]]);
    let after = admitted.get(at + 1).map(|&i| &passages[i]);
    let flag =
        |first: &Passage, second: &Passage, out: &mut Vec<Anomaly>, status: AnomalyStatus| {
            let explanation = message("double-entry")
                .text("country", country.to_string())
                .crossing(
                    "place",
                    &second.place.crossing_id,
                    &ctx.name(&second.place.crossing_id),
                )
                .text("day", day(second.at_ms).to_string())
                .crossing(
                    "earlier-place",
                    &first.place.crossing_id,
                    &ctx.name(&first.place.crossing_id),
                )
                .text("earlier-day", day(first.at_ms).to_string());
            let evidence = ctx.evidence(&[first, second], Vec::new());
            let mut anomaly = ctx.anomaly(
                AnomalyKind::DoubleEntry,
                Severity::Medium,
                second,
                explanation,
                evidence,
                &[first.event_id, second.event_id],
            );
            if status == AnomalyStatus::Retracted {
                anomaly.status = status as i32;
                anomaly.revision = 2;
                let retracted = message("retracted")
                    .part("explanation", anomaly.message.take().unwrap_or_default());
                anomaly.explanation = borderflow_i18n::render(Lang::En, &retracted);
                anomaly.message = Some(retracted);
            }
            out.push(anomaly);
        };
    // The pair the new passage separates no longer stands.
    if let (Some(a), Some(b)) = (before, after)
        && a.is_entry()
        && b.is_entry()
        && !p.is_entry()
    {
        flag(a, b, out, AnomalyStatus::Retracted);
    }
    if p.is_entry() {
        if let Some(a) = before.filter(|a| a.is_entry()) {
            flag(a, p, out, AnomalyStatus::Open);
        }
        if let Some(b) = after.filter(|b| b.is_entry()) {
            flag(p, b, out, AnomalyStatus::Open);
        }
    }
}

fn repeated_refusal(history: &History, index: usize, ctx: &Context<'_>, out: &mut Vec<Anomaly>) {
    let passages = history.passages();
    if !passages[index].refused() {
        return;
    }
    let window = ctx.config.refusal_window.as_millis() as i64;
    let at = passages[index].at_ms;
    // The new refusal may complete a pattern for itself or for refusals
    // that follow it within the window.
    for (i, p) in passages.iter().enumerate().skip(index) {
        if p.at_ms > at + window {
            break;
        }
        if !p.refused() {
            continue;
        }
        let earlier: Vec<&Passage> = passages[..i]
            .iter()
            .filter(|q| q.refused() && q.at_ms >= p.at_ms - window)
            .collect();
        if earlier.is_empty() {
            continue;
        }
        let mut involved = earlier.clone();
        involved.push(p);
        let explanation = message("repeated-refusal")
            .crossing(
                "place",
                &p.place.crossing_id,
                &ctx.name(&p.place.crossing_id),
            )
            .text("day", day(p.at_ms).to_string())
            .number("earlier", earlier.len() as f64)
            .number("days", (window / MS_PER_DAY) as f64);
        let evidence = ctx.evidence(
            &involved,
            vec![measure("refusals", involved.len() as f64, "")],
        );
        out.push(ctx.anomaly(
            AnomalyKind::RepeatedRefusal,
            Severity::Medium,
            p,
            explanation,
            evidence,
            &[p.event_id],
        ));
    }
}

/// Whether the stay limit applies to this document in `country`.
fn limited(history: &History, country: &str, ctx: &Context<'_>) -> bool {
    !country.is_empty()
        && &*history.nationality != country
        && !ctx
            .config
            .stay_exempt
            .iter()
            .any(|n| n.as_str() == &*history.nationality)
}

fn overstay(
    history: &mut History,
    country: &str,
    index: usize,
    ctx: &Context<'_>,
    out: &mut Vec<Anomaly>,
) {
    if !limited(history, country, ctx) {
        return;
    }
    let (limit, window) = (ctx.config.stay_limit_days, ctx.config.stay_window_days);
    let (stays, open) = history.stays(country);
    let p = history.passages()[index].clone();
    // A stay that ended with this exit: was it over the limit?
    if p.is_exit()
        && let Some(position) = stays.iter().position(|((_, exit), _)| *exit == p.day())
    {
        let earlier: Vec<_> = stays[..position].iter().map(|(s, _)| *s).collect();
        let ((entry_day, exit_day), entry_event) = stays[position];
        let over = first_day_over(&earlier, entry_day, limit, window);
        if over <= exit_day {
            let present = borderflow_domain::ees::days_present(
                &[earlier.as_slice(), &[(entry_day, exit_day)]].concat(),
                exit_day,
                window,
            );
            out.push(overstay_anomaly(
                ctx,
                country,
                &p,
                entry_event,
                over,
                present,
                limit,
                window,
            ));
        }
    }
    history.deadline = open.map(|entry| {
        let closed: Vec<_> = stays.iter().map(|(s, _)| *s).collect();
        let over = first_day_over(&closed, entry.day(), limit, window);
        Box::new((country.into(), over * MS_PER_DAY, entry.event_id))
    });
}

#[allow(clippy::too_many_arguments)]
pub(super) fn overstay_anomaly(
    ctx: &Context<'_>,
    country: &str,
    at: &Passage,
    entry_event: u128,
    over_day: i64,
    present: u32,
    limit: u32,
    window: u32,
) -> Anomaly {
    let explanation = message("overstay")
        .text("country", country)
        .number("present", f64::from(present))
        .number("window", f64::from(window))
        .text("day", day(at.at_ms.max(over_day * MS_PER_DAY)).to_string())
        .number("limit", f64::from(limit))
        .text("since", Date::from_days_since_epoch(over_day).to_string());
    let mut evidence = ctx.evidence(
        &[at],
        vec![measure("days_present", f64::from(present), "days")],
    );
    evidence.event_ids.insert(0, uuid_string(entry_event));
    evidence.event_ids.dedup();
    evidence.threshold = Some(f64::from(limit));
    let mut anomaly = ctx.anomaly(
        AnomalyKind::Overstay,
        Severity::Medium,
        at,
        explanation,
        evidence,
        &[entry_event],
    );
    anomaly.event_time = Some(borderflow_proto::ms_to_timestamp(over_day * MS_PER_DAY));
    anomaly
}
