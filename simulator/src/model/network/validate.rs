//! A network's checks, each failure naming the crossing and the field.

use super::{Network, NetworkError, is_country_code};

impl Network {
    pub fn validate(&self) -> Result<(), NetworkError> {
        let mut seen = std::collections::HashSet::new();
        for (index, c) in self.crossings.iter().enumerate() {
            let fail = |field: &'static str, reason: String| NetworkError::Invalid {
                network: self.name.clone(),
                index,
                field,
                reason,
            };
            if c.id.is_empty()
                || c.id.len() > 48
                || !c
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(fail(
                    "id",
                    format!("{:?} must be 1 to 48 letters, digits, '-' or '_'", c.id),
                ));
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
                .find(|(code, w)| !(is_country_code(code) && w.is_finite() && *w >= 0.0))
            {
                return Err(fail(
                    "nationalities",
                    format!("{code:?}: needs an ICAO code and a non-negative weight"),
                ));
            }
            if !c.neighbour.is_empty() && !is_country_code(&c.neighbour) {
                return Err(fail(
                    "neighbour",
                    "must be an ISO 3166-1 alpha-3 code".into(),
                ));
            }
            if !(0.0..=1.0).contains(&c.nationals_share) {
                return Err(fail("nationals_share", "must be between 0 and 1".into()));
            }
            if !is_country_code(&c.country) {
                return Err(fail("country", "must be an ISO 3166-1 alpha-3 code".into()));
            }
        }
        Ok(())
    }
}
