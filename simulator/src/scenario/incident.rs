//! Incidents: what a scenario says goes wrong, where and when.
//!
//! Start reading at [`IncidentSpec`], one `[[incident]]` table as written:
//! the fields every kind takes ([`Common`]) and, chosen by its `kind`, a
//! variant of [`IncidentParams`] holding a struct with exactly the
//! parameters that kind takes (`flows.rs`, `operations.rs`, `documents.rs`,
//! `travel.rs`, `parties.rs`). Parsing refuses an unknown kind, a
//! parameter the kind does not take and a missing required one, naming
//! them.
//! [`IncidentSpec::resolve`] then checks the values against the scenario
//! and its network and gives an [`Incident`], whose [`IncidentKind`] the
//! planner (`crate::plant`) plays.
//!
//! Every match over kinds, here and in the planner, is exhaustive: a new
//! kind does not compile until it is validated and planted.

mod check;
mod documents;
mod flows;
mod kind;
mod locate;
mod operations;
mod parties;
mod protection;
mod travel;
mod twins;

use borderflow_domain::time::MS_PER_MINUTE;
use serde::{Deserialize, Serialize};

use super::time::{parse_duration_ms, parse_instant};
use super::{FieldError, Scenario};
use crate::model::profile::Intensity;
use check::Check;
pub use documents::{ForgedDocuments, StolenDocuments, WatchlistedPerson};
pub use flows::{
    Direction, FlowDrop, FlowSurge, LinkOutage, NationalityShift, OfficerOverride, SlowInspections,
};
pub use kind::{IncidentKind, IncidentParams};
pub(crate) use locate::locate;
pub use operations::{LaneClosure, RefusalCampaign};
pub use parties::{RepeatedRefusals, Trafficking, TraffickingRing};
pub use protection::MassInflux;
pub use travel::{DoubleEntry, ImpossibleTravel, Overstay, plausible_speed_kmh};
pub use twins::{TwinClosure, UnreportedBooths, VanishedTravellers, ZoneSlowdown};

/// An incident as written: one flat table, its `kind` saying which
/// parameters it takes.
///
/// Serde cannot refuse unknown fields on a struct with flattened fields,
/// so this one does not try: [`Common`] takes its fields out of the table
/// first (it is declared first), and the kind's struct, which denies
/// unknown fields, refuses whatever is left over. The tests pin this down.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct IncidentSpec {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub params: IncidentParams,
}

/// The fields every kind of incident takes.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct Common {
    /// A label for the scorecard; `<kind> #<n>` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// RFC 3339, or `+<duration>` from the scenario's start.
    pub start: String,
    pub duration: String,
}

/// A validated incident.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    /// Its place among the scenario's incidents (0-based).
    pub index: usize,
    pub label: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub kind: IncidentKind,
}

impl Incident {
    /// How errors name one of this incident's fields.
    pub fn field(&self, name: &str) -> String {
        field(self.index, self.kind.name(), name)
    }

    /// Whether the crossings it needs open at some point of its span, as
    /// [`IncidentSpec::resolve`] checks: for an incident moved to another
    /// span (planted again while a run plays, `crate::control`).
    pub fn check_open(&self, scenario: &Scenario) -> Result<(), FieldError> {
        let at = Check {
            index: self.index,
            kind: self.kind.name(),
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            scenario,
        };
        for (c, name) in self.kind.crossings() {
            open(&at, c, name)?;
        }
        Ok(())
    }
}

/// `incident[2].factor (flow_surge)`: where to look in the file, and what
/// the incident is.
fn field(index: usize, kind: &str, name: &str) -> String {
    format!("incident[{index}].{name} ({kind})")
}

impl IncidentSpec {
    /// Validates the incident at `index` of `scenario`.
    pub fn resolve(&self, index: usize, scenario: &Scenario) -> Result<Incident, FieldError> {
        let kind = self.params.name();
        let err = |name: &str, reason: String| FieldError::new(field(index, kind, name), reason);
        let start_ms =
            parse_instant(&self.common.start, scenario.start_ms).map_err(|r| err("start", r))?;
        let duration = parse_duration_ms(&self.common.duration).map_err(|r| err("duration", r))?;
        if duration <= 0 {
            return Err(err("duration", "must be positive".into()));
        }
        let end_ms = start_ms + duration;
        if start_ms < scenario.baseline_end_ms {
            return Err(err(
                "start",
                "falls inside the baseline period, which must stay free of incidents".into(),
            ));
        }
        if end_ms > scenario.end_ms {
            return Err(err("duration", "runs past the end of the scenario".into()));
        }
        let at = Check {
            index,
            kind,
            start_ms,
            end_ms,
            scenario,
        };
        let resolved = self.params.resolve(&at)?;
        for (c, name) in resolved.crossings() {
            open(&at, c, name)?;
        }
        Ok(Incident {
            index,
            label: self
                .common
                .name
                .clone()
                .unwrap_or_else(|| format!("{kind} #{}", index + 1)),
            start_ms,
            end_ms,
            kind: resolved,
        })
    }
}

/// Whether crossing `c` opens at some quarter hour of the incident.
fn open(at: &Check<'_>, c: usize, name: &str) -> Result<(), FieldError> {
    let spec = &at.network().crossings[c];
    let intensity = Intensity::new(spec, 1.0);
    let mut t = at.start_ms;
    while t < at.end_ms {
        if intensity.is_open(t) {
            return Ok(());
        }
        t += 15 * MS_PER_MINUTE;
    }
    Err(at.err(
        name,
        format!("{} is closed throughout the incident", spec.id),
    ))
}

#[cfg(test)]
mod tests;
