//! Parameters of incidents about who travels together or comes back:
//! travellers refused again and again, trafficked minors, a trafficker
//! bringing other children each trip.

use borderflow_domain::time::{MS_PER_HOUR, MS_PER_MINUTE};
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

/// One adult bringing other minors across on each of `trips` trips, going
/// back alone between them: the route's crossings in turn, one trip in
/// each share of the span.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TraffickingRing {
    /// Where the trips enter, in turn.
    pub crossings: Vec<String>,
    /// Trips (2 to 12, default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trips: Option<u32>,
    /// Minors brought on each trip (1 to 6, default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minors: Option<u32>,
    /// The adult shows the parents' consent letters (forged or obtained by
    /// deceit), so the booth records an authorised adult; by default no
    /// relation is established (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_letters: Option<bool>,
    /// Young adults (18 to 24, on documents of the adult's state) in the
    /// adult's party on the first trip (0 to 20, default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub young_adults: Option<u32>,
}

impl TraffickingRing {
    pub(super) fn resolve(&self, at: &Check<'_>) -> Result<IncidentKind, FieldError> {
        let route = at.crossings("crossings", &self.crossings, 1)?;
        let trips = self.trips.unwrap_or(3);
        if !(2..=12).contains(&trips) {
            return Err(at.err("trips", "must be between 2 and 12"));
        }
        let minors = self.minors.unwrap_or(2);
        if !(1..=6).contains(&minors) {
            return Err(at.err("minors", "must be between 1 and 6"));
        }
        let young_adults = self.young_adults.unwrap_or(0);
        if young_adults > 20 {
            return Err(at.err("young_adults", "must be at most 20"));
        }
        // Each trip enters in the second eighth to the fourth of its share
        // and goes back in the sixth to the eighth: a quarter of a share
        // at least between going back and the next trip's entry.
        let slot = at.duration_ms() / i64::from(trips);
        if slot < 2 * MS_PER_HOUR {
            return Err(at.err("duration", "leaves less than two hours for each trip"));
        }
        let stops: Vec<usize> = (0..trips as usize)
            .map(|i| route[i % route.len()])
            .collect();
        for pair in stops.windows(2) {
            if pair[0] != pair[1] {
                at.travel(pair[0], pair[1], slot / 4)?;
            }
        }
        Ok(IncidentKind::TraffickingRing {
            route,
            trips,
            minors,
            consent_letters: self.consent_letters.unwrap_or(false),
            young_adults,
        })
    }
}
