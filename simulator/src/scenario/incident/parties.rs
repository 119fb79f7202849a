//! Parameters of incidents about who travels together or comes back:
//! travellers refused again and again, trafficked minors.

use borderflow_domain::time::MS_PER_MINUTE;
use serde::{Deserialize, Serialize};

use super::IncidentKind;
use super::check::Check;
use crate::scenario::FieldError;

/// Travellers refused entry, trying again `attempts` times.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatedRefusals {
    pub crossing: String,
    /// Travellers (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Attempts each (2 to 20, default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
}

impl RepeatedRefusals {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let attempts = self.attempts.unwrap_or(3);
        if !(2..=20).contains(&attempts) {
            return Err(at.err("attempts", "must be between 2 and 20"));
        }
        // Each attempt falls in its own share of the span.
        if at.duration_ms() / i64::from(attempts) < MS_PER_MINUTE {
            return Err(at.err("duration", "leaves less than a minute for each attempt"));
        }
        Ok(IncidentKind::RepeatedRefusals {
            crossing: at.crossing("crossing", &self.crossing)?,
            count: at.count(self.count, 4)?,
            attempts,
        })
    }
}

/// Groups of minors with adults unrelated to them, or with none.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Trafficking {
    pub crossing: String,
    /// Groups (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Groups whose minors cross with no adult at all (default a third).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unaccompanied: Option<u32>,
}

impl Trafficking {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let count = at.count(self.count, 4)?;
        let unaccompanied = self.unaccompanied.unwrap_or(count / 3);
        if unaccompanied > count {
            return Err(at.err("unaccompanied", "cannot exceed count"));
        }
        Ok(IncidentKind::Trafficking {
            crossing: at.crossing("crossing", &self.crossing)?,
            count,
            unaccompanied,
        })
    }
}
