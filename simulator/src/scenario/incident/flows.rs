//! Parameters of incidents about a crossing as a whole: its flow, its
//! booths' pace, its nationality mix, one officer, one booth's link.

use borderflow_domain::country;
use borderflow_domain::time::MS_PER_MINUTE;
use serde::{Deserialize, Serialize};

use super::IncidentKind;
use super::check::Check;
use crate::scenario::FieldError;

/// Arrivals multiplied by `factor` (1.5 to 100).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlowSurge {
    pub crossing: String,
    pub factor: f64,
}

impl FlowSurge {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        Ok(IncidentKind::FlowSurge {
            crossing: at.crossing("crossing", &self.crossing)?,
            factor: at.factor(self.factor, 1.5..100.0, "between 1.5 and 100")?,
        })
    }
}

/// Arrivals multiplied by `factor` (0 to below 0.7).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlowDrop {
    pub crossing: String,
    pub factor: f64,
}

impl FlowDrop {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        Ok(IncidentKind::FlowDrop {
            crossing: at.crossing("crossing", &self.crossing)?,
            factor: at.factor(self.factor, 0.0..0.7, "at least 0 and below 0.7")?,
        })
    }
}

/// Service times multiplied by `factor` (1.5 to 20).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SlowInspections {
    pub crossing: String,
    pub factor: f64,
    /// The booths affected (1-based); every booth when empty or absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lanes: Vec<u32>,
}

impl SlowInspections {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let crossing = at.crossing("crossing", &self.crossing)?;
        let booths = at.network().crossings[crossing].lanes;
        if let Some(bad) = self.lanes.iter().find(|l| **l == 0 || **l > booths) {
            return Err(at.err("lanes", format!("booth {bad} does not exist")));
        }
        Ok(IncidentKind::SlowInspections {
            crossing,
            factor: at.factor(self.factor, 1.5..20.0, "between 1.5 and 20")?,
            lanes: self.lanes.iter().map(|l| l - 1).collect(),
        })
    }
}

/// Which way a shifted nationality travels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    Entry,
    Exit,
}

/// Extra parties of one nationality, `factor` (0.2 to 20) per usual
/// arrival.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NationalityShift {
    pub crossing: String,
    /// A three-letter ICAO code.
    pub nationality: String,
    pub factor: f64,
    /// `entry` (the default) or `exit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
}

impl NationalityShift {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        if let Err(problem) = country::validate(&self.nationality) {
            return Err(at.err("nationality", problem.to_string()));
        }
        Ok(IncidentKind::NationalityShift {
            crossing: at.crossing("crossing", &self.crossing)?,
            nationality: self.nationality.clone(),
            factor: at.factor(
                self.factor,
                0.2..20.0,
                "between 0.2 and 20 (extra arrivals per usual arrival)",
            )?,
            entering: self.direction.unwrap_or_default() == Direction::Entry,
        })
    }
}

/// One officer admits travellers whose checks raised alerts.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerOverride {
    pub crossing: String,
    /// The officer's number at the crossing (1-based).
    pub officer: u32,
    /// Alerted travellers the officer admits (default 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

impl OfficerOverride {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let crossing = at.crossing("crossing", &self.crossing)?;
        let officers = at.network().crossings[crossing].officers;
        if self.officer == 0 || self.officer > officers {
            return Err(at.err("officer", format!("must be between 1 and {officers}")));
        }
        Ok(IncidentKind::OfficerOverride {
            crossing,
            officer: self.officer - 1,
            count: at.count(self.count, 8)?,
        })
    }
}

/// One booth's link to ingest down for the incident (20 minutes or more).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LinkOutage {
    pub crossing: String,
    /// The booth (1-based).
    pub lane: u32,
}

impl LinkOutage {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let crossing = at.crossing("crossing", &self.crossing)?;
        if self.lane == 0 || self.lane > at.network().crossings[crossing].lanes {
            return Err(at.err("lane", format!("booth {} does not exist", self.lane)));
        }
        if at.duration_ms() < 20 * MS_PER_MINUTE {
            return Err(at.err(
                "duration",
                "an outage shorter than 20m is not one to detect",
            ));
        }
        Ok(IncidentKind::LinkOutage {
            crossing,
            lane: self.lane - 1,
        })
    }
}
