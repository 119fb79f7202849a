//! Incidents of a twin pair (both posts of one crossing point, each its
//! own country's), in a scenario that couples twins: travellers who leave
//! one post and never reach the other, one post closing its side, the zone
//! between the posts slowing down, and booths of one post that inspect
//! without reporting.

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

/// The drive between the pair's posts, either way, takes `factor` (1.5 to
/// 20, default 4) times as long for travellers setting out during the
/// incident: road works, an unannounced check in the zone, snow on a pass.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneSlowdown {
    /// The pair's first post.
    pub crossing: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
}

impl ZoneSlowdown {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let crossing = leading_post(at, &self.crossing)?;
        let factor = self.factor.unwrap_or(4.0);
        if !(1.5..=20.0).contains(&factor) {
            return Err(at.err("factor", "must be between 1.5 and 20"));
        }
        Ok(IncidentKind::ZoneSlowdown { crossing, factor })
    }
}

/// The first `booths` booths (1 to all, default 1) of a twin post inspect
/// travellers as usual but nothing of theirs reaches the system (a booth
/// working offline whose records are never synchronised): the post's
/// counts fall short of what its twin sees.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UnreportedBooths {
    /// Either post of a declared pair.
    pub crossing: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booths: Option<u32>,
}

impl UnreportedBooths {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let crossing = at.crossing("crossing", &self.crossing)?;
        coupled(at)?;
        let spec = &at.network().crossings[crossing];
        if spec.twin.is_none() {
            return Err(at.err(
                "crossing",
                format!("{:?} is not a post of a declared twin pair", self.crossing),
            ));
        }
        let booths = self.booths.unwrap_or(1);
        if !(1..=spec.lanes).contains(&booths) {
            return Err(at.err(
                "booths",
                format!("must be between 1 and the post's {} booths", spec.lanes),
            ));
        }
        Ok(IncidentKind::UnreportedBooths { crossing, booths })
    }
}

/// Travellers cross between twin posts only in a coupled scenario.
fn coupled(at: &Check<'_>) -> Result<(), FieldError> {
    if at.scenario.couple_twins {
        Ok(())
    } else {
        Err(at.err(
            "crossing",
            "travellers cross between twin posts only in a scenario with couple_twins = true",
        ))
    }
}

/// The index of `id`, which must be the first post of a declared pair in
/// a scenario that couples twins.
fn leading_post(at: &Check<'_>, id: &str) -> Result<usize, FieldError> {
    let crossing = at.crossing("crossing", id)?;
    coupled(at)?;
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
