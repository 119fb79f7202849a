//! Incidents of a twin pair (both posts of one crossing point, each its
//! own country's), in a scenario that couples twins: travellers who leave
//! one post and never reach the other, and one post closing its side.

use serde::{Deserialize, Serialize};

use super::IncidentKind;
use super::check::Check;
use crate::scenario::FieldError;

/// Parties that leave the pair's first post and never reach the other (1
/// to 1,000, default 30): smuggled across the zone between the posts, or
/// lost in it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VanishedTravellers {
    /// The post they leave: the first of a declared pair.
    pub crossing: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parties: Option<u32>,
}

impl VanishedTravellers {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let crossing = leading_post(at, &self.crossing)?;
        let parties = self.parties.unwrap_or(30);
        if !(1..=1_000).contains(&parties) {
            return Err(at.err("parties", "must be between 1 and 1000"));
        }
        Ok(IncidentKind::VanishedTravellers { crossing, parties })
    }
}

/// The second post of a pair closes its side without telling the first:
/// travellers who left the first post are turned back at the closed booths
/// and enter the first post again.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TwinClosure {
    /// The pair's first post: its twin closes.
    pub crossing: String,
}

impl TwinClosure {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        Ok(IncidentKind::TwinClosure {
            crossing: leading_post(at, &self.crossing)?,
        })
    }
}

/// The index of `id`, which must be the first post of a declared pair in
/// a scenario that couples twins.
fn leading_post(at: &Check<'_>, id: &str) -> Result<usize, FieldError> {
    let crossing = at.crossing("crossing", id)?;
    if !at.scenario.couple_twins {
        return Err(at.err(
            "crossing",
            "travellers cross between twin posts only in a scenario with couple_twins = true",
        ));
    }
    let leads = at.network().crossings[crossing]
        .twin
        .as_ref()
        .is_some_and(|t| t.leads);
    if !leads {
        return Err(at.err(
            "crossing",
            format!("{id:?} is not the first post of a declared twin pair"),
        ));
    }
    Ok(crossing)
}
