//! Special days of a network: public holidays and religious festivals,
//! dated, with the countries that keep them and the traffic they bring.
//! They are declared network-wide in the file (`[[special_day]]`) and read
//! per crossing: the traffic model shapes its rate with them and the
//! registry entry declares them, so both sides read the same data.

use borderflow_domain::country;
use borderflow_domain::time::Date;
use borderflow_proto::analytics::v1::{SpecialDay as SpecialDayProto, SpecialDayKind};
use serde::{Deserialize, Serialize};

use super::{CrossingSpec, Network};

/// What a special day is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    PublicHoliday,
    ReligiousFestival,
}

/// One dated day with traffic of its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialDay {
    /// The local calendar date, YYYY-MM-DD.
    pub date: String,
    pub kind: DayKind,
    pub name: String,
    /// Traffic on the day relative to the same day without it.
    pub factor: f64,
    /// The operating countries that keep the day; empty: every crossing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
}

impl SpecialDay {
    /// Days since the epoch of the (local) date, if it is one.
    pub fn day(&self) -> Option<i64> {
        Date::parse(&self.date).map(Date::days_since_epoch)
    }

    pub fn kept_at(&self, crossing: &CrossingSpec) -> bool {
        self.countries.is_empty() || self.countries.contains(&crossing.country)
    }

    pub fn proto(&self) -> SpecialDayProto {
        SpecialDayProto {
            date: self.date.clone(),
            kind: match self.kind {
                DayKind::PublicHoliday => SpecialDayKind::PublicHoliday,
                DayKind::ReligiousFestival => SpecialDayKind::ReligiousFestival,
            } as i32,
            name: self.name.clone(),
            traffic_factor: self.factor,
        }
    }

    /// What is wrong with the day, if anything.
    pub(super) fn problem(&self) -> Option<(&'static str, String)> {
        if self.day().is_none() {
            return Some(("date", format!("{:?} is not a date YYYY-MM-DD", self.date)));
        }
        if !(0.05..=20.0).contains(&self.factor) {
            return Some(("factor", "must lie between 0.05 and 20".into()));
        }
        if self.name.is_empty() || self.name.len() > 200 {
            return Some(("name", "needs 1 to 200 bytes".into()));
        }
        self.countries.iter().find_map(|code| {
            country::validate(code)
                .err()
                .map(|problem| ("countries", format!("{code:?}: {problem}")))
        })
    }
}

impl Network {
    /// Copies each special day into the profile of every crossing that
    /// keeps it, where the traffic model and the registry entry read it.
    pub(super) fn spread_special_days(&mut self) {
        let days = std::mem::take(&mut self.special_days);
        for crossing in &mut self.crossings {
            let kept: Vec<SpecialDay> = days
                .iter()
                .filter(|d| d.kept_at(crossing))
                .cloned()
                .collect();
            crossing.profile.special_days = kept;
        }
        self.special_days = days;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NETWORK: &str = r#"
name = "two"

[[crossing]]
id = "KZ-A"
name = "A"
country = "KAZ"
neighbour = "KGZ"
latitude = 43.0
longitude = 74.7
mode = "road"
lanes = 2
capacity_per_hour = 100
rate_per_hour = 20

[[crossing]]
id = "TM-B"
name = "B"
country = "TKM"
neighbour = "IRN"
latitude = 37.9
longitude = 58.4
mode = "road"
lanes = 2
capacity_per_hour = 100
rate_per_hour = 20

[[special_day]]
date = "2026-05-09"
kind = "public_holiday"
name = "Victory Day"
factor = 1.2
countries = ["KAZ"]

[[special_day]]
date = "2026-03-21"
kind = "public_holiday"
name = "Nowruz"
factor = 1.4
"#;

    #[test]
    fn special_days_reach_the_crossings_that_keep_them_and_their_registry_entries() {
        let network = Network::from_toml(NETWORK, "two").unwrap();
        let dates = |i: usize| -> Vec<&str> {
            network.crossings[i]
                .profile
                .special_days
                .iter()
                .map(|d| d.date.as_str())
                .collect()
        };
        assert_eq!(dates(0), vec!["2026-05-09", "2026-03-21"]);
        assert_eq!(dates(1), vec!["2026-03-21"]);
        let entry = network.crossings[0].registry_entry();
        assert_eq!(entry.special_days.len(), 2);
        assert_eq!(entry.special_days[0].date, "2026-05-09");
        assert_eq!(entry.special_days[0].traffic_factor, 1.2);
        assert_eq!(
            entry.special_days[0].kind,
            SpecialDayKind::PublicHoliday as i32
        );
    }

    #[test]
    fn a_bad_special_day_is_refused_with_its_field() {
        for (bad, field) in [
            ("date = \"2026-05-09\"", "date = \"2026-13-09\""),
            ("factor = 1.2", "factor = 0.0"),
            ("countries = [\"KAZ\"]", "countries = [\"kaz\"]"),
        ]
        .map(|(from, to)| {
            (
                NETWORK.replacen(from, to, 1),
                from.split(' ').next().unwrap(),
            )
        }) {
            let error = Network::from_toml(&bad, "two").unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("network two: special_day[0].{field}: ")),
                "{error}"
            );
        }
    }
}
