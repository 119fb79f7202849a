//! Parameters of incidents about people in need of protection: a sudden
//! displacement across a border.

use borderflow_domain::country;
use serde::{Deserialize, Serialize};

use super::IncidentKind;
use super::check::Check;
use crate::scenario::FieldError;

/// A sudden displacement: families, single adults and children alone
/// arriving at a crossing, `factor` (1 to 50) extra parties per usual
/// arriving party, many without valid documents and most asking for
/// protection.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MassInflux {
    pub crossing: String,
    pub factor: f64,
    /// The displaced population's nationality, a three-letter ICAO code
    /// (default: the country across the border).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// Share of the displaced whose documents are no longer valid (0 to 1,
    /// default 0.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undocumented: Option<f64>,
    /// Share of parties asking for protection (0 to 1, default 0.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection: Option<f64>,
    /// Children arriving with no adult (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unaccompanied: Option<u32>,
}

/// Shares must lie in [0, 1].
fn share(at: &Check<'_>, field: &str, value: Option<f64>, default: f64) -> Result<f64, FieldError> {
    let v = value.unwrap_or(default);
    if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
        return Err(at.err(field, "must be between 0 and 1"));
    }
    Ok(v)
}

impl MassInflux {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let crossing = at.crossing("crossing", &self.crossing)?;
        let spec = &at.network().crossings[crossing];
        let nationality = match &self.nationality {
            Some(code) => code.clone(),
            None if !spec.neighbour.is_empty() => spec.neighbour.clone(),
            None => {
                return Err(at.err(
                    "nationality",
                    "is required at a crossing with no country across the border",
                ));
            }
        };
        if let Err(problem) = country::validate(&nationality) {
            return Err(at.err("nationality", problem.to_string()));
        }
        let unaccompanied = self.unaccompanied.unwrap_or(10);
        if unaccompanied > 500 {
            return Err(at.err("unaccompanied", "must be at most 500"));
        }
        Ok(IncidentKind::MassInflux {
            crossing,
            factor: at.factor(
                self.factor,
                1.0..50.0,
                "between 1 and 50 (extra parties per usual arriving party)",
            )?,
            nationality,
            undocumented: share(at, "undocumented", self.undocumented, 0.4)?,
            protection: share(at, "protection", self.protection, 0.7)?,
            unaccompanied,
        })
    }
}
