//! A network's checks, each failure naming the crossing and the field.

use borderflow_domain::{country, ids};

use super::{Network, NetworkError};

impl Network {
    pub fn validate(&self) -> Result<(), NetworkError> {
        for (index, day) in self.special_days.iter().enumerate() {
            if let Some((field, reason)) = day.problem() {
                return Err(NetworkError::InvalidSpecialDay {
                    network: self.name.clone(),
                    index,
                    field,
                    reason,
                });
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (index, c) in self.crossings.iter().enumerate() {
            let fail = |field: &'static str, reason: String| NetworkError::Invalid {
                network: self.name.clone(),
                index,
                field,
                reason,
            };
            if let Err(problem) = ids::validate(&c.id) {
                return Err(fail("id", format!("{:?} {problem}", c.id)));
            }
            if !seen.insert(c.id.as_str()) {
                return Err(fail("id", format!("{:?} appears twice", c.id)));
            }
            if !c.coordinates().is_valid() {
                return Err(fail("latitude", "coordinates out of range".into()));
            }
            if c.lanes == 0 || c.lanes > 99 {
                return Err(fail("lanes", "must be between 1 and 99".into()));
            }
            if c.officers == 0 {
                return Err(fail("officers", "must be at least 1".into()));
            }
            if !(c.rate_per_hour.is_finite() && c.rate_per_hour >= 0.0) {
                return Err(fail(
                    "rate_per_hour",
                    "must be a non-negative number".into(),
                ));
            }
            if c.profile.hourly.len() != 24
                || c.profile
                    .hourly
                    .iter()
                    .any(|v| !(v.is_finite() && *v >= 0.0))
            {
                return Err(fail(
                    "profile.hourly",
                    "needs 24 non-negative values".into(),
                ));
            }
            if c.profile.weekly.len() != 7
                || c.profile
                    .weekly
                    .iter()
                    .any(|v| !(v.is_finite() && *v >= 0.0))
            {
                return Err(fail("profile.weekly", "needs 7 non-negative values".into()));
            }
            let [open, close] = c.profile.open_hours;
            if open >= close || close > 24 {
                return Err(fail(
                    "profile.open_hours",
                    "needs open < close <= 24".into(),
                ));
            }
            // The aggregator's registry takes market factors up to 20.
            if !(0.0..=20.0).contains(&c.profile.market_factor) {
                return Err(fail(
                    "profile.market_factor",
                    "must be a number from 0 to 20".into(),
                ));
            }
            // Booths and officers are named after their crossing, and their
            // ids travel in every event: they must pass ingest's check too.
            for derived in [c.checkpoint_id(c.lanes - 1), c.officer_id(c.officers - 1)] {
                if let Err(problem) = ids::validate(&derived) {
                    return Err(fail(
                        "id",
                        format!(
                            "{:?} names booths and officers such as {derived:?}, which {problem}",
                            c.id
                        ),
                    ));
                }
            }
            if c.capacity_per_hour == 0 {
                return Err(fail("capacity_per_hour", "must be at least 1".into()));
            }
            if !(-12..=14).contains(&c.profile.utc_offset_hours) {
                return Err(fail(
                    "profile.utc_offset_hours",
                    "must be between -12 and 14".into(),
                ));
            }
            if let Some((code, _)) = c
                .nationalities
                .iter()
                .find(|(code, w)| !(country::validate(code).is_ok() && w.is_finite() && *w >= 0.0))
            {
                return Err(fail(
                    "nationalities",
                    format!("{code:?}: needs an ICAO code and a non-negative weight"),
                ));
            }
            if !c.neighbour.is_empty()
                && let Err(problem) = country::validate(&c.neighbour)
            {
                return Err(fail("neighbour", problem.to_string()));
            }
            if !(0.0..=1.0).contains(&c.nationals_share) {
                return Err(fail("nationals_share", "must be between 0 and 1".into()));
            }
            if let Err(problem) = country::validate(&c.country) {
                return Err(fail("country", problem.to_string()));
            }
        }
        self.validate_twins()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builtin;

    fn with_id(id: &str, officers: u32) -> Result<(), NetworkError> {
        let mut network = builtin::network("central-asia").unwrap().unwrap();
        network.crossings.truncate(1);
        network.twins.clear();
        network.crossings[0].id = id.to_owned();
        network.crossings[0].officers = officers;
        network.validate()
    }

    #[test]
    fn crossing_ids_follow_the_identifier_rule() {
        assert!(with_id("kz:airport.nqz", 8).is_ok());
        let message = with_id("KZ KOR", 8).unwrap_err().to_string();
        assert!(message.contains("crossing[0].id"), "{message}");
        assert!(message.contains("may contain only"), "{message}");
        assert!(with_id("", 8).is_err());
    }

    #[test]
    fn country_codes_must_be_assigned() {
        // Documents carry these codes, and a reader refuses a state that
        // does not exist, such as the specimens' Utopia.
        let mut network = builtin::network("central-asia").unwrap().unwrap();
        network.crossings.truncate(1);
        network.twins.clear();
        assert!(network.validate().is_ok());
        let mut fictional = network.clone();
        fictional.crossings[0].nationalities = vec![("UTO".into(), 1.0)];
        let message = fictional.validate().unwrap_err().to_string();
        assert!(message.contains("nationalities"), "{message}");
        let mut fictional = network.clone();
        fictional.crossings[0].country = "UTO".into();
        let message = fictional.validate().unwrap_err().to_string();
        assert!(message.contains("not an assigned"), "{message}");
        let mut fictional = network;
        fictional.crossings[0].neighbour = "RKS".into();
        assert!(fictional.validate().is_err());
    }

    #[test]
    fn the_ids_named_after_a_crossing_must_fit_too() {
        // "-O008" is the longest suffix: eight officers, at most 99 booths.
        assert!(with_id(&"X".repeat(ids::MAX_LEN - 5), 8).is_ok());
        let message = with_id(&"X".repeat(ids::MAX_LEN - 5), 1000)
            .unwrap_err()
            .to_string();
        assert!(message.contains("-O1000"), "{message}");
        assert!(message.contains("at most 64"), "{message}");
    }
}
