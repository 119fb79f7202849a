//! Parameters of incidents in how a crossing is run: booths closed at a
//! busy time, a refusal campaign against some nationalities.

use borderflow_domain::country;
use borderflow_proto::inspection::v1::RefusalReason;
use serde::{Deserialize, Serialize};

use super::IncidentKind;
use super::check::Check;
use crate::scenario::FieldError;

/// All but `open_lanes` of the crossing's booths closed for the incident
/// (staff called away, works, a power cut in one hall): the queue falls on
/// the booths left open.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LaneClosure {
    pub crossing: String,
    /// Booths that stay open (at least 1, fewer than the crossing has).
    pub open_lanes: u32,
}

impl LaneClosure {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let crossing = at.crossing("crossing", &self.crossing)?;
        let spec = &at.network().crossings[crossing];
        if self.open_lanes == 0 || self.open_lanes >= spec.lanes {
            return Err(at.err(
                "open_lanes",
                format!("must be between 1 and {}", spec.lanes.saturating_sub(1)),
            ));
        }
        Ok(IncidentKind::LaneClosure {
            crossing,
            open_lanes: self.open_lanes,
        })
    }
}

/// A share of the entering parties of `nationalities` refused for the
/// incident: a new visa requirement, a campaign against a kind of
/// document.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalCampaign {
    pub crossing: String,
    /// Three-letter ICAO codes of nationalities that cross there.
    pub nationalities: Vec<String>,
    /// Share of their entering parties refused (above 0, at most 1).
    pub share: f64,
    /// Refusal reasons as the standard form letters them, `A` to `I`
    /// (default `C`, no valid visa, and `E`, no justification of the
    /// purpose and conditions of stay).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

impl RefusalCampaign {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let crossing = at.crossing("crossing", &self.crossing)?;
        let spec = &at.network().crossings[crossing];
        if self.nationalities.is_empty() {
            return Err(at.err("nationalities", "needs at least one nationality"));
        }
        for n in &self.nationalities {
            if let Err(problem) = country::validate(n) {
                return Err(at.err("nationalities", format!("{n:?}: {problem}")));
            }
            let listed = spec.nationalities.is_empty()
                || *n == spec.country
                || spec.nationalities.iter().any(|(code, _)| code == n);
            if !listed {
                return Err(at.err(
                    "nationalities",
                    format!("no {n} travellers cross at {}", spec.id),
                ));
            }
        }
        if !(self.share.is_finite() && self.share > 0.0 && self.share <= 1.0) {
            return Err(at.err("share", "must be above 0 and at most 1"));
        }
        let letters: Vec<&str> = if self.reasons.is_empty() {
            vec!["C", "E"]
        } else {
            self.reasons.iter().map(String::as_str).collect()
        };
        let reasons = letters
            .iter()
            .map(|l| {
                reason(l)
                    .ok_or_else(|| at.err("reasons", format!("{l:?} is not a letter from A to I")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(IncidentKind::RefusalCampaign {
            crossing,
            nationalities: self.nationalities.clone(),
            share: self.share,
            reasons,
        })
    }
}

/// The refusal reason lettered `letter` on the standard refusal form.
fn reason(letter: &str) -> Option<RefusalReason> {
    if letter.len() != 1 || !("A"..="I").contains(&letter) {
        return None;
    }
    RefusalReason::from_str_name(&format!("REFUSAL_REASON_{letter}"))
}
