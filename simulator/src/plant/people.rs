//! The people incidents are made of: travellers with papers of the right
//! kind, and the ways papers go wrong (forged, expired, cloned).

use borderflow_domain::mrz::{Corruption, Format, corrupt};
use borderflow_domain::time::Date;
use borderflow_proto::inspection::v1::{Direction, Outcome, RefusalReason};
use rand::Rng;
use rand::seq::IndexedRandom;

use crate::model::inject::{Escort, Planted, PlantedMember};
use crate::model::network::CrossingSpec;
use crate::model::traveller::{
    Traveller, format, nationality, new_traveller, random_document_number, rewrite,
};

/// A traveller of `nationality` (or the crossing's mix) with a passport or
/// identity card valid on `date`.
pub fn traveller(
    rng: &mut impl Rng,
    spec: &CrossingSpec,
    nationality_code: Option<&str>,
    date: Date,
    ages: std::ops::Range<u32>,
) -> Traveller {
    let code = nationality_code.map_or_else(|| nationality(rng, spec), str::to_owned);
    let mut layout = format(rng, spec, &code);
    if layout.is_visa() {
        layout = Format::Td3;
    }
    let number = random_document_number(rng);
    new_traveller(rng, &code, layout, date, ages, &spec.country, number)
}

/// A foreigner at `spec` (someone the stay limit applies to).
pub fn foreigner(rng: &mut impl Rng, spec: &CrossingSpec, date: Date) -> Traveller {
    let mut code = nationality(rng, spec);
    for _ in 0..20 {
        if code != spec.country {
            break;
        }
        code = nationality(rng, spec);
    }
    if code == spec.country {
        code = if spec.neighbour.is_empty() || spec.neighbour == spec.country {
            "AFG".into()
        } else {
            spec.neighbour.clone()
        };
    }
    traveller(rng, spec, Some(&code), date, 20..60)
}

/// The zone with its data altered the way forgers leave it: a changed
/// character or two swapped under a check digit, or a wrong composite.
pub fn forged(rng: &mut impl Rng, mrz: &[String]) -> Vec<String> {
    let kind = *[
        Corruption::SubstituteChecked,
        Corruption::SwapAdjacent,
        Corruption::WrongComposite,
    ]
    .choose(rng)
    .unwrap_or(&Corruption::SubstituteChecked);
    corrupt(mrz, kind, rng)
}

/// The traveller's document expired `days` days before `date`.
pub fn expired(traveller: Traveller, date: Date, days: i64) -> Traveller {
    let mut t = traveller;
    t.document.expiry_date = date.add_days(-days);
    rewrite(t)
}

/// One adult crossing alone.
pub fn single(
    at_ms: i64,
    direction: Direction,
    mrz: Vec<String>,
    outcome: (Outcome, RefusalReason),
    truth: u32,
) -> Planted {
    Planted {
        at_ms,
        direction,
        members: vec![PlantedMember::new(mrz, Escort::Adult)],
        outcome: outcome.0,
        refusal_reason: outcome.1,
        lane: None,
        officer: None,
        biometric_score: None,
        preamble: false,
        truth: Some(truth),
    }
}

/// Refused with `reason` a share of the time, else referred to second line.
pub fn refused_or_referred(
    rng: &mut impl Rng,
    share: f64,
    reason: RefusalReason,
) -> (Outcome, RefusalReason) {
    if rng.random_bool(share) {
        (Outcome::Refused, reason)
    } else {
        (Outcome::ReferredToSecondary, RefusalReason::Unspecified)
    }
}

pub const ADMITTED: (Outcome, RefusalReason) = (Outcome::Admitted, RefusalReason::Unspecified);
