//! Scenario files: a network, a start, a duration, a clock speed, a seed, a
//! baseline period without incidents, and timed incidents. Parsing refuses
//! unknown fields; validation names the offending field
//! (`incident[2].factor (flow_surge): …`). Start reading at
//! [`Scenario::from_toml`]; incidents, one struct of parameters per kind,
//! are in [`incident`].

pub mod builtin;
pub mod incident;
pub mod time;

use std::path::Path;

use borderflow_domain::time::MS_PER_HOUR;
use serde::Deserialize;

use crate::model::network::{Network, NetworkError};
use crate::model::networks;
pub use incident::{Incident, IncidentKind, IncidentParams, IncidentSpec};

/// A scenario as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// A shipped network, `generated:N`, or a network file.
    pub network: String,
    /// RFC 3339.
    pub start: String,
    pub duration: String,
    /// `real-time`, `unpaced`, `x720` or `1 day in 2 minutes`.
    #[serde(default = "default_speed")]
    pub speed: String,
    pub seed: u64,
    /// From the start: no incidents, so the system learns what is normal.
    pub baseline: String,
    /// Multiplies every crossing's traffic.
    #[serde(default = "one")]
    pub scale: f64,
    /// Traffic kept flowing after the end so the last periods are judged;
    /// anomalies stamped in it are scored like the rest.
    #[serde(default = "default_tail")]
    pub tail: String,
    /// Twin posts of the network are coupled: a traveller leaving one post
    /// reaches the other (the network's `[[twin]]` pairs).
    #[serde(default)]
    pub couple_twins: bool,
    #[serde(default, rename = "incident")]
    pub incidents: Vec<IncidentSpec>,
}

fn default_speed() -> String {
    "1 day in 2 minutes".into()
}

fn one() -> f64 {
    1.0
}

fn default_tail() -> String {
    "1h".into()
}

/// A validated scenario, with its network.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub network: Network,
    pub start_ms: i64,
    pub end_ms: i64,
    /// Simulated seconds per wall second; `None` runs unpaced.
    pub speed: Option<f64>,
    pub seed: u64,
    pub baseline_end_ms: i64,
    pub scale: f64,
    pub tail_ms: i64,
    pub couple_twins: bool,
    pub incidents: Vec<Incident>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("reading {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("parsing {origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("scenario {origin}: {field}: {reason}")]
    Invalid {
        origin: String,
        field: String,
        reason: String,
    },
    #[error("scenario {origin}: network: {source}")]
    Network {
        origin: String,
        source: NetworkError,
    },
    #[error("no scenario file or shipped scenario named {0:?}")]
    Unknown(String),
}

pub type Result<T, E = ScenarioError> = std::result::Result<T, E>;

/// A field's problem, before the origin is known.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl Scenario {
    /// Parses and validates a scenario file's text; `origin` names it in
    /// errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self> {
        let spec: ScenarioSpec = toml::from_str(text).map_err(|e| {
            let at = e.span().and_then(|span| incident::locate(text, span.start));
            ScenarioError::Parse {
                origin: origin.to_owned(),
                message: match at {
                    Some(incident) => format!("{incident}: {e}"),
                    None => e.to_string(),
                },
            }
        })?;
        let network = networks::resolve(&spec.network, spec.seed).map_err(|source| {
            ScenarioError::Network {
                origin: origin.to_owned(),
                source,
            }
        })?;
        Self::resolve(spec, network).map_err(|e| ScenarioError::Invalid {
            origin: origin.to_owned(),
            field: e.field,
            reason: e.reason,
        })
    }

    /// A scenario file, or a shipped scenario by name.
    pub fn load(name_or_path: &str) -> Result<Self> {
        if let Some(text) = builtin::scenario(name_or_path) {
            return Self::from_toml(text, name_or_path);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            return Err(ScenarioError::Unknown(name_or_path.to_owned()));
        }
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Validates `spec` against `network`.
    pub fn resolve(spec: ScenarioSpec, network: Network) -> Result<Self, FieldError> {
        use time::{parse_duration_ms, parse_speed};
        let field = |name: &'static str| move |reason: String| FieldError::new(name, reason);
        if spec.name.trim().is_empty() {
            return Err(FieldError::new("name", "is empty"));
        }
        let start_ms = borderflow_domain::time::parse_rfc3339(&spec.start).ok_or_else(|| {
            FieldError::new("start", format!("{:?} is not an RFC 3339 time", spec.start))
        })?;
        let duration = parse_duration_ms(&spec.duration).map_err(field("duration"))?;
        if duration < MS_PER_HOUR {
            return Err(FieldError::new("duration", "must be at least 1h"));
        }
        let baseline = parse_duration_ms(&spec.baseline).map_err(field("baseline"))?;
        if baseline >= duration {
            return Err(FieldError::new(
                "baseline",
                "must end before the scenario does",
            ));
        }
        let speed = parse_speed(&spec.speed).map_err(field("speed"))?;
        if !(spec.scale.is_finite() && spec.scale > 0.0) {
            return Err(FieldError::new("scale", "must be a positive number"));
        }
        let tail_ms = parse_duration_ms(&spec.tail).map_err(field("tail"))?;
        let mut scenario = Self {
            name: spec.name,
            description: spec.description,
            network,
            start_ms,
            end_ms: start_ms + duration,
            speed,
            seed: spec.seed,
            baseline_end_ms: start_ms + baseline,
            scale: spec.scale,
            tail_ms,
            couple_twins: spec.couple_twins,
            incidents: Vec::new(),
        };
        for (index, raw) in spec.incidents.iter().enumerate() {
            let incident = raw.resolve(index, &scenario)?;
            scenario.incidents.push(incident);
        }
        Ok(scenario)
    }
}

#[cfg(test)]
mod tests;
