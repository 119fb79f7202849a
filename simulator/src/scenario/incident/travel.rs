//! Parameters of incidents about travel histories: cloned documents used
//! too far apart too fast, stays past the limit, entries with no exit
//! between them.

use borderflow_domain::country;
use borderflow_domain::time::{MS_PER_HOUR, MS_PER_MINUTE};
use borderflow_domain::travel::{MIN_DISTANCE_KM, speed_limit_kmh};
use serde::{Deserialize, Serialize};

use super::IncidentKind;
use super::check::Check;
use crate::model::network::Mode;
use crate::scenario::FieldError;
use crate::scenario::time::parse_duration_ms;

/// How fast a traveller really covers the way between two crossings, door
/// to door, km/h: a flight with its airport hours, or a day on the road.
pub fn plausible_speed_kmh(air: bool) -> f64 {
    if air { 700.0 } else { 120.0 }
}

/// Cloned documents: each used at one crossing, then `gap` later at the
/// other, faster than anyone travels.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImpossibleTravel {
    /// The two crossings, in the order the documents are used.
    pub crossings: Vec<String>,
    /// Time between the two uses of a document.
    pub gap: String,
    /// Documents cloned (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

impl ImpossibleTravel {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let ends = at.crossings("crossings", &self.crossings, 2)?;
        let [from, to] = ends[..] else {
            return Err(at.err("crossings", "needs exactly two crossings"));
        };
        let gap_ms = parse_duration_ms(&self.gap).map_err(|r| at.err("gap", r))?;
        let network = at.network();
        let (a, b) = (&network.crossings[from], &network.crossings[to]);
        let km = a.coordinates().distance_km(b.coordinates());
        let air = a.mode == Mode::Air || b.mode == Mode::Air;
        let limit = speed_limit_kmh(air);
        let speed = km / (gap_ms.max(1) as f64 / MS_PER_HOUR as f64);
        // Well past the limits, so the incident is impossible travel on
        // any reading of them.
        if km < 2.0 * MIN_DISTANCE_KM || speed < 1.5 * limit {
            return Err(at.err(
                "gap",
                format!(
                    "{km:.0} km in that time is {speed:.0} km/h; impossible travel needs crossings at least {:.0} km apart and more than {:.0} km/h",
                    2.0 * MIN_DISTANCE_KM,
                    1.5 * limit
                ),
            ));
        }
        if gap_ms >= at.duration_ms() {
            return Err(at.err("gap", "must be shorter than the incident"));
        }
        Ok(IncidentKind::ImpossibleTravel {
            from,
            to,
            count: at.count(self.count, 4)?,
            gap_ms,
        })
    }
}

/// Foreigners who entered 90 days before the incident and are still in
/// the country when it starts; `exits` of them leave during it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Overstay {
    pub crossing: String,
    /// Overstayers (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Overstayers who leave during the incident (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exits: Option<u32>,
    /// Their nationality, a foreign ICAO code; the crossing's mix of
    /// foreigners when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
}

impl Overstay {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let crossing = at.crossing("crossing", &self.crossing)?;
        let count = at.count(self.count, 5)?;
        let exits = self.exits.unwrap_or(0);
        if exits > count {
            return Err(at.err("exits", "cannot exceed count"));
        }
        if let Some(n) = &self.nationality
            && (country::validate(n).is_err() || *n == at.network().crossings[crossing].country)
        {
            return Err(at.err(
                "nationality",
                "must be a foreign ICAO code: nationals cannot overstay",
            ));
        }
        Ok(IncidentKind::Overstay {
            crossing,
            count,
            exits,
            nationality: self.nationality.clone(),
        })
    }
}

/// Travellers entering the same country twice, half the incident apart,
/// with no exit recorded between: at one crossing, or at two.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DoubleEntry {
    /// Both entries here; or give `crossings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crossing: Option<String>,
    /// The first entry's crossing and the second's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crossings: Option<Vec<String>>,
    /// Travellers (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

impl DoubleEntry {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let (first, second) = match (&self.crossing, &self.crossings) {
            (Some(id), None) => {
                let c = at.crossing("crossing", id)?;
                (c, c)
            }
            (None, Some(ids)) => {
                let [first, second] = at.crossings("crossings", ids, 2)?[..] else {
                    return Err(at.err("crossings", "needs exactly two crossings"));
                };
                (first, second)
            }
            (Some(_), Some(_)) | (None, None) => {
                return Err(at.err("crossings", "give either crossing or two crossings"));
            }
        };
        let network = at.network();
        if network.crossings[first].country != network.crossings[second].country {
            return Err(at.err("crossings", "both entries must be into the same country"));
        }
        // The second entry follows the first by half the span.
        let half = at.duration_ms() / 2;
        if half < MS_PER_MINUTE {
            return Err(at.err("duration", "must be at least 2m"));
        }
        at.travel(first, second, half)?;
        Ok(IncidentKind::DoubleEntry {
            first,
            second,
            count: at.count(self.count, 5)?,
        })
    }
}
