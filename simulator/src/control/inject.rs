//! What a trainer may inject while a run plays, resolved into an
//! [`Incident`] the planner plants: one of the scenario's own incidents by
//! its label, planted again from now with the same parameters and
//! duration, or one written as a scenario file writes an `[[incident]]`
//! (TOML or JSON), validated exactly as the scenario's own are, so an error
//! names the field (`incident.factor (flow_surge): must be …`).
//!
//! Every kind can be injected: crossing-wide changes, planted parties and
//! records of the past go to the traffic model, outages to the links, and
//! listed documents to the reference lists before the traffic meets them.
//! The scenario's rules still hold: nothing in the baseline period, nothing
//! past the scenario's end, pair incidents only where twins are coupled.
//! Pure: unit-tested without a run.

use borderflow_domain::time::format_rfc3339;
use serde::Deserialize;

use crate::scenario::time::parse_instant;
use crate::scenario::{FieldError, Incident, IncidentSpec, Scenario};

/// What to inject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// The label of one of the scenario's incidents.
    Catalogue(String),
    /// An `[[incident]]` table as written.
    Spec { text: String, format: Format },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

/// Where the run stands when an incident is injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    /// The clock's event time.
    pub now_ms: i64,
    /// How far the traffic model has generated: a change takes effect from
    /// there (see `Traffic::frontier`).
    pub frontier_ms: i64,
    /// The new incident's index, after the scenario's and those injected.
    pub index: usize,
    /// How many have been injected before it.
    pub injected: usize,
}

impl At {
    /// The earliest an injected incident can start.
    pub fn earliest_ms(&self) -> i64 {
        self.now_ms.max(self.frontier_ms)
    }

    /// The label of an injected incident.
    fn label(&self, of: &str) -> String {
        format!("{of} (injected #{})", self.injected + 1)
    }
}

/// The incident `request` asks for, validated against `scenario`.
pub fn resolve(scenario: &Scenario, request: &Request, at: &At) -> Result<Incident, FieldError> {
    match request {
        Request::Catalogue(label) => catalogue(scenario, label, at),
        Request::Spec { text, format } => spec(scenario, text, *format, at),
    }
}

/// The scenario's incident labelled `label`, from now on for as long as
/// it lasted (up to the scenario's end).
fn catalogue(scenario: &Scenario, label: &str, at: &At) -> Result<Incident, FieldError> {
    const FIELD: &str = "catalogue_label";
    let Some(original) = scenario.incidents.iter().find(|i| i.label == label) else {
        let known: Vec<String> = scenario
            .incidents
            .iter()
            .map(|i| format!("{:?}", i.label))
            .collect();
        let known = if known.is_empty() {
            "it has none".to_owned()
        } else {
            format!("it has {}", known.join(", "))
        };
        return Err(FieldError::new(
            FIELD,
            format!("{label:?} is not an incident of {}: {known}", scenario.name),
        ));
    };
    let start_ms = at.earliest_ms();
    if start_ms < scenario.baseline_end_ms {
        return Err(FieldError::new(
            FIELD,
            format!(
                "the baseline period, which must stay free of incidents, runs until {}",
                format_rfc3339(scenario.baseline_end_ms)
            ),
        ));
    }
    let end_ms = (start_ms + original.end_ms - original.start_ms).min(scenario.end_ms);
    if end_ms <= start_ms {
        return Err(FieldError::new(
            FIELD,
            format!("the scenario ended at {}", format_rfc3339(scenario.end_ms)),
        ));
    }
    let incident = Incident {
        index: at.index,
        label: at.label(&original.label),
        start_ms,
        end_ms,
        kind: original.kind.clone(),
    };
    incident.check_open(scenario).map_err(|e| rename(e, at))?;
    Ok(incident)
}

/// An incident as written; without a `start`, from now on.
fn spec(scenario: &Scenario, text: &str, format: Format, at: &At) -> Result<Incident, FieldError> {
    let mut spec = parse(text, format)?;
    let earliest = at.earliest_ms();
    match &spec.common.start {
        None => spec.common.start = Some(format_rfc3339(earliest)),
        Some(start) => {
            let start_ms = parse_instant(start, scenario.start_ms)
                .map_err(|reason| FieldError::new("incident.start", reason))?;
            if start_ms < at.now_ms {
                return Err(FieldError::new(
                    "incident.start",
                    format!(
                        "{} has passed: the exercise is at {}",
                        format_rfc3339(start_ms),
                        format_rfc3339(at.now_ms)
                    ),
                ));
            }
            // Generated already up to the frontier: it starts there.
            if start_ms < earliest {
                spec.common.start = Some(format_rfc3339(earliest));
            }
        }
    }
    let kind = spec.params.name();
    let spec = IncidentSpec {
        common: crate::scenario::incident::Common {
            name: Some(spec.common.name.unwrap_or_else(|| at.label(kind))),
            start: spec.common.start.unwrap_or_default(),
            duration: spec.common.duration,
        },
        params: spec.params,
    };
    spec.resolve(at.index, scenario).map_err(|e| rename(e, at))
}

/// An `[[incident]]` table whose `start` may be left out.
#[derive(Debug, Deserialize)]
struct Written {
    #[serde(flatten)]
    common: Common,
    #[serde(flatten)]
    params: crate::scenario::IncidentParams,
}

/// [`crate::scenario::incident::Common`] with `start` optional.
#[derive(Debug, Deserialize)]
struct Common {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    start: Option<String>,
    duration: String,
}

/// Parses `text`; a TOML text may also be one `[[incident]]` table as
/// pasted from a scenario file.
fn parse(text: &str, format: Format) -> Result<Written, FieldError> {
    let problem =
        |e: &dyn std::fmt::Display| FieldError::new("spec", format!("parsing the incident: {e}"));
    match format {
        Format::Json => serde_json::from_str(text).map_err(|e| problem(&e)),
        Format::Toml => {
            let mut table: toml::Table = toml::from_str(text).map_err(|e| problem(&e))?;
            if let Some(toml::Value::Array(tables)) = table.get("incident") {
                let [toml::Value::Table(one)] = tables.as_slice() else {
                    return Err(FieldError::new("spec", "give exactly one [[incident]]"));
                };
                table = one.clone();
            }
            toml::Value::Table(table)
                .try_into()
                .map_err(|e| problem(&e))
        }
    }
}

/// Errors name the field of the one incident injected, not a place in
/// the scenario file: `incident.factor (flow_surge)`.
pub(super) fn rename(e: FieldError, at: &At) -> FieldError {
    FieldError {
        field: e
            .field
            .replacen(&format!("incident[{}]", at.index), "incident", 1),
        reason: e.reason,
    }
}

#[cfg(test)]
mod tests;
