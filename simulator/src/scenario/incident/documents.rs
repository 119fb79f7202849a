//! Parameters of incidents about papers: forged and stolen documents, and
//! a traveller on a watchlist.

use borderflow_domain::time::MS_PER_MINUTE;
use serde::{Deserialize, Serialize};

use super::IncidentKind;
use super::check::Check;
use crate::scenario::FieldError;

/// Documents with altered zones presented at one crossing.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ForgedDocuments {
    pub crossing: String,
    /// Documents presented (default 12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

impl ForgedDocuments {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        Ok(IncidentKind::ForgedDocuments {
            crossing: at.crossing("crossing", &self.crossing)?,
            count: at.count(self.count, 12)?,
        })
    }
}

/// Documents on the lost and stolen list presented at one crossing.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StolenDocuments {
    pub crossing: String,
    /// Documents presented (default 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

impl StolenDocuments {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        Ok(IncidentKind::StolenDocuments {
            crossing: at.crossing("crossing", &self.crossing)?,
            count: at.count(self.count, 6)?,
        })
    }
}

/// A listed person passing the crossings of a route in turn.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WatchlistedPerson {
    /// The route: one passage at each, in order.
    pub crossings: Vec<String>,
}

impl WatchlistedPerson {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let route = at.crossings("crossings", &self.crossings, 1)?;
        // Passages fall in the middle half of each leg.
        let leg = at.duration_ms() / route.len() as i64 / 2;
        if leg < MS_PER_MINUTE {
            return Err(at.err("duration", "leaves less than a minute for each passage"));
        }
        for pair in route.windows(2) {
            at.travel(pair[0], pair[1], leg)?;
        }
        Ok(IncidentKind::WatchlistedPerson { route })
    }
}
