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
