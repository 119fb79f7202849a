//! TRAFFICKING_CASE: trafficking indicators combined on one escorting
//! adult's document, never raised on one alone. Each is something a
//! border guard is trained to look for, and each alone has an innocent
//! explanation a border sees daily (an uncle taking a nephew, a teacher
//! with a class, a family visiting twice a month, students on a tour);
//! together they make a case for a specialist to look at.
//!
//! Only minors escorted without an established parental relation count:
//! a booth that saw a birth certificate or a guardianship order settled
//! who the child is to the adult. Over the look-back:
//!
//! - **different minors**: on two occasions, on different days or at
//!   different crossings, the adult escorted wholly different minors;
//! - **no relation**: a minor with an adult of no established relation
//!   (not even a consent letter);
//! - **repeated**: at least `trafficking_repeats` occasions each brought
//!   a minor not escorted before (a class taken out and brought back is
//!   one);
//! - **young adults, one issuer**: the adult's party held at least
//!   `trafficking_young_group` travellers aged 18 to 24 on one state's
//!   documents.
//!
//! A case is different minors and at least one other; three or more make
//! it critical. The case's id comes from the document and its first
//! occasion, and each occasion that adds to it publishes a new revision.

use std::collections::HashSet;

use borderflow_i18n::{Args as _, message};
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, Evidence, Severity};
use borderflow_proto::inspection::v1::GuardianRelation;

use super::history::{Escorted, History};
use super::rules::{Context, measure};
use crate::detect::anomaly::Draft;
use crate::detect::escort::parental;
use crate::ids::uuid_string;

/// The indicators that hold over a set of escorts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Indicators {
    pub different_minors: bool,
    pub no_relation: bool,
    /// Occasions that brought a minor not escorted before.
    pub new_minor_occasions: u32,
    pub repeated: bool,
    pub young_adults: u32,
    pub young_group: bool,
}

impl Indicators {
    pub fn held(&self) -> u32 {
        [
            self.different_minors,
            self.no_relation,
            self.repeated,
            self.young_group,
        ]
        .into_iter()
        .filter(|h| *h)
        .count() as u32
    }

    pub fn case(&self) -> bool {
        self.different_minors && self.held() >= 2
    }
}

/// Judges `escorts` (the adult's, in time order, without parental ones).
pub fn judge(escorts: &[&Escorted], repeats: u32, young_group: u32) -> Indicators {
    let mut found = Indicators::default();
    let sets: Vec<HashSet<[u8; 32]>> = escorts
        .iter()
        .map(|e| e.minors.iter().map(|m| m.key).collect())
        .collect();
    for (i, a) in escorts.iter().enumerate() {
        for (j, b) in escorts.iter().enumerate().skip(i + 1) {
            let apart = a.day() != b.day() || a.place.crossing_id != b.place.crossing_id;
            if apart && sets[i].is_disjoint(&sets[j]) {
                found.different_minors = true;
            }
        }
    }
    found.no_relation = escorts.iter().flat_map(|e| &e.minors).any(|m| {
        matches!(
            GuardianRelation::try_from(m.relation),
            Ok(GuardianRelation::Unrelated | GuardianRelation::Unspecified) | Err(_)
        )
    });
    let mut seen: HashSet<[u8; 32]> = HashSet::new();
    for set in &sets {
        let new = set.iter().any(|k| !seen.contains(k));
        seen.extend(set.iter().copied());
        found.new_minor_occasions += u32::from(new);
    }
    found.repeated = found.new_minor_occasions >= repeats;
    found.young_adults = escorts.iter().map(|e| e.young_adults).max().unwrap_or(0);
    found.young_group = found.young_adults >= young_group;
    found
}

/// After an escort was added to `history`: the case over the look-back
/// ending at the newest escort, when it holds.
pub(super) fn on_escort(history: &History, ctx: &Context<'_>, out: &mut Vec<Anomaly>) {
    let all = history.escorts();
    let Some(newest) = all.last() else {
        return;
    };
    let window = ctx.config.trafficking_window.as_millis() as i64;
    // Only minors without a parental relation count.
    let owned: Vec<Escorted> = all
        .iter()
        .filter(|e| e.at_ms > newest.at_ms - window)
        .filter_map(|e| {
            let minors: Vec<_> = e
                .minors
                .iter()
                .filter(|m| !parental(m.relation))
                .cloned()
                .collect();
            (!minors.is_empty()).then(|| Escorted {
                minors,
                ..e.clone()
            })
        })
        .collect();
    let escorts: Vec<&Escorted> = owned.iter().collect();
    let found = judge(
        &escorts,
        ctx.config.trafficking_repeats,
        ctx.config.trafficking_young_group,
    );
    if !found.case() {
        return;
    }
    let (Some(first), Some(last)) = (escorts.first(), escorts.last()) else {
        return;
    };
    out.push(case(ctx, &escorts, first, last, &found, window));
}

fn case(
    ctx: &Context<'_>,
    escorts: &[&Escorted],
    first: &Escorted,
    last: &Escorted,
    found: &Indicators,
    window_ms: i64,
) -> Anomaly {
    let minors: HashSet<[u8; 32]> = escorts
        .iter()
        .flat_map(|e| e.minors.iter().map(|m| m.key))
        .collect();
    let mut crossings: Vec<String> = escorts
        .iter()
        .map(|e| e.place.crossing_id.to_string())
        .collect();
    crossings.sort();
    crossings.dedup();
    let days: HashSet<i64> = escorts.iter().map(|e| e.day()).collect();
    let mut reasons = vec![
        message("trafficking-different-minors")
            .number("minors", minors.len() as f64)
            .number("occasions", escorts.len() as f64)
            .number("days", days.len() as f64)
            .number("crossings", crossings.len() as f64),
    ];
    if found.no_relation {
        reasons.push(message("trafficking-no-relation"));
    }
    if found.repeated {
        reasons.push(
            message("trafficking-repeated")
                .number("occasions", f64::from(found.new_minor_occasions)),
        );
    }
    if found.young_group {
        reasons.push(
            message("trafficking-young-group").number("young", f64::from(found.young_adults)),
        );
    }
    let held = found.held();
    let severity = if held >= 3 {
        Severity::Critical
    } else {
        Severity::High
    };
    let explanation = message("trafficking-case")
        .number("indicators", f64::from(held))
        .number(
            "days",
            (window_ms / borderflow_domain::time::MS_PER_DAY) as f64,
        )
        .list("reasons", reasons, "; ");
    let mut event_ids = Vec::new();
    for e in escorts {
        event_ids.push(uuid_string(e.event_id));
        event_ids.extend(e.minors.iter().map(|m| uuid_string(m.event_id)));
    }
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let evidence = Evidence {
        event_ids,
        values: vec![
            measure("indicators", f64::from(held), ""),
            measure("different_minors", flag(found.different_minors), ""),
            measure("no_relation", flag(found.no_relation), ""),
            measure(
                "occasions_with_new_minors",
                f64::from(found.new_minor_occasions),
                "",
            ),
            measure("young_adults_one_issuer", f64::from(found.young_adults), ""),
            measure("minors", minors.len() as f64, ""),
            measure("occasions", escorts.len() as f64, ""),
        ],
        document_key: hex::encode(ctx.key),
        crossing_ids: crossings,
        ..Evidence::default()
    };
    let first_id = first.event_id.to_be_bytes();
    let mut anomaly = Draft {
        kind: AnomalyKind::TraffickingCase,
        severity,
        crossing_id: &last.place.crossing_id,
        event_ms: last.at_ms,
        detected_ms: ctx.now_ms.max(last.at_ms),
        message: explanation,
        evidence,
    }
    .build(&[ctx.key, &first_id]);
    anomaly.revision = escorts.len() as u32;
    anomaly
}

#[cfg(test)]
mod tests;
