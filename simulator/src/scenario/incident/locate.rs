//! Which incident a parse error is in: serde's messages name the field or
//! the kind that is wrong but not the incident, and a scenario file may
//! hold many.
//!
//! Serde reads an internally tagged table whole before it knows the kind,
//! and what it has read carries no positions: an error inside an incident
//! points at the incident's `[[incident]]` line, not at the field's own.
//! Unknown and missing fields are named in the message; a value of the
//! wrong type is quoted with the type expected, without its field.

use serde::Deserialize;
use toml::{Spanned, Table};

/// Only the incidents, each with where it is in the text.
#[derive(Deserialize)]
struct Incidents {
    #[serde(default)]
    incident: Vec<Spanned<Table>>,
}

/// `incident[2] (flow_drop)` for an error at byte `at` of `text`, if it
/// lies in an incident.
pub(crate) fn locate(text: &str, at: usize) -> Option<String> {
    let incidents: Incidents = toml::from_str(text).ok()?;
    let (index, table) = incidents
        .incident
        .iter()
        .enumerate()
        .find(|(_, t)| t.span().contains(&at))?;
    Some(match table.get_ref().get("kind").and_then(|k| k.as_str()) {
        Some(kind) => format!("incident[{index}] ({kind})"),
        None => format!("incident[{index}]"),
    })
}
